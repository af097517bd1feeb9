import t from 'tap';
import type { Retirement } from '../../src/api/cost.js';
import { versionName } from '../../src/resources/names.js';
import { observationsNeeded } from '../../src/timescape/observations.js';
import { stepRetirement, type RetirementState } from '../../src/timescape/retirement.js';
import { sampled, unavailable } from '../helpers/observations.js';
import { at, Driver, spec } from './lib.js';

// Retirement by measured demand (issue #25): a superseded version still called keeps its pin
// rule and announces its end; it retires after consecutive quiet checks past its notice, or at
// maxAgeSeconds.

const POLICY: Retirement = {
  demandQuery: 'sum(rate(requests_total{service="{{service}}"}[1m]))',
  minRequestsPerSecond: 1,
  consecutiveChecks: 2,
  intervalSeconds: 30,
  notice: 60,
  maxAgeSeconds: 600,
};
const SUPERSEDED = at(10).toISOString();
const iso = (s: number) => at(s).toISOString().replace('.000Z', 'Z');

t.test('stepRetirement', async (t) => {
  const quiet = (n: number, checkedAt: number, sampleAt = checkedAt): RetirementState => ({
    sunsetAt: iso(70),
    retiresAt: iso(610),
    demand: {
      quietChecks: n,
      checkedAt: iso(checkedAt),
      sampleAt: at(sampleAt).toISOString(),
    },
  });
  const rows: Array<{
    reason: string;
    prev?: RetirementState;
    now: number;
    demand?: ReturnType<typeof sampled>;
    policy?: Partial<Retirement>;
    want: Record<string, unknown>;
  }> = [
    {
      reason: 'just superseded, nothing measured: kept, its dates set, its first check asked for',
      now: 10,
      want: {
        retired: false,
        reason: 'Deprecated',
        state: { sunsetAt: iso(70), retiresAt: iso(610) },
        dueInSeconds: 2,
      },
    },
    {
      reason: 'still called above the threshold: kept, the streak at 0',
      now: 12,
      demand: sampled(5, 12),
      want: {
        retired: false,
        state: { demand: { requestsPerSecond: 5, quietChecks: 0, checkedAt: iso(12) } },
      },
    },
    {
      reason: 'quiet, but before its notice is over: kept, counted',
      prev: quiet(1, 20),
      now: 50,
      demand: sampled(0, 50),
      want: { retired: false, state: { demand: { quietChecks: 2 } }, dueInSeconds: 20 },
    },
    {
      reason: 'quiet twice in a row after its Sunset date: retired by demand',
      prev: quiet(1, 70),
      now: 100,
      demand: sampled(0.5, 100),
      want: {
        retired: true,
        reason: 'RetiredByDemand',
        state: { drainedAt: iso(100), drainReason: 'RetiredByDemand' },
      },
    },
    {
      reason: 'at the threshold counts as quiet',
      prev: quiet(1, 70),
      now: 100,
      demand: sampled(1, 100),
      want: { retired: true },
    },
    {
      reason: 'a call above the threshold starts the streak over',
      prev: quiet(1, 70),
      now: 100,
      demand: sampled(1.5, 100),
      want: { retired: false, state: { demand: { quietChecks: 0 } } },
    },
    {
      reason: 'a sample no newer than the last counted counts nothing (no vote twice)',
      prev: quiet(1, 70, 90),
      now: 100,
      demand: sampled(0, 90),
      want: { retired: false, state: { demand: { quietChecks: 1 } }, dueInSeconds: 2 },
    },
    {
      reason: 'a check not due yet counts nothing',
      prev: quiet(1, 90),
      now: 100,
      demand: sampled(0, 100),
      want: { retired: false, state: { demand: { quietChecks: 1, checkedAt: iso(90) } } },
    },
    {
      reason: 'demand unavailable is never evidence of quiet: the streak starts over',
      prev: quiet(1, 70),
      now: 100,
      demand: unavailable('Timeout') as ReturnType<typeof sampled>,
      want: { retired: false, state: { demand: { quietChecks: 0, checkedAt: iso(100) } } },
    },
    {
      reason: 'not asked this call: not yet (asked again in 2 s)',
      prev: quiet(1, 70),
      now: 100,
      want: { retired: false, dueInSeconds: 2 },
    },
    {
      reason: 'maxAgeSeconds after it was superseded: retired whatever its demand',
      prev: quiet(0, 600),
      now: 610,
      demand: sampled(50, 610),
      want: { retired: true, reason: 'RetiredByAge' },
    },
    {
      reason: 'no maxAgeSeconds: demand alone decides',
      now: 100000,
      demand: sampled(50, 100000),
      policy: { maxAgeSeconds: undefined },
      want: { retired: false, state: { retiresAt: undefined } },
    },
    {
      reason: 'retired stays retired',
      prev: { sunsetAt: iso(70), drainedAt: iso(100), drainReason: 'RetiredByDemand' },
      now: 200,
      demand: sampled(9, 200),
      want: { retired: true, reason: 'RetiredByDemand', state: { drainedAt: iso(100) } },
    },
  ];
  for (const r of rows) {
    const step = stepRetirement(r.prev, {
      now: at(r.now),
      policy: { ...POLICY, ...r.policy },
      supersededAt: SUPERSEDED,
      demand: r.demand,
    });
    t.match(step, r.want, r.reason);
  }
});

/** v1 serves, then spec.version moves to v2 at once; retirement with POLICY. */
function superseded(extra: Record<string, unknown> = {}): Driver {
  const d = new Driver();
  const s = (v: string) =>
    spec(v, { rollout: { steps: [], rollbackWindowSeconds: 0 }, retirement: POLICY, ...extra });
  d.sync(0, s('v1'));
  d.sync(1, s('v1'));
  d.sync(5, s('v2'));
  d.sync(10, s('v2'));
  return d;
}
const sp = (extra: Record<string, unknown> = {}) =>
  spec('v2', { rollout: { steps: [], rollbackWindowSeconds: 0 }, retirement: POLICY, ...extra });

t.test('a superseded version still called stays pin-routable and says when it goes', async (t) => {
  const d = superseded();
  const v1 = () => d.plan!.versions.find((v) => v.status.versionId === 'v1');
  t.same(d.weights(), { v1: 0, v2: 100 });
  t.match(v1(), {
    pin: true,
    weight: 0,
    status: { phase: 'Active', reason: 'Deprecated', sunsetAt: iso(70), retiresAt: iso(610) },
    announce: { deprecatedAt: iso(10), sunsetAt: iso(70) },
    workload: { state: 'serve' },
  });
  for (const s of [12, 42, 72, 102]) {
    d.demand = { v1: sampled(5, s) };
    d.sync(s, sp());
    t.match(v1(), {
      pin: true,
      status: { reason: 'Deprecated', demand: { requestsPerSecond: 5 } },
    });
  }
  d.demand = { v1: sampled(0, 132) };
  d.sync(132, sp());
  t.match(v1(), { status: { reason: 'Deprecated', demand: { quietChecks: 1 } } }, 'one quiet');
  d.demand = { v1: sampled(0, 162) };
  d.sync(162, sp());
  t.match(
    v1(),
    { pin: false, status: { phase: 'Decommissioned', reason: 'RetiredByDemand' } },
    'retired at the second check after the calls stopped',
  );
  t.equal(v1()?.announce, undefined, 'nothing left to announce');
  d.sync(163, sp());
  d.sync(170, sp());
  t.equal(d.version('v1'), undefined, 'its workloads go and it leaves the status');
});

t.test('maxAgeSeconds retires a version however much it is still called', async (t) => {
  const d = superseded();
  for (const s of [12, 300, 599]) {
    d.demand = { v1: sampled(50, s) };
    d.sync(s, sp());
  }
  t.equal(d.version('v1')?.reason, 'Deprecated');
  t.equal(d.plan!.resyncAfterSeconds! <= 11, true, 'woken at its retiresAt at the latest');
  d.sync(610, sp());
  t.match(d.version('v1'), { phase: 'Decommissioned', drainReason: 'RetiredByAge' });
});

t.test('what retirement does not keep', async (t) => {
  const none = superseded({ retirement: undefined });
  t.match(none.version('v1'), { phase: 'Draining' }, 'no spec.retirement: it drains as before');
  t.equal(none.plan!.versions.find((v) => v.status.versionId === 'v1')?.announce, undefined);
  const d = new Driver();
  d.gv('users-v3', { versionId: 'v3', routingWeight: 50 });
  d.sync(0, sp());
  d.sync(1, sp());
  d.deleting.add('users-v3');
  d.sync(10, sp());
  t.match(d.version('v3'), { phase: 'Draining' }, 'a deleted GatiVersion drains: not superseded');
});

t.test('observationsNeeded asks for the demand of kept versions when a check is due', async (t) => {
  const d = superseded();
  const need = (s: number) =>
    observationsNeeded({
      namespace: 'shop',
      name: 'users',
      spec: sp(),
      status: d.status,
      annotations: {},
      now: at(s),
    });
  t.match(
    need(11),
    [
      {
        purpose: 'demand',
        versionId: 'v1',
        key: 'shop/users/v1',
        promql: `sum(rate(requests_total{service="${versionName('users', 'v1')}"}[1m]))`,
        empty: 'zero',
        maxAgeSeconds: 15,
      },
    ],
    'never checked: due',
  );
  d.demand = { v1: sampled(5, 12) };
  d.sync(12, sp());
  t.same(need(30), [], 'checked 18 s ago: not due (interval 30)');
  t.equal(need(42).length, 1, 'due again after the interval');
  t.same(
    observationsNeeded({
      namespace: 'shop',
      name: 'users',
      spec: spec('v2'),
      status: d.status,
      annotations: {},
      now: at(42),
    }),
    [],
    'no spec.retirement: nothing asked',
  );
});

import t from 'tap';
import { percentages } from '../../src/timescape/weights.js';
import { stepDrain, CHECK_INTERVAL_SECONDS, type DrainInput } from '../../src/timescape/drain.js';
import { sampled, unavailable } from '../helpers/observations.js';
import { defaultsOf } from '../../src/api/defaults.js';
import { Drain } from '../../src/api/gatihandler.js';

const DEFAULT_DRAIN = defaultsOf(Drain);
import {
  candidateHandlers,
  prefixCandidates,
  resolveHandler,
  type VersionIdentity,
} from '../../src/timescape/membership.js';
import { labelValue } from '../../src/resources/names.js';
import {
  gatewayBehind,
  routeAccepted,
  routeWeights,
  unresolvedRefs,
} from '../../src/timescape/route-status.js';

const T0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const iso = (s: number) => at(s).toISOString().replace('.000Z', 'Z');

t.test('percentages add up to exactly 100 (largest remainder)', async (t) => {
  const cases = [
    { reason: 'even split', w: [1, 1, 1], want: [34, 33, 33] },
    { reason: 'already percents', w: [50, 30, 20], want: [50, 30, 20] },
    { reason: 'relative weights', w: [1, 3], want: [25, 75] },
    { reason: 'zeros stay zero', w: [0, 5, 0], want: [0, 100, 0] },
    { reason: 'all zero is all zero, not NaN', w: [0, 0], want: [0, 0] },
    { reason: 'big weights', w: [999999, 1], want: [100, 0] },
  ];
  for (const c of cases) {
    t.strictSame(percentages(c.w), c.want, c.reason);
    if (c.w.some((x) => x > 0))
      t.equal(
        percentages(c.w).reduce((a, b) => a + b, 0),
        100,
        `${c.reason}: sums to 100`,
      );
  }
});

t.test('stepDrain', async (t) => {
  const base: DrainInput = {
    now: at(0),
    policy: DEFAULT_DRAIN,
    routeProgrammed: false,
    forced: false,
    neverServed: false,
  };
  let s = stepDrain({}, base);
  t.notOk(s.drained, 'waits for the route');
  t.equal(s.reason, 'WaitingForRoute');
  t.equal(s.state.drainStartedAt, iso(0));
  s = stepDrain(s.state, { ...base, now: at(10), routeProgrammed: true });
  t.equal(s.state.trafficRemovedAt, iso(10), 'route programmed recorded once');
  t.equal(s.reason, 'MinimumDrainTime');
  t.equal(s.dueInSeconds, 30, 'due when the floor ends');
  s = stepDrain(s.state, { ...base, now: at(40), routeProgrammed: true });
  t.ok(s.drained, 'no metric: drained by timer');
  t.equal(s.state.drainReason, 'DrainedByTimer');
  t.equal(s.state.drainedAt, iso(40));
  const again = stepDrain(s.state, { ...base, now: at(99) });
  t.strictSame(again.state, s.state, 'once drained, nothing changes (idempotent)');

  t.test('metric evidence needs consecutive quiet checks', async (t) => {
    const policy = { ...DEFAULT_DRAIN, metricQuery: 'q', consecutiveChecks: 2 };
    const rate = (value: number, s: number) => ({
      ...base,
      policy,
      now: at(s),
      rate: sampled(value, s),
    });
    let d = stepDrain({ trafficRemovedAt: iso(0), drainStartedAt: iso(0) }, rate(5, 30));
    t.equal(d.reason, 'WaitingForQuiet', 'traffic seen');
    t.equal(d.state.quietChecks, 0);
    t.equal(d.state.lastSampleAt, '2026-01-01T00:00:30.000Z', 'the sample time is recorded');
    d = stepDrain(d.state, rate(0, 30 + CHECK_INTERVAL_SECONDS));
    t.equal(d.state.quietChecks, 1, 'one quiet check');
    d = stepDrain(d.state, rate(0, 31 + CHECK_INTERVAL_SECONDS));
    t.equal(d.state.quietChecks, 1, 'a check too soon does not count');
    const stale = stepDrain(d.state, {
      ...rate(0, 30 + 2 * CHECK_INTERVAL_SECONDS),
      rate: sampled(0, 30 + CHECK_INTERVAL_SECONDS),
    });
    t.equal(stale.state.quietChecks, 1, 'the same sample again (a cache, a replica) counts once');
    t.equal(stale.dueInSeconds, 2, 'and a new one is asked for soon');
    const notAsked = stepDrain(d.state, {
      ...base,
      policy,
      now: at(30 + 2 * CHECK_INTERVAL_SECONDS),
    });
    t.match(notAsked, { drained: false, reason: 'WaitingForQuiet', message: /not observed yet/ });
    d = stepDrain(d.state, rate(0, 30 + 2 * CHECK_INTERVAL_SECONDS));
    t.ok(d.drained, 'two quiet checks: drained');
    t.equal(d.state.drainReason, 'DrainedByMetric');
    const unknown = stepDrain(
      { trafficRemovedAt: iso(0), drainStartedAt: iso(0) },
      { ...base, policy, now: at(30), rate: unavailable('Timeout') },
    );
    t.equal(
      unknown.state.drainReason,
      'DrainedByTimer',
      'metric unavailable falls back to the timer',
    );
    t.match(unknown.message, /unavailable \(Timeout: Prometheus did not answer in time\)/);
  });

  t.test('timeout policy', async (t) => {
    const policy = { ...DEFAULT_DRAIN, metricQuery: 'q', timeoutSeconds: 100 };
    const busy = { ...base, now: at(100), rate: sampled(9, 100), routeProgrammed: true };
    const proceed = stepDrain(
      { drainStartedAt: iso(0), trafficRemovedAt: iso(0) },
      { ...busy, policy },
    );
    t.ok(proceed.drained, 'Proceed decommissions at timeout');
    t.equal(proceed.state.drainReason, 'DrainTimeout');
    const hold = stepDrain(
      { drainStartedAt: iso(0), trafficRemovedAt: iso(0) },
      { ...busy, policy: { ...policy, onTimeout: 'Hold' } },
    );
    t.notOk(hold.drained, 'Hold keeps waiting');
    t.equal(hold.reason, 'DrainTimeoutHeld');
  });

  t.test('force and never-served skip the wait', async (t) => {
    t.equal(stepDrain({}, { ...base, forced: true }).state.drainReason, 'Forced');
    t.equal(stepDrain({}, { ...base, neverServed: true }).state.drainReason, 'NeverServed');
  });
});

t.test(
  'resolveHandler: handlerRef, then a label set by hand, then the longest existing prefix',
  async (t) => {
    const hs = ['user', 'user-handler', 'orders'];
    const rows: Array<{ reason: string; v: VersionIdentity; want: unknown }> = [
      {
        reason: 'seed: longest prefix wins',
        v: { name: 'user-handler-v1' },
        want: { kind: 'match', match: { name: 'user-handler', by: 'namePrefix' } },
      },
      {
        reason: 'shorter prefix when the longer does not exist',
        v: { name: 'user-v2' },
        want: { kind: 'match', match: { name: 'user', by: 'namePrefix' } },
      },
      { reason: 'a prefix must be followed by -', v: { name: 'userx-v1' }, want: { kind: 'none' } },
      { reason: 'no match', v: { name: 'payments-v1' }, want: { kind: 'none' } },
      {
        reason: 'a label set by hand beats the prefix',
        v: { name: 'user-handler-v1', label: 'orders' },
        want: { kind: 'match', match: { name: 'orders', by: 'label' } },
      },
      {
        reason: 'a label we derived is derived again',
        v: { name: 'user-handler-v1', label: 'user', record: 'namePrefix/user' },
        want: { kind: 'match', match: { name: 'user-handler', by: 'namePrefix' } },
      },
      {
        reason: 'handlerRef needs no existing handler',
        v: { name: 'x', handlerRef: 'gone' },
        want: { kind: 'match', match: { name: 'gone', by: 'handlerRef' } },
      },
      {
        reason: 'handlerRef agreeing with the label',
        v: { name: 'x', handlerRef: 'user', label: 'user' },
        want: { kind: 'match', match: { name: 'user', by: 'handlerRef' } },
      },
      {
        reason: 'handlerRef against a hand-set label: conflict',
        v: { name: 'x', handlerRef: 'user', label: 'orders' },
        want: { kind: 'conflict', handlerRef: 'user', label: 'orders' },
      },
      {
        reason: 'handlerRef renamed: our old label moves',
        v: { name: 'x', handlerRef: 'orders', label: 'user', record: 'handlerRef/user' },
        want: { kind: 'match', match: { name: 'orders', by: 'handlerRef' } },
      },
    ];
    for (const r of rows) t.strictSame(resolveHandler(r.v, hs), r.want, r.reason);
    t.same(prefixCandidates('user-handler-v1'), ['user-handler', 'user']);
    t.same(candidateHandlers({ name: 'a-b-c', handlerRef: 'r', label: 'a' }), ['a', 'a-b', 'r']);
    t.same(candidateHandlers({ name: 'solo' }), []);
    const long = 'h'.repeat(70);
    t.equal(
      resolveHandler(
        { name: `${long}-v1`, label: labelValue(long), record: `namePrefix/${long}` },
        [long],
      ).kind,
      'match',
      'a name too long for a label value is recognised through its hashed label',
    );
  },
);

t.test('route status readers', async (t) => {
  const spec: any = { routing: { parentRefs: [{ name: 'gw' }] } };
  const route: any = {
    metadata: { name: 'r', generation: 3 },
    spec: {
      rules: [
        { matches: [{ headers: [{ name: 'x', value: 'v1' }] }], backendRefs: [{ name: 'a' }] },
        { matches: [{ path: {} }], backendRefs: [{ name: 'a', weight: 0 }, { name: 'b' }] },
      ],
    },
    status: {
      parents: [{ conditions: [{ type: 'Accepted', status: 'True', observedGeneration: 3 }] }],
    },
  };
  t.strictSame(
    [...routeWeights(route)],
    [
      ['a', 0],
      ['b', 1],
    ],
    'weighted rule only; weight defaults to 1',
  );
  t.ok(routeAccepted(route, spec), 'accepted at its generation');
  t.notOk(
    routeAccepted({ ...route, metadata: { name: 'r', generation: 4 } }, spec),
    'stale status is not accepted',
  );
  t.notOk(routeAccepted({ ...route, status: {} }, spec), 'no status yet');
  t.ok(
    routeAccepted({ ...route, status: {} }, { routing: {} } as any),
    'no parentRefs: nothing to wait for',
  );
  t.ok(routeAccepted(undefined, spec), 'no route: nothing routes through it');
});

t.test(
  'unresolved backend references: ResolvedRefs=False at the current generation, with why',
  async (t) => {
    const spec: any = { routing: { parentRefs: [{ name: 'gw' }, { name: 'gw2' }] } };
    const parent = (...conditions: any[]) => ({ conditions });
    const accepted = { type: 'Accepted', status: 'True', observedGeneration: 3 };
    const route = (...parents: any[]): any => ({
      metadata: { name: 'r', generation: 3 },
      status: { parents },
    });
    const notFound = {
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'BackendNotFound',
      message: 'service ns1/h-v3 not found',
      observedGeneration: 3,
    };
    const resolved = { type: 'ResolvedRefs', status: 'True', observedGeneration: 3 };
    t.equal(
      unresolvedRefs(route(parent(accepted, resolved), parent(accepted, notFound)), spec),
      'BackendNotFound: service ns1/h-v3 not found',
      'the second parent names the missing Service',
    );
    t.ok(
      routeAccepted(route(parent(accepted, resolved), parent(accepted, notFound)), spec),
      'still accepted: the gateway applied the route',
    );
    t.equal(
      unresolvedRefs(route(parent(accepted, resolved), parent(accepted, resolved)), spec),
      undefined,
      'all resolved',
    );
    t.equal(
      unresolvedRefs(route(parent(accepted), parent(accepted)), spec),
      undefined,
      'a gateway that reports no ResolvedRefs is taken at its Accepted',
    );
    t.equal(
      unresolvedRefs(route(parent(accepted, { ...notFound, observedGeneration: 2 })), spec),
      undefined,
      'a False about an older generation is stale',
    );
    t.equal(
      unresolvedRefs(
        route(parent(accepted, { type: 'ResolvedRefs', status: 'False', observedGeneration: 3 })),
        spec,
      ),
      'ResolvedRefs=False',
      'no reason given: the condition itself',
    );
    t.equal(
      unresolvedRefs(route(parent(accepted, notFound)), { routing: {} } as any),
      undefined,
      'no parentRefs: nothing routes through it',
    );
    t.equal(unresolvedRefs(undefined, spec), undefined, 'no route');
    t.equal(
      unresolvedRefs(route('junk', parent(accepted, notFound)), spec),
      'BackendNotFound: service ns1/h-v3 not found',
      'a malformed parent entry is skipped',
    );
  },
);

t.test('gatewayBehind: Accepted reported only for an older generation of the route', async (t) => {
  const spec: any = { routing: { parentRefs: [{ name: 'gw' }, { name: 'gw2' }] } };
  const accepted = (g?: number, name = 'gw') => ({
    parentRef: { name, namespace: 'ns1' },
    conditions: [{ type: 'Accepted', status: 'True', observedGeneration: g }],
  });
  const route = (generation: number | undefined, ...parents: any[]): any => ({
    metadata: { name: 'r', namespace: 'ns1', generation },
    spec: { parentRefs: [{ name: 'gw' }, { name: 'gw2', namespace: 'ns1' }] },
    status: { parents },
  });
  t.strictSame(
    gatewayBehind(route(7, accepted(7), accepted(6, 'gw2')), spec),
    { generation: 7, applied: 6 },
    'one parent still at 6: behind, and by how much (a parentRef namespace defaults to the route’s)',
  );
  t.equal(
    gatewayBehind(route(7, accepted(7), accepted(7, 'gw2')), spec),
    undefined,
    'both applied',
  );
  t.equal(
    gatewayBehind(route(7, accepted(7), accepted(2, 'gone')), spec),
    undefined,
    'an entry left over for a parent the route no longer names is not a gateway at work',
  );
  t.equal(
    gatewayBehind(
      route(7, { parentRef: { name: 'gw' }, conditions: [] }, accepted(7, 'gw2')),
      spec,
    ),
    undefined,
    'a parent that reports no Accepted cannot be told behind',
  );
  t.equal(
    gatewayBehind(route(7, accepted(undefined)), spec),
    undefined,
    'no observedGeneration: nothing to compare',
  );
  t.equal(gatewayBehind(route(7), spec), undefined, 'a gateway that reports nothing');
  t.equal(gatewayBehind(route(undefined, accepted(1)), spec), undefined, 'no generation');
  t.equal(
    gatewayBehind(route(7, accepted(6)), { routing: {} } as any),
    undefined,
    'no parentRefs: nothing routes through it',
  );
  t.equal(gatewayBehind(undefined, spec), undefined, 'no route');
  t.strictSame(
    gatewayBehind(route(7, 'junk', accepted(5)), spec),
    { generation: 7, applied: 5 },
    'a malformed parent entry is skipped',
  );
});

import t from 'tap';
import type { VersionStatus } from '../../src/api/gatihandler.js';
import { makeHTTPRoute } from '../../src/resources/httproute.js';
import { versionName } from '../../src/resources/names.js';
import { bridgeOf, MAX_CHAIN } from '../../src/timescape/bridges.js';
import { routedVersions } from '../../src/timescape/plan.js';
import type { Working } from '../../src/timescape/types.js';
import { Driver, spec } from './lib.js';

// Serving retired pins through transformers (issue #25): a retired version some live version
// bridges keeps its pin rule, pointed at the newest such bridge (directly or through a chain).

/** working: the parts of a version bridgeOf reads. */
function working(
  id: string,
  o: {
    bridges?: string[];
    retired?: boolean;
    firstSeen?: number;
    spec?: boolean;
    up?: boolean;
    bridgedBy?: string;
  } = {},
): Working {
  return {
    c: { versionId: id, bridges: o.bridges ?? [], source: o.spec ? 'spec' : 'gativersion' },
    prev: o.bridgedBy ? ({ bridgedBy: o.bridgedBy } as VersionStatus) : undefined,
    lifecycle: o.retired ? 'Retired' : 'Serving',
    available: o.up ?? !o.retired,
    phase: o.retired ? 'Decommissioned' : 'Active',
    firstSeenAt: `2026-01-01T00:00:${String(o.firstSeen ?? 0).padStart(2, '0')}Z`,
  } as unknown as Working;
}

t.test('bridgeOf: the newest live version that bridges, directly or through a chain', async (t) => {
  const rows: Array<{ reason: string; work: Working[]; want: string | undefined }> = [
    {
      reason: 'a live version whose transformers name it',
      work: [working('v1', { retired: true }), working('v2', { bridges: ['v1'] })],
      want: 'v2',
    },
    {
      reason: 'nothing names it: no bridge (its pins leave the route)',
      work: [working('v1', { retired: true }), working('v2', { bridges: ['v0'] })],
      want: undefined,
    },
    {
      reason: 'a chain: v3 bridges v2, which bridged v1 (remembered once v2 retired)',
      work: [
        working('v1', { retired: true, bridgedBy: 'v2' }),
        working('v2', { retired: true }),
        working('v3', { bridges: ['v2'] }),
      ],
      want: 'v3',
    },
    {
      reason: 'a chain through live versions: the newest wins over the direct bridge',
      work: [
        working('v1', { retired: true }),
        working('v2', { bridges: ['v1'], firstSeen: 1 }),
        working('v3', { bridges: ['v2'], firstSeen: 2 }),
      ],
      want: 'v3',
    },
    {
      reason: 'spec.version before a version seen later',
      work: [
        working('v1', { retired: true }),
        working('v2', { bridges: ['v1'], firstSeen: 1, spec: true }),
        working('v3', { bridges: ['v1'], firstSeen: 2 }),
      ],
      want: 'v2',
    },
    {
      reason: 'seen at the same time: the higher versionId',
      work: [
        working('v1', { retired: true }),
        working('v2', { bridges: ['v1'] }),
        working('v3', { bridges: ['v1'] }),
      ],
      want: 'v3',
    },
    {
      reason: 'a bridge that is not Available is not live',
      work: [working('v1', { retired: true }), working('v2', { bridges: ['v1'], up: false })],
      want: undefined,
    },
    {
      reason: 'a cycle ends',
      work: [
        working('v1', { retired: true, bridges: ['v2'] }),
        working('v2', { retired: true, bridges: ['v1'] }),
      ],
      want: undefined,
    },
  ];
  for (const r of rows) t.equal(bridgeOf('v1', r.work)?.c.versionId, r.want, r.reason);

  const chain = (n: number) => [
    working('c0', { retired: true }),
    ...Array.from({ length: n }, (_, i) =>
      working(`c${i + 1}`, { retired: i + 1 < n, bridges: [`c${i}`] }),
    ),
  ];
  t.equal(bridgeOf('c0', chain(MAX_CHAIN))?.c.versionId, `c${MAX_CHAIN}`, `${MAX_CHAIN} hops`);
  t.equal(bridgeOf('c0', chain(MAX_CHAIN + 1)), undefined, `not ${MAX_CHAIN + 1}`);
});

const HANDLER = { metadata: { name: 'users', namespace: 'shop' } };
const s = () => spec('v3', { scaling: 'Proportional' });

/** pinOf: the pin rule of `id` in the route this plan emits. */
function pinOf(d: Driver, id: string) {
  const route = makeHTTPRoute({ ...HANDLER, spec: s() }, routedVersions(d.plan!.versions));
  return route?.spec?.rules?.find((r) =>
    r.matches?.some((m) => m.headers?.some((h) => h.value === id)),
  );
}

t.test('a retired version a live one bridges keeps its pins, on the bridge', async (t) => {
  const d = new Driver();
  d.gv('users-v1', { versionId: 'v1', routingWeight: 10 });
  d.gv('users-v2', { versionId: 'v2', routingWeight: 10, transformers: ['t12', { from: 'v1' }] });
  d.sync(0, s());
  d.sync(1, s());
  d.deleting.add('users-v1');
  d.sync(10, s());
  d.sync(50, s());
  t.match(d.version('v1'), {
    phase: 'Decommissioned',
    reason: 'Bridged',
    bridgedBy: 'v2',
    pinned: true,
  });
  const v1 = () => d.plan!.versions.find((v) => v.status.versionId === 'v1')!;
  t.equal(v1().workload?.state, 'retire', 'its Deployment goes to 0');
  t.same(
    pinOf(d, 'v1')?.backendRefs?.map((b) => b.name),
    [versionName('users', 'v2')],
  );
  t.same(pinOf(d, 'v1')?.filters?.[0], {
    type: 'RequestHeaderModifier',
    requestHeaderModifier: { set: [{ name: 'x-gati-transform-from', value: 'v1' }] },
  });
  t.match(v1().announce, { deprecatedAt: d.version('v1')!.drainedAt }, 'Deprecation: retired');
  d.sync(51, s());
  d.sync(60, s());
  t.equal(v1().workload, undefined, 'its pods are gone: no workloads at all');
  t.match(d.version('v1'), { reason: 'Bridged' }, 'and it stays, bridged');
  t.same(d.weights().v1, 0, 'never weighted');

  d.gv('users-v3', { versionId: 'v3', transformers: [{ from: 'v2' }] });
  d.deleting.add('users-v2');
  d.sync(100, s());
  d.sync(200, s());
  d.sync(201, s());
  t.match(d.version('v2'), { reason: 'Bridged', bridgedBy: 'v3' }, 'v2 retires: v3 bridges it');
  t.match(d.version('v1'), { reason: 'Bridged', bridgedBy: 'v3' }, 'v1 through the chain');
  t.same(
    pinOf(d, 'v1')?.backendRefs?.map((b) => b.name),
    [versionName('users', 'v3')],
  );
});

t.test('a retired version nothing bridges leaves, as before', async (t) => {
  const d = new Driver();
  d.gv('users-v1', { versionId: 'v1', routingWeight: 10 });
  d.sync(0, s());
  d.sync(1, s());
  d.deleting.add('users-v1');
  d.sync(10, s());
  d.sync(50, s());
  d.sync(51, s());
  d.sync(60, s());
  t.equal(d.version('v1'), undefined);
  t.equal(pinOf(d, 'v1'), undefined, 'its pinned clients fall to the weighted rule');
});

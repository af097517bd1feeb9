import t from 'tap';
import { versionChildren } from '../../src/resources/handler.js';
import { sizeFor } from '../../src/timescape/sizing.js';
import { Driver, spec } from './lib.js';

// Versions cost what they serve (issue #25): sizes by share, floors, the gaining version scaled
// before its weight moves and the losing one shrunk only after, through planVersions.

const STEPS = [
  { weight: 25, pauseSeconds: 60 },
  { weight: 50, pauseSeconds: 60 },
];
const GATEWAY = { parentRefs: [{ name: 'public', namespace: 'gateways' }] };

/** A Proportional handler of base 10, rolling out with 25 % and 50 % steps. */
const ten = (version: string, extra: Record<string, unknown> = {}) =>
  spec(version, {
    scaling: 'Proportional',
    replicas: 10,
    routing: GATEWAY,
    rollout: { steps: STEPS, rollbackWindowSeconds: 0 },
    ...extra,
  });

t.test('sizeFor: max(1, ceil(base × weight / total)), exact in integers', async (t) => {
  const rows: Array<[string, number, number, number, number]> = [
    ['the whole share: the base', 10, 100, 100, 10],
    ['25 %: ceil(2.5)', 10, 25, 100, 3],
    ['75 %: ceil(7.5)', 10, 75, 100, 8],
    ['30 %: 3, not ceil(3.0000000000000004)', 10, 3, 10, 3],
    ['a sliver still gets a pod', 10, 1, 1000, 1],
    ['no weight: the floor', 10, 0, 100, 1],
    ['nothing weighted at all: the floor', 10, 0, 0, 1],
    ['base 0 (scaled to zero on purpose) stays 0', 0, 100, 100, 0],
    ['never more than the base', 3, 7, 7, 3],
    ['weights of the user scale: 1,000,000', 10000, 999999, 1000000, 10000],
  ];
  for (const [reason, base, weight, total, want] of rows)
    t.equal(sizeFor(base, weight, total), want, reason);
});

t.test('a step scales the gaining version first and moves its weight once it runs', async (t) => {
  const d = new Driver();
  d.gateway = true;
  d.sync(0, ten('v1'));
  d.sync(1, ten('v1'));
  t.same(d.version('v1')?.desiredReplicas, 10, 'alone: the base');
  d.unavailable.add('v2');
  d.sync(10, ten('v2'));
  t.same(d.weights(), { v1: 100, v2: 0 });
  t.equal(d.version('v2')?.desiredReplicas, 3, 'sized for the first step (25 %) before any weight');
  d.sync(20, ten('v2'));
  t.same(d.weights(), { v1: 100, v2: 0 }, 'no weight while its 3 pods are not Available');
  d.unavailable.delete('v2');
  d.sync(21, ten('v2'));
  t.same(d.weights(), { v1: 75, v2: 25 }, 'the 25 % step once they are');
  t.equal(d.version('v1')?.desiredReplicas, 10, 'v1 keeps its pods: the gateway still sends 100 %');
  d.sync(22, ten('v2'));
  t.same(
    [d.version('v1')?.desiredReplicas, d.version('v2')?.desiredReplicas],
    [8, 3],
    'once the route carries 75/25: v1 8, v2 3',
  );
  d.sync(81, ten('v2'));
  t.match(d.plan!.rollout, { step: 0, preScale: { step: 1, replicas: 5 } }, 'step over: held');
  t.same(d.weights(), { v1: 75, v2: 25 }, 'the weight waits for v2’s 5th pod');
  t.equal(d.version('v2')?.desiredReplicas, 5);
  d.sync(82, ten('v2'));
  t.same(d.weights(), { v1: 50, v2: 50 }, 'then moves');
  d.sync(83, ten('v2'));
  t.same([d.version('v1')?.desiredReplicas, d.version('v2')?.desiredReplicas], [5, 5]);
  d.sync(142, ten('v2'));
  t.equal(d.version('v2')?.desiredReplicas, 10, 'the last step waits for the whole size');
  d.sync(143, ten('v2'));
  t.match(d.plan!.rollout, { phase: 'Succeeded' });
  d.sync(144, ten('v2'));
  t.equal(d.version('v1')?.desiredReplicas, 1, 'v1 drains on 1 pod once the route moved');
});

t.test('a loser keeps its pods while the gateway has not accepted the new weights', async (t) => {
  const d = new Driver();
  d.gateway = true;
  d.sync(0, ten('v1'));
  d.sync(1, ten('v1'));
  d.sync(10, ten('v2'));
  d.gatewayHolds = true;
  d.sync(11, ten('v2'));
  t.same(d.weights(), { v1: 75, v2: 25 });
  for (const at of [12, 13, 30]) {
    d.sync(at, ten('v2'));
    t.equal(d.version('v1')?.desiredReplicas, 10, `t=${at}: v1 keeps 10 until accepted`);
  }
  d.gatewayHolds = false;
  d.sync(31, ten('v2'));
  d.sync(32, ten('v2'));
  t.equal(d.version('v1')?.desiredReplicas, 8, 'accepted: v1 shrinks');
});

t.test('with an HPA the minimum follows the share; the maximum stays the handler’s', async (t) => {
  const hpa = (v: string) =>
    ten(v, { autoscaling: { mode: 'hpa', minReplicas: 10, maxReplicas: 40 } });
  const d = new Driver();
  d.gateway = true;
  d.sync(0, hpa('v1'));
  d.sync(1, hpa('v1'));
  d.sync(10, hpa('v2'));
  d.sync(11, hpa('v2'));
  d.sync(12, hpa('v2'));
  const handler = { metadata: { name: 'users', namespace: 'shop' }, spec: hpa('v2') };
  const hpaOf = (id: string) => {
    const w = d.plan!.versions.find((v) => v.status.versionId === id)!.workload!;
    const kids = versionChildren(handler, w);
    const dep = kids.find((k) => k.kind === 'Deployment')!;
    t.equal((dep.spec as { replicas?: number }).replicas, undefined, `${id}: no replicas field`);
    return kids.find((k) => k.kind === 'HorizontalPodAutoscaler')!.spec as {
      minReplicas: number;
      maxReplicas: number;
    };
  };
  t.same(d.weights(), { v1: 75, v2: 25 });
  t.match(hpaOf('v2'), { minReplicas: 3, maxReplicas: 40 }, 'v2 at 25 %');
  t.match(hpaOf('v1'), { minReplicas: 8, maxReplicas: 40 }, 'v1 at 75 %');
});

t.test('floors of versions without weighted traffic', async (t) => {
  const d = new Driver();
  d.gv('users-v1', { versionId: 'v1', routingWeight: 100 });
  d.gv('users-v0', { versionId: 'v0', breaking: true });
  d.gv('users-v9', { versionId: 'v9', routingWeight: 0 });
  const s = (extra: Record<string, unknown> = {}) =>
    ten('v1', { routing: { aliases: { legacy: 'v8' } }, ...extra });
  d.gv('users-v8', { versionId: 'v8', routingWeight: 0 });
  d.sync(0, s());
  d.sync(1, s());
  d.sync(2, s());
  const size = (id: string) => d.version(id)?.desiredReplicas;
  t.equal(size('v1'), 10, 'the only weighted version: the base');
  t.equal(size('v0'), 1, 'pinned-only (breaking, no transformers): 1');
  t.equal(size('v8'), 1, 'aliased, no weight: 1');
  t.equal(d.version('v9')?.phase, 'Decommissioned', 'weight 0, nothing pins it: retired');
  t.equal(size('v9'), 0, 'retired: none');
  d.sync(3, s({ scaling: 'Full' }));
  t.same(
    ['v0', 'v1', 'v8'].map(size),
    [10, 10, 10],
    'Full: every live version at the handler’s size',
  );
  d.sync(4, s({ replicas: 0 }));
  t.same(['v0', 'v1', 'v8'].map(size), [0, 0, 0], 'base 0 stays 0, floors too');
});

t.test('a Standby version keeps the base so that going back is one step', async (t) => {
  const d = new Driver();
  const w = (v: string) => ten(v, { rollout: { steps: [], rollbackWindowSeconds: 300 } });
  d.sync(0, w('v1'));
  d.sync(1, w('v1'));
  d.sync(10, w('v2'));
  d.sync(11, w('v2'));
  t.match(d.version('v1'), { reason: 'RollbackWindow', desiredReplicas: 10 });
  d.sync(12, w('v1'));
  t.same(d.weights(), { v1: 100, v2: 0 }, 'back in one sync: its pods were there');
  d.sync(400, w('v1'));
  d.sync(401, w('v1'));
  t.equal(d.version('v2')?.desiredReplicas, 1, 'after its window, v2 drains on 1 pod');
});

import t from 'tap';
import { HOOKS } from '../helpers/hooks.js';
import { callHook } from '../../src/hooks/call.js';
import { Cluster, type Obj } from './harness.js';

// GatiRolloutPolicy (issue #24), replayed through Metacontroller's loop: handlers that name a
// policy roll out by its steps; one edit of the policy changes every such handler's next
// rollout (the related watch re-syncs them); a handler's own fields win; a missing policy
// holds the handler as it is, reported PolicyNotFound, until it appears.

const NS = 'shop';
const GATEWAY = [{ name: 'public', namespace: 'gateways' }];

function handler(name: string, version: string, rollout: Record<string, unknown>): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name, namespace: NS },
    spec: {
      handlerPath: `/api/${name}`,
      version,
      image: `${name}:${version}`,
      replicas: 1,
      routing: { parentRefs: GATEWAY },
      rollout: { rollbackWindowSeconds: 0, ...rollout },
      drain: { minSeconds: 10 },
    },
  } as Obj;
}

function policy(name: string, weight: number): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiRolloutPolicy',
    metadata: { name, namespace: NS },
    spec: { steps: [{ weight, pauseSeconds: 600 }] },
  } as Obj;
}

const APP = ['users', 'orders'];
const shared = { policyRef: { name: 'app' } };

function cluster(): Cluster {
  const sim = new Cluster({ hooks: HOOKS, deploymentReadyAfterSeconds: 2 });
  sim.apply(policy('app', 25));
  for (const n of APP) sim.apply(handler(n, 'v1', shared));
  sim.advance(10);
  return sim;
}

t.test('two handlers share a policy; one edit changes both next rollouts', async (t) => {
  const sim = cluster();
  for (const n of APP) t.same(sim.weights(NS, n), { v1: 100 }, `${n} serves v1`);
  for (const n of APP) sim.apply(handler(n, 'v2', shared));
  sim.advance(10);
  for (const n of APP)
    t.same(sim.weights(NS, n), { v1: 75, v2: 25 }, `${n} at the policy's first step (25 %)`);

  const before = APP.map((n) => sim.lastCall('gatihandler', NS, n)?.seq);
  sim.apply(policy('app', 40));
  sim.reconcile();
  const after = APP.map((n) => sim.lastCall('gatihandler', NS, n)?.seq);
  t.notSame(after, before, 'the policy edit re-synced both handlers (related watch)');
  for (const n of APP)
    t.same(sim.weights(NS, n), { v1: 75, v2: 25 }, `${n}: a move in flight keeps its weight`);

  for (const n of APP) sim.apply(handler(n, 'v3', shared));
  sim.advance(10);
  for (const n of APP)
    t.match(sim.weights(NS, n), { v3: 40 }, `${n}: the next rollout walks the edited steps`);
  sim.assertDeterministic();
});

t.test("a handler's own steps win over the policy's", async (t) => {
  const sim = cluster();
  const own = { ...shared, steps: [{ weight: 10, pauseSeconds: 600 }] };
  sim.apply(handler('users', 'v2', own));
  sim.apply(handler('orders', 'v2', shared));
  sim.advance(10);
  t.same(sim.weights(NS, 'users'), { v1: 90, v2: 10 }, 'its own steps');
  t.same(sim.weights(NS, 'orders'), { v1: 75, v2: 25 }, "the policy's steps");
});

t.test('a missing policy is reported and nothing moves until it exists', async (t) => {
  const sim = cluster();
  const missing = { policyRef: { name: 'nope' } };
  sim.apply(handler('users', 'v2', missing));
  sim.advance(30);
  const h = sim.mustGet('GatiHandler', NS, 'users') as Obj & { status: Record<string, any> };
  t.match(h.status.conditions, [
    {
      type: 'Ready',
      status: 'False',
      reason: 'PolicyNotFound',
      message: /GatiRolloutPolicy nope not found/,
    },
    { type: 'Stalled', status: 'True', reason: 'PolicyNotFound' },
  ]);
  t.same(sim.weights(NS, 'users'), { v1: 100 }, 'still serving v1, nothing moved');
  t.notOk(
    sim
      .children('GatiHandler', NS, 'users')
      .some((c) => (c.metadata as { name: string }).name.startsWith('users-v2')),
    'no workload of v2',
  );
  t.match(h.status.rollout, { versionId: 'v1', phase: 'Succeeded' }, 'the rollout memory is kept');

  sim.apply({ ...policy('nope', 50) });
  sim.advance(10);
  t.same(
    sim.weights(NS, 'users'),
    { v1: 50, v2: 50 },
    'the policy appears: the handler moves by it',
  );
});

t.test('customize asks for exactly the one policy named, by name', async (t) => {
  const parent = handler('users', 'v1', shared);
  const answer = callHook(
    'gatihandler',
    'customize',
    { parent },
    { now: new Date() },
  ) as unknown as {
    relatedResources: Array<Record<string, unknown>>;
  };
  t.match(answer.relatedResources, [
    { resource: 'gativersions' },
    { resource: 'gatimodules', names: ['users'] },
    {
      apiVersion: 'gati.dev/v1alpha1',
      resource: 'gatirolloutpolicies',
      namespace: NS,
      names: ['app'],
    },
  ]);
  const without = callHook(
    'gatihandler',
    'customize',
    { parent: handler('users', 'v1', {}) },
    { now: new Date() },
  ) as unknown as {
    relatedResources: unknown[];
  };
  t.equal(without.relatedResources.length, 2, 'no policyRef: no policy asked for');
});

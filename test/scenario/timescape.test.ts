import t, { type Test } from 'tap';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { HOOKS } from '../helpers/hooks.js';
import { Cluster, type Obj } from './harness.js';
import { loadYamlDir } from '../helpers/fixtures.js';
import { sampled } from '../helpers/observations.js';
import { versionName } from '../../src/resources/names.js';

// Whole Timescape stories, replayed through Metacontroller's loop (test/scenario/harness.ts)
// over the pure hooks of all three controllers, with a fake clock, kubelet and gateway.

const NS = 'shop';
const GATEWAY = [{ name: 'public', namespace: 'gateways' }];

function handler(version: string, extra: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: 'users', namespace: NS },
    spec: {
      handlerPath: '/api/users',
      version,
      image: `users:${version}`,
      replicas: 2,
      routing: { parentRefs: GATEWAY },
      ...extra,
    },
  } as Obj;
}

function gatiVersion(
  name: string,
  versionId: string,
  spec: Record<string, unknown> = {},
  annotations?: Record<string, string>,
): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: { name, namespace: NS, ...(annotations ? { annotations } : {}) },
    spec: { versionId, image: `users:${versionId}`, handlerRef: { name: 'users' }, ...spec },
  } as Obj;
}

const versionsOf = (sim: Cluster) =>
  (sim.mustGet('GatiHandler', NS, 'users').status?.versions ?? []) as Array<Record<string, any>>;
const entry = (sim: Cluster, id: string) => versionsOf(sim).find((v) => v.versionId === id);
const condition = (o: Obj, type: string) =>
  ((o.status?.conditions ?? []) as any[]).find((c) => c.type === type);

/** Every HTTPRoute the hooks ever emitted validates against the Gateway API schema. */
function validateRoutes(t: Test, sim: Cluster): void {
  let n = 0;
  for (const call of sim.responses) {
    for (const child of (call.response as any)?.children ?? []) {
      if (child.kind !== 'HTTPRoute') continue;
      n++;
      new HTTPRoute(child).validate();
    }
  }
  t.ok(n > 0, `${n} emitted HTTPRoutes validate with @kubernetes-models/gateway-api`);
}

/** The route always keeps at least one Available weighted backend. */
function assertServing(t: Test, sim: Cluster, when: string): void {
  const w = sim.weights(NS, 'users');
  const live = Object.entries(w).filter(
    ([id, weight]) => weight > 0 && entry(sim, id)?.availableReplicas > 0,
  );
  t.ok(live.length >= 1, `${when}: an Available version carries weight (${JSON.stringify(w)})`);
}

t.test(
  '1. rollout v1 → v2: no weight until Available, 10/90 → 50/50 → 100/0 on schedule, v1 kept for the rollback window, then drains and goes',
  async (t) => {
    const sim = new Cluster({ hooks: HOOKS, deploymentReadyAfterSeconds: 20 });
    // On schedule: every version at full size, so no step waits for pods (spec.scaling
    // Proportional, the default, scales the gaining version first: test/scenario/cost.test.ts).
    const FULL = { scaling: 'Full' };
    sim.apply(handler('v1', FULL));
    sim.advance(30);
    t.strictSame(sim.weights(NS, 'users'), { v1: 100 }, 'v1 alone takes all weighted traffic');
    sim.apply(handler('v2', FULL));
    sim.reconcile();
    t.strictSame(sim.weights(NS, 'users'), { v1: 100 }, 'v2 gets no weight before it is Available');
    t.equal(entry(sim, 'v2')?.phase, 'Pending');
    sim.advance(20);
    t.strictSame(sim.weights(NS, 'users'), { v1: 90, v2: 10 }, 'step 1: 10% once Available');
    assertServing(t, sim, 'step 1');
    sim.advance(299);
    t.strictSame(sim.weights(NS, 'users'), { v1: 90, v2: 10 }, 'still 10% just before 5 minutes');
    sim.advance(1);
    t.strictSame(sim.weights(NS, 'users'), { v1: 50, v2: 50 }, 'step 2: 50% after 5 minutes');
    sim.advance(600);
    t.strictSame(
      sim.weights(NS, 'users'),
      { v1: 0, v2: 100 },
      '100/0 after 10 more minutes; v1 stays a weight-0 backend while it drains',
    );
    t.match(entry(sim, 'v1'), { phase: 'Draining', reason: 'RollbackWindow' });
    t.ok(sim.pins(NS, 'users', 'version').v1, 'v1 keeps its pin rule in its rollback window');
    const v1 = () => sim.list('Deployment', NS).find((d) => d.metadata.name.includes('v1'));
    t.equal(v1()?.spec?.replicas, 2, 'and its pods');
    sim.advance(299);
    t.match(entry(sim, 'v1'), { reason: 'RollbackWindow' }, 'for the whole default window (300 s)');
    t.equal(v1()?.spec?.replicas, 2);
    sim.advance(1);
    t.equal(entry(sim, 'v1')?.phase, 'Draining');
    t.not(entry(sim, 'v1')?.reason, 'RollbackWindow', 'then it drains');
    assertServing(t, sim, 'during drain');
    sim.advance(60);
    t.equal(entry(sim, 'v1'), undefined, 'v1 is decommissioned and removed from status');
    t.strictSame(sim.weights(NS, 'users'), { v2: 100 });
    t.strictSame(sim.pins(NS, 'users', 'version'), { v2: 'v2' }, 'only v2 is pinned');
    t.notOk(
      sim.list('Deployment', NS).some((d) => d.metadata.name.includes('v1')),
      "v1's Deployment is gone",
    );
    const h = sim.mustGet('GatiHandler', NS, 'users');
    t.equal(h.status?.phase, 'Running');
    t.equal(condition(h, 'Ready')?.status, 'True');
    sim.assertDeterministic();
    validateRoutes(t, sim);
  },
);

t.test(
  "2. the seed README's three objects: version resolved by name, weight 100, pin rule",
  async (t) => {
    const sim = new Cluster({ hooks: HOOKS });
    for (const d of loadYamlDir('examples')) sim.apply(d.object as Obj);
    sim.advance(5);
    const gv = sim.mustGet('GatiVersion', 'default', 'user-handler-v1');
    t.equal(
      gv.status?.handler,
      'user-handler',
      'user-handler-v1 belongs to user-handler by name prefix',
    );
    t.equal(gv.status?.effectiveWeight, 100, 'weight 100');
    t.equal(gv.status?.trafficPercent, 100, 'all weighted traffic');
    t.equal(gv.status?.phase, 'Active');
    t.equal(condition(gv, 'Ready')?.status, 'True');
    t.strictSame(
      sim.pins('default', 'user-handler', 'version'),
      { 'v1.0.0': 'v1.0.0' },
      'pin rule for v1.0.0',
    );
    t.strictSame(sim.weights('default', 'user-handler'), { 'v1.0.0': 100 });
    const module = sim.mustGet('GatiModule', 'default', 'db-module');
    t.equal(condition(module, 'Ready')?.status, 'True', 'the module runs too');
    sim.assertDeterministic();
    validateRoutes(t, sim);
  },
);

t.test('3. three versions 50/30/20, each pinned; traffic percents add to 100', async (t) => {
  const sim = new Cluster({ hooks: HOOKS });
  sim.apply(handler('v3'));
  sim.apply(gatiVersion('users-v1', 'v1', { routingWeight: 50 }));
  sim.apply(gatiVersion('users-v2', 'v2', { routingWeight: 30 }));
  sim.apply(gatiVersion('users-v3', 'v3', { routingWeight: 20 }));
  sim.advance(5);
  t.strictSame(sim.weights(NS, 'users'), { v1: 50, v2: 30, v3: 20 });
  t.strictSame(
    sim.pins(NS, 'users', 'version'),
    { v1: 'v1', v2: 'v2', v3: 'v3' },
    'each pinned header maps to its version',
  );
  const percents = versionsOf(sim).map((v) => v.trafficPercent);
  t.strictSame(percents, [50, 30, 20]);
  t.equal(
    percents.reduce((a, b) => a + b, 0),
    100,
    'percents add to 100',
  );
  for (const id of ['v1', 'v2', 'v3'])
    t.equal(
      sim.mustGet('GatiVersion', NS, `users-${id}`).status?.trafficPercent,
      entry(sim, id)?.trafficPercent,
      `${id} mirrored on its GatiVersion`,
    );
  sim.assertDeterministic();
  validateRoutes(t, sim);
});

function twoVersions(opts: Record<string, unknown> = {}, drain?: Record<string, unknown>) {
  const sim = new Cluster({ hooks: HOOKS, ...opts });
  sim.apply(handler('v2', drain ? { drain } : {}));
  sim.apply(gatiVersion('users-v1', 'v1', { routingWeight: 50 }));
  sim.advance(5);
  return sim;
}

t.test('4. deleting a GatiVersion holds its finalizer until drained', async (t) => {
  t.test('timer drain', async (t) => {
    const sim = twoVersions();
    t.strictSame(sim.weights(NS, 'users'), { v1: 50, v2: 100 });
    sim.delete('GatiVersion', NS, 'users-v1');
    sim.reconcile();
    t.ok(sim.get('GatiVersion', NS, 'users-v1'), 'held by its finalizer');
    t.strictSame(
      sim.weights(NS, 'users'),
      { v1: 0, v2: 100 },
      'weight 0 at once, backend kept while draining',
    );
    t.equal(entry(sim, 'v1')?.phase, 'Draining');
    sim.advance(29);
    t.ok(sim.get('GatiVersion', NS, 'users-v1'), 'still held before drain.minSeconds');
    sim.advance(30);
    t.equal(sim.get('GatiVersion', NS, 'users-v1'), undefined, 'released once drained and removed');
    t.strictSame(sim.weights(NS, 'users'), { v2: 100 });
  });

  t.test('metric evidence: traffic holds the drain, quiet checks release it', async (t) => {
    let rate = 5;
    const sim = twoVersions(
      {
        observations: (sim: Cluster) => ({
          requestRates: { 'shop/users/v1': sampled(rate, sim.now) },
        }),
      },
      { metricQuery: 'sum(rate(x[1m]))', consecutiveChecks: 2 },
    );
    sim.delete('GatiVersion', NS, 'users-v1');
    sim.advance(120);
    t.ok(sim.get('GatiVersion', NS, 'users-v1'), 'traffic still seen: held');
    t.equal(entry(sim, 'v1')?.reason, 'WaitingForQuiet');
    rate = 0;
    sim.advance(60);
    t.equal(
      sim.get('GatiVersion', NS, 'users-v1'),
      undefined,
      'released after consecutive quiet checks',
    );
  });

  t.test('onTimeout Proceed decommissions at the timeout', async (t) => {
    const sim = twoVersions(
      {
        observations: (sim: Cluster) => ({
          requestRates: { 'shop/users/v1': sampled(9, sim.now) },
        }),
      },
      { metricQuery: 'q', timeoutSeconds: 300, onTimeout: 'Proceed' },
    );
    sim.delete('GatiVersion', NS, 'users-v1');
    sim.advance(290);
    t.ok(sim.get('GatiVersion', NS, 'users-v1'), 'held before the timeout');
    sim.advance(30);
    t.equal(sim.get('GatiVersion', NS, 'users-v1'), undefined, 'released after the timeout');
  });

  t.test('onTimeout Hold keeps waiting and says so', async (t) => {
    const sim = twoVersions(
      {
        observations: (sim: Cluster) => ({
          requestRates: { 'shop/users/v1': sampled(9, sim.now) },
        }),
      },
      { metricQuery: 'q', timeoutSeconds: 300, onTimeout: 'Hold' },
    );
    sim.delete('GatiVersion', NS, 'users-v1');
    sim.advance(900);
    t.ok(sim.get('GatiVersion', NS, 'users-v1'), 'still held long after the timeout');
    t.equal(entry(sim, 'v1')?.reason, 'DrainTimeoutHeld');
  });

  t.test('gati.dev/force-decommission skips the wait', async (t) => {
    const sim = twoVersions(
      {
        observations: (sim: Cluster) => ({
          requestRates: { 'shop/users/v1': sampled(9, sim.now) },
        }),
      },
      { metricQuery: 'q', onTimeout: 'Hold' },
    );
    sim.apply(
      gatiVersion(
        'users-v1',
        'v1',
        { routingWeight: 50 },
        { 'gati.dev/force-decommission': 'true' },
      ),
    );
    sim.delete('GatiVersion', NS, 'users-v1');
    sim.advance(10);
    t.equal(sim.get('GatiVersion', NS, 'users-v1'), undefined, 'released without waiting');
  });
});

t.test(
  '5. the last serving version is never retired; deleting everything leaves nothing stuck',
  async (t) => {
    const sim = new Cluster({
      hooks: HOOKS,
      neverReady: (d) => String(d.metadata.name).startsWith('users-v2'),
    });
    sim.apply(handler('v1'));
    sim.apply(gatiVersion('users-v1', 'v1'));
    sim.advance(5);
    // Move spec.version to a version that never becomes Available, then delete v1's GatiVersion.
    sim.apply(handler('v2'));
    sim.delete('GatiVersion', NS, 'users-v1');
    sim.advance(120);
    t.strictSame(sim.weights(NS, 'users'), { v1: 100 }, 'v1 keeps serving');
    t.ok(sim.get('GatiVersion', NS, 'users-v1'), "v1's GatiVersion is held");
    const h = sim.mustGet('GatiHandler', NS, 'users');
    t.ok(
      ['LastServingVersion', 'WaitingForAvailable', 'RollingOut'].includes(
        entry(sim, 'v1')?.reason,
      ),
      `v1 reason: ${entry(sim, 'v1')?.reason}`,
    );
    t.equal(condition(h, 'Ready')?.status, 'False');
    sim.deleteAll();
    t.strictSame(
      [...sim.list('GatiVersion'), ...sim.list('GatiHandler'), ...sim.list('Deployment')],
      [],
      'nothing left, no finalizer stuck',
    );
  },
);

t.test(
  '5b. deleting the only weighted GatiVersion is refused with LastServingVersion',
  async (t) => {
    const sim = new Cluster({ hooks: HOOKS });
    sim.apply(handler('v2', { timescape: { routingWeight: 0 } }));
    sim.apply(gatiVersion('users-v1', 'v1'));
    sim.advance(5);
    t.strictSame(sim.weights(NS, 'users'), { v1: 100 });
    sim.delete('GatiVersion', NS, 'users-v1');
    sim.advance(120);
    t.strictSame(sim.weights(NS, 'users'), { v1: 100 }, 'v1 still carries the weight');
    t.equal(entry(sim, 'v1')?.reason, 'LastServingVersion');
    const h = sim.mustGet('GatiHandler', NS, 'users');
    t.equal(condition(h, 'Stalled')?.reason, 'LastServingVersion', 'handler says why');
    t.ok(sim.get('GatiVersion', NS, 'users-v1'), 'finalizer holds');
  },
);

t.test(
  '6. a version that never becomes Available is never routed and is reported Failed',
  async (t) => {
    const sim = new Cluster({
      hooks: HOOKS,
      neverReady: (d) => String(d.metadata.name).startsWith('users-v9'),
    });
    sim.apply(handler('v1'));
    sim.apply(gatiVersion('users-v9', 'v9', { routingWeight: 100 }));
    for (let i = 0; i < 14; i++) {
      sim.advance(60);
      t.notOk('v9' in sim.weights(NS, 'users'), `minute ${i + 1}: v9 has no weight`);
      t.notOk('v9' in sim.pins(NS, 'users', 'version'), `minute ${i + 1}: v9 has no pin rule`);
    }
    t.equal(entry(sim, 'v9')?.phase, 'Failed');
    t.equal(entry(sim, 'v9')?.reason, 'ProgressDeadlineExceeded');
    t.equal(
      sim.mustGet('GatiVersion', NS, 'users-v9').status?.phase,
      'Failed',
      'mirrored on the GatiVersion',
    );
  },
);

t.test('7. same inputs, same bytes: a replayed story gives identical responses', async (t) => {
  const run = () => {
    const sim = new Cluster({ hooks: HOOKS, deploymentReadyAfterSeconds: 10 });
    sim.apply(handler('v1'));
    sim.advance(30);
    sim.apply(handler('v2'));
    sim.advance(1200);
    return sim.responses.map((r) => r.responseJson);
  };
  t.strictSame(run(), run(), 'two replays are byte-identical at every step');
});

t.test(
  "a version's Service deleted under a serving handler: the gateway's BackendNotFound makes it not Ready until the Service is back",
  async (t) => {
    const sim = new Cluster({ hooks: HOOKS });
    sim.apply(handler('v1'));
    sim.advance(5);
    const h = () => sim.mustGet('GatiHandler', NS, 'users');
    t.equal(condition(h(), 'Ready')?.status, 'True', 'serving');
    const from = sim.responses.length;
    const service = versionName('users', 'v1');
    sim.delete('Service', NS, service);
    sim.advance(1);
    const readies = sim.responses
      .slice(from)
      .filter((c) => c.controller === 'gatihandler' && c.hook === 'sync')
      .map((c) => {
        const conditions = (c.response as { status: { conditions: Obj[] } }).status.conditions;
        const ready = conditions.find((x) => x.type === 'Ready')!;
        return `${ready.status} ${ready.reason}`;
      });
    t.match(
      readies,
      ['False BackendRefsUnresolved', 'True Ready'],
      'not Ready while the gateway cannot resolve the Service, Ready once the re-created one resolves',
    );
    const unresolved = sim.responses
      .slice(from)
      .map((c) => (c.response as { status?: { conditions?: Obj[] } })?.status?.conditions ?? [])
      .flat()
      .find((x) => x.type === 'TrafficRouted' && x.reason === 'BackendRefsUnresolved');
    t.match(
      unresolved?.message,
      `BackendNotFound: Backends not found: Service ${NS}/${service}`,
      'TrafficRouted names the Service',
    );
    t.equal(condition(h(), 'Ready')?.status, 'True', 'Ready again');
    t.ok(sim.get('Service', NS, service), 'the Service was re-created');
  },
);

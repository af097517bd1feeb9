import t, { type Test } from 'tap';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { versionKey } from '../../src/hooks/types.js';
import { versionName } from '../../src/resources/names.js';
import { HOOKS } from '../helpers/hooks.js';
import { sampled } from '../helpers/observations.js';
import { Cluster, type Obj } from './harness.js';

// Versions that cost what they serve (issue #25), replayed through Metacontroller's loop over
// the pure hooks: `proportional` (a step scales the gaining version first and moves its weight
// once its pods are Available; the loser shrinks after), `sunset` (a superseded version still
// called stays pin-routable and announces its end; it retires by demand or by age) and `bridge`
// (a retired version's pinned requests reach the version that bridges it). The loop suite runs
// the same stories against the real Metacontroller (test/e2e/lib/cost-stories.ts).

const NS = 'shop';
const NAME = 'users';
const GATEWAY = [{ name: 'public', namespace: 'gateways' }];

function handler(version: string, spec: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: NAME, namespace: NS },
    spec: {
      handlerPath: '/api/users',
      version,
      image: `users:${version}`,
      routing: { parentRefs: GATEWAY },
      drain: { minSeconds: 10 },
      ...spec,
    },
  } as Obj;
}

function gatiVersion(versionId: string, spec: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: { name: `${NAME}-${versionId.replace(/\./g, '-')}`, namespace: NS },
    spec: { versionId, image: `users:${versionId}`, handlerRef: { name: NAME }, ...spec },
  } as Obj;
}

const deployment = (sim: Cluster, id: string) => sim.get('Deployment', NS, versionName(NAME, id));
const hpa = (sim: Cluster, id: string) =>
  sim.get('HorizontalPodAutoscaler', NS, versionName(NAME, id));
const entry = (sim: Cluster, id: string): Record<string, any> | undefined =>
  (sim.mustGet('GatiHandler', NS, NAME).status?.versions ?? []).find(
    (v: Record<string, any>) => v.versionId === id,
  );
/** reported: the first status entry of `id` the handler's sync wrote with this drainReason. */
function reported(sim: Cluster, id: string, drainReason: string): Record<string, any> | undefined {
  for (const call of sim.responses) {
    if (call.controller !== 'gatihandler' || call.hook !== 'sync') continue;
    const versions = (call.response as any)?.status?.versions ?? [];
    const v = versions.find((x: Record<string, any>) => x.versionId === id);
    if (v?.drainReason === drainReason) return { ...v, at: call.at };
  }
  return undefined;
}
const available = (sim: Cluster, id: string): number =>
  deployment(sim, id)?.status?.availableReplicas ?? 0;

/** share: percent of the weighted rule a version has in the route now. */
function share(sim: Cluster, id: string): number {
  const w = sim.weights(NS, NAME);
  const total = Object.values(w).reduce((a, b) => a + b, 0);
  return total ? (100 * (w[id] ?? 0)) / total : 0;
}

/** pinRule: the route's rule matching `x-gati-version: <id>`. */
function pinRule(sim: Cluster, id: string): Record<string, any> | undefined {
  return (sim.route(NS, NAME)?.spec?.rules ?? []).find((r: Record<string, any>) =>
    (r.matches ?? []).some((m: Record<string, any>) =>
      (m.headers ?? []).some((h: Record<string, any>) => h.value === id),
    ),
  );
}

/** Every HTTPRoute the hooks emitted validates upstream and stays within the limits. */
function validateRoutes(t: Test, sim: Cluster): void {
  let n = 0;
  for (const call of sim.responses)
    for (const child of (call.response as any)?.children ?? []) {
      if (child.kind !== 'HTTPRoute') continue;
      n++;
      new HTTPRoute(child).validate();
      t.ok(child.spec.rules.length <= 16, 'at most 16 rules');
    }
  t.ok(n > 0, `${n} emitted HTTPRoutes validate with @kubernetes-models/gateway-api`);
}

const STEPS = [
  { weight: 25, pauseSeconds: 60 },
  { weight: 50, pauseSeconds: 60 },
];

/**
 * proportional: base 10, v1 → v2. Every second the route's split is checked against the pods:
 * a version never carries a share its Available pods were not sized for (the weight moves only
 * after they are Available), and at the 25 % step v2 runs 3 and v1 8.
 */
function proportional(t: Test, autoscaled: boolean): void {
  const sim = new Cluster({ hooks: HOOKS, deploymentReadyAfterSeconds: 5 });
  const spec = {
    replicas: 10,
    rollout: { steps: STEPS, rollbackWindowSeconds: 0 },
    ...(autoscaled ? { autoscaling: { mode: 'hpa', minReplicas: 10, maxReplicas: 20 } } : {}),
  };
  const size = (id: string): number | undefined =>
    autoscaled ? hpa(sim, id)?.spec?.minReplicas : deployment(sim, id)?.spec?.replicas;
  sim.apply(handler('v1', spec));
  sim.advance(10);
  t.equal(size('v1'), 10, 'v1 alone: 10');
  sim.apply(handler('v2', spec));
  let at25: number | undefined;
  const violations: string[] = [];
  for (let s = 0; s < 400 && entry(sim, 'v1'); s++) {
    sim.advance(1);
    for (const id of ['v1', 'v2']) {
      const need = Math.ceil((10 * share(sim, id)) / 100);
      if (available(sim, id) < need)
        violations.push(`t+${s}: ${id} carries ${share(sim, id)} % on ${available(sim, id)} pods`);
    }
    if (at25 === undefined && share(sim, 'v2') === 25) at25 = s;
    if (at25 !== undefined && s === at25 + 10) {
      t.equal(size('v2'), 3, 'at the 25 % step v2 runs 3');
      t.equal(size('v1'), 8, 'and v1 8, once the route carries 75 %');
      t.equal(available(sim, 'v2'), 3);
    }
  }
  t.ok(at25 !== undefined, 'the move reached 25 %');
  t.same(violations, [], 'the weight moved only after the pods that carry it were Available');
  t.same(sim.weights(NS, NAME), { v2: 100 });
  t.equal(size('v2'), 10, 'v2 alone: 10');
  if (autoscaled) {
    t.equal(deployment(sim, 'v2')?.spec?.replicas, undefined, 'the HPA owns replicas');
    t.equal(hpa(sim, 'v2')?.spec?.maxReplicas, 20, 'the maximum stays the handler’s');
  }
  validateRoutes(t, sim);
  sim.assertDeterministic();
}

t.test('proportional', async (t) => {
  t.test('replicas', async (t) => proportional(t, false));
  t.test('HPA minReplicas', async (t) => proportional(t, true));
});

const RETIREMENT = {
  demandQuery: 'sum(rate(requests_total{service="{{service}}"}[1m]))',
  minRequestsPerSecond: 1,
  consecutiveChecks: 2,
  intervalSeconds: 30,
  notice: 60,
};

/** A cluster where v1 is called at `rate()` req/s (its demand query's answer, sampled now). */
function sunsetCluster(maxAgeSeconds: number, rate: () => number): Cluster {
  const sim: Cluster = new Cluster({
    hooks: HOOKS,
    deploymentReadyAfterSeconds: 5,
    observations: (c) => ({ demand: { [versionKey(NS, NAME, 'v1')]: sampled(rate(), c.now) } }),
  });
  const spec = {
    replicas: 4,
    rollout: { steps: [], rollbackWindowSeconds: 0 },
    retirement: { ...RETIREMENT, maxAgeSeconds },
  };
  sim.apply(handler('v1', spec));
  sim.advance(10);
  sim.apply(handler('v2', spec));
  sim.advance(10);
  return sim;
}

t.test('sunset', async (t) => {
  t.test('kept while called, retired within two checks after the calls stop', async (t) => {
    let rate = 5;
    const sim = sunsetCluster(3600, () => rate);
    t.same(sim.weights(NS, NAME), { v1: 0, v2: 100 }, 'v2 carries the weighted traffic');
    sim.advance(300);
    t.match(entry(sim, 'v1'), {
      phase: 'Active',
      reason: 'Deprecated',
      demand: { requestsPerSecond: 5 },
    });
    t.equal(sim.pins(NS, NAME, 'version').v1, 'v1', 'still called at 5 req/s: pin-routable');
    const headers = pinRule(sim, 'v1')?.filters?.[0]?.responseHeaderModifier?.set;
    const superseded = Date.parse(entry(sim, 'v1')!.supersededAt);
    t.same(
      headers,
      [
        { name: 'Deprecation', value: `@${superseded / 1000}` },
        { name: 'Sunset', value: new Date(superseded + 60_000).toUTCString() },
      ],
      'its pin rule announces Deprecation and Sunset',
    );
    t.equal(deployment(sim, 'v1')?.spec?.replicas, 1, 'on one pod');
    rate = 0;
    const stopped = sim.elapsedSeconds;
    let pinnedUntil = 0;
    for (let s = 1; s <= 120; s++) {
      sim.advance(1);
      if (sim.pins(NS, NAME, 'version').v1) pinnedUntil = s;
    }
    const retired = reported(sim, 'v1', 'RetiredByDemand');
    t.ok(retired, 'retired by demand');
    t.match(retired, { phase: 'Decommissioned', demand: { quietChecks: 2 } }, 'after two checks');
    t.ok(
      pinnedUntil <= 2 * RETIREMENT.intervalSeconds + 1,
      `its pin rule left ${pinnedUntil} s after the calls stopped (two checks: ${2 * RETIREMENT.intervalSeconds} s)`,
    );
    t.equal(sim.pins(NS, NAME, 'version').v1, undefined, 'and stays gone');
    t.ok(sim.elapsedSeconds > stopped);
    sim.advance(30);
    t.equal(deployment(sim, 'v1'), undefined, 'and its Deployment');
    validateRoutes(t, sim);
    sim.assertDeterministic();
  });

  t.test('retired at maxAgeSeconds however much it is called', async (t) => {
    const sim = sunsetCluster(600, () => 5);
    const superseded = Date.parse(entry(sim, 'v1')!.supersededAt);
    t.match(entry(sim, 'v1'), {
      retiresAt: new Date(superseded + 600_000).toISOString().replace('.000Z', 'Z'),
    });
    sim.advance(560);
    t.equal(entry(sim, 'v1')?.reason, 'Deprecated', 'still kept before maxAgeSeconds');
    sim.advance(60);
    const retired = reported(sim, 'v1', 'RetiredByAge');
    t.match(retired, { phase: 'Decommissioned' }, 'retired by age');
    t.equal(
      Date.parse(retired?.at) - superseded,
      600_000,
      'exactly maxAgeSeconds after it was superseded',
    );
    t.equal(sim.pins(NS, NAME, 'version').v1, undefined);
  });
});

t.test('bridge', async (t) => {
  const sim = new Cluster({ hooks: HOOKS, deploymentReadyAfterSeconds: 5 });
  sim.apply(handler('v3.0.0', { replicas: 2 }));
  sim.apply(gatiVersion('v1.0.0', { routingWeight: 10 }));
  sim.apply(
    gatiVersion('v2.0.0', { routingWeight: 10, transformers: ['v1-to-v2', { from: 'v1.0.0' }] }),
  );
  sim.advance(20);
  t.same(Object.keys(sim.weights(NS, NAME)).sort(), ['v1.0.0', 'v2.0.0', 'v3.0.0'], 'three live');
  sim.delete('GatiVersion', NS, 'users-v1-0-0');
  sim.advance(120);
  t.match(entry(sim, 'v1.0.0'), {
    phase: 'Decommissioned',
    reason: 'Bridged',
    bridgedBy: 'v2.0.0',
  });
  const rule = pinRule(sim, 'v1.0.0');
  t.same(
    rule?.backendRefs?.map((b: Record<string, any>) => b.name),
    [versionName(NAME, 'v2.0.0')],
    'a request pinned to v1.0.0 goes to v2.0.0’s Service',
  );
  t.same(
    rule?.filters?.find((f: Record<string, any>) => f.type === 'RequestHeaderModifier'),
    {
      type: 'RequestHeaderModifier',
      requestHeaderModifier: { set: [{ name: 'x-gati-transform-from', value: 'v1.0.0' }] },
    },
    'with x-gati-transform-from: v1.0.0',
  );
  t.equal(deployment(sim, 'v1.0.0'), undefined, 'v1.0.0’s pods are gone (its Deployment too)');
  t.equal(sim.get('GatiVersion', NS, 'users-v1-0-0'), undefined, 'its GatiVersion is released');
  t.notOk('v1.0.0' in sim.weights(NS, NAME), 'never weighted again');
  validateRoutes(t, sim);
  sim.assertDeterministic();
});

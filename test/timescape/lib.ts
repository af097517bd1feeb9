import type { GatiHandlerStatus } from '../../src/api/gatihandler-status.js';
import { validateHandlerSpec, validateVersionSpec } from '../../src/api/index.js';
import type { GatiVersionSpec } from '../../src/api/gativersion.js';
import type { OwnedVersion } from '../../src/timescape/versions.js';
import type { KubeObject } from '../../src/api/metacontroller.js';
import { ROLLOUT_ACTION_ANNOTATION } from '../../src/api/keys.js';
import type { Observation } from '../../src/api/signals.js';
import { planVersions, routedVersions, type Plan } from '../../src/timescape/plan.js';
import { makeHTTPRoute } from '../../src/resources/httproute.js';

/**
 * A tiny driver for table tests of planVersions: it feeds each plan's status back as the next
 * sync's previous status and makes every emitted Deployment Available (unless told not to),
 * as a cluster would, with a clock in seconds from T0. No Metacontroller loop: just the planner.
 */
const T0 = new Date('2026-01-01T00:00:00Z');
export const at = (s: number) => new Date(T0.getTime() + s * 1000);

/** Short steps so stories stay readable: 10 % for 60 s, 50 % for 60 s, then 100 %. */
const STEPS = [
  { weight: 10, pauseSeconds: 60 },
  { weight: 50, pauseSeconds: 60 },
];

export function spec(version: string, extra: Record<string, unknown> = {}) {
  const v = validateHandlerSpec({
    handlerPath: '/api/users',
    version,
    image: `users:${version}`,
    replicas: 2,
    // The engine's stories count syncs: every version at full size, so no step waits for pods.
    // Sizing by share has its own stories (sizing.test.ts, test/scenario/cost.test.ts).
    scaling: 'Full',
    rollout: { steps: STEPS, rollbackWindowSeconds: 0 },
    drain: { minSeconds: 30 },
    ...extra,
  });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.value;
}

/** anyVersion: a record answering `value` for whichever versionId is asked. */
function anyVersion<T>(value: T): Record<string, T> {
  return new Proxy({} as Record<string, T>, { get: () => value });
}

export class Driver {
  status?: GatiHandlerStatus;
  plan?: Plan;
  annotations: Record<string, string> = {};
  /** versionIds whose Deployment is never Available. */
  unavailable = new Set<string>();
  /** GatiVersions of the handler, by name: their spec as written (defaults applied here). */
  gatiVersions = new Map<string, Partial<GatiVersionSpec> & { versionId: string }>();
  /** Names of GatiVersions being deleted. */
  deleting = new Set<string>();
  /** The demand query's answers (spec.retirement) the next syncs get, by versionId. */
  demand: Record<string, Observation> = {};
  /** The observed HTTPRoute the next syncs get (none: nothing routes yet). */
  route?: KubeObject;
  /**
   * Play the gateway: each sync's HTTPRoute is what the next sync observes, accepted at its
   * generation — or, with `gatewayHolds`, still at the generation it last accepted.
   */
  gateway = false;
  gatewayHolds = false;
  private replicas = new Map<string, number>();

  /**
   * sync runs one handler sync at second `s`. An analysis answer given as a bare `{ value }`
   * is a sample taken at that second, as Prometheus would answer a query sent then.
   */
  sync(s: number, sp: ReturnType<typeof spec>, metric?: Observation | { value: number }): Plan {
    const analysis: Observation | undefined =
      metric && 'value' in metric && !('sampleAt' in metric)
        ? { value: metric.value, sampleAt: at(s).toISOString() }
        : (metric as Observation | undefined);
    return this.syncKeyed(s, sp, analysis ? anyVersion(analysis) : {});
  }

  /**
   * syncWith runs one sync with the gate answers by local key (`v2`, `v2#m:errors`,
   * `v2#w:smoke`, as src/timescape/metrics.ts names them); a bare `{ value }` is sampled then.
   */
  syncWith(
    s: number,
    sp: ReturnType<typeof spec>,
    answers: Record<string, Observation | { value: number }>,
  ): Plan {
    const sampled = Object.fromEntries(
      Object.entries(answers).map(([k, v]) => [
        k,
        'value' in v && !('sampleAt' in v) ? { value: v.value, sampleAt: at(s).toISOString() } : v,
      ]),
    ) as Record<string, Observation>;
    return this.syncKeyed(s, sp, sampled);
  }

  private syncKeyed(
    s: number,
    sp: ReturnType<typeof spec>,
    analysis: Record<string, Observation>,
  ): Plan {
    const plan = planVersions({
      name: 'users',
      namespace: 'shop',
      spec: sp,
      annotations: this.annotations,
      previous: this.status,
      owned: this.owned(),
      deployments: this.deployments(),
      now: at(s),
      rates: {},
      demand: this.demand,
      route: this.route,
      // sync(): whatever the target of the move, one analysis answer per sync.
      analysis,
    });
    this.plan = plan;
    if (this.gateway) this.route = this.observedRoute(sp, plan);
    this.status = {
      version: sp.version,
      rollout: plan.rollout,
      versions: plan.versions.map((v) => v.status),
    };
    this.replicas = new Map(
      plan.versions
        .filter((v) => v.workload)
        .map((v) => [
          v.status.versionId,
          v.workload!.state === 'retire' ? 0 : v.workload!.replicas,
        ]),
    );
    return plan;
  }

  /** observedRoute: the route this plan emits, as the gateway reports it to the next sync. */
  private observedRoute(sp: ReturnType<typeof spec>, plan: Plan): KubeObject | undefined {
    const route = makeHTTPRoute(
      { metadata: { name: 'users', namespace: 'shop' }, spec: sp },
      routedVersions(plan.versions),
    );
    if (!route) return undefined;
    const prev = this.route;
    const before = (prev?.metadata.generation as number | undefined) ?? 0;
    const generation = before + (JSON.stringify(prev?.spec) === JSON.stringify(route.spec) ? 0 : 1);
    const seen =
      (
        prev?.status as
          { parents?: Array<{ conditions: Array<{ observedGeneration: number }> }> } | undefined
      )?.parents?.[0]?.conditions[0]?.observedGeneration ?? 0;
    const observedGeneration = this.gatewayHolds ? seen : generation;
    return {
      ...(route as unknown as KubeObject),
      metadata: { ...route.metadata!, name: route.metadata!.name!, generation },
      status: {
        parents: [
          {
            parentRef: { name: 'public' },
            conditions: [{ type: 'Accepted', status: 'True', observedGeneration }],
          },
        ],
      },
    };
  }

  /** snapshot and restore: replay one sync from exactly the same state. */
  snapshot() {
    return structuredClone({
      status: this.status,
      annotations: this.annotations,
      unavailable: this.unavailable,
      replicas: this.replicas,
    });
  }

  restore(s: ReturnType<Driver['snapshot']>): void {
    const c = structuredClone(s);
    this.status = c.status;
    this.annotations = c.annotations;
    this.unavailable = c.unavailable;
    this.replicas = c.replicas;
  }

  action(value: string | undefined): void {
    if (value === undefined) delete this.annotations[ROLLOUT_ACTION_ANNOTATION];
    else this.annotations[ROLLOUT_ACTION_ANNOTATION] = value;
  }

  /** weights: effective weight per live version. */
  weights(): Record<string, number> {
    return Object.fromEntries(
      (this.status?.versions ?? []).map((v) => [v.versionId, v.effectiveWeight]),
    );
  }

  version(id: string) {
    return this.status?.versions?.find((v) => v.versionId === id);
  }

  /** gv adds (or replaces) a GatiVersion of the handler. */
  gv(name: string, spec: Partial<GatiVersionSpec> & { versionId: string }): void {
    this.gatiVersions.set(name, spec);
  }

  private owned(): OwnedVersion[] {
    return [...this.gatiVersions].map(([name, s]) => {
      const v = validateVersionSpec({ image: `users:${s.versionId}`, ...s });
      if (!v.ok) throw new Error(JSON.stringify(v.errors));
      return { name, spec: v.value, deleting: this.deleting.has(name), annotations: {} };
    });
  }

  private deployments(): Map<string, KubeObject> {
    const out = new Map<string, KubeObject>();
    for (const [id, n] of this.replicas) {
      const up = this.unavailable.has(id) ? 0 : n;
      out.set(id, {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: id, annotations: { 'gati.dev/version-id': id }, generation: 1 },
        spec: { replicas: n },
        status: {
          observedGeneration: 1,
          replicas: n,
          updatedReplicas: n,
          readyReplicas: up,
          availableReplicas: up,
        },
      });
    }
    return out;
  }
}

/** rolledOut: a driver that has v1 serving alone (first deploy) and v2 rolled out to its first step. */
export function rollingV2(): Driver {
  const d = new Driver();
  d.sync(0, spec('v1'));
  d.sync(1, spec('v1'));
  d.sync(10, spec('v2'));
  d.sync(11, spec('v2'));
  return d;
}

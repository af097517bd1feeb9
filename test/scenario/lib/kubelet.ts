// What the rest of a cluster does to the children: a fake kubelet/Deployment controller
// writes Deployment status (Available after deploymentReadyAfterSeconds, or never), and a
// fake gateway accepts HTTPRoutes and reports backends it cannot resolve.
import { canon, clone, isPlain, iso, nsOf, type Obj } from './objects.js';
import type { Store } from './store.js';

const GATEWAY_CONTROLLER = 'gateway.gati.dev/simulated';

/** The knobs the simulation reads at every step (the Cluster's own fields). */
export interface ClusterKnobs {
  deploymentReadyAfterSeconds: number;
  neverReady: ((deployment: Obj) => boolean) | undefined;
  routeAccepts: boolean;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** condition keeps the previous lastTransitionTime unless the status changed. */
function condition(
  prev: unknown,
  c: Omit<Condition, 'lastTransitionTime'>,
  now: string,
): Condition {
  const old = Array.isArray(prev)
    ? (prev as Condition[]).find((p) => isPlain(p) && p.type === c.type)
    : undefined;
  return {
    ...c,
    lastTransitionTime:
      old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now,
  };
}

function replicasOf(d: Obj): number {
  return typeof d.spec?.replicas === 'number' ? d.spec.replicas : 1;
}

function progressDeadline(d: Obj): number {
  return typeof d.spec?.progressDeadlineSeconds === 'number' ? d.spec.progressDeadlineSeconds : 600;
}

function live(store: Store, kind: string): Obj[] {
  return store.all((o) => o.kind === kind && !o.metadata.deletionTimestamp);
}

interface Seen {
  generation: number;
  /** The replicas it was asked for then: an HPA changes them without a new generation. */
  want: number;
  since: number;
}

/** Kubelet plays the Deployment controller and the kubelet for every Deployment in the store. */
export class Kubelet {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly store: Store,
    private readonly knobs: ClusterKnobs,
    private readonly now: () => number,
  ) {}

  /** forget drops what it remembers of a removed object. */
  forget(uid: string): void {
    this.seen.delete(uid);
  }

  /** run writes the status a Deployment controller would (zero counts omitted, as omitempty does). */
  run(): void {
    this.store.actor = 'kubelet';
    for (const d of live(this.store, 'Deployment')) {
      const status = this.status(d, this.state(d));
      if (canon(d.status) !== canon(status)) this.store.update(d, { ...clone(d), status });
    }
  }

  /** nextMs is when a Deployment next becomes Available or stalls (undefined: never). */
  nextMs(): number | undefined {
    let next: number | undefined;
    for (const d of this.store.values()) {
      if (d.kind !== 'Deployment' || d.metadata.deletionTimestamp) continue;
      const seen = this.seen.get(d.metadata.uid!);
      const want = this.want(d);
      if (!seen || seen.generation !== (d.metadata.generation ?? 1) || seen.want !== want) continue;
      if (want === 0) continue;
      const never = this.knobs.neverReady?.(clone(d)) ?? false;
      const due =
        seen.since + (never ? progressDeadline(d) : this.knobs.deploymentReadyAfterSeconds) * 1000;
      if (due > this.now() && (next === undefined || due < next)) next = due;
    }
    return next;
  }

  /**
   * want: the replicas a Deployment runs — its spec's, or, when an HPA targets it, what the
   * HPA controller keeps an idle workload at: its minReplicas (the hooks leave `replicas` out).
   */
  private want(d: Obj): number {
    const hpa = this.store.all(
      (o) =>
        o.kind === 'HorizontalPodAutoscaler' &&
        !o.metadata.deletionTimestamp &&
        nsOf(o) === nsOf(d) &&
        o.spec?.scaleTargetRef?.name === d.metadata.name,
    )[0];
    const min = hpa?.spec?.minReplicas;
    return typeof min === 'number' && d.spec?.replicas === undefined ? min : replicasOf(d);
  }

  private state(d: Obj): Seen {
    const generation = d.metadata.generation ?? 1;
    const want = this.want(d);
    let seen = this.seen.get(d.metadata.uid!);
    if (!seen || seen.generation !== generation || seen.want !== want) {
      seen = { generation, want, since: this.now() };
      this.seen.set(d.metadata.uid!, seen);
    }
    return seen;
  }

  private status(d: Obj, seen: Seen): Record<string, unknown> {
    const nowMs = this.now();
    const now = iso(nowMs);
    const prev = d.status ?? {};
    const want = this.want(d);
    const rs = `${d.metadata.name}-sim`;
    const counts = (n: Record<string, number>): Record<string, number> =>
      Object.fromEntries(Object.entries(n).filter(([, v]) => v > 0));
    const c = (type: string, status: string, reason: string, message: string): Condition =>
      condition(prev.conditions, { type, status, reason, message }, now);
    const availableTrue = () =>
      c('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.');
    const ready =
      want === 0 ||
      (!(this.knobs.neverReady?.(clone(d)) ?? false) &&
        nowMs - seen.since >= this.knobs.deploymentReadyAfterSeconds * 1000);
    if (ready) {
      return {
        observedGeneration: seen.generation,
        ...counts({
          replicas: want,
          updatedReplicas: want,
          readyReplicas: want,
          availableReplicas: want,
        }),
        conditions: [
          availableTrue(),
          c(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rs}" has successfully progressed.`,
          ),
        ],
      };
    }
    // Rolling or never ready: old pods keep serving (maxUnavailable 25%), new ones are not ready.
    const available = Math.min(
      typeof prev.availableReplicas === 'number' ? prev.availableReplicas : 0,
      want,
    );
    const availableOk = available > 0 && available >= want - Math.floor(want / 4);
    const stalled = nowMs - seen.since >= progressDeadline(d) * 1000;
    return {
      observedGeneration: seen.generation,
      ...counts({
        replicas: want,
        updatedReplicas: want,
        readyReplicas: available,
        availableReplicas: available,
        unavailableReplicas: want - available,
      }),
      conditions: [
        availableOk
          ? availableTrue()
          : c(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
        stalled
          ? c(
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              `ReplicaSet "${rs}" has timed out progressing.`,
            )
          : c('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${rs}" is progressing.`),
      ],
    };
  }
}

/** A rule of an HTTPRoute as the readers need it. */
interface RouteRule {
  matches?: Array<{ headers?: Array<{ name: string; value: string; type?: string }> }>;
  backendRefs?: Array<{
    name: string;
    namespace?: string;
    kind?: string;
    group?: string;
    port?: number;
    weight?: number;
  }>;
}

/** Gateway writes status.parents of every HTTPRoute with parentRefs (none: left alone), when routeAccepts. */
export class Gateway {
  constructor(
    private readonly store: Store,
    private readonly knobs: ClusterKnobs,
    private readonly now: () => number,
  ) {}

  run(): void {
    if (!this.knobs.routeAccepts) return;
    this.store.actor = 'gateway';
    const now = iso(this.now());
    for (const r of live(this.store, 'HTTPRoute')) {
      const refs: unknown[] = Array.isArray(r.spec?.parentRefs) ? r.spec.parentRefs : [];
      if (refs.length === 0) continue;
      const observedGeneration = r.metadata.generation ?? 1;
      const missing = this.missingBackends(r);
      const prevParents: Array<{ parentRef?: unknown; conditions?: unknown }> = Array.isArray(
        r.status?.parents,
      )
        ? r.status.parents
        : [];
      const parents = refs.map((ref) => {
        const prev = prevParents.find((pp) => canon(pp.parentRef) === canon(ref))?.conditions;
        const c = (type: string, status: string, reason: string, message: string) =>
          condition(prev, { type, status, reason, message, observedGeneration }, now);
        return {
          parentRef: ref,
          controllerName: GATEWAY_CONTROLLER,
          conditions: [
            c('Accepted', 'True', 'Accepted', 'Route is accepted.'),
            missing.length === 0
              ? c('ResolvedRefs', 'True', 'ResolvedRefs', 'All references resolved.')
              : c(
                  'ResolvedRefs',
                  'False',
                  'BackendNotFound',
                  `Backends not found: ${missing.join(', ')}`,
                ),
          ],
        };
      });
      const status = { ...(r.status ?? {}), parents };
      if (canon(r.status) !== canon(status)) this.store.update(r, { ...clone(r), status });
    }
  }

  private missingBackends(r: Obj): string[] {
    const missing: string[] = [];
    for (const rule of (r.spec?.rules ?? []) as RouteRule[]) {
      for (const b of rule.backendRefs ?? []) {
        const ns = b.namespace ?? nsOf(r);
        const isService = (b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '';
        if (!isService || !this.store.get('Service', ns, b.name))
          missing.push(`${b.kind ?? 'Service'} ${ns}/${b.name}`);
      }
    }
    return [...new Set(missing)].sort();
  }
}

/** Label of a version's Service that the route readers use to name a backend by versionId. */
const VERSION_LABEL = 'gati.dev/version';

function rulesOf(route: Obj | undefined): RouteRule[] {
  return Array.isArray(route?.spec?.rules) ? (route.spec.rules as RouteRule[]) : [];
}

function versionOfService(store: Store, ns: string, name: string): string {
  return store.get('Service', ns, name)?.metadata.labels?.[VERSION_LABEL] ?? name;
}

/**
 * routeWeights reads a route's weighted rule (the one none of whose matches has a header
 * match): versionId or Service name → weight (Gateway API default 1 when unset).
 */
export function routeWeights(
  store: Store,
  ns: string,
  route: Obj | undefined,
  by: 'version' | 'service',
): Record<string, number> {
  const out: Record<string, number> = {};
  const rule = rulesOf(route).find(
    (r) => !(r.matches ?? []).some((m) => (m.headers ?? []).length > 0),
  );
  for (const b of rule?.backendRefs ?? []) {
    const k = by === 'version' ? versionOfService(store, ns, b.name) : b.name;
    out[k] = (out[k] ?? 0) + (b.weight ?? 1);
  }
  return out;
}

/** routePins reads a route's header-matched rules: header value → backend Service name (or versionId). */
export function routePins(
  store: Store,
  ns: string,
  route: Obj | undefined,
  by: 'service' | 'version',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of rulesOf(route)) {
    const backend = r.backendRefs?.[0]?.name;
    if (backend === undefined) continue;
    for (const m of r.matches ?? [])
      for (const h of m.headers ?? [])
        out[h.value] = by === 'version' ? versionOfService(store, ns, backend) : backend;
  }
  return out;
}

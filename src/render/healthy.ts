import { DEPLOYMENT, HTTP_ROUTE } from '../api/kinds.js';
import type { KubeObject } from '../api/metacontroller.js';
import { canonical, toJson } from '../kube/canonical.js';
import { rfc3339 } from '../kube/time.js';
import { controllerUid } from './loop/request.js';
import type { LoopStore, TypeRef } from './loop/types.js';

/** The gateway controller name the simulated HTTPRoute status carries. */
const CONTROLLER_NAME = 'gati.dev/static-render';

function desiredReplicas(o: KubeObject): number {
  const r = (o.spec as { replicas?: unknown } | undefined)?.replicas;
  return typeof r === 'number' ? r : 1;
}

/** simulatedStatus is the status a healthy cluster reports for a child at `generation`. */
export function simulatedStatus(
  child: KubeObject,
  generation: number,
  now: Date,
): Record<string, unknown> | undefined {
  const at = rfc3339(now);
  if (child.kind === DEPLOYMENT.kind) {
    const n = desiredReplicas(child);
    return {
      observedGeneration: generation,
      replicas: n,
      updatedReplicas: n,
      readyReplicas: n,
      availableReplicas: n,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
          lastTransitionTime: at,
          lastUpdateTime: at,
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: 'ReplicaSet has successfully progressed.',
          lastTransitionTime: at,
          lastUpdateTime: at,
        },
      ],
    };
  }
  if (child.kind === HTTP_ROUTE.kind) {
    const refs = ((child.spec as { parentRefs?: unknown[] } | undefined)?.parentRefs ??
      []) as Record<string, unknown>[];
    const condition = (type: string) => ({
      type,
      status: 'True',
      reason: type,
      message: '',
      observedGeneration: generation,
      lastTransitionTime: at,
    });
    return {
      parents: refs.map((parentRef) => ({
        parentRef,
        controllerName: CONTROLLER_NAME,
        conditions: [condition('Accepted'), condition('ResolvedRefs')],
      })),
    };
  }
  return undefined;
}

function specOf(o: KubeObject): string {
  const { status: _s, metadata: _m, ...rest } = o;
  return JSON.stringify(canonical(rest));
}

function keyOf(kind: string | undefined, namespace: string | undefined, name: string): string {
  return `${kind ?? ''} ${namespace ?? ''}/${name}`;
}

function byIdentity(a: KubeObject, b: KubeObject): number {
  const ka = keyOf(a.kind, a.metadata.namespace, a.metadata.name);
  const kb = keyOf(b.kind, b.metadata.namespace, b.metadata.name);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/**
 * HealthyStore is the static renderer's API server: every child is healthy the moment it is
 * written — a Deployment Available and an HTTPRoute Accepted at its generation (see
 * simulatedStatus) — and nothing is ever deleted for good, because nothing waits. Uids are
 * `static-<n>` in creation order; `writes` counts the changes, so a round that leaves it
 * unchanged is a fixed point.
 */
export class HealthyStore implements LoopStore {
  /** The clock the simulated statuses are stamped with. */
  now: Date;
  /** How many writes changed something. */
  writes = 0;
  private readonly objects = new Map<string, KubeObject>();
  private uids = 0;

  constructor(now: Date) {
    this.now = now;
  }

  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(keyOf(kind, namespace, name));
  }

  list(type: TypeRef): KubeObject[] {
    return [...this.objects.values()]
      .filter((o) => o.kind === type.kind && o.apiVersion === type.apiVersion)
      .sort(byIdentity);
  }

  owned(uid: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => controllerUid(o) === uid).sort(byIdentity);
  }

  create(o: KubeObject): void {
    const uid = `static-${String(++this.uids).padStart(4, '0')}`;
    const status = simulatedStatus(o, 1, this.now) ?? o.status;
    this.put({ ...o, metadata: { ...o.metadata, uid, generation: 1 }, status });
  }

  update(cur: KubeObject, next: KubeObject): void {
    if (toJson(cur) === toJson(next)) return;
    const generation = cur.metadata.generation as number;
    const changed = specOf(cur) !== specOf(next);
    const gen = changed ? generation + 1 : generation;
    const status = (changed && simulatedStatus(next, gen, this.now)) || next.status;
    this.put({ ...next, metadata: { ...next.metadata, generation: gen }, status });
  }

  /** delete removes at once: static renders never delete a parent, so nothing finalizes. */
  delete(o: KubeObject): void {
    this.objects.delete(keyOf(o.kind, o.metadata.namespace, o.metadata.name));
    this.writes++;
  }

  private put(o: KubeObject): void {
    if (o.status === undefined) delete o.status;
    this.objects.set(keyOf(o.kind, o.metadata.namespace, o.metadata.name), canonical(o));
    this.writes++;
  }
}

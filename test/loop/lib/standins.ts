/**
 * The only two stand-ins of the loop suite; everything else is the real API server, the real
 * kube-controller-manager controllers and the real Metacontroller.
 *
 * - kubelet: sets each Deployment's status from its spec, as the Deployment controller and a
 *   kubelet would once its pods run: every replica updated, ready and available, at the
 *   Deployment's generation. A Deployment whose pod image ends in UNAVAILABLE_SUFFIX is held
 *   unavailable (0 ready, Available=False), like pods that never pass their readiness probe.
 *   With a pod runtime (./pods.ts) its versions also answer requests: a version's server and
 *   ready endpoints exist before its Deployment reports Available.
 * - gateway: sets HTTPRoute parent status for every parentRef, Accepted and ResolvedRefs at the
 *   route's generation, or Accepted=False for the routes told to reject.
 *
 * Both watch their kind and write the status subresource only when it differs, so they never
 * add writes of their own to an idle cluster.
 */
import type { TestCluster } from '../../apiserver/lib/cluster.js';
import { pathOf, type Api, type Kind, type Obj } from '../../e2e/lib/api.js';
import type { PodRuntime } from './pods.js';
import { watch, type Watch } from './watch.js';

/** A pod image ending in this never becomes Available under the kubelet stand-in. */
export const UNAVAILABLE_SUFFIX = '-unavailable';
/** controllerName the gateway stand-in reports in HTTPRoute status. */
const GATEWAY_CONTROLLER = 'gati.dev/gateway-stand-in';

export interface StandIn {
  /** Resolves once the stand-in has seen every existing object. */
  synced: Promise<void>;
  /** Status writes made so far. */
  writes(): number;
  stop(): void;
}

type Cluster = Pick<TestCluster, 'url' | 'token' | 'request'>;

/**
 * A status writer for one kind: the latest object per key is queued, and at most `concurrency`
 * status patches are in flight; an object changed while its patch is in flight is redone.
 */
function statusWriter(
  api: Api,
  kind: Kind,
  desired: (o: Obj) => Obj | undefined,
  concurrency = 8,
): { offer(o: Obj): void; writes(): number } {
  const queue = new Map<string, Obj>();
  const busy = new Set<string>();
  let writes = 0;
  let running = 0;
  const pump = (): void => {
    for (const [key, o] of queue) {
      if (running >= concurrency) return;
      if (busy.has(key)) continue;
      queue.delete(key);
      const status = desired(o);
      if (!status) continue;
      busy.add(key);
      running++;
      api
        .patchStatus(kind, o.metadata.namespace, o.metadata.name, status)
        .then(() => writes++)
        .catch(() => {
          /* deleted meanwhile, or a conflict: the next event brings it back */
        })
        .finally(() => {
          busy.delete(key);
          running--;
          pump();
        });
    }
  };
  return {
    offer(o) {
      queue.set(`${o.metadata.namespace}/${o.metadata.name}`, o);
      pump();
    },
    writes: () => writes,
  };
}

function standIn(
  cluster: Cluster,
  api: Api,
  kind: Kind,
  desired: (o: Obj) => Obj | undefined,
): StandIn & { recheck(o: Obj): void } {
  const writer = statusWriter(api, kind, desired);
  const w: Watch = watch(cluster, pathOf(kind), (type, o) => {
    if (type !== 'DELETED') writer.offer(o);
  });
  return { synced: w.synced, writes: writer.writes, stop: () => w.stop(), recheck: writer.offer };
}

/* -------------------------------------------------------------------------------- kubelet */

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Its pods never become Available: replicas wanted, and an image ending in UNAVAILABLE_SUFFIX. */
function heldUnavailable(d: Obj): boolean {
  const images = ((d.spec?.template?.spec?.containers ?? []) as Obj[]).map((c) => String(c.image));
  return (d.spec?.replicas ?? 1) > 0 && images.some((i) => i.endsWith(UNAVAILABLE_SUFFIX));
}

/** The status a Deployment controller and kubelet would report for this spec, or undefined if it already does. */
function deploymentStatus(d: Obj, now = new Date()): Obj | undefined {
  const replicas: number = d.spec?.replicas ?? 1;
  const held = heldUnavailable(d);
  const up = held ? 0 : replicas;
  const numbers = {
    observedGeneration: d.metadata.generation,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: up,
    availableReplicas: up,
    unavailableReplicas: replicas - up,
  };
  const available = held
    ? ['False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.']
    : ['True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'];
  const progressing = held
    ? ['True', 'ReplicaSetUpdated', 'ReplicaSet is progressing.']
    : ['True', 'NewReplicaSetAvailable', 'ReplicaSet has successfully progressed.'];
  const cur = d.status ?? {};
  const current = Object.fromEntries(Object.keys(numbers).map((k) => [k, cur[k] ?? 0]));
  const condStatus = (type: string) =>
    ((cur.conditions ?? []) as Obj[]).find((c) => c.type === type)?.status;
  if (
    sameJson(current, numbers) &&
    condStatus('Available') === available[0] &&
    condStatus('Progressing') === progressing[0]
  )
    return undefined;
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const condition = (type: string, [status, reason, message]: string[]) => ({
    type,
    status,
    reason,
    message,
    lastUpdateTime: stamp,
    lastTransitionTime: stamp,
  });
  return {
    ...numbers,
    conditions: [condition('Available', available), condition('Progressing', progressing)],
  };
}

/**
 * startKubelet: the Deployment status stand-in; with `pods`, also the runtime of the versions'
 * servers and their EndpointSlices (a Deployment reports Available only once its server is up).
 */
export function startKubelet(cluster: Cluster, api: Api, pods?: PodRuntime): StandIn {
  if (!pods) return standIn(cluster, api, 'Deployment', (d) => deploymentStatus(d));
  const writer = statusWriter(api, 'Deployment', (d) => deploymentStatus(d));
  const deployments = watch(cluster, pathOf('Deployment'), (type, d) => {
    if (type === 'DELETED') {
      void pods.removed(d);
      return;
    }
    const up = (d.spec?.replicas ?? 1) > 0 && !d.metadata.deletionTimestamp && !heldUnavailable(d);
    const done = pods.reconcile(d, up);
    // Starting: Available only once it answers. Stopping: the status says so at once.
    if (up) void done.then(() => writer.offer(d));
    else writer.offer(d);
  });
  const services = watch(cluster, pathOf('Service'), (type, svc) => {
    if (type === 'DELETED') pods.serviceDeleted(svc);
    else void pods.service(svc);
  });
  return {
    synced: Promise.all([deployments.synced, services.synced]).then(() => {}),
    writes: writer.writes,
    stop: () => {
      deployments.stop();
      services.stop();
    },
  };
}

/* -------------------------------------------------------------------------------- gateway */

/** The parent status a Gateway controller would report for this route, or undefined if it already does. */
function routeStatus(route: Obj, reject: boolean, now = new Date()): Obj | undefined {
  const refs = (route.spec?.parentRefs ?? []) as Obj[];
  const generation = route.metadata.generation;
  const want = refs.map((parentRef) => ({
    parentRef,
    controllerName: GATEWAY_CONTROLLER,
    conditions: [
      reject
        ? [
            'Accepted',
            'False',
            'NotAllowedByListeners',
            'the gateway stand-in was told to reject this route',
          ]
        : ['Accepted', 'True', 'Accepted', 'accepted by the gateway stand-in'],
      ['ResolvedRefs', 'True', 'ResolvedRefs', 'all backend references resolved'],
    ].map(([type, status, reason, message]) => ({
      type,
      status,
      reason,
      message,
      observedGeneration: generation,
    })),
  }));
  const current = ((route.status?.parents ?? []) as Obj[]).filter(
    (p) => p.controllerName === GATEWAY_CONTROLLER,
  );
  const strip = (ps: Obj[]) =>
    ps.map((p) => ({
      parentRef: p.parentRef,
      conditions: ((p.conditions ?? []) as Obj[]).map(({ lastTransitionTime: _, ...c }) => c),
    }));
  if (sameJson(strip(current), strip(want))) return undefined;
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    parents: want.map((p, i) => ({
      ...p,
      conditions: p.conditions.map((c) => {
        const was = ((current[i]?.conditions ?? []) as Obj[]).find((x) => x.type === c.type);
        return {
          ...c,
          lastTransitionTime: was && was.status === c.status ? was.lastTransitionTime : stamp,
        };
      }),
    })),
  };
}

export interface Gateway extends StandIn {
  /** Accepted=False for this route (true), or accepted again (false). */
  reject(namespace: string, name: string, on: boolean): Promise<void>;
  /** Writes no route status (true), as a stuck gateway; false: catches up on every route. */
  freeze(on: boolean): Promise<void>;
}

/** startGateway: the HTTPRoute parent-status stand-in. */
export function startGateway(cluster: Cluster, api: Api): Gateway {
  const rejected = new Set<string>();
  let frozen = false;
  const s = standIn(cluster, api, 'HTTPRoute', (r) =>
    frozen ? undefined : routeStatus(r, rejected.has(`${r.metadata.namespace}/${r.metadata.name}`)),
  );
  return {
    ...s,
    async reject(namespace, name, on) {
      if (on) rejected.add(`${namespace}/${name}`);
      else rejected.delete(`${namespace}/${name}`);
      const route = await api.get('HTTPRoute', namespace, name);
      if (route) s.recheck(route);
    },
    async freeze(on) {
      frozen = on;
      if (!on) for (const route of await api.list('HTTPRoute')) s.recheck(route);
    },
  };
}

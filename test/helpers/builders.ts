import { groupKey, DEPLOYMENT } from '../../src/api/kinds.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import type { ControllerName } from '../../src/hooks/types.js';
import type { DecoratorRequest, KubeObject, SyncRequest } from '../../src/api/metacontroller.js';
import { validateHandlerSpec, validateModuleSpec } from '../../src/api/index.js';
import type { GatiHandlerSpec } from '../../src/api/gatihandler.js';
import type { GatiModuleSpec } from '../../src/api/gatimodule.js';
import { handlerWorkload, type VersionWorkload, type Workload } from '../../src/resources/index.js';

/**
 * Fixture builders: small option functions composed onto a minimal valid parent, e.g.
 * handler(withKeda(), withProbes({ path: '/api/health' })).
 */
export type Option = (o: any) => void;

function apply(base: any, opts: Option[]): any {
  for (const o of opts) o(base);
  return base;
}

/** handler is a minimal valid GatiHandler (`orders` in `shop`, version v1) with options applied. */
export function handler(...opts: Option[]): any {
  return apply(
    {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiHandler',
      metadata: { name: 'orders', namespace: 'shop', uid: 'uid-orders', generation: 1 },
      spec: {
        handlerPath: '/api/orders',
        version: 'v1',
        image: 'registry.example.com/orders:1',
        replicas: 2,
      },
    },
    opts,
  );
}

/** module is a minimal valid GatiModule (`db` in `shop`) with options applied. */
export function module(...opts: Option[]): any {
  return apply(
    {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiModule',
      metadata: { name: 'db', namespace: 'shop', uid: 'uid-db', generation: 1 },
      spec: {
        moduleName: 'database',
        moduleType: 'node',
        runtime: 'node:20',
        image: 'registry.example.com/db:1',
        replicas: 1,
      },
    },
    opts,
  );
}

/** withName renames the parent. */
export const withName =
  (name: string): Option =>
  (o) =>
    void (o.metadata.name = name);
/** withSpec merges fields into the spec. */
export const withSpec =
  (spec: Record<string, unknown>): Option =>
  (o) =>
    void Object.assign(o.spec, spec);
/** withHpa attaches an HPA. */
export const withHpa = (extra: Record<string, unknown> = {}): Option =>
  withSpec({
    autoscaling: {
      mode: 'hpa',
      minReplicas: 2,
      maxReplicas: 10,
      targetCPUUtilization: 70,
      ...extra,
    },
  });
/** withKeda attaches a KEDA ScaledObject with one Prometheus trigger using every placeholder. */
export const withKeda = (extra: Record<string, unknown> = {}): Option =>
  withSpec({
    autoscaling: {
      mode: 'keda',
      minReplicas: 1,
      maxReplicas: 20,
      keda: {
        pollingInterval: 15,
        triggers: [
          {
            type: 'prometheus',
            metadata: {
              serverAddress: 'http://prometheus.monitoring:9090',
              query:
                'sum(rate(x{ns="{{namespace}}",svc="{{service}}",v="{{version}}",d="{{deployment}}"}[1m]))',
              threshold: '50',
            },
          },
        ],
      },
      ...extra,
    },
  });
/** withCapabilities sets a module's capabilities. */
export const withCapabilities = (...capabilities: string[]): Option => withSpec({ capabilities });
/** withStatusConditions gives the parent a current status with conditions. */
export const withStatusConditions =
  (conditions: unknown[]): Option =>
  (o) =>
    void (o.status = { conditions });

/** System fields the apiserver and Metacontroller add to a stored object. */
export function asStored(obj: any, status: Record<string, unknown> = {}, n = 1): any {
  const copy = structuredClone(obj);
  copy.metadata = {
    ...copy.metadata,
    uid: `child-uid-${n}`,
    resourceVersion: String(1000 + n),
    generation: 1,
    creationTimestamp: '2025-01-01T00:00:00Z',
    managedFields: [{ manager: 'metacontroller', operation: 'Update', fieldsV1: { 'f:spec': {} } }],
    ownerReferences: [
      {
        apiVersion: 'gati.dev/v1alpha1',
        kind: 'X',
        name: 'p',
        uid: 'uid-p',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
    annotations: {
      ...(copy.metadata.annotations ?? {}),
      'metacontroller.k8s.io/last-applied-configuration': JSON.stringify(obj),
    },
  };
  if (copy.kind === 'Service')
    copy.spec = {
      ...copy.spec,
      clusterIP: '10.0.0.10',
      clusterIPs: ['10.0.0.10'],
      sessionAffinity: 'None',
    };
  copy.status = status;
  return copy;
}

/** A Deployment status reporting `ready` of `replicas` pods ready and available on the current generation. */
export function deploymentStatus(
  replicas: number,
  ready = replicas,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    observedGeneration: 1,
    replicas,
    updatedReplicas: replicas,
    readyReplicas: ready,
    availableReplicas: ready,
    ...extra,
  };
}

/**
 * observedGroups groups stored children as Metacontroller sends them: a key for every
 * declared child type, objects keyed by `name` (v1) or `namespace/name` (v2).
 */
export function observedGroups(
  controller: ControllerName,
  children: any[],
  version: 'v1' | 'v2' = 'v1',
): Record<string, Record<string, KubeObject>> {
  const groups: Record<string, Record<string, KubeObject>> = {};
  for (const t of CONTROLLERS[controller].children) groups[groupKey(t)] = {};
  for (const c of children) {
    const key = version === 'v2' ? `${c.metadata.namespace}/${c.metadata.name}` : c.metadata.name;
    (groups[`${c.kind}.${c.apiVersion}`] ??= {})[key] = c;
  }
  return groups;
}

/** syncRequest wraps a parent (and stored children) into a sync request. */
export function syncRequest(
  controller: ControllerName,
  parent: any,
  children: any[] = [],
  version: 'v1' | 'v2' = 'v1',
): SyncRequest {
  return {
    controller: {
      metadata: { name: `${controller}-controller` },
      spec: { hooks: { sync: { version } } },
    },
    parent,
    children: observedGroups(controller, children, version),
    related: {},
    finalizing: false,
  };
}

/** versionRequest is a request to the GatiVersion controller, a DecoratorController: `object`, no children. */
export function versionRequest(object: any, related: Record<string, any> = {}): DecoratorRequest {
  return {
    controller: {
      metadata: { name: 'gativersion-controller' },
      spec: { hooks: { sync: { version: 'v2' } } },
    },
    object,
    attachments: {},
    related,
    finalizing: false,
  };
}

/** deploymentsOf picks the Deployments out of a child list. */
export function deploymentsOf(children: any[]): any[] {
  return children.filter((c) => c.kind === DEPLOYMENT.kind);
}

/** A parent as the builders read it: metadata and the spec validated and defaulted. */
export interface BuilderParent<S> {
  metadata: { name: string; namespace: string };
  spec: S;
}

/** handlerParent is handler(...opts) with its spec validated and defaulted, as hooks hand it to builders. */
export function handlerParent(...opts: Option[]): BuilderParent<GatiHandlerSpec> {
  const h = handler(...opts);
  const v = validateHandlerSpec(h.spec);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return { metadata: h.metadata, spec: v.value };
}

/** moduleParent is module(...opts) with its spec validated and defaulted. */
export function moduleParent(...opts: Option[]): BuilderParent<GatiModuleSpec> {
  const m = module(...opts);
  const v = validateModuleSpec(m.spec);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return { metadata: m.metadata, spec: v.value };
}

/** serving is the handler's own spec.version as a serving VersionWorkload. */
export function serving(p: BuilderParent<GatiHandlerSpec>): VersionWorkload {
  return {
    versionId: p.spec.version,
    image: p.spec.image,
    replicas: p.spec.replicas,
    state: 'serve',
  };
}

/** handlerVersion is the Workload of a handler's spec.version, serving. */
export function handlerVersion(...opts: Option[]): Workload {
  const p = handlerParent(...opts);
  return handlerWorkload(p, serving(p));
}

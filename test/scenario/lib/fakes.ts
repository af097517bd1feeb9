// Small fake controllers for the harness's own tests: just enough behaviour to exercise the
// harness, answering JSON as it comes rather than in canonical form (the real hooks are held
// to it in test/scenario/timescape.test.ts).
import type { SyncRequest, KubeObject } from '../../../src/api/metacontroller.js';
import type { CustomizeHook, DecoratorHook, SyncHook } from '../../../src/hooks/types.js';
import { Cluster, type ClusterOptions, type PartialRegistry } from '../harness.js';

/**
 * fakeCluster: a harness for the hand-written fake hooks below, which answer with JSON as it
 * comes rather than in canonical form (the real hooks are held to it in timescape.test.ts).
 */
export function fakeCluster(opts: ClusterOptions): Cluster {
  return new Cluster({ checkCanonical: false, direct: true, ...opts });
}

/** caught runs fn and returns what it threw (tap's throws() cannot test instanceof and fields together). */
export function caught(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/* Small fake controllers: just enough behaviour to exercise the harness. */

export type AnyObj = Record<string, any>;
export const GV = 'gati.dev/v1alpha1';

function group(req: SyncRequest, key: string): AnyObj[] {
  return Object.values(req.children?.[key] ?? {}) as AnyObj[];
}

function available(dep: AnyObj | undefined): boolean {
  return Boolean(
    dep &&
    dep.status?.observedGeneration === dep.metadata.generation &&
    dep.status?.conditions?.some((c: AnyObj) => c.type === 'Available' && c.status === 'True'),
  );
}

/** A GatiModule sync: one Deployment with the spec's replicas, Ready once it is Available. */
export const moduleSync: SyncHook = (req) => {
  const p = req.parent as AnyObj;
  const dep = group(req, 'Deployment.apps/v1')[0];
  return {
    status: { phase: available(dep) ? 'Ready' : 'Pending' },
    children: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: p.metadata.name, labels: { app: p.metadata.name } },
        spec: {
          replicas: p.spec.replicas,
          template: { spec: { containers: [{ name: 'm', image: p.spec.image }] } },
        },
      },
    ],
  };
};

export function module(name: string, replicas = 1, image = 'img:1'): KubeObject {
  return {
    apiVersion: GV,
    kind: 'GatiModule',
    metadata: { name, namespace: 'ns' },
    spec: { replicas, image },
  };
}

export function moduleHooks(sync: SyncHook = moduleSync): PartialRegistry {
  return { gatimodule: { sync } };
}

/** A GatiVersion controller (a DecoratorController, as the real one): relates its handler; finalize holds until released by annotation or the handler is gone. */
export const versionCustomize: CustomizeHook = (req) => ({
  relatedResources: [
    {
      apiVersion: GV,
      resource: 'gatihandlers',
      namespace: req.parent.metadata.namespace!,
      names: [(req.parent as AnyObj).spec.handler],
    },
  ],
});
export const versionSync: DecoratorHook = (req) => ({
  status: { handlerFound: Object.keys(req.related?.['GatiHandler.' + GV] ?? {}).length > 0 },
  attachments: [],
});
const versionFinalize: DecoratorHook = (req) => {
  const handlerGone = Object.keys(req.related?.['GatiHandler.' + GV] ?? {}).length === 0;
  const released =
    req.object.metadata.annotations &&
    (req.object.metadata.annotations as AnyObj)['test/release'] === 'yes';
  return {
    status: { phase: 'Terminating' },
    attachments: [],
    finalized: handlerGone || Boolean(released),
  };
};

/** A GatiHandler controller: per related GatiVersion a Deployment and Service, one HTTPRoute with pins and weights. */
const handlerCustomize: CustomizeHook = (req) => ({
  relatedResources: [
    {
      apiVersion: GV,
      resource: 'gativersions',
      labelSelector: { matchLabels: { 'gati.dev/handler': req.parent.metadata.name } },
    },
  ],
});
const handlerSync: SyncHook = (req) => {
  const h = req.parent as AnyObj;
  const versions = (Object.values(req.related?.['GatiVersion.' + GV] ?? {}) as AnyObj[]).filter(
    (v) => !v.metadata.deletionTimestamp,
  );
  const deps = new Map(group(req, 'Deployment.apps/v1').map((d) => [d.metadata.name, d]));
  const children: AnyObj[] = [];
  const pins: AnyObj[] = [];
  const weighted: AnyObj[] = [];
  for (const v of versions) {
    const id = v.spec.versionId;
    const name = `${h.metadata.name}-${id}`;
    const labels = { 'gati.dev/handler': h.metadata.name, 'gati.dev/version': id };
    children.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels },
      spec: { replicas: 1 },
    });
    children.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { selector: labels },
    });
    const ref = { group: '', kind: 'Service', name, port: 80 };
    pins.push({
      matches: [{ headers: [{ type: 'Exact', name: 'x-gati-version', value: id }] }],
      backendRefs: [{ ...ref, weight: 1 }],
    });
    if (available(deps.get(name))) weighted.push({ ...ref, weight: v.spec.routingWeight });
  }
  const rules = [
    ...pins,
    ...(weighted.some((b) => b.weight > 0)
      ? [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: weighted }]
      : []),
  ];
  if (rules.length > 0) {
    const parentRefs = h.spec.noGateway
      ? []
      : [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }];
    children.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: h.metadata.name },
      spec: { parentRefs, rules },
    });
  }
  return { status: { versions: versions.length }, children: children as KubeObject[] };
};

export const timescape: PartialRegistry = {
  gatihandler: { sync: handlerSync, customize: handlerCustomize },
  gativersion: { sync: versionSync, finalize: versionFinalize, customize: versionCustomize },
};

export function handler(name: string, extra: AnyObj = {}): KubeObject {
  return {
    apiVersion: GV,
    kind: 'GatiHandler',
    metadata: { name, namespace: 'ns' },
    spec: { version: 'v1', ...extra },
  };
}

export function version(handlerName: string, id: string, weight = 100): KubeObject {
  return {
    apiVersion: GV,
    kind: 'GatiVersion',
    metadata: {
      name: `${handlerName}-${id}`,
      namespace: 'ns',
      labels: { 'gati.dev/handler': handlerName },
    },
    spec: { versionId: id, routingWeight: weight, handler: handlerName },
  };
}

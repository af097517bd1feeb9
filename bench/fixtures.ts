/**
 * Realistic hook requests for the benchmarks, produced by replaying Metacontroller's loop
 * (test/scenario/harness.ts) over the real hooks, then dressed the way the apiserver stores
 * objects: managedFields for every manager that wrote them and the last-applied annotation.
 */
import { HOOKS } from '../test/helpers/hooks.js';
import type { ControllerName } from '../src/hooks/types.js';
import { Cluster, type Obj } from '../test/scenario/harness.js';

/** One request set: which hook it targets and the exact body text sent. */
export interface RequestSet {
  name: 'small' | 'medium' | 'large';
  controller: ControllerName;
  path: string;
  text: string;
  observedChildren: number;
}

const NS = 'shop';
const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration';

/** fieldsOf mirrors an object's structure as FieldsV1 (`f:<key>` per field, `.` per map), as the apiserver records it. */
function fieldsOf(value: unknown): Record<string, unknown> {
  if (Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    value.forEach((v, i) => {
      const key =
        v && typeof v === 'object' && 'name' in v
          ? `k:{"name":${JSON.stringify((v as { name: unknown }).name)}}`
          : `i:${i}`;
      out[key] = { '.': {}, ...fieldsOf(v) };
    });
    return out;
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[`f:${k}`] = v && typeof v === 'object' ? fieldsOf(v) : {};
    return out;
  }
  return {};
}

/** stored adds what the apiserver and Metacontroller write on a child: managedFields per manager and last-applied. */
export function stored(obj: Obj, n: number): Obj {
  const copy = structuredClone(obj);
  const desired = {
    apiVersion: copy.apiVersion,
    kind: copy.kind,
    metadata: {
      name: copy.metadata.name,
      namespace: copy.metadata.namespace,
      labels: copy.metadata.labels,
    },
    spec: copy.spec,
  };
  copy.metadata = {
    ...copy.metadata,
    uid:
      copy.metadata.uid ??
      `5f0c${String(n).padStart(4, '0')}-9a3e-4c4e-8d1b-3b8f2a6c${String(n).padStart(4, '0')}`,
    resourceVersion: String(48_213_000 + n),
    creationTimestamp: copy.metadata.creationTimestamp ?? '2026-01-01T00:00:00Z',
    annotations: { ...(copy.metadata.annotations ?? {}), [LAST_APPLIED]: JSON.stringify(desired) },
    managedFields: [
      {
        manager: 'metacontroller',
        operation: 'Update',
        apiVersion: copy.apiVersion,
        time: '2026-01-01T00:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: fieldsOf({
          metadata: {
            annotations: { [LAST_APPLIED]: '' },
            labels: copy.metadata.labels,
            ownerReferences: copy.metadata.ownerReferences,
          },
          spec: copy.spec,
        }),
      },
      ...(copy.status
        ? [
            {
              manager: 'kube-controller-manager',
              operation: 'Update',
              apiVersion: copy.apiVersion,
              time: '2026-01-01T00:00:05Z',
              fieldsType: 'FieldsV1',
              subresource: 'status',
              fieldsV1: fieldsOf({ status: copy.status }),
            },
          ]
        : []),
    ],
  };
  return copy;
}

/** env is a realistic list of container variables (literal, Secret and ConfigMap references). */
function env(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) =>
    i % 3 === 0
      ? { name: `FEATURE_FLAG_${i}`, value: `enabled-for-tenant-group-${i}` }
      : {
          name: `SERVICE_SETTING_${i}`,
          valueFrom:
            i % 3 === 1
              ? { secretKeyRef: { name: 'users-secrets', key: `setting-${i}` } }
              : { configMapKeyRef: { name: 'users-config', key: `setting-${i}` } },
        },
  );
}

type Request = {
  children: Record<string, Record<string, Obj>>;
  related: Record<string, Record<string, Obj>>;
  [k: string]: unknown;
};

function lastRequest(sim: Cluster, controller: ControllerName, name: string): Request {
  const call = sim.lastCall(controller, NS, name);
  if (!call) throw new Error(`no ${controller} call for ${name}`);
  return structuredClone(call.request) as Request;
}

function dress(groups: Record<string, Record<string, Obj>>, start: number): number {
  let n = start;
  for (const g of Object.values(groups))
    for (const k of Object.keys(g)) g[k] = stored(g[k] as Obj, n++);
  return n;
}

function count(groups: Record<string, Record<string, Obj>>): number {
  return Object.values(groups).reduce((s, g) => s + Object.keys(g).length, 0);
}

/** small: a GatiModule sync with its 3 observed children (Deployment, Service, PodDisruptionBudget). */
function small(): RequestSet {
  const sim = new Cluster({ hooks: HOOKS });
  sim.apply({
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiModule',
    metadata: { name: 'db', namespace: NS },
    spec: {
      moduleName: 'database',
      moduleType: 'node',
      runtime: 'node:20',
      image: 'registry.example.com/db:1.4.2',
      replicas: 1,
      capabilities: ['network', 'database:read', 'database:write', 'logging'],
    },
  });
  sim.advance(60);
  const req = lastRequest(sim, 'gatimodule', 'db');
  dress(req.children, 1);
  return {
    name: 'small',
    controller: 'gatimodule',
    path: '/hooks/gatimodule/sync',
    text: JSON.stringify(req),
    observedChildren: count(req.children),
  };
}

/** A handler with 5 live versions (its own spec.version plus 4 GatiVersions), all Available. */
function handlerCluster(): Cluster {
  const sim = new Cluster({ hooks: HOOKS });
  sim.apply({
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: 'users', namespace: NS, labels: { team: 'identity', tier: 'api' } },
    spec: {
      handlerPath: '/api/users',
      version: 'tsv:1700000500-users-005',
      image: 'registry.example.com/users:tsv-1700000500',
      replicas: 3,
      env: env(24),
      autoscaling: { mode: 'hpa', minReplicas: 2, maxReplicas: 12, targetCPUUtilization: 70 },
      routing: {
        parentRefs: [{ name: 'public', namespace: 'gateways' }],
        hostnames: ['api.example.com'],
      },
      probes: { path: '/api/health' },
    },
  });
  for (let i = 1; i <= 4; i++) {
    const id = `tsv:17000000${i}0-users-00${i}`;
    sim.apply({
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiVersion',
      metadata: { name: `users-v${i}`, namespace: NS },
      spec: {
        versionId: id,
        image: `registry.example.com/users:tsv-17000000${i}0`,
        handlerRef: { name: 'users' },
        routingWeight: 10 * i,
        transformers: [`v${i}-to-v${i + 1}`],
      },
    });
  }
  sim.advance(120);
  return sim;
}

/** medium: a GatiHandler sync with 5 live versions, its GatiVersions in `related`, observed children with managedFields. */
function medium(sim: Cluster): RequestSet {
  const req = lastRequest(sim, 'gatihandler', 'users');
  const n = dress(req.children, 1);
  dress(req.related, n);
  return {
    name: 'medium',
    controller: 'gatihandler',
    path: '/hooks/gatihandler/sync',
    text: JSON.stringify(req),
    observedChildren: count(req.children),
  };
}

/**
 * large: the same handler observing 500 children — its own plus Deployments and Services left
 * from retired versions (which the hook must let go) — all with managedFields: ≥ 5 MiB.
 */
function large(sim: Cluster): RequestSet {
  const req = lastRequest(sim, 'gatihandler', 'users');
  const deployments = req.children['Deployment.apps/v1'] ?? {};
  const services = req.children['Service.v1'] ?? {};
  const template = Object.values(deployments)[0] as Obj;
  const svcTemplate = Object.values(services)[0] as Obj;
  for (let i = 0; count(req.children) < 500; i++) {
    const isSvc = i % 4 === 3;
    const base = structuredClone(isSvc ? svcTemplate : template);
    const name = `users-tsv-16${String(i).padStart(8, '0')}-retired`;
    base.metadata = { ...base.metadata, name, uid: undefined as unknown as string };
    delete base.metadata.uid;
    (isSvc ? services : deployments)[`${NS}/${name}`] = base;
  }
  const n = dress(req.children, 1);
  dress(req.related, n);
  return {
    name: 'large',
    controller: 'gatihandler',
    path: '/hooks/gatihandler/sync',
    text: JSON.stringify(req),
    observedChildren: count(req.children),
  };
}

/** requestSets builds the three sets; large is checked to be at least 5 MiB. */
export function requestSets(): RequestSet[] {
  const sim = handlerCluster();
  const sets = [small(), medium(sim), large(sim)];
  const bytes = Buffer.byteLength(sets[2]!.text);
  if (bytes < 5 * 1024 * 1024)
    throw new Error(`large request is only ${bytes} bytes; it must be ≥ 5 MiB`);
  return sets;
}

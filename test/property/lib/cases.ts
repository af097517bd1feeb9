import fc from 'fast-check';
import { HOOKS } from '../../helpers/hooks.js';
import { groupKey } from '../../../src/api/kinds.js';
import { CONTROLLERS } from '../../../src/hooks/controllers.js';
import { labelValue } from '../../../src/resources/names.js';
import type { ControllerName } from '../../../src/hooks/types.js';
import type {
  DecoratorRequest,
  SyncRequest,
  SyncResponse,
} from '../../../src/api/metacontroller.js';
import { asStored, deploymentStatus, observedGroups } from '../../helpers/builders.js';

// Generated valid requests for every controller, shared by the property tests: parents with
// every kind of spec, their observed children at random readiness, and related objects.

export const RUNS = 30;
export const NOW = new Date('2026-01-01T00:10:00Z');
export const NS = 'shop';

/* ------------------------------------------------------------------ arbitraries */

const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
/** A DNS-1123 label (what users may name a parent), up to the 63-character limit. */
const dnsLabel = fc
  .tuple(
    fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')),
    fc.array(fc.oneof(alnum, fc.constant('-')), { maxLength: 61 }),
    alnum,
  )
  .map(([a, mid, z]) => `${a}${mid.join('')}${z}`.replace(/--+/g, '-'));
const parentName = fc.oneof(
  fc.constantFrom('users', 'db', 'a', 'x'.repeat(63), 'users-v2-api'),
  dnsLabel,
);

const idChar = fc.constantFrom(...'ABCXYZabcxyz0123456789._:-'.split(''));
/** VersionIds within the schema pattern, with the odd characters Timescape uses. */
const versionId = fc.oneof(
  fc.constantFrom(
    'v1',
    'v1.0.0',
    'tsv:1700000000-users-001',
    'V2_beta',
    'tsv:1700000000-users-001'.padEnd(63, '9'),
  ),
  fc
    .tuple(alnum, fc.array(idChar, { maxLength: 40 }), alnum)
    .map(([a, mid, z]) => `${a}${mid.join('')}${z}`),
);

const envVar = fc.oneof(
  fc.record({
    name: fc.constantFrom('LOG_LEVEL', 'DB_URL', 'feature.flag', '_X', 'A-B'),
    value: fc.string({ minLength: 1, maxLength: 20 }),
  }),
  fc.record({
    name: fc.constantFrom('TOKEN', 'PASSWORD'),
    valueFrom: fc.record({
      secretKeyRef: fc.record({
        name: dnsLabel,
        key: fc.constantFrom('token', 'pw'),
        optional: fc.boolean(),
      }),
    }),
  }),
  fc.record({
    name: fc.constantFrom('CFG', 'MODE'),
    valueFrom: fc.record({
      configMapKeyRef: fc.record({ name: dnsLabel, key: fc.constantFrom('cfg', 'mode') }),
    }),
  }),
  fc.record({
    name: fc.constantFrom('POD_NAME', 'POD_IP'),
    valueFrom: fc.record({
      fieldRef: fc.record({ fieldPath: fc.constantFrom('metadata.name', 'status.podIP') }),
    }),
  }),
);
const env = fc.uniqueArray(envVar, { maxLength: 6, selector: (e) => e.name });

const autoscaling = fc.oneof(
  fc.constant(undefined),
  fc.record({ mode: fc.constant('none') }),
  fc.integer({ min: 1, max: 5 }).chain((min) =>
    fc.record(
      {
        mode: fc.constant('hpa'),
        minReplicas: fc.constant(min),
        maxReplicas: fc.integer({ min, max: 20 }),
        targetCPUUtilization: fc.integer({ min: 1, max: 100 }),
        targetMemoryUtilization: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
      },
      { requiredKeys: ['mode', 'minReplicas', 'maxReplicas'] },
    ),
  ),
  fc.integer({ min: 0, max: 3 }).chain((min) =>
    fc.record({
      mode: fc.constant('keda'),
      minReplicas: fc.constant(min),
      maxReplicas: fc.integer({ min: Math.max(min, 1), max: 20 }),
      keda: fc.record(
        {
          triggers: fc.array(
            fc.record({
              type: fc.constantFrom('prometheus', 'cpu', 'kafka'),
              metadata: fc.dictionary(
                fc.constantFrom('query', 'threshold', 'serverAddress'),
                fc.constantFrom(
                  '50',
                  'sum(rate(x{v="{{version}}",s="{{service}}"}[1m]))',
                  'http://prom:9090',
                ),
              ),
            }),
            { minLength: 1, maxLength: 2 },
          ),
          pollingInterval: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
        },
        { requiredKeys: ['triggers'] },
      ),
    }),
  ),
);

const routing = fc.oneof(
  fc.constant(undefined),
  fc.record({ provider: fc.constant('none') }),
  fc.record(
    {
      provider: fc.constant('gateway-api'),
      parentRefs: fc.array(
        fc.record({ name: dnsLabel, namespace: fc.constantFrom('gateways', 'infra') }),
        { minLength: 1, maxLength: 2 },
      ),
      hostnames: fc.option(fc.constant(['api.example.com']), { nil: undefined }),
      pinHeader: fc.constantFrom('x-gati-version', 'x-v'),
    },
    { requiredKeys: ['provider'] },
  ),
);

const probes = fc.option(
  fc.record(
    {
      path: fc.constantFrom('/health', '/api/health'),
      readinessPath: fc.option(fc.constant('/ready'), { nil: undefined }),
      periodSeconds: fc.integer({ min: 1, max: 30 }),
      preStopSeconds: fc.integer({ min: 0, max: 30 }),
    },
    { requiredKeys: ['path'] },
  ),
  { nil: undefined },
);
const resources = fc.option(
  fc.record(
    {
      requests: fc.record({
        cpu: fc.constantFrom('100m', '1', 2),
        memory: fc.constantFrom('128Mi', '1Gi'),
      }),
      limits: fc.record({
        cpu: fc.constantFrom('500m', '2'),
        memory: fc.constantFrom('512Mi', '2Gi'),
      }),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

/** drop removes undefined fields, as a parsed JSON request would have. */
const drop = <T>(o: T): T => JSON.parse(JSON.stringify(o)) as T;

const handlerSpec = fc.record({
  handlerPath: fc.constantFrom('/api/users', '/', '/api/v1/orders/{id}'),
  version: versionId,
  image: fc.constantFrom('registry.example.com/users:1', 'users@sha256:' + 'a'.repeat(64)),
  replicas: fc.integer({ min: 0, max: 5 }),
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  env: fc.option(env, { nil: undefined }),
  timescape: fc.option(
    fc.record({ breaking: fc.boolean(), routingWeight: fc.integer({ min: 0, max: 1000 }) }),
    { nil: undefined },
  ),
  autoscaling,
  routing,
  probes,
  resources,
  rollout: fc.option(
    fc.record({
      steps: fc.array(
        fc.record({
          weight: fc.integer({ min: 1, max: 100 }),
          pauseSeconds: fc.integer({ min: 0, max: 600 }),
        }),
        { maxLength: 3 },
      ),
    }),
    { nil: undefined },
  ),
  drain: fc.option(
    fc.record({
      minSeconds: fc.integer({ min: 0, max: 60 }),
      onTimeout: fc.constantFrom('Proceed', 'Hold'),
    }),
    { nil: undefined },
  ),
});

const CAPS = [
  'cache:read',
  'database:write',
  'filesystem:write',
  'logging',
  'network',
  'network:egress',
  'secrets:read',
  'storage',
];
const moduleSpec = fc.record({
  moduleName: fc.constantFrom('database', 'cache', 'x'.repeat(200)),
  moduleType: fc.constantFrom('node', 'wasm', 'oci'),
  runtime: fc.constantFrom('node:20', 'wasmtime'),
  image: fc.constantFrom('registry.example.com/db:1'),
  replicas: fc.integer({ min: 0, max: 5 }),
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  capabilities: fc.option(fc.uniqueArray(fc.constantFrom(...CAPS), { maxLength: 4 }), {
    nil: undefined,
  }),
  env: fc.option(env, { nil: undefined }),
  autoscaling,
  resources,
});

/** Random observed status: Deployments anywhere from not ready to fully available; routes accepted or not. */
const observedStatus = fc.record({
  ready: fc.nat(5),
  replicas: fc.integer({ min: 0, max: 5 }),
  stale: fc.boolean(),
  accepted: fc.constantFrom('True', 'False', undefined),
});

interface ObservedStatus {
  ready: number;
  replicas: number;
  stale: boolean;
  accepted: string | undefined;
}

export interface Case {
  controller: ControllerName;
  /** A CompositeController request, or (gativersion) a DecoratorController one. */
  request: SyncRequest | DecoratorRequest;
}

/** observe turns the hook's own desired children into stored ones with random status (plus one stray). */
function observe(
  controller: ControllerName,
  desired: SyncResponse['children'],
  statuses: ObservedStatus[],
  version: 'v1' | 'v2',
): SyncRequest['children'] {
  const stored = desired.map((c, i) => {
    const s = statuses[i % Math.max(1, statuses.length)] ?? {
      ready: 0,
      replicas: 1,
      stale: false,
      accepted: undefined,
    };
    const status =
      c.kind === 'Deployment'
        ? deploymentStatus(
            s.replicas,
            Math.min(s.ready, s.replicas),
            s.stale ? { observedGeneration: 0 } : {},
          )
        : c.kind === 'HTTPRoute' && s.accepted
          ? {
              parents: [
                {
                  parentRef: { name: 'public' },
                  controllerName: 'gateway.example.com/x',
                  conditions: [
                    {
                      type: 'Accepted',
                      status: s.accepted,
                      reason: 'R',
                      message: '',
                      lastTransitionTime: '2026-01-01T00:00:00Z',
                      observedGeneration: 1,
                    },
                  ],
                },
              ],
            }
          : {};
    return asStored({ ...c, metadata: { ...c.metadata, namespace: NS } }, status, i);
  });
  return observedGroups(controller, stored, version);
}

export const handlerCase: fc.Arbitrary<Case & { request: SyncRequest }> = fc
  .record({
    name: parentName,
    spec: handlerSpec,
    versions: fc.array(
      fc.record({
        id: versionId,
        weight: fc.integer({ min: 0, max: 100 }),
        breaking: fc.boolean(),
        deleting: fc.boolean(),
      }),
      { maxLength: 3 },
    ),
    statuses: fc.array(observedStatus, { minLength: 1, maxLength: 4 }),
    v: fc.constantFrom<'v1' | 'v2'>('v1', 'v2'),
    rounds: fc.integer({ min: 0, max: 2 }),
  })
  .map(({ name, spec, versions, statuses, v, rounds }) => {
    const parent = {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiHandler',
      metadata: { name, namespace: NS, uid: 'uid-h', generation: 2 },
      spec: drop(spec),
    };
    // The handler's one related kind: the GatiVersions labelled with its name.
    const related: SyncRequest['related'] = {
      [groupKey(CONTROLLERS.gatihandler.related[0]!)]: {},
    };
    const gvs = related[groupKey(CONTROLLERS.gatihandler.related[0]!)]!;
    versions.forEach((gv, i) => {
      const gvName = `${name.slice(0, 50)}-gv${i}`;
      gvs[v === 'v2' ? `${NS}/${gvName}` : gvName] = asStored(
        {
          apiVersion: 'gati.dev/v1alpha1',
          kind: 'GatiVersion',
          metadata: {
            name: gvName,
            namespace: NS,
            labels: { 'gati.dev/handler': labelValue(name) },
            ...(gv.deleting
              ? { deletionTimestamp: '2026-01-01T00:05:00Z', finalizers: ['x'] }
              : {}),
          },
          spec: {
            versionId: gv.id,
            routingWeight: gv.weight,
            breaking: gv.breaking,
            handlerRef: { name },
          },
        },
        {},
        100 + i,
      );
    });
    let request: SyncRequest = {
      controller: {},
      parent,
      children: observedGroups('gatihandler', [], v),
      related,
      finalizing: false,
    };
    // Let the hook see its own children (with random status) and its own previous status, as after a few syncs.
    for (let r = 0; r < rounds; r++) {
      const res = HOOKS.gatihandler.sync(structuredClone(request), {
        now: new Date(NOW.getTime() - (rounds - r) * 60_000),
      });
      request = {
        ...request,
        parent: { ...parent, status: res.status },
        children: observe('gatihandler', res.children, statuses, v),
      };
    }
    return { controller: 'gatihandler' as const, request };
  });

export const moduleCase: fc.Arbitrary<Case & { request: SyncRequest }> = fc
  .record({
    name: parentName,
    spec: moduleSpec,
    statuses: fc.array(observedStatus, { minLength: 1, maxLength: 3 }),
    v: fc.constantFrom<'v1' | 'v2'>('v1', 'v2'),
    observed: fc.boolean(),
  })
  .map(({ name, spec, statuses, v, observed }) => {
    const parent = {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiModule',
      metadata: { name, namespace: NS, uid: 'uid-m', generation: 1 },
      spec: drop(spec),
    };
    let request: SyncRequest = {
      controller: {},
      parent,
      children: observedGroups('gatimodule', [], v),
      related: {},
      finalizing: false,
    };
    if (observed)
      request = {
        ...request,
        children: observe(
          'gatimodule',
          HOOKS.gatimodule.sync(structuredClone(request), { now: NOW }).children,
          statuses,
          v,
        ),
      };
    return { controller: 'gatimodule' as const, request };
  });

export const versionCase: fc.Arbitrary<Case> = fc
  .record({ handler: handlerCase, id: versionId, deleting: fc.boolean(), ref: fc.boolean() })
  .map(({ handler: h, id, deleting, ref }) => {
    const handlerObj = {
      ...h.request.parent,
      status: HOOKS.gatihandler.sync(structuredClone(h.request), { now: NOW }).status,
    };
    const name = `${h.request.parent.metadata.name.slice(0, 40)}-${ref ? 'x' : 'v'}`;
    const parent = {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiVersion',
      metadata: {
        name,
        namespace: NS,
        uid: 'uid-v',
        generation: 1,
        ...(deleting ? { deletionTimestamp: '2026-01-01T00:09:00Z' } : {}),
      },
      spec: {
        versionId: id,
        routingWeight: 10,
        ...(ref ? { handlerRef: { name: h.request.parent.metadata.name } } : {}),
      },
    };
    const request: DecoratorRequest = {
      controller: {},
      object: parent,
      attachments: {},
      related: {
        [groupKey(CONTROLLERS.gativersion.related[0]!)]: {
          [handlerObj.metadata.name]: asStored(
            handlerObj,
            handlerObj.status as Record<string, unknown>,
            1,
          ),
        },
      },
      finalizing: deleting,
    };
    return { controller: 'gativersion' as const, request };
  });

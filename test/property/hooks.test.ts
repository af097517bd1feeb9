import t from 'tap';
import fc from 'fast-check';
import { HOOKS } from '../helpers/hooks.js';
import { toJson } from '../../src/kube/canonical.js';
import { groupKey } from '../../src/api/kinds.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import { labelValue } from '../../src/resources/names.js';
import type { ControllerName } from '../../src/hooks/types.js';
import type {
  DecoratorRequest,
  DecoratorResponse,
  SyncRequest,
  SyncResponse,
} from '../../src/api/metacontroller.js';
import { loadConfig } from '../../src/server/config.js';
import { buildApp } from '../../src/server/app.js';
import { asStored, deploymentStatus, observedGroups } from '../helpers/builders.js';
import { findNull, validateKube } from '../helpers/golden.js';

// Properties of the pure hooks over generated valid parents and observed states, and of the
// server over generated invalid requests. Runs are few (each hook call is validated against
// the upstream schemas), but the seed changes every run; a failure prints it to replay.

const RUNS = 30;
const NOW = new Date('2026-01-01T00:10:00Z');
const NS = 'shop';

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

interface Case {
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

const handlerCase: fc.Arbitrary<Case & { request: SyncRequest }> = fc
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

const moduleCase: fc.Arbitrary<Case & { request: SyncRequest }> = fc
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

const versionCase: fc.Arbitrary<Case> = fc
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

/* ------------------------------------------------------------------ properties */

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** checkResponse asserts every property of one answer; throws (for fast-check) with the reason. */
function checkResponse(c: Case, answer: SyncResponse | DecoratorResponse): void {
  const res = { ...answer, children: 'children' in answer ? answer.children : answer.attachments };
  const hole = findNull(res);
  if (hole) throw new Error(`null or undefined at ${hole}`);
  const declared = new Set(
    CONTROLLERS[c.controller].children.map((k) => `${k.apiVersion}/${k.kind}`),
  );
  const seen = new Set<string>();
  for (const child of res.children) {
    const kind = `${child.apiVersion}/${child.kind}`;
    if (!declared.has(kind)) throw new Error(`undeclared child kind ${kind}`);
    const name = child.metadata?.name ?? '';
    if (name.length > 63 || !DNS1123.test(name))
      throw new Error(`${kind} name ${JSON.stringify(name)} is not a DNS-1123 label`);
    if (child.kind === 'Service' && !DNS1035.test(name))
      throw new Error(`Service name ${name} is not a DNS-1035 label`);
    const id = `${kind}/${name}`;
    if (seen.has(id)) throw new Error(`duplicate child ${id}`);
    seen.add(id);
    validateKube(child);
  }
}

function runHooks(c: Case): void {
  const hooks = HOOKS[c.controller] as unknown as Record<
    string,
    (r: unknown, ctx: { now: Date }) => SyncResponse | DecoratorResponse
  >;
  const fns = [hooks.sync!, ...(hooks.finalize ? [hooks.finalize] : [])];
  for (const fn of fns) {
    const first = fn(structuredClone(c.request), { now: NOW });
    checkResponse(c, first);
    // The server serialises the answer as it is, so it must already be canonical.
    if (JSON.stringify(first) !== toJson(first)) throw new Error('response is not canonical');
    const again = fn(structuredClone(c.request), { now: NOW });
    if (JSON.stringify(first) !== JSON.stringify(again))
      throw new Error('same request, different response');
  }
}

for (const [label, arb] of [
  ['GatiHandler', handlerCase],
  ['GatiModule', moduleCase],
  ['GatiVersion', versionCase],
] as const) {
  t.test(
    `${label} hooks: no throw, no null, canonical, deterministic, declared kinds, DNS names, no duplicates, valid objects`,
    async (t) => {
      let calls = 0;
      fc.assert(
        fc.property(arb, (c) => {
          runHooks(c);
          calls++;
        }),
        { numRuns: RUNS },
      );
      t.equal(calls, RUNS, `${RUNS} generated requests passed`);
    },
  );
}

t.test(
  'every generated handler spec is valid, so the properties above exercise real children',
  async (t) => {
    fc.assert(
      fc.property(handlerCase, (c) => {
        const res = HOOKS.gatihandler.sync(structuredClone(c.request), { now: NOW });
        const ready = (
          res.status.conditions as Array<{ type: string; reason: string }> | undefined
        )?.find((x) => x.type === 'Ready');
        if (ready?.reason === 'InvalidSpec')
          throw new Error(`generated an invalid spec: ${JSON.stringify(res.status.conditions)}`);
        if (!res.children.some((x) => x.kind === 'Deployment'))
          throw new Error('no Deployment emitted');
      }),
      { numRuns: RUNS },
    );
    t.pass('generated specs validate');
  },
);

/* ------------------------------------------------------------------ invalid input through the server */

/** Every hook route the server serves (from the registry, so a 404 never passes for a 4xx). */
const ROUTES = Object.entries(HOOKS).flatMap(([controller, hooks]) =>
  Object.keys(hooks).map((hook) => `/hooks/${controller}/${hook}`),
);

const badParent = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.string(),
  fc.array(fc.jsonValue(), { maxLength: 2 }),
  fc.record({
    metadata: fc.oneof(
      fc.constant(undefined),
      fc.constant(null),
      fc.string(),
      fc.record({
        name: fc.oneof(fc.constant(''), fc.integer(), fc.constant(null), fc.array(fc.string())),
      }),
    ),
  }),
);

/** A parent whose spec is not an object: a malformed sync request for every controller (finalize of a GatiVersion tolerates it, so it can still be deleted). */
const speclessParent = fc.record({
  metadata: fc.constant({ name: 'p', namespace: NS }),
  spec: fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.integer(),
    fc.string(),
    fc.array(fc.integer()),
  ),
});

const validText = JSON.stringify({
  controller: {},
  parent: {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: 'users', namespace: NS },
    spec: { handlerPath: '/a', version: 'v1', image: 'i' },
  },
  children: {},
  related: {},
});

/** Bodies no hook accepts: random JSON, a broken parent, truncated text. */
const invalidForAny = fc.oneof(
  fc.json().filter((s) => !s.includes('"parent"')),
  fc
    .record({ parent: badParent, children: fc.option(fc.jsonValue(), { nil: undefined }) })
    .map((o) => JSON.stringify(o)),
  fc.integer({ min: 1, max: validText.length - 1 }).map((n) => validText.slice(0, n)),
  fc.string().map((s) => `{${s}`),
);

/** Bodies only a sync or finalize hook refuses: `children` or `finalizing` of the wrong type (customize ignores them). */
const invalidForSync = fc.oneof(
  fc
    .record({
      parent: fc.constant({ metadata: { name: 'p' }, spec: {} }),
      children: fc.oneof(
        fc.integer(),
        fc.string(),
        fc.constant([1]),
        fc.constant({ 'Deployment.apps/v1': { d: { metadata: {} } } }),
      ),
    })
    .map((o) => JSON.stringify(o)),
  fc
    .record({
      parent: fc.constant({ metadata: { name: 'p' }, spec: {} }),
      finalizing: fc.oneof(fc.string(), fc.integer()),
    })
    .map((o) => JSON.stringify(o)),
);

const invalidCall = fc.oneof(
  fc.tuple(fc.constantFrom(...ROUTES), invalidForAny),
  fc.tuple(fc.constantFrom(...ROUTES.filter((r) => !r.endsWith('/customize'))), invalidForSync),
  fc.tuple(
    fc.constantFrom(
      ...ROUTES.filter((r) =>
        /^\/hooks\/(gatihandler|gatimodule)\/(sync|finalize)$|^\/hooks\/gativersion\/sync$/.test(r),
      ),
    ),
    speclessParent.map((parent) => JSON.stringify({ parent })),
  ),
);

t.test('invalid requests through the server: 4xx, never 200, never 5xx', async (t) => {
  const app = buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }) });
  t.teardown(() => app.close());
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(invalidCall, async ([url, payload]) => {
      const res = await app.inject({
        method: 'POST',
        url,
        payload,
        headers: { 'content-type': 'application/json' },
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode < 400 || res.statusCode >= 500)
        throw new Error(
          `${url} answered ${res.statusCode} to ${payload.slice(0, 200)}: ${res.body.slice(0, 300)}`,
        );
      const body = JSON.parse(res.body) as { error?: { code?: unknown } };
      if (typeof body.error?.code !== 'string' || !body.error.code.startsWith('GATI_ERR_'))
        throw new Error(`no coded error in ${res.body}`);
    }),
    { numRuns: 150 },
  );
  t.ok(
    [...statuses.keys()].every((s) => s >= 400 && s < 500),
    `statuses seen: ${JSON.stringify(Object.fromEntries(statuses))}`,
  );
  t.notOk(statuses.has(404), 'every call reached a hook route');
});

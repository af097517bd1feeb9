// A CompositeController validator written from metacontroller-contract.md §1 (Metacontroller
// v4.17.2): the structural field list, the rules Metacontroller enforces at run time, and this
// project's own rules (children as src/hooks/controllers.ts declares them, optional kinds only with
// their install switch, v2 hooks on the in-cluster Service). It validates every CompositeController under controllers/ and proves
// each rule fires with a broken copy.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { groupKey } from '../../src/api/kinds.js';
import { CONTROLLERS, hookNames, hookPath } from '../../src/hooks/controllers.js';
import type { ControllerName, HookName } from '../../src/hooks/types.js';
import { controllerName } from '../../src/install/controllers.js';
import { optionalKind } from '../../src/api/switches.js';
import { NAME, NAMESPACE, SERVICE_PORT } from '../../src/install/constants.js';
import { ROOT } from '../helpers/fixtures.js';

// ---- field list (contract §1.1 and §1.3) ---------------------------------------------------

type Shape =
  | 'string'
  | 'integer'
  | 'boolean'
  | 'object' // any object (metadata, status)
  | { enum: string[] }
  | { array: Shape }
  | { map: Shape }
  | { fields: Record<string, Shape>; required?: string[] };

const S = 'string' as const;
const I = 'integer' as const;
const B = 'boolean' as const;
const obj = (fields: Record<string, Shape>, required: string[] = []): Shape => ({
  fields,
  required,
});

const labelSelector = obj({
  matchLabels: { map: S },
  matchExpressions: {
    array: obj({ key: S, operator: S, values: { array: S } }, ['key', 'operator']),
  },
});
const secretKeyRef = obj({ name: S, namespace: S, key: S }, ['name', 'namespace']);
const secretRef = obj({ name: S, namespace: S }, ['name', 'namespace']);
const endpointAuth: Record<string, Shape> = {
  caBundle: obj({ inline: S, secretRef: secretKeyRef, configMapRef: secretKeyRef }),
  authorization: obj(
    {
      type: { enum: ['Bearer'] },
      secretRef: obj({ name: S, namespace: S, key: S }, ['name', 'namespace', 'key']),
    },
    ['secretRef'],
  ),
  basicAuth: obj({ secretRef, usernameKey: S, passwordKey: S }, ['secretRef']),
  clientTLS: obj({ secretRef, certKey: S, privateKeyKey: S }, ['secretRef']),
};
const webhook = obj({
  url: S,
  service: obj({ name: S, namespace: S, port: I, protocol: { enum: ['http', 'https'] } }, [
    'name',
    'namespace',
  ]),
  path: S,
  timeout: S,
  etag: obj({ enabled: B, cacheTimeoutSeconds: I, cacheCleanupSeconds: I }),
  responseUnMarshallMode: { enum: ['loose', 'strict'] },
  ...endpointAuth,
});
const hook = obj({ version: { enum: ['v1', 'v2'] }, webhook }, ['webhook']);
const UPDATE_METHODS = ['OnDelete', 'Recreate', 'InPlace', 'RollingRecreate', 'RollingInPlace'];

const COMPOSITE_CONTROLLER: Shape = obj(
  {
    apiVersion: { enum: ['metacontroller.k8s.io/v1alpha1'] },
    kind: { enum: ['CompositeController'] },
    metadata: 'object',
    status: 'object',
    spec: obj(
      {
        parentResource: obj(
          {
            apiVersion: S,
            resource: S,
            labelSelector,
            revisionHistory: obj({ fieldPaths: { array: S } }),
            ignoreStatusChanges: B,
          },
          ['apiVersion', 'resource'],
        ),
        childResources: {
          array: obj(
            {
              apiVersion: S,
              resource: S,
              updateStrategy: obj({
                method: { enum: UPDATE_METHODS },
                statusChecks: obj({
                  conditions: { array: obj({ type: S, status: S, reason: S }, ['type']) },
                }),
              }),
            },
            ['apiVersion', 'resource'],
          ),
        },
        resyncPeriodSeconds: I,
        generateSelector: B,
        hooks: obj({
          sync: hook,
          finalize: hook,
          customize: hook,
          preUpdateChild: hook,
          postUpdateChild: hook,
        }),
        endpointConfigs: { array: obj({ host: S, ...endpointAuth }, ['host']) },
      },
      ['parentResource'],
    ),
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);

/** The DecoratorController field list (the GatiVersion controller is one). */
const DECORATOR_CONTROLLER: Shape = obj(
  {
    apiVersion: { enum: ['metacontroller.k8s.io/v1alpha1'] },
    kind: { enum: ['DecoratorController'] },
    metadata: 'object',
    status: 'object',
    spec: obj(
      {
        resources: {
          array: obj(
            {
              apiVersion: S,
              resource: S,
              labelSelector,
              annotationSelector: obj({
                matchAnnotations: { map: S },
                matchExpressions: {
                  array: obj({ key: S, operator: S, values: { array: S } }, ['key', 'operator']),
                },
              }),
              ignoreStatusChanges: B,
            },
            ['apiVersion', 'resource'],
          ),
        },
        attachments: {
          array: obj(
            {
              apiVersion: S,
              resource: S,
              updateStrategy: obj({ method: { enum: UPDATE_METHODS } }),
            },
            ['apiVersion', 'resource'],
          ),
        },
        resyncPeriodSeconds: I,
        hooks: obj({ sync: hook, finalize: hook, customize: hook }),
        endpointConfigs: { array: obj({ host: S, ...endpointAuth }, ['host']) },
      },
      ['resources'],
    ),
  },
  ['apiVersion', 'kind', 'metadata', 'spec'],
);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** shapeErrors checks a value against a Shape: unknown fields, wrong types, missing required fields. */
function shapeErrors(v: unknown, shape: Shape, path: string): string[] {
  if (shape === 'string') return typeof v === 'string' ? [] : [`${path}: want a string`];
  if (shape === 'integer') return Number.isInteger(v) ? [] : [`${path}: want an integer`];
  if (shape === 'boolean') return typeof v === 'boolean' ? [] : [`${path}: want a boolean`];
  if (shape === 'object') return isObject(v) ? [] : [`${path}: want an object`];
  if ('enum' in shape)
    return shape.enum.includes(v as string)
      ? []
      : [`${path}: ${JSON.stringify(v)} is not one of ${shape.enum.join('|')}`];
  if ('array' in shape) {
    if (!Array.isArray(v)) return [`${path}: want a list`];
    return v.flatMap((item, i) => shapeErrors(item, shape.array, `${path}[${i}]`));
  }
  if (!isObject(v)) return [`${path}: want an object`];
  if ('map' in shape)
    return Object.entries(v).flatMap(([k, item]) => shapeErrors(item, shape.map, `${path}.${k}`));
  const errors: string[] = [];
  for (const r of shape.required ?? []) if (!(r in v)) errors.push(`${path}.${r}: required`);
  for (const [k, item] of Object.entries(v)) {
    const sub = shape.fields[k];
    if (!sub) errors.push(`${path}.${k}: unknown field`);
    else errors.push(...shapeErrors(item, sub, `${path}.${k}`));
  }
  return errors;
}

// ---- rules Metacontroller applies at run time, and ours ------------------------------------

type Json = Record<string, any>;

function webhookRules(w: Json, path: string): string[] {
  const errors: string[] = [];
  if (w.url === undefined && w.service === undefined) errors.push(`${path}: needs url or service`);
  if (w.url !== undefined && w.service !== undefined)
    errors.push(`${path}: url overrides service; give one`);
  if (w.service !== undefined && w.path === undefined)
    errors.push(`${path}.path: required with service`);
  if (w.authorization && w.basicAuth)
    errors.push(`${path}: authorization and basicAuth are mutually exclusive`);
  if (w.etag?.cacheTimeoutSeconds !== undefined && w.etag?.cacheCleanupSeconds === undefined)
    errors.push(`${path}.etag: set cacheCleanupSeconds with cacheTimeoutSeconds`);
  if (w.timeout !== undefined && !/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(w.timeout))
    errors.push(`${path}.timeout: ${w.timeout} is not a Go duration`);
  return errors;
}

/** metacontrollerRules: what Metacontroller itself refuses or silently mishandles (contract §1, §4). */
function metacontrollerRules(cc: Json): string[] {
  const errors: string[] = [];
  const spec = cc.spec ?? {};
  if (!spec.hooks?.sync) errors.push('.spec.hooks.sync: required (without it every sync fails)');
  for (const [name, h] of Object.entries((spec.hooks ?? {}) as Record<string, Json>)) {
    if (name === 'preUpdateChild' || name === 'postUpdateChild')
      errors.push(`.spec.hooks.${name}: never called by Metacontroller; do not rely on it`);
    if (h?.webhook) errors.push(...webhookRules(h.webhook, `.spec.hooks.${name}.webhook`));
  }
  const seen = new Set<string>();
  const field = cc.kind === 'DecoratorController' ? 'attachments' : 'childResources';
  (spec[field] ?? []).forEach((c: Json, i: number) => {
    const where = `.spec.${field}[${i}]`;
    const key = `${c.apiVersion}/${c.resource}`;
    if (seen.has(key)) errors.push(`${where}: ${key} declared twice`);
    seen.add(key);
    if (!c.updateStrategy?.method)
      errors.push(`${where}.updateStrategy: missing (the OnDelete default never updates children)`);
    else if (c.updateStrategy.method === 'OnDelete')
      errors.push(`${where}.updateStrategy.method: OnDelete never updates existing children`);
  });
  if (cc.kind === 'CompositeController' && spec.generateSelector !== true)
    errors.push('.spec.generateSelector: must be true (Gati parents have no spec.selector)');
  if (cc.kind === 'DecoratorController' && (spec.resources ?? []).length !== 1)
    errors.push('.spec.resources: want exactly the one parent resource');
  return errors;
}

/** parentOf is a Metacontroller object's parent resource: parentResource, or a decorator's one resource. */
function parentOf(cc: Json): Json | undefined {
  return cc.spec?.resources?.[0] ?? cc.spec?.parentResource;
}

/** projectRules: the controller matches src/hooks/controllers.ts and calls our Service. */
function projectRules(cc: Json): string[] {
  const spec = cc.spec ?? {};
  const parent = parentOf(cc);
  const entry = Object.entries(CONTROLLERS).find(
    ([, c]) => c.parent.apiVersion === parent?.apiVersion && c.parent.resource === parent?.resource,
  );
  if (!entry) return [`parent ${parent?.apiVersion}/${parent?.resource} is not a Gati parent`];
  const name = entry[0] as ControllerName;
  const errors: string[] = [];
  if (cc.metadata?.name !== controllerName(name))
    errors.push(`.metadata.name: want ${controllerName(name)}`);
  if (cc.kind !== entry[1].kind) errors.push(`.kind: want ${entry[1].kind}, as the table says`);
  const declared = new Set<string>(
    (spec.childResources ?? spec.attachments ?? []).map(
      (c: Json) => `${c.apiVersion}/${c.resource}`,
    ),
  );
  const emitted = new Map(
    entry[1].children.map((k) => [`${k.apiVersion}/${k.resource}`, groupKey(k)]),
  );
  // Optional kinds (src/install/options.ts) are declared only with their install switch; the
  // hooks answer KindNotInstalled for a spec that needs one the controller does not declare.
  const required = entry[1].children.filter((k) => optionalKind(k) === undefined);
  for (const k of required)
    if (!declared.has(`${k.apiVersion}/${k.resource}`))
      errors.push(
        `.spec.childResources: ${groupKey(k)} is emitted by the ${name} hooks but not declared`,
      );
  for (const key of declared)
    if (!emitted.has(key))
      errors.push(`.spec.childResources: ${key} is declared but the ${name} hooks never emit it`);
  const wantHooks = [...hookNames(CONTROLLERS[name])].sort();
  const hooks = Object.keys(spec.hooks ?? {}).sort();
  if (hooks.join() !== wantHooks.join())
    errors.push(`.spec.hooks: want ${wantHooks.join(',')}, got ${hooks.join(',')}`);
  for (const h of hooks) {
    const hk = spec.hooks[h] as Json;
    const where = `.spec.hooks.${h}`;
    if (hk.version !== 'v2') errors.push(`${where}.version: want v2`);
    const svc = hk.webhook?.service;
    if (!svc || svc.name !== NAME || svc.namespace !== NAMESPACE || svc.port !== SERVICE_PORT)
      errors.push(`${where}.webhook.service: want ${NAME}.${NAMESPACE}:${SERVICE_PORT}`);
    if (hk.webhook?.path !== hookPath(name, h as HookName))
      errors.push(`${where}.webhook.path: want ${hookPath(name, h as HookName)}`);
  }
  return errors;
}

/** validateCompositeController returns every problem found; [] means valid. */
function validateCompositeController(cc: unknown): string[] {
  const kind =
    isObject(cc) && cc.kind === 'DecoratorController' ? DECORATOR_CONTROLLER : COMPOSITE_CONTROLLER;
  const shape = shapeErrors(cc, kind, '');
  if (!isObject(cc)) return shape;
  return [...shape, ...metacontrollerRules(cc), ...projectRules(cc)];
}

// ---- the tests ---------------------------------------------------------------------------

function loadControllers(): Array<{ file: string; object: Json }> {
  const dir = join(ROOT, 'controllers');
  const out: Array<{ file: string; object: Json }> = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.yaml') && n !== 'kustomization.yaml')
    .sort()) {
    for (const d of parseAllDocuments(readFileSync(join(dir, f), 'utf8')))
      out.push({ file: `controllers/${f}`, object: d.toJS() as Json });
  }
  return out;
}

const controllers = loadControllers();

t.test('controllers/ holds one Metacontroller object per parent kind', async (t) => {
  t.equal(controllers.length, Object.keys(CONTROLLERS).length);
  t.strictSame(
    controllers.map((c) => parentOf(c.object)!.resource).sort(),
    Object.values(CONTROLLERS)
      .map((c) => c.parent.resource)
      .sort(),
  );
});

t.test('every Metacontroller object passes the validator', async (t) => {
  for (const { file, object } of controllers)
    t.strictSame(validateCompositeController(object), [], file);
});

t.test('every child updates InPlace, and GatiVersion alone has a finalize hook', async (t) => {
  for (const { file, object } of controllers) {
    for (const c of object.spec.childResources ?? object.spec.attachments)
      t.equal(c.updateStrategy.method, 'InPlace', `${file} ${c.resource}`);
    t.equal(
      'finalize' in object.spec.hooks,
      parentOf(object)!.resource === 'gativersions',
      `${file}: finalize hook`,
    );
    t.ok(object.spec.resyncPeriodSeconds > 0, `${file}: resyncPeriodSeconds`);
  }
});

const handler = (): Json =>
  structuredClone(
    controllers.find((c) => c.object.metadata.name === 'gatihandler-controller')!.object,
  );

/** Each row breaks a valid controller in one way and names the error that must appear. */
const broken: Array<{ reason: string; mutate: (cc: Json) => void; want: string }> = [
  {
    reason: 'misspelled spec field',
    mutate: (cc) => ((cc.spec.resyncPeriodSecond = 60), delete cc.spec.resyncPeriodSeconds),
    want: '.spec.resyncPeriodSecond: unknown field',
  },
  {
    reason: 'misspelled child field',
    mutate: (cc) => (
      (cc.spec.childResources[0].updateStategy = cc.spec.childResources[0].updateStrategy),
      delete cc.spec.childResources[0].updateStrategy
    ),
    want: '.spec.childResources[0].updateStategy: unknown field',
  },
  {
    reason: 'unknown webhook field',
    mutate: (cc) => (cc.spec.hooks.sync.webhook.headers = {}),
    want: '.spec.hooks.sync.webhook.headers: unknown field',
  },
  {
    reason: 'misspelled hook name',
    mutate: (cc) => (
      (cc.spec.hooks.customise = cc.spec.hooks.customize),
      delete cc.spec.hooks.customize
    ),
    want: '.spec.hooks.customise: unknown field',
  },
  {
    reason: 'wrong type',
    mutate: (cc) => (cc.spec.resyncPeriodSeconds = '60'),
    want: '.spec.resyncPeriodSeconds: want an integer',
  },
  {
    reason: 'bad update method',
    mutate: (cc) => (cc.spec.childResources[0].updateStrategy.method = 'Inplace'),
    want: '.spec.childResources[0].updateStrategy.method: "Inplace" is not one of',
  },
  {
    reason: 'bad hook version',
    mutate: (cc) => (cc.spec.hooks.sync.version = 'v3'),
    want: '.spec.hooks.sync.version: "v3" is not one of',
  },
  {
    reason: 'missing updateStrategy',
    mutate: (cc) => delete cc.spec.childResources[1].updateStrategy,
    want: '.spec.childResources[1].updateStrategy: missing',
  },
  {
    reason: 'OnDelete',
    mutate: (cc) => (cc.spec.childResources[1].updateStrategy.method = 'OnDelete'),
    want: '.spec.childResources[1].updateStrategy.method: OnDelete',
  },
  {
    reason: 'emitted kind not declared',
    mutate: (cc) =>
      (cc.spec.childResources = cc.spec.childResources.filter(
        (c: Json) => c.resource !== 'deployments',
      )),
    want: 'Deployment.apps/v1 is emitted by the gatihandler hooks but not declared',
  },
  {
    reason: 'declared kind never emitted',
    mutate: (cc) =>
      cc.spec.childResources.push({
        apiVersion: 'v1',
        resource: 'configmaps',
        updateStrategy: { method: 'InPlace' },
      }),
    want: 'v1/configmaps is declared but the gatihandler hooks never emit it',
  },
  {
    reason: 'declared at another version',
    mutate: (cc) =>
      (cc.spec.childResources.find(
        (c: Json) => c.resource === 'horizontalpodautoscalers',
      ).apiVersion = 'autoscaling/v1'),
    want: 'autoscaling/v1/horizontalpodautoscalers is declared but',
  },
  {
    reason: 'declared twice',
    mutate: (cc) => cc.spec.childResources.push(structuredClone(cc.spec.childResources[0])),
    want: 'declared twice',
  },
  {
    reason: 'service without path',
    mutate: (cc) => delete cc.spec.hooks.sync.webhook.path,
    want: '.spec.hooks.sync.webhook.path: required with service',
  },
  {
    reason: 'neither url nor service',
    mutate: (cc) => delete cc.spec.hooks.sync.webhook.service,
    want: '.spec.hooks.sync.webhook: needs url or service',
  },
  {
    reason: 'url and service',
    mutate: (cc) => (cc.spec.hooks.sync.webhook.url = 'http://x/sync'),
    want: 'url overrides service',
  },
  {
    reason: 'missing sync hook',
    mutate: (cc) => delete cc.spec.hooks.sync,
    want: '.spec.hooks.sync: required',
  },
  {
    reason: 'service without namespace',
    mutate: (cc) => delete cc.spec.hooks.sync.webhook.service.namespace,
    want: '.spec.hooks.sync.webhook.service.namespace: required',
  },
  {
    reason: 'service elsewhere',
    mutate: (cc) => (cc.spec.hooks.sync.webhook.service.port = 8080),
    want: '.spec.hooks.sync.webhook.service: want gati-operator.gati-system:80',
  },
  {
    reason: 'wrong hook path',
    mutate: (cc) => (cc.spec.hooks.sync.webhook.path = '/sync'),
    want: '.spec.hooks.sync.webhook.path: want /hooks/gatihandler/sync',
  },
  {
    reason: 'hook version v1',
    mutate: (cc) => (cc.spec.hooks.sync.version = 'v1'),
    want: '.spec.hooks.sync.version: want v2',
  },
  {
    reason: 'finalize the server does not serve',
    mutate: (cc) => (cc.spec.hooks.finalize = structuredClone(cc.spec.hooks.sync)),
    want: '.spec.hooks: want customize,sync, got customize,finalize,sync',
  },
  {
    reason: 'preUpdateChild',
    mutate: (cc) => (cc.spec.hooks.preUpdateChild = structuredClone(cc.spec.hooks.sync)),
    want: 'preUpdateChild: never called',
  },
  {
    reason: 'bad timeout',
    mutate: (cc) => (cc.spec.hooks.sync.webhook.timeout = '10'),
    want: 'timeout: 10 is not a Go duration',
  },
  {
    reason: 'etag half set',
    mutate: (cc) => (cc.spec.hooks.sync.webhook.etag = { enabled: true, cacheTimeoutSeconds: 60 }),
    want: 'set cacheCleanupSeconds',
  },
  {
    reason: 'bearer and basic auth',
    mutate: (cc) =>
      Object.assign(cc.spec.hooks.sync.webhook, {
        authorization: { secretRef: { name: 'a', namespace: 'b', key: 'c' } },
        basicAuth: { secretRef: { name: 'a', namespace: 'b' } },
      }),
    want: 'mutually exclusive',
  },
  {
    reason: 'authorization secretRef without key',
    mutate: (cc) =>
      (cc.spec.hooks.sync.webhook.authorization = {
        type: 'Bearer',
        secretRef: { name: 'a', namespace: 'b' },
      }),
    want: '.spec.hooks.sync.webhook.authorization.secretRef.key: required',
  },
  {
    reason: 'generateSelector off',
    mutate: (cc) => delete cc.spec.generateSelector,
    want: '.spec.generateSelector: must be true',
  },
  {
    reason: 'not a Gati parent',
    mutate: (cc) => (cc.spec.parentResource.resource = 'gatihandler'),
    want: 'is not a Gati parent',
  },
  {
    reason: 'parent without resource',
    mutate: (cc) => delete cc.spec.parentResource.resource,
    want: '.spec.parentResource.resource: required',
  },
  {
    reason: 'wrong name',
    mutate: (cc) => (cc.metadata.name = 'gatihandlers'),
    want: '.metadata.name: want gatihandler-controller',
  },
  {
    reason: 'wrong kind',
    mutate: (cc) => (cc.kind = 'DecoratorController'),
    want: '.kind: want CompositeController, as the table says',
  },
  {
    reason: 'unknown endpointConfigs field',
    mutate: (cc) =>
      (cc.spec.endpointConfigs = [{ host: 'gati-operator.gati-system', bearer: 'x' }]),
    want: '.spec.endpointConfigs[0].bearer: unknown field',
  },
  {
    reason: 'labelSelector typo',
    mutate: (cc) => (cc.spec.parentResource.labelSelector = { matchLabel: { a: 'b' } }),
    want: '.spec.parentResource.labelSelector.matchLabel: unknown field',
  },
];

t.test('the default install declares HTTPRoute but not ScaledObject', async (t) => {
  for (const name of ['gatihandler-controller', 'gatimodule-controller']) {
    const cc = controllers.find((c) => c.object.metadata.name === name)!.object;
    const declared = cc.spec.childResources.map((c: Json) => c.resource);
    t.notOk(declared.includes('scaledobjects'), `${name}: no ScaledObject without the KEDA switch`);
  }
  const handlerKinds = handler().spec.childResources.map((c: Json) => c.resource);
  t.ok(handlerKinds.includes('httproutes'), 'gatihandler-controller declares HTTPRoute');
  for (const resource of ['httproutes', 'scaledobjects']) {
    const cc = handler();
    cc.spec.childResources = cc.spec.childResources.filter((c: Json) => c.resource !== resource);
    cc.spec.childResources.push(
      ...(resource === 'httproutes'
        ? [
            {
              apiVersion: 'keda.sh/v1alpha1',
              resource: 'scaledobjects',
              updateStrategy: { method: 'InPlace' },
            },
          ]
        : []),
    );
    t.strictSame(validateCompositeController(cc), [], `an install switch may change ${resource}`);
  }
});

t.test('the validator fails for real, one broken controller per rule', async (t) => {
  t.strictSame(validateCompositeController(handler()), [], 'the unbroken copy is valid');
  for (const row of broken) {
    const cc = handler();
    row.mutate(cc);
    const errors = validateCompositeController(cc);
    t.ok(
      errors.some((e) => e.includes(row.want)),
      row.reason,
      { errors, want: row.want },
    );
  }
  t.strictSame(validateCompositeController('nope'), [': want an object'], 'not an object');
});

t.test(
  'the validator accepts every documented field (no false alarms on the full contract)',
  async (t) => {
    const cc = handler();
    const auth = {
      secretRef: { name: 'gati-operator-token', namespace: NAMESPACE, key: 'token' },
      type: 'Bearer',
    };
    cc.spec.parentResource.labelSelector = {
      matchLabels: { tier: 'api' },
      matchExpressions: [{ key: 'x', operator: 'In', values: ['y'] }],
    };
    cc.spec.parentResource.revisionHistory = { fieldPaths: ['spec'] };
    cc.spec.parentResource.ignoreStatusChanges = true;
    cc.spec.childResources[0].updateStrategy = {
      method: 'RollingInPlace',
      statusChecks: { conditions: [{ type: 'Available', status: 'True', reason: 'x' }] },
    };
    Object.assign(cc.spec.hooks.sync.webhook, {
      etag: { enabled: true, cacheTimeoutSeconds: 60, cacheCleanupSeconds: 300 },
      responseUnMarshallMode: 'strict',
      caBundle: { configMapRef: { name: 'ca', namespace: NAMESPACE, key: 'ca.crt' } },
      authorization: auth,
      clientTLS: {
        secretRef: { name: 'tls', namespace: NAMESPACE },
        certKey: 'tls.crt',
        privateKeyKey: 'tls.key',
      },
    });
    cc.spec.hooks.sync.webhook.service.protocol = 'https';
    cc.spec.hooks.customize.webhook.basicAuth = {
      secretRef: { name: 'b', namespace: NAMESPACE },
      usernameKey: 'u',
      passwordKey: 'p',
    };
    cc.spec.endpointConfigs = [
      { host: 'gati-operator.gati-system', caBundle: { inline: 'PEM' }, authorization: auth },
    ];
    cc.status = {};
    t.strictSame(validateCompositeController(cc), []);
  },
);

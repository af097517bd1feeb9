import t from 'tap';
import type { KubeObject } from '../../../src/api/metacontroller.js';
import {
  CONTROLLERS,
  type Controller,
  type ControllerTable,
} from '../../../src/hooks/controllers.js';
import type { ControllerHooks, HookContext } from '../../../src/hooks/types.js';
import {
  CONTROLLER_UID_LABEL,
  LAST_APPLIED,
  mergeStrings,
} from '../../../src/render/loop/apply.js';
import { DECORATOR_ANNOTATION, metacontrollerObject } from '../../../src/render/loop/request.js';
import { customizeRules, syncParent } from '../../../src/render/loop/sync.js';
import type { HookCaller, LoopEnv } from '../../../src/render/loop/types.js';
import { Store } from '../../scenario/lib/store.js';

// The shared loop step on its own, against the harness's store, with fake hooks: what the
// static renderer and the scenario harness both rely on.

const GV = 'gati.dev/v1alpha1';
const T0 = new Date('2026-01-01T00:00:00Z');

interface Rig {
  env: LoopEnv;
  store: Store;
  requests: Array<{ hook: string; request: any }>;
  collisions: string[];
}

/** rig: a store and a loop env whose caller runs the fake hooks directly (decorators too). */
function rig(c: Controller): Rig {
  const table = { ...CONTROLLERS, [c.name]: c } as ControllerTable;
  const store = new Store({
    now: () => T0.getTime(),
    uidPrefix: 'u',
    onWrite: () => {},
    onRemove: () => {},
  });
  const requests: Rig['requests'] = [];
  const collisions: string[] = [];
  const call: HookCaller = (name, hook, request, ctx) => {
    requests.push({ hook, request: structuredClone(request) });
    const fn = table[name].hooks[hook] as (r: unknown, ctx: HookContext) => unknown;
    return fn(request, ctx);
  };
  const env: LoopEnv = {
    table,
    store,
    now: () => T0,
    call,
    onCollision: (_p, d) => collisions.push(d.metadata.name),
  };
  return { env, store, requests, collisions };
}

function controller(
  kind: 'CompositeController' | 'DecoratorController',
  hooks: Partial<ControllerHooks> | Record<string, unknown>,
): Controller {
  return {
    ...CONTROLLERS.gativersion,
    kind,
    children: CONTROLLERS.gatimodule.children,
    hooks,
  } as unknown as Controller;
}

function version(name = 'v', extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: GV,
    kind: 'GatiVersion',
    metadata: { name, namespace: 'ns', ...extra },
    spec: { versionId: 'v1' },
  };
}

const service = (name: string, spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, labels: { app: name } },
  spec,
});

t.test(
  'composite: request, children created, updated in place, deleted; status replaced',
  async (t) => {
    let children: KubeObject[] = [service('a'), service('b')];
    const c = controller('CompositeController', {
      sync: () => ({ status: { n: children.length }, children }),
    });
    const { env, store, requests, collisions } = rig(c);
    store.create(version());
    const out = syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
    t.strictSame(out, { hook: 'sync', desired: children, finalized: false });
    const req = requests[0]!.request;
    t.strictSame(req.controller, metacontrollerObject(c));
    t.strictSame(Object.keys(req.children).length, c.children.length, 'a group per declared type');
    t.strictSame(req.related, {}, 'no customize hook: related is {}');
    t.equal(req.finalizing, false);
    const a = store.get('Service', 'ns', 'a')!;
    t.equal(a.metadata.labels![CONTROLLER_UID_LABEL], 'u-0001');
    t.equal(a.metadata.annotations![LAST_APPLIED], JSON.stringify(service('a')));
    t.match(a.metadata.ownerReferences, [
      { kind: 'GatiVersion', name: 'v', uid: 'u-0001', controller: true },
    ]);
    t.strictSame(store.get('GatiVersion', 'ns', 'v')!.status, { n: 2, observedGeneration: 1 });

    store.update(a, { ...a, status: { loadBalancer: {} } });
    children = [service('a', { x: 1 })];
    syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
    const a2 = store.get('Service', 'ns', 'a')!;
    t.equal(a2.metadata.uid, a.metadata.uid, 'updated in place');
    t.strictSame(a2.spec, { x: 1 });
    t.strictSame(a2.status, { loadBalancer: {} }, 'status kept: a parent cannot set it');
    t.equal(store.get('Service', 'ns', 'b'), undefined, 'the child left out is deleted');
    t.strictSame(Object.keys(requests[1]!.request.children['Service.v1']), ['ns/a', 'ns/b']);

    store.create({ ...service('foreign'), metadata: { name: 'foreign', namespace: 'ns' } });
    children = [service('foreign', { mine: true })];
    syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
    t.strictSame(collisions, ['foreign'], 'a name taken by another owner is reported, not touched');
    t.strictSame(store.get('Service', 'ns', 'foreign')!.spec, {});
  },
);

t.test('composite: finalizer added, finalize while deleting, released on finalized', async (t) => {
  let done = false;
  const c = controller('CompositeController', {
    sync: () => ({ status: {}, children: [service('a')] }),
    finalize: () => ({ status: { phase: 'Terminating' }, children: [], finalized: done }),
  });
  const { env, store, requests } = rig(c);
  store.create(version());
  syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
  const fin = 'metacontroller.io/compositecontroller-gativersion-controller';
  t.strictSame(store.get('GatiVersion', 'ns', 'v')!.metadata.finalizers, [fin]);
  store.delete(store.get('GatiVersion', 'ns', 'v')!);
  const held = syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
  t.equal(held.hook, 'finalize');
  t.equal(requests.at(-1)!.request.finalizing, true);
  t.equal(store.get('Service', 'ns', 'a'), undefined, 'children managed while our finalizer holds');
  t.equal(store.get('GatiVersion', 'ns', 'v')!.status!.phase, 'Terminating');
  done = true;
  t.equal(syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!).finalized, true);
  t.equal(store.get('GatiVersion', 'ns', 'v'), undefined, 'finalizer released: the object goes');
});

t.test(
  'composite: a terminating parent without our finalizer gets its status, children untouched',
  async (t) => {
    const c = controller('CompositeController', {
      sync: () => ({ status: { s: 1 }, children: [] }),
    });
    const { env, store } = rig(c);
    store.create(version('v', { finalizers: ['someone-else'] }));
    const p = store.get('GatiVersion', 'ns', 'v')!;
    store.create({ ...childOf(p), metadata: { ...childOf(p).metadata } });
    store.delete(p);
    const out = syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
    t.equal(out.hook, 'sync', 'no finalize hook: sync, with the deletionTimestamp');
    t.ok(store.get('Service', 'ns', 'kept'), 'GC, not Metacontroller, deletes the children');
    t.strictSame(store.get('GatiVersion', 'ns', 'v')!.status, { s: 1, observedGeneration: 1 });
  },
);

function childOf(p: KubeObject): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'kept',
      namespace: 'ns',
      ownerReferences: [
        { apiVersion: GV, kind: 'GatiVersion', name: 'v', uid: p.metadata.uid, controller: true },
      ],
    },
  };
}

t.test(
  'decorator: object/attachments request; labels merged, status kept or replaced',
  async (t) => {
    let answer: Record<string, unknown> = {
      labels: { 'gati.dev/handler': 'h', stale: null },
      annotations: { note: 'x' },
      status: { phase: 'Active' },
      attachments: [],
    };
    const c = controller('DecoratorController', {
      sync: () => answer,
      customize: () => ({
        relatedResources: [{ apiVersion: GV, resource: 'gatihandlers', names: ['h'] }],
      }),
    });
    c.related = CONTROLLERS.gativersion.related;
    const { env, store, requests } = rig(c);
    store.create(version('v', { labels: { stale: 'yes', keep: 'me' } }));
    const out = syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
    t.equal(out.hook, 'sync');
    const [customize, sync] = requests;
    t.strictSame(
      Object.keys(customize!.request),
      ['controller', 'parent'],
      'customize: {controller, parent}',
    );
    t.strictSame(Object.keys(sync!.request), [
      'controller',
      'object',
      'attachments',
      'related',
      'finalizing',
    ]);
    t.equal(sync!.request.controller.kind, 'DecoratorController');
    t.strictSame(sync!.request.related, { 'GatiHandler.gati.dev/v1alpha1': {} });
    let v = store.get('GatiVersion', 'ns', 'v')!;
    t.strictSame(
      v.metadata.labels,
      { keep: 'me', 'gati.dev/handler': 'h' },
      'set, deleted by null, the rest untouched',
    );
    t.strictSame(v.metadata.annotations, { note: 'x' });
    t.strictSame(v.status, { phase: 'Active' }, 'no observedGeneration for decorators');

    answer = {
      labels: { keep: null, 'gati.dev/handler': null },
      annotations: { note: null },
      status: null,
    };
    syncParent(env, c, v);
    v = store.get('GatiVersion', 'ns', 'v')!;
    t.equal(v.metadata.labels, undefined, 'every label removed: no labels map');
    t.equal(v.metadata.annotations, undefined);
    t.strictSame(v.status, { phase: 'Active' }, 'status: null leaves it unchanged');
    answer = {};
    syncParent(env, c, v);
    t.strictSame(
      store.get('GatiVersion', 'ns', 'v')!.status,
      { phase: 'Active' },
      'absent: unchanged too',
    );
  },
);

t.test('decorator: attachments stamped; finalize releases the decorator finalizer', async (t) => {
  let finalized = false;
  const c = controller('DecoratorController', {
    sync: () => ({ attachments: [service('att')] }),
    finalize: () => ({ attachments: [], finalized }),
  });
  const { env, store, requests } = rig(c);
  store.create(version());
  syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
  const att = store.get('Service', 'ns', 'att')!;
  t.equal(att.metadata.annotations![DECORATOR_ANNOTATION], 'gativersion-controller');
  t.notOk(
    att.metadata.labels![CONTROLLER_UID_LABEL],
    'no selector label: attachments go by ownerReference',
  );
  const fin = 'metacontroller.io/decoratorcontroller-gativersion-controller';
  t.strictSame(store.get('GatiVersion', 'ns', 'v')!.metadata.finalizers, [fin]);
  syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
  t.ok(requests.at(-1)!.request.attachments['Service.v1']['ns/att'], 'its attachment is observed');

  store.delete(store.get('GatiVersion', 'ns', 'v')!);
  t.equal(syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!).hook, 'finalize');
  t.equal(store.get('Service', 'ns', 'att'), undefined, 'finalize tears the attachment down');
  finalized = true;
  syncParent(env, c, store.get('GatiVersion', 'ns', 'v')!);
  t.equal(store.get('GatiVersion', 'ns', 'v'), undefined, 'released and gone');
});

t.test(
  'customizeRules: none without a customize hook; cached when the env has a cache',
  async (t) => {
    const c = controller('CompositeController', { sync: () => ({ status: {}, children: [] }) });
    const { env, store } = rig(c);
    store.create(version());
    t.strictSame(customizeRules(env, c, store.get('GatiVersion', 'ns', 'v')!), []);
    t.equal(mergeStrings(undefined, undefined), undefined);
    t.strictSame(mergeStrings({ a: '1' }, { b: '2' }), { a: '1', b: '2' });
  },
);

t.test('the default caller is callHook() with the loop table', async (t) => {
  const { env, store } = rig(CONTROLLERS.gatimodule);
  delete env.call;
  store.create({
    apiVersion: GV,
    kind: 'GatiModule',
    metadata: { name: 'db', namespace: 'ns' },
    spec: { moduleName: 'db', moduleType: 'node', runtime: 'node:20', image: 'i:1', replicas: 1 },
  });
  const out = syncParent(env, CONTROLLERS.gatimodule, store.get('GatiModule', 'ns', 'db')!);
  t.ok(
    out.desired.some((o) => o.kind === 'Deployment'),
    'the real hook ran',
  );
  t.match(store.get('GatiModule', 'ns', 'db')!.status, { observedGeneration: 1 });
});

import t from 'tap';
import { CONTROLLERS, type Controller } from '../../../src/hooks/controllers.js';
import { metacontrollerObject } from '../../../src/render/loop/request.js';
import {
  Cluster,
  ContractViolation,
  finalizerName,
  type ClusterOptions,
  type PartialRegistry,
} from '../harness.js';
import { caught, GV, handler, type AnyObj } from '../lib/fakes.js';

// DecoratorController support (contract §2.5), proven with fake hooks: the table's `kind`
// alone switches the loop to `object` / `attachments` requests, merged labels and
// annotations, a status kept on null and never given observedGeneration, the decorator
// finalizer, `ignoreStatusChanges`, and the same customize-driven triggers.

/** The table as installed: GatiVersion runs as a DecoratorController. */
const DECORATED = CONTROLLERS;

/**
 * watchingStatus is the installed controller object with `ignoreStatusChanges` turned off,
 * so that a status patch alone triggers a sync again.
 */
function watchingStatus(c: Controller): Record<string, unknown> {
  const o = metacontrollerObject(c) as AnyObj;
  if (o.kind !== 'DecoratorController') return o;
  return {
    ...o,
    spec: { ...o.spec, resources: [{ ...o.spec.resources[0], ignoreStatusChanges: false }] },
  };
}
const FINALIZER = 'metacontroller.io/decoratorcontroller-gativersion-controller';
const HANDLER_LABEL = 'gati.dev/handler';

function relatedHandlers(req: AnyObj): AnyObj[] {
  return Object.values(req.related?.['GatiHandler.' + GV] ?? {});
}

/** A GatiVersion decorator: relates its handler by name, labels itself with it, mirrors its phase. */
const decorator = {
  customize: (req: AnyObj) => ({
    relatedResources: [
      {
        apiVersion: GV,
        resource: 'gatihandlers',
        namespace: req.parent.metadata.namespace,
        names: [req.parent.spec.handler],
      },
    ],
  }),
  sync: (req: AnyObj) => {
    const h = relatedHandlers(req)[0];
    return {
      annotations: { 'test/seen': h ? 'yes' : null },
      labels: { [HANDLER_LABEL]: h ? h.metadata.name : null, 'test/stale': null },
      status: { handler: h ? h.metadata.name : 'none', phase: h?.status?.phase ?? 'Unknown' },
    };
  },
  finalize: (req: AnyObj) => ({
    labels: { [HANDLER_LABEL]: null },
    finalized:
      relatedHandlers(req).length === 0 ||
      req.object.metadata.annotations?.['test/release'] === 'yes',
  }),
};

/** A GatiHandler composite that asks for the GatiVersions carrying its label (DESIGN §2). */
const labelled = {
  customize: (req: AnyObj) => ({
    relatedResources: [
      {
        apiVersion: GV,
        resource: 'gativersions',
        labelSelector: { matchLabels: { [HANDLER_LABEL]: req.parent.metadata.name } },
      },
    ],
  }),
  sync: (req: AnyObj) => {
    const versions = Object.keys(req.related?.['GatiVersion.' + GV] ?? {});
    return {
      status: { phase: req.parent.spec.phase ?? 'Running', versions },
      children: [],
    };
  },
};

const HOOKS = { gativersion: decorator, gatihandler: labelled } as unknown as PartialRegistry;

function decorated(opts: ClusterOptions = {}): Cluster {
  return new Cluster({
    controllers: DECORATED,
    hooks: HOOKS,
    direct: true,
    checkCanonical: false,
    ...opts,
  });
}

function gv(name: string, handlerName: string, extra: AnyObj = {}): any {
  return {
    apiVersion: GV,
    kind: 'GatiVersion',
    metadata: { name, namespace: 'ns', ...extra },
    spec: { versionId: 'v1', handler: handlerName },
  };
}

function calls(sim: Cluster, controller: string, name: string, hook?: string): number {
  return sim.responses.filter(
    (c) => c.controller === controller && c.parent === `ns/${name}` && (!hook || c.hook === hook),
  ).length;
}

t.test(
  'a decorator is sent object/attachments and the DecoratorController, and its finalizer is added',
  async (t) => {
    const sim = decorated();
    sim.apply(handler('h'));
    sim.apply(gv('h-v1', 'h'));
    sim.reconcile();
    const req = sim.lastCall('gativersion', 'ns', 'h-v1')!.request as AnyObj;
    t.strictSame(Object.keys(req), [
      'controller',
      'object',
      'attachments',
      'related',
      'finalizing',
    ]);
    t.strictSame(req.controller, metacontrollerObject(DECORATED.gativersion));
    t.equal(req.controller.kind, 'DecoratorController');
    t.strictSame(req.attachments, {}, 'no attachment types declared: no groups');
    t.strictSame(Object.keys(req.related['GatiHandler.' + GV]), ['ns/h']);
    const customize = sim.responses.find(
      (c) => c.hook === 'customize' && c.controller === 'gativersion',
    )!;
    t.strictSame(
      Object.keys(customize.request as AnyObj),
      ['controller', 'parent'],
      'customize: {controller, parent}',
    );
    const v = sim.mustGet('GatiVersion', 'ns', 'h-v1');
    t.strictSame(v.metadata.finalizers, [FINALIZER]);
    t.equal(finalizerName('gativersion', DECORATED), FINALIZER);
    t.strictSame(
      v.status,
      { handler: 'h', phase: 'Running' },
      'status replaced whole, no observedGeneration',
    );
    t.equal(
      sim.mustGet('GatiHandler', 'ns', 'h').status!.observedGeneration,
      1,
      'the composite still gets it',
    );
    sim.assertDeterministic();
  },
);

t.test(
  'labels and annotations: a string sets, null deletes, keys not answered are untouched',
  async (t) => {
    const sim = decorated();
    sim.apply(handler('h'));
    sim.apply(
      gv('h-v1', 'h', { labels: { 'test/stale': 'x', keep: 'me' }, annotations: { mine: '1' } }),
    );
    sim.reconcile();
    let v = sim.mustGet('GatiVersion', 'ns', 'h-v1');
    t.strictSame(v.metadata.labels, { keep: 'me', [HANDLER_LABEL]: 'h' });
    t.strictSame(v.metadata.annotations, { mine: '1', 'test/seen': 'yes' });
    sim.delete('GatiHandler', 'ns', 'h');
    sim.reconcile();
    v = sim.mustGet('GatiVersion', 'ns', 'h-v1');
    t.strictSame(v.metadata.labels, { keep: 'me' }, 'the handler went: its label is deleted');
    t.strictSame(v.metadata.annotations, { mine: '1' });
    t.strictSame(v.status, { handler: 'none', phase: 'Unknown' });
  },
);

t.test('status: null leaves the status as it is; an object replaces it whole', async (t) => {
  let status: AnyObj | null = { a: 1 };
  const hooks = { gativersion: { sync: () => ({ status }) } } as unknown as PartialRegistry;
  const sim = new Cluster({
    controllers: DECORATED,
    hooks,
    direct: true,
    checkDeterminism: false,
    controllerObject: watchingStatus,
  });
  sim.apply(gv('v', 'h'));
  sim.reconcile();
  t.strictSame(sim.mustGet('GatiVersion', 'ns', 'v').status, { a: 1 });
  status = null;
  const before = calls(sim, 'gativersion', 'v');
  sim.patchStatus('GatiVersion', 'ns', 'v', { b: 2 });
  sim.reconcile();
  t.ok(calls(sim, 'gativersion', 'v') > before, 'the patch triggered a sync');
  t.strictSame(sim.mustGet('GatiVersion', 'ns', 'v').status, { b: 2 }, 'which left it unchanged');
  status = { c: 3 };
  sim.apply({ ...gv('v', 'h'), metadata: { name: 'v', namespace: 'ns', labels: { poke: '1' } } });
  sim.reconcile();
  t.strictSame(sim.mustGet('GatiVersion', 'ns', 'v').status, { c: 3 }, 'an object replaces whole');
});

t.test(
  'finalize: called once deletionTimestamp is set, holds until finalized, then the object goes',
  async (t) => {
    const sim = decorated();
    sim.apply(handler('h'));
    sim.apply(gv('h-v1', 'h'));
    sim.reconcile();
    sim.delete('GatiVersion', 'ns', 'h-v1');
    sim.reconcile();
    const call = sim.lastCall('gativersion', 'ns', 'h-v1')!;
    t.equal(call.hook, 'finalize');
    t.equal((call.request as AnyObj).finalizing, true);
    t.ok((call.request as AnyObj).object.metadata.deletionTimestamp, 'the object is terminating');
    const held = sim.mustGet('GatiVersion', 'ns', 'h-v1');
    t.strictSame(held.metadata.finalizers, [FINALIZER], 'held while its handler lives');
    t.equal(
      held.metadata.labels?.[HANDLER_LABEL],
      undefined,
      'the finalize answer took its label off',
    );
    sim.apply({
      ...gv('h-v1', 'h'),
      metadata: { name: 'h-v1', namespace: 'ns', annotations: { 'test/release': 'yes' } },
    });
    sim.reconcile();
    t.equal(
      sim.get('GatiVersion', 'ns', 'h-v1'),
      undefined,
      'finalized: finalizer removed, object gone',
    );
    sim.apply(gv('h-v2', 'h'));
    sim.reconcile();
    sim.deleteAll();
    t.strictSame(sim.list('GatiVersion'), [], 'deleting the handler too releases it');
  },
);

t.test(
  'related trigger by names: the named handler changing resyncs the decorator; another does not',
  async (t) => {
    const sim = decorated({ resyncPeriodSeconds: 0 });
    sim.apply(handler('h'));
    sim.apply(handler('other'));
    sim.apply(gv('h-v1', 'h'));
    sim.reconcile();
    const before = calls(sim, 'gativersion', 'h-v1', 'sync');
    sim.apply(handler('other', { phase: 'Degraded' }));
    sim.reconcile();
    t.equal(
      calls(sim, 'gativersion', 'h-v1', 'sync'),
      before,
      'a handler it does not name: no sync',
    );
    sim.apply(handler('h', { phase: 'Degraded' }));
    sim.reconcile();
    t.ok(calls(sim, 'gativersion', 'h-v1', 'sync') > before, 'its handler changed: synced');
    t.equal(
      sim.mustGet('GatiVersion', 'ns', 'h-v1').status!.phase,
      'Degraded',
      'and mirrors the new status',
    );
  },
);

t.test(
  'related trigger by labelSelector: the label a decorator sets brings the version to its handler',
  async (t) => {
    const sim = decorated({ resyncPeriodSeconds: 0 });
    sim.apply(handler('h'));
    sim.reconcile();
    t.strictSame(sim.mustGet('GatiHandler', 'ns', 'h').status!.versions, []);
    const before = calls(sim, 'gatihandler', 'h');
    sim.apply(gv('stray', 'nobody'));
    sim.reconcile();
    t.equal(
      calls(sim, 'gatihandler', 'h'),
      before,
      'a version without its label does not trigger it',
    );
    sim.apply(gv('h-v1', 'h'));
    sim.reconcile();
    t.strictSame(
      sim.mustGet('GatiHandler', 'ns', 'h').status!.versions,
      ['ns/h-v1'],
      'labelled, then related',
    );
  },
);

t.test(
  'ignoreStatusChanges (as installed): status-only updates do not sync; labels, generation and deletion do',
  async (t) => {
    const rows = [
      { reason: 'status patched', ignoring: true, poke: 'status', syncs: false },
      { reason: 'status patched, watched', ignoring: false, poke: 'status', syncs: true },
      { reason: 'label changed', ignoring: true, poke: 'label', syncs: true },
      { reason: 'spec changed (generation)', ignoring: true, poke: 'spec', syncs: true },
      { reason: 'deleted', ignoring: true, poke: 'delete', syncs: true },
    ];
    for (const r of rows) {
      const sim = decorated({
        resyncPeriodSeconds: 0,
        ...(r.ignoring ? {} : { controllerObject: watchingStatus }),
      });
      sim.apply(handler('h'));
      sim.apply(gv('h-v1', 'h'));
      sim.reconcile();
      const before = calls(sim, 'gativersion', 'h-v1');
      const v = sim.mustGet('GatiVersion', 'ns', 'h-v1');
      if (r.poke === 'status') sim.patchStatus('GatiVersion', 'ns', 'h-v1', { hacked: true });
      if (r.poke === 'label')
        sim.apply({ ...v, metadata: { ...v.metadata, labels: { ...v.metadata.labels, x: 'y' } } });
      if (r.poke === 'spec') sim.apply({ ...v, spec: { ...v.spec, versionId: 'v2' } });
      if (r.poke === 'delete') sim.delete('GatiVersion', 'ns', 'h-v1');
      sim.reconcile();
      t.equal(calls(sim, 'gativersion', 'h-v1') > before, r.syncs, r.reason);
    }
  },
);

t.test('customize answers are cached per (uid, generation) for 20 minutes', async (t) => {
  const sim = decorated();
  sim.apply(handler('h'));
  sim.apply(gv('h-v1', 'h'));
  sim.reconcile();
  const n = () => calls(sim, 'gativersion', 'h-v1', 'customize');
  t.equal(n(), 1);
  const v = sim.mustGet('GatiVersion', 'ns', 'h-v1');
  sim.apply({ ...v, metadata: { ...v.metadata, labels: { ...v.metadata.labels, x: 'y' } } });
  sim.advance(60);
  t.equal(n(), 1, 'labels and resyncs reuse the answer');
  sim.apply({ ...v, spec: { ...v.spec, versionId: 'v2' } });
  sim.reconcile();
  t.equal(n(), 2, 'a new generation asks again');
  sim.advance(20 * 60);
  t.equal(n(), 3, 'and so does an answer older than 20 minutes');
});

t.test(
  'decorator answers Metacontroller would reject are contract violations; null labels are not',
  async (t) => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['composite keys', { status: {}, children: [] }, /unknown top-level key "children"/],
      ['a label that is a number', { labels: { a: 1 } }, /labels\.a must be a string or null/],
      ['an invalid label value', { labels: { a: 'b c' } }, /invalid value of label "a"/],
      [
        'an invalid annotation key',
        { annotations: { 'a b': 'x' } },
        /invalid annotation key "a b"/,
      ],
      ['status a list', { status: [] }, /status must be an object or null/],
      ['labels a list', { labels: [] }, /labels must be an object/],
      ['finalized from sync', { finalized: true }, /sync returned finalized: true/],
      [
        'an undeclared attachment',
        { attachments: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }] },
        /ConfigMap\.v1 is not a declared attachment type \(declared: none\)/,
      ],
      ['attachments not a list', { attachments: {} }, /attachments must be a list/],
      ['null elsewhere', { status: { a: null } }, /answered null .* at status\.a/],
    ];
    for (const [reason, answer, re] of cases) {
      const hooks = { gativersion: { sync: () => answer } } as unknown as PartialRegistry;
      const sim = new Cluster({
        controllers: DECORATED,
        hooks,
        direct: true,
        checkCanonical: false,
      });
      sim.apply(gv('v', 'h'));
      const err = caught(() => sim.reconcile());
      t.ok(err instanceof ContractViolation, `${reason}: a ContractViolation`);
      t.match(err, { message: re }, reason);
    }
    const ok = { gativersion: { sync: () => ({ labels: { a: null, b: 'x' }, status: null }) } };
    const sim = new Cluster({
      controllers: DECORATED,
      hooks: ok as unknown as PartialRegistry,
      direct: true,
    });
    sim.apply(gv('v', 'h'));
    t.doesNotThrow(() => sim.reconcile(), 'canonical, with the nulls a decorator may send');
  },
);

import t from 'tap';
import { DEPLOYMENT, GATI_HANDLER, GATI_VERSION, SERVICE } from '../../../src/api/kinds.js';
import type { KubeObject } from '../../../src/api/metacontroller.js';
import { ALL_KINDS_INSTALL, DEFAULT_INSTALL } from '../../../src/api/switches.js';
import { CONTROLLERS } from '../../../src/hooks/controllers.js';
import { compositeController, decoratorController } from '../../../src/install/controllers.js';
import {
  CUSTOMIZE_CACHE_SECONDS,
  entryKey,
  finalizerOf,
  groupsOf,
  hookRequest,
  metacontrollerObject,
  relatedObjects,
  ruleSelects,
  ruleType,
  RulesCache,
} from '../../../src/render/loop/request.js';
import { kindOf } from '../../../src/render/loop/types.js';
import { HealthyStore } from '../../../src/render/healthy.js';

const GV = 'gati.dev/v1alpha1';
/** The one decorator of the table. */
const decorator = CONTROLLERS.gativersion;

function obj(kind: string, name: string, extra: Record<string, unknown> = {}): KubeObject {
  const apiVersion = kind === 'Deployment' ? 'apps/v1' : kind === 'Service' ? 'v1' : GV;
  return { apiVersion, kind, metadata: { name, namespace: 'ns', ...extra } };
}

t.test('metacontrollerObject: the installed object as Metacontroller sends it', async (t) => {
  t.strictSame(metacontrollerObject(CONTROLLERS.gatihandler), {
    ...compositeController(CONTROLLERS.gatihandler, ALL_KINDS_INSTALL),
    status: {},
  });
  const declared = (o: any) => o.spec.childResources.map((r: any) => r.resource);
  t.ok(
    declared(metacontrollerObject(CONTROLLERS.gatihandler)).includes('scaledobjects'),
    'an offline render declares every optional kind',
  );
  t.notOk(
    declared(metacontrollerObject(CONTROLLERS.gatihandler, DEFAULT_INSTALL)).includes(
      'scaledobjects',
    ),
    'or models an install',
  );
  const dc = metacontrollerObject(decorator) as any;
  t.strictSame(dc, { ...decoratorController(decorator), status: {} });
  t.equal(dc.kind, 'DecoratorController');
  t.strictSame(dc.spec.resources, [
    { apiVersion: GV, resource: 'gativersions', ignoreStatusChanges: true },
  ]);
  t.strictSame(dc.spec.attachments, [], 'no attachments declared');
  t.notOk('parentResource' in dc.spec || 'generateSelector' in dc.spec, 'no composite-only fields');
  t.same(Object.keys(dc.spec.hooks).sort(), ['customize', 'finalize', 'sync']);
  t.equal(kindOf(decorator), 'DecoratorController');
  t.equal(kindOf(CONTROLLERS.gatimodule), 'CompositeController');
});

t.test('finalizerOf names the finalizer after the kind and the controller object', async (t) => {
  t.equal(
    finalizerOf(CONTROLLERS.gatihandler),
    'metacontroller.io/compositecontroller-gatihandler-controller',
  );
  t.equal(finalizerOf(decorator), 'metacontroller.io/decoratorcontroller-gativersion-controller');
});

t.test('groupsOf: a group per declared type, v2 keys, sorted, strangers left out', async (t) => {
  const groups = groupsOf(
    [DEPLOYMENT, SERVICE],
    [
      obj('Deployment', 'b'),
      obj('Deployment', 'a'),
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'ns' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'cluster-wide' } },
    ],
  );
  t.strictSame(Object.keys(groups), ['Deployment.apps/v1', 'Service.v1']);
  t.strictSame(Object.keys(groups['Deployment.apps/v1']!), ['ns/a', 'ns/b']);
  t.strictSame(Object.keys(groups['Service.v1']!), ['cluster-wide'], 'cluster-scoped: name only');
  t.equal(entryKey(obj('Service', 's')), 'ns/s');
});

t.test('ruleSelects and ruleType', async (t) => {
  const v = obj('GatiVersion', 'h-v1', { labels: { 'gati.dev/handler': 'h' } });
  const rows = [
    { reason: 'no selector selects all', rule: {}, want: true },
    { reason: 'names match', rule: { names: ['h-v1'] }, want: true },
    { reason: 'names miss', rule: { names: ['other'] }, want: false },
    { reason: 'namespace match', rule: { namespace: 'ns' }, want: true },
    { reason: 'namespace miss', rule: { namespace: 'elsewhere' }, want: false },
    {
      reason: 'matchLabels match',
      rule: { labelSelector: { matchLabels: { 'gati.dev/handler': 'h' } } },
      want: true,
    },
    {
      reason: 'matchLabels miss',
      rule: { labelSelector: { matchLabels: { 'gati.dev/handler': 'x' } } },
      want: false,
    },
    { reason: 'another resource', rule: { resource: 'gatihandlers' }, want: false },
  ];
  for (const r of rows)
    t.equal(
      ruleSelects({ apiVersion: GV, resource: 'gativersions', ...r.rule }, GATI_VERSION, v),
      r.want,
      r.reason,
    );
  t.equal(
    ruleSelects(
      { apiVersion: GV, resource: 'gativersions' },
      GATI_VERSION,
      obj('GatiHandler', 'h'),
    ),
    false,
    'an object of another kind',
  );
  t.equal(
    ruleType(CONTROLLERS.gatihandler, { apiVersion: GV, resource: 'gativersions' }),
    GATI_VERSION,
  );
  t.throws(
    () => ruleType(CONTROLLERS.gatimodule, { apiVersion: GV, resource: 'gativersions' }),
    /gatimodule: customize asked for gati.dev\/v1alpha1\/gativersions, not a related type it declares/,
  );
});

t.test('relatedObjects: a group for every rule type, empty or not', async (t) => {
  const store = new HealthyStore(new Date(0));
  for (const o of [obj('GatiHandler', 'h'), obj('GatiVersion', 'h-v1'), obj('GatiVersion', 'x-v1')])
    store.create(o);
  const related = relatedObjects(
    CONTROLLERS.gatihandler,
    [{ apiVersion: GV, resource: 'gativersions', names: ['h-v1'] }],
    store,
  );
  t.strictSame(Object.keys(related), ['GatiVersion.gati.dev/v1alpha1']);
  t.strictSame(Object.keys(related['GatiVersion.gati.dev/v1alpha1']!), ['ns/h-v1']);
  const empty = relatedObjects(
    CONTROLLERS.gativersion,
    [{ apiVersion: GV, resource: 'gatihandlers', names: ['nope'] }],
    store,
  );
  t.strictSame(empty, { 'GatiHandler.gati.dev/v1alpha1': {} }, 'a group even when empty');
  t.strictSame(relatedObjects(CONTROLLERS.gatimodule, [], store), {}, 'no rules, no groups');
  t.equal(GATI_HANDLER.kind, 'GatiHandler');
});

t.test(
  'hookRequest: parent/children for composites, object/attachments for decorators',
  async (t) => {
    const p = obj('GatiVersion', 'v');
    t.strictSame(Object.keys(hookRequest(CONTROLLERS.gatihandler, {}, p, {}, {}, false)), [
      'controller',
      'parent',
      'children',
      'related',
      'finalizing',
    ]);
    t.strictSame(hookRequest(decorator, { kind: 'DecoratorController' }, p, {}, { r: {} }, true), {
      controller: { kind: 'DecoratorController' },
      object: p,
      attachments: {},
      related: { r: {} },
      finalizing: true,
    });
  },
);

t.test('RulesCache: per (uid, generation), for 20 minutes', async (t) => {
  const cache = new RulesCache();
  const p = obj('GatiHandler', 'h', { uid: 'u1', generation: 1 });
  const rules = [{ apiVersion: GV, resource: 'gativersions' }];
  const t0 = new Date('2026-01-01T00:00:00Z');
  cache.set(p, rules, t0);
  t.equal(cache.get(p, t0), rules);
  t.equal(
    cache.get({ ...p, metadata: { ...p.metadata, generation: 2 } }, t0),
    undefined,
    'new generation',
  );
  t.equal(cache.get({ ...p, metadata: { ...p.metadata, uid: 'u2' } }, t0), undefined, 'new uid');
  const late = new Date(t0.getTime() + CUSTOMIZE_CACHE_SECONDS * 1000);
  t.equal(cache.get(p, new Date(late.getTime() - 1)), rules, 'still cached just before');
  t.equal(cache.get(p, late), undefined, 'expired after 20 minutes');
});

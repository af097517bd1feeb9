import t from 'tap';
import { HOOKS } from '../helpers/hooks.js';
import { MAX_LIVE_VERSIONS } from '../../src/api/limits.js';
import { HANDLER_LABEL } from '../../src/api/keys.js';
import { GATI_VERSION, groupKey } from '../../src/api/kinds.js';
import type { SyncResponse } from '../../src/api/metacontroller.js';
import { labelValue } from '../../src/resources/names.js';
import {
  asStored,
  deploymentStatus,
  deploymentsOf,
  handler,
  syncRequest,
  versionRequest,
} from '../helpers/builders.js';

// Hostile objects get a named answer, never a hang (issue #21): keys JavaScript gives a meaning
// of its own, a status that does not match its schema, a flood of versions, a volume source
// the CRD leaves out. Each row names what an attacker or an unlucky operator sent.

const NOW = { now: new Date('2026-01-01T00:10:00Z') };

/** withKey puts `key: value` into the object at `path` of the spec, as JSON.parse would. */
function withKey(spec: Record<string, unknown>, path: string[], key: string, value: unknown) {
  let node = spec;
  for (const p of path) node = (node[p] ??= {}) as Record<string, unknown>;
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
}

function ready(res: { status: Record<string, unknown> }) {
  return (res.status.conditions as Array<{ type: string; reason: string; message: string }>).find(
    (c) => c.type === 'Ready',
  );
}

/** A handler that serves v1 (its Deployment observed) with a rollout in its status. */
function serving() {
  const h = handler();
  const first = HOOKS.gatihandler.sync(syncRequest('gatihandler', h), NOW);
  const stored = first.children.map((c, i) =>
    asStored(c, c.kind === 'Deployment' ? deploymentStatus(2) : {}, i),
  );
  h.status = first.status;
  return { h, stored };
}

t.test('a __proto__ key in a free-form map: InvalidSpec naming it, nothing lost', async (t) => {
  for (const [path, key] of [
    [['nodeSelector'], '__proto__'],
    [['podAnnotations'], 'constructor'],
    [['podLabels'], 'prototype'],
    [['resources', 'limits'], '__proto__'],
  ] as const) {
    const { h, stored } = serving();
    withKey(h.spec, [...path], key, 'x');
    const res = HOOKS.gatihandler.sync(syncRequest('gatihandler', h, stored), NOW);
    t.match(
      ready(res),
      {
        reason: 'InvalidSpec',
        message: `spec.${path.join('.')}.${key}: key "${key}" is not allowed`,
      },
      `spec.${path.join('.')}.${key} is named`,
    );
    t.equal(res.children.length, stored.length, 'every observed child is kept');
    t.same(res.status.versions, h.status.versions, 'the memory of its versions is kept');
    t.same(res.status.rollout, h.status.rollout, 'and of its rollout');
    t.equal(({} as Record<string, unknown>).x, undefined, 'no prototype was touched');
  }
});

t.test('a GatiVersion with a __proto__ key is reported and can still be deleted', async (t) => {
  const gv = {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: {
      name: 'orders-v2',
      namespace: 'shop',
      uid: 'gv2',
      labels: { [HANDLER_LABEL]: labelValue('orders') },
      finalizers: ['metacontroller.io/decoratorcontroller-gativersion-controller'],
    },
    spec: { versionId: 'v2', routingWeight: 100, image: 'orders:2' },
  };
  withKey(gv.spec, ['podAnnotations'], '__proto__', 'x');
  const { h, stored } = serving();
  const req = syncRequest('gatihandler', h, stored);
  req.related = { [groupKey(GATI_VERSION)]: { 'shop/orders-v2': gv } };
  const res = HOOKS.gatihandler.sync(req, NOW);
  const names = (cs: Array<{ kind?: string; metadata?: { name?: string } }>) =>
    cs.map((c) => `${c.kind}/${c.metadata?.name}`);
  t.ok(
    names(stored).every((n) => names(res.children).includes(n)),
    'the handler keeps what it runs',
  );
  const stalled = (
    res.status.conditions as Array<{ type: string; reason: string; message: string }>
  ).find((c) => c.type === 'Stalled');
  t.match(stalled, {
    reason: 'InvalidGatiVersion',
    message: /orders-v2: spec\.podAnnotations\.__proto__: key "__proto__" is not allowed/,
  });
  const related = {
    'GatiHandler.gati.dev/v1alpha1': { 'shop/orders': { ...h, status: res.status } },
  };
  const own = HOOKS.gativersion.sync(versionRequest(gv, related), NOW);
  t.match(ready(own), { reason: 'InvalidSpec', message: /spec\.podAnnotations\.__proto__/ });
  const deleting = {
    ...gv,
    metadata: { ...gv.metadata, deletionTimestamp: '2026-01-01T00:09:00Z' },
  };
  const fin = HOOKS.gativersion.finalize!(versionRequest(deleting, related), NOW);
  t.equal(fin.finalized, true, 'its finalizer is released: the handler never ran it');
});

t.test('a status that does not match its schema: InvalidStatus, everything held', async (t) => {
  for (const [what, status] of [
    ['versions of the wrong type', { versions: 'x' }],
    [
      'a rollout step that is a string',
      { rollout: { versionId: 'v1', phase: 'Progressing', step: 'two', stepWeight: 10 } },
    ],
    ['a version entry missing its fields', { versions: [{ versionId: 'v1' }] }],
    [
      'a time that is not a time',
      {
        rollout: {
          versionId: 'v1',
          phase: 'Succeeded',
          step: 0,
          stepWeight: 100,
          startedAt: 'yesterday',
        },
      },
    ],
  ] as const) {
    const { h, stored } = serving();
    h.status = { ...h.status, ...status };
    const res: SyncResponse = HOOKS.gatihandler.sync(syncRequest('gatihandler', h, stored), NOW);
    t.match(ready(res), { reason: 'InvalidStatus', message: /^status\./ }, what);
    t.equal(res.children.length, stored.length, `${what}: every child kept`);
  }
});

t.test(`at most ${MAX_LIVE_VERSIONS} live versions are built; the rest are reported`, async (t) => {
  const h = handler();
  const n = MAX_LIVE_VERSIONS + 8;
  const gvs = Object.fromEntries(
    Array.from({ length: n }, (_, i) => {
      const id = `v${String(i + 2).padStart(3, '0')}`;
      return [
        `shop/orders-${id}`,
        {
          apiVersion: 'gati.dev/v1alpha1',
          kind: 'GatiVersion',
          metadata: {
            name: `orders-${id}`,
            namespace: 'shop',
            labels: { [HANDLER_LABEL]: 'orders' },
          },
          spec: { versionId: id, routingWeight: 0, image: `orders:${id}` },
        },
      ];
    }),
  );
  const req = syncRequest('gatihandler', h);
  req.related = { [groupKey(GATI_VERSION)]: gvs };
  const res = HOOKS.gatihandler.sync(req, NOW);
  t.equal(
    deploymentsOf(res.children).length,
    MAX_LIVE_VERSIONS,
    `${MAX_LIVE_VERSIONS} Deployments`,
  );
  t.equal((res.status.versions as unknown[]).length, MAX_LIVE_VERSIONS);
  const stalled = (
    res.status.conditions as Array<{ type: string; reason: string; message: string }>
  ).find((c) => c.type === 'Stalled');
  t.match(stalled, {
    reason: 'VersionLimit',
    message: `a handler builds at most ${MAX_LIVE_VERSIONS} live versions; not built: v033, v034`,
  });
  t.match(stalled!.message, /and 0 more|v040, v041$/, 'names what is left out');
  const left = gvs['shop/orders-v041']!;
  const related = {
    'GatiHandler.gati.dev/v1alpha1': { 'shop/orders': { ...h, status: res.status } },
  };
  t.match(ready(HOOKS.gativersion.sync(versionRequest(left, related), NOW)), {
    reason: 'VersionLimit',
    message: /GatiHandler orders: a handler builds at most/,
  });
});

t.test(
  'a volume source the CRD leaves out is refused, as the API server would prune it',
  async (t) => {
    const h = handler();
    h.spec.volumes = [{ name: 'root', hostPath: { path: '/' } }];
    const res = HOOKS.gatihandler.sync(syncRequest('gatihandler', h), NOW);
    t.match(ready(res), {
      reason: 'InvalidSpec',
      message: 'spec.volumes[0].hostPath: is not a field of this object',
    });
    t.notOk(
      JSON.stringify(res.children).includes('hostPath'),
      'no child carries the hostPath volume',
    );
  },
);

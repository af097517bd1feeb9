import t from 'tap';
import type { KubeObject, SyncRequest } from '../../src/api/metacontroller.js';
import { withHooks } from '../../src/hooks/controllers.js';
import type { HookRegistry } from '../../src/hooks/types.js';
import { readGatiObjects } from '../../src/render/input.js';
import { controllerOf, renderStatic, STATIC_EPOCH } from '../../src/render/static.js';
import { HealthyStore, simulatedStatus } from '../../src/render/healthy.js';
import { FIXTURE_SETS, validateObject } from './lib.js';

const GV = 'gati.dev/v1alpha1';
const noop = { sync: () => ({ status: {}, children: [] }) };
const noopDecorator = { sync: () => ({ status: {}, attachments: [] }) };

function handler(name: string, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: GV,
    kind: 'GatiHandler',
    metadata: { name, namespace: 'ns' },
    spec: { replicas: 2, ...extra },
  };
}
function version(name: string, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: GV,
    kind: 'GatiVersion',
    metadata: { name, namespace: 'ns', labels },
    spec: {},
  };
}
function deploymentOf(req: SyncRequest): any {
  return Object.values(req.children?.['Deployment.apps/v1'] ?? {})[0];
}

/** A fake handler controller: a Deployment first, the Service once the Deployment is Available; one route weight step per timer. */
function fakeRegistry(calls: SyncRequest[] = []): HookRegistry {
  return {
    gatimodule: noop,
    gativersion: noopDecorator,
    gatihandler: {
      customize: () => ({
        relatedResources: [
          {
            apiVersion: GV,
            resource: 'gativersions',
            namespace: 'ns',
            labelSelector: { matchLabels: { pick: 'yes' } },
          },
        ],
      }),
      sync: (req, ctx) => {
        calls.push(req);
        const name = req.parent.metadata.name;
        const d = deploymentOf(req);
        const ready =
          d?.status?.availableReplicas === 2 &&
          d.status.observedGeneration === d.metadata.generation;
        const step = Math.min(
          2,
          Math.floor((ctx.now.getTime() - STATIC_EPOCH.getTime()) / 86_400_000),
        );
        const children: KubeObject[] = [
          { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { replicas: 2 } },
        ];
        if (ready)
          children.push({
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name, namespace: 'ns' },
            spec: { step },
          });
        const related = Object.keys(req.related?.['GatiVersion.gati.dev/v1alpha1'] ?? {});
        return {
          status: { ready, related },
          children,
          ...((req.parent.spec as any).timer && step < 2 ? { resyncAfterSeconds: 30 } : {}),
        };
      },
    },
  };
}

t.test(
  'runs to a fixed point with healthy children and customize-selected related objects',
  async (t) => {
    const calls: SyncRequest[] = [];
    const r = renderStatic(
      [version('v-b', { pick: 'yes' }), handler('h'), version('v-a', { pick: 'no' })],
      withHooks(fakeRegistry(calls)),
    );
    t.same(
      r.objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`),
      ['Deployment ns/h', 'Service ns/h'],
    );
    t.same(
      r.statuses['GatiHandler ns/h'],
      { ready: true, related: ['ns/v-b'], observedGeneration: 1 },
      'status replaced whole, observedGeneration injected as Metacontroller does',
    );
    t.equal(r.rounds, 3, 'create, become ready, confirm');
    const last = calls[calls.length - 1] as SyncRequest;
    t.equal((last.children?.['Service.v1'] as any)['ns/h'].metadata.generation, 1);
    t.equal(last.parent.metadata.generation, 1);
    t.same((last.parent.status as any).ready, true, 'parents see their last status');
  },
);

t.test('a hook waiting on a timer gets the time it waits for', async (t) => {
  const r = renderStatic([handler('h', { timer: true })], withHooks(fakeRegistry()));
  t.equal((r.objects.find((o) => o.kind === 'Service')?.spec as any).step, 2, 'walked both steps');
});

t.test('fails loudly', async (t) => {
  const flapping: HookRegistry = {
    ...fakeRegistry(),
    gatihandler: { sync: () => ({ status: { n: Math.random() }, children: [] }) },
  };
  t.throws(
    () => renderStatic([handler('h')], withHooks(flapping), { maxRounds: 5 }),
    /did not settle within 5 rounds/,
  );
  const foreign: HookRegistry = {
    ...fakeRegistry(),
    gatihandler: {
      sync: () => ({
        status: {},
        children: [{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }],
      }),
    },
  };
  t.throws(
    () => renderStatic([handler('h')], withHooks(foreign)),
    /v1\/Secret is not a child kind of gatihandler/,
  );
  t.throws(
    () =>
      renderStatic(
        [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }],
        withHooks(fakeRegistry()),
      ),
    /Pod \/p: not a parent kind/,
  );
});

t.test('simulated statuses', async (t) => {
  const d = simulatedStatus(
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {} },
    3,
    STATIC_EPOCH,
  ) as any;
  t.equal(d.availableReplicas, 1, 'no replicas (autoscaled): one');
  t.equal(d.observedGeneration, 3);
  const route = simulatedStatus(
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r' },
      spec: { parentRefs: [{ name: 'gw' }] },
    },
    2,
    STATIC_EPOCH,
  ) as any;
  t.same(route.parents[0].parentRef, { name: 'gw' });
  t.same(
    route.parents[0].conditions.map((c: any) => [c.type, c.status, c.observedGeneration]),
    [
      ['Accepted', 'True', 2],
      ['ResolvedRefs', 'True', 2],
    ],
  );
  t.same(
    simulatedStatus(
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r' } },
      1,
      STATIC_EPOCH,
    ),
    { parents: [] },
  );
  t.equal(
    simulatedStatus(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } },
      1,
      STATIC_EPOCH,
    ),
    undefined,
  );
  t.equal(controllerOf('GatiModule'), 'gatimodule');
  t.equal(controllerOf(undefined), undefined);
});

t.test('with the real hooks every fixture renders valid, deterministic workloads', async (t) => {
  for (const [name, paths] of Object.entries(FIXTURE_SETS)) {
    const gati = readGatiObjects(paths).map((o) => o.object);
    const a = renderStatic(gati);
    t.same(renderStatic(gati), a, `${name}: deterministic`);
    t.ok(a.objects.length > 0, `${name}: renders workloads`);
    for (const o of a.objects)
      t.doesNotThrow(() => validateObject(o), `${name}: ${o.kind} ${o.metadata.name} validates`);
    t.ok(
      a.objects.every((o) => o.metadata.namespace),
      `${name}: every object has a namespace`,
    );
  }
});

t.test(
  'HealthyStore: healthy on write, generation per spec change, no-op writes uncounted',
  async (t) => {
    const store = new HealthyStore(STATIC_EPOCH);
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'ns' },
      spec: { replicas: 2 },
    };
    store.create(d);
    const stored = store.get('Deployment', 'ns', 'd')!;
    t.match(stored, {
      metadata: { uid: 'static-0001', generation: 1 },
      status: { availableReplicas: 2 },
    });
    t.equal(store.writes, 1);
    store.update(stored, structuredClone(stored));
    t.equal(store.writes, 1, 'an unchanged write is not counted');
    store.update(stored, {
      ...structuredClone(stored),
      metadata: { ...stored.metadata, labels: { a: 'b' } },
    });
    t.equal(
      store.get('Deployment', 'ns', 'd')!.metadata.generation,
      1,
      'labels do not bump the generation',
    );
    const labelled = store.get('Deployment', 'ns', 'd')!;
    store.update(labelled, { ...structuredClone(labelled), spec: { replicas: 3 } });
    t.match(store.get('Deployment', 'ns', 'd'), {
      metadata: { generation: 2 },
      status: { observedGeneration: 2, availableReplicas: 3 },
    });
    t.strictSame(store.list({ apiVersion: 'apps/v1', kind: 'Deployment' }).length, 1);
    store.delete(store.get('Deployment', 'ns', 'd')!);
    t.equal(store.get('Deployment', 'ns', 'd'), undefined, 'deleted at once: nothing finalizes');
    t.equal(store.writes, 4, 'create, labels, spec, delete');
  },
);

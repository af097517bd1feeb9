import t from 'tap';
import { VERSION_ID_ANNOTATION } from '../../src/api/keys.js';
import {
  handlerSelector,
  handlerVersionLabels,
  handlerVersionSelector,
  handlerWorkload,
  makeApexService,
  versionChildren,
  versionName,
  type VersionWorkload,
} from '../../src/resources/index.js';
import { handlerParent, serving, withHpa, withKeda } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/handler.ts: a handler version as a workload, its children, the apex Service.

t.test('handlerWorkload', async (t) => {
  const p = handlerParent(withKeda({ minReplicas: 0 }));
  const rows: Array<{ reason: string; v: VersionWorkload; replicas: number; autoscaled: boolean }> =
    [
      {
        reason: 'serve: the spec replicas and its autoscaler',
        v: serving(p),
        replicas: 2,
        autoscaled: true,
      },
      {
        reason: 'retire: 0 replicas, no autoscaler to fight it',
        v: { ...serving(p), state: 'retire' },
        replicas: 0,
        autoscaled: false,
      },
    ];
  for (const r of rows) {
    const w = handlerWorkload(p, r.v);
    t.equal(w.replicas, r.replicas, r.reason);
    t.equal(w.autoscaling !== undefined, r.autoscaled, `${r.reason}: autoscaling`);
    t.equal(w.minReplicasFloor, 1, `${r.reason}: a version never scales to zero`);
  }
  const w = handlerWorkload(p, { versionId: 'tsv:1-a', image: 'i:2', replicas: 3, state: 'serve' });
  t.equal(w.name, versionName('orders', 'tsv:1-a'), 'one name per version');
  t.same(w.labels, handlerVersionLabels('orders', 'tsv:1-a'));
  t.same(w.selector, handlerVersionSelector('orders', 'tsv:1-a'));
  t.same(
    w.annotations,
    { [VERSION_ID_ANNOTATION]: 'tsv:1-a' },
    'the raw versionId survives label sanitising',
  );
  t.same(
    w.templateVars,
    { version: 'tsv:1-a', service: w.name, deployment: w.name, namespace: 'shop' },
    'KEDA placeholders',
  );
  t.equal(w.image, 'i:2', 'the version’s own image');
});

t.test('versionChildren', async (t) => {
  const rows = [
    {
      reason: 'serve, fixed replicas',
      p: handlerParent(),
      state: 'serve' as const,
      kinds: ['Deployment', 'Service', 'PodDisruptionBudget'],
      replicas: 2,
    },
    {
      reason: 'serve with HPA',
      p: handlerParent(withHpa()),
      state: 'serve' as const,
      kinds: ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'],
      replicas: undefined,
    },
    {
      reason: 'serve with KEDA',
      p: handlerParent(withKeda()),
      state: 'serve' as const,
      kinds: ['Deployment', 'Service', 'ScaledObject', 'PodDisruptionBudget'],
      replicas: undefined,
    },
    {
      reason: 'retire: Deployment at 0, Service kept, no autoscaler, no PDB',
      p: handlerParent(withHpa()),
      state: 'retire' as const,
      kinds: ['Deployment', 'Service'],
      replicas: 0,
    },
  ];
  for (const r of rows) {
    const out: any[] = versionChildren(r.p, { ...serving(r.p), state: r.state });
    out.forEach(validateBuilt);
    t.same(
      out.map((o) => o.kind),
      r.kinds,
      r.reason,
    );
    t.equal(out[0].spec.replicas, r.replicas, `${r.reason}: replicas`);
    t.ok(
      out.every((o) => o.metadata.name === versionName('orders', 'v1')),
      `${r.reason}: one name per version`,
    );
  }
  const p = handlerParent();
  const two = ['v1', 'v2'].flatMap((versionId) =>
    versionChildren(p, { versionId, image: `i:${versionId}`, replicas: 1, state: 'serve' }),
  );
  t.equal(
    new Set(two.map((o) => `${o.kind}/${o.metadata?.name}`)).size,
    two.length,
    'two versions never share a child name',
  );
});

t.test('makeApexService', async (t) => {
  const apex = makeApexService(handlerParent());
  validateBuilt(apex);
  t.equal(apex.metadata!.name, 'orders', 'apex Service is named after the handler');
  t.same(apex.spec!.selector, handlerSelector('orders'), 'apex Service selects every version');
  t.equal(apex.spec!.ports![0]!.port, 3000);
});

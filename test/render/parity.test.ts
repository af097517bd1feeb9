// Parity: the --static render equals, object for object, what the hooks converge to through
// the Metacontroller-loop harness (test/scenario/harness.ts) with every Deployment ready at once.
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import t from 'tap';
import { HOOKS } from '../helpers/hooks.js';
import { canonical, toYaml } from '../../src/kube/canonical.js';
import { readGatiObjects } from '../../src/render/input.js';
import { renderStatic } from '../../src/render/static.js';
import { Cluster, CONTROLLER_UID_LABEL, LAST_APPLIED, type Obj } from '../scenario/harness.js';
import { FIXTURE_SETS, ROOT } from './lib.js';

const SYSTEM = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'ownerReferences',
  'finalizers',
  'deletionTimestamp',
];

/** asDesired strips what the cluster and Metacontroller add to a child, leaving what the hook emitted. */
function asDesired(o: Obj): Obj {
  const { status: _s, ...rest } = structuredClone(o);
  const meta: Record<string, any> = { ...rest.metadata };
  for (const k of SYSTEM) delete meta[k];
  if (meta.labels) delete meta.labels[CONTROLLER_UID_LABEL];
  if (meta.annotations) delete meta.annotations[LAST_APPLIED];
  for (const k of ['labels', 'annotations'])
    if (meta[k] && Object.keys(meta[k]).length === 0) delete meta[k];
  return canonical({ ...rest, metadata: meta } as Obj);
}

function byId(a: Obj, b: Obj): number {
  const ka = `${a.kind} ${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.kind} ${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

const sets: Record<string, string[]> = { ...FIXTURE_SETS };
for (const f of readdirSync(join(ROOT, 'test/fixtures/valid')).sort())
  sets[f] = [join(ROOT, 'test/fixtures/valid', f)];

for (const [name, paths] of Object.entries(sets)) {
  t.test(`static render = harness children with all versions Ready: ${name}`, async (t) => {
    const gati = readGatiObjects(paths).map((o) => o.object);
    const cluster = new Cluster({ hooks: HOOKS, deploymentReadyAfterSeconds: 0 });
    for (const o of gati) cluster.apply(o);
    cluster.reconcile();
    cluster.advance(3600); // any rollout pause (default steps: 15 minutes) runs out
    const harness = gati
      .flatMap((p) => cluster.children(p.kind, p.metadata.namespace ?? 'default', p.metadata.name))
      .map(asDesired)
      .sort(byId);
    const rendered = renderStatic(gati).objects;
    t.equal(toYaml(rendered), toYaml(harness), 'same objects, same bytes');
  });
}

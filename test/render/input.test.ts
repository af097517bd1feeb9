import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { InputError, inputFiles, parseGati, readGatiObjects } from '../../src/render/input.js';
import { invalidObjects } from '../helpers/fixtures.js';
import { FIXTURE_SETS, ROOT } from './lib.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.problems;
    throw e;
  }
  return [];
}

t.test('reads the examples and fixtures, sorted by kind, namespace and name', async (t) => {
  const objects = readGatiObjects([join(ROOT, 'test/fixtures/valid'), ...FIXTURE_SETS.examples!]);
  const ids = objects.map(
    (o) => `${o.object.kind} ${o.object.metadata.namespace}/${o.object.metadata.name}`,
  );
  t.same(ids, [...ids].sort(), 'sorted');
  t.ok(ids.includes('GatiHandler shop/payments'));
  t.ok(ids.includes('GatiVersion default/user-handler-v1'));
  const payments = objects.find((o) => o.object.metadata.name === 'payments');
  t.match(payments?.file, /handler-full\.yaml$/);
  t.equal(payments?.index, 0);
  t.notOk('status' in (payments?.object ?? {}), 'status is dropped');
  t.equal((payments?.object.spec as any).port, 8080, 'spec as written');
  t.notOk(
    (objects.find((o) => o.object.metadata.name === 'orders')?.object.spec as any).port,
    'defaults are not written out',
  );
});

t.test('examples/ as a directory names the plain Kubernetes objects of production/', async (t) => {
  const p = problems(() => readGatiObjects([join(ROOT, 'examples')]));
  t.ok(
    p.some((m) =>
      m.endsWith(
        'production/kubernetes.yaml (document 0): unknown kind "Namespace" (want GatiHandler, GatiModule or GatiVersion)',
      ),
    ),
    'render takes Gati objects only: point it at production/gati.yaml',
    { p },
  );
});

t.test('every invalid fixture is reported with file, document index and field', async (t) => {
  for (const d of invalidObjects()) {
    const p = problems(() => readGatiObjects([join(ROOT, d.file)]));
    t.equal(p.length, 1, d.file);
    t.match(p[0], `${d.file} (document 0)`, `${d.file}: names file and index`);
    t.match(p[0], d.field, `${d.file}: names ${d.field}`);
  }
});

t.test('document-level problems', async (t) => {
  const text = [
    'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}',
    '',
    'just a string',
    'apiVersion: gati.dev/v2\nkind: GatiModule\nmetadata: {name: m}\nspec: {}',
    'apiVersion: gati.dev/v1alpha1\nkind: GatiModule\nmetadata: {}\nspec: {}',
    'apiVersion: gati.dev/v1alpha1\nkind: GatiModule\nmetadata: {name: m, namespace: 3}\nspec: {}',
    'kind: [',
  ].join('\n---\n');
  const { objects, problems: p } = parseGati(text, 'in.yaml');
  t.same(objects, []);
  t.same(p, [
    'in.yaml (document 0): unknown kind "ConfigMap" (want GatiHandler, GatiModule or GatiVersion)',
    'in.yaml (document 2): not a Kubernetes object',
    'in.yaml (document 3): GatiModule apiVersion: must be gati.dev/v1alpha1 (got "gati.dev/v2")',
    'in.yaml (document 4): GatiModule: metadata.name: is required',
    'in.yaml (document 5): GatiModule: metadata.namespace: must be a string (got 3)',
    p[5] as string,
  ]);
  t.match(p[5], /^in\.yaml \(document 6\): YAML: /);
  t.same(parseGati('kind: GatiHandler\n', 'a.yaml').problems, [
    'a.yaml (document 0): GatiHandler apiVersion: must be gati.dev/v1alpha1 (got null)',
  ]);
  t.same(parseGati('apiVersion: v1\n', 'a.yaml').problems, [
    'a.yaml (document 0): unknown kind null (want GatiHandler, GatiModule or GatiVersion)',
  ]);
});

t.test('directories, duplicates, missing and empty inputs', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gati-input-'));
  mkdirSync(join(dir, 'sub'));
  const module =
    'apiVersion: gati.dev/v1alpha1\nkind: GatiModule\nmetadata: {name: m, namespace: a}\nspec: {moduleName: m, moduleType: node, runtime: node:20, image: m:1}\n';
  writeFileSync(join(dir, 'b.yaml'), module);
  writeFileSync(join(dir, 'sub', 'a.yml'), module + '---\n');
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  t.same(
    inputFiles([dir]),
    [join(dir, 'b.yaml'), join(dir, 'sub', 'a.yml')],
    'recursive, sorted, YAML/JSON only',
  );
  t.same(
    problems(() => readGatiObjects([dir])),
    [
      `${join(dir, 'sub', 'a.yml')} (document 0): duplicate GatiModule a/m (first in ${join(dir, 'b.yaml')} (document 0))`,
    ],
  );
  t.same(
    problems(() => readGatiObjects([join(dir, 'nope')])),
    [`${join(dir, 'nope')}: no such file or directory`],
  );
  const empty = mkdtempSync(join(tmpdir(), 'gati-empty-'));
  t.same(
    problems(() => readGatiObjects([empty])),
    [`no .yaml, .yml or .json files in ${empty}`],
  );
  writeFileSync(join(empty, 'x.json'), '');
  t.same(
    problems(() => readGatiObjects([empty])),
    [`no Gati objects in ${empty}`],
  );
  writeFileSync(
    join(empty, 'x.json'),
    JSON.stringify({
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiModule',
      metadata: { name: 'j' },
      spec: { moduleName: 'j', moduleType: 'node', runtime: 'n', image: 'j:1' },
      status: { phase: 'x' },
    }),
  );
  t.equal(readGatiObjects([empty])[0]?.object.metadata.name, 'j', 'JSON works');
});

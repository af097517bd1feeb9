import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { Type } from '@sinclair/typebox';
import { crdFiles, CRD_HEADER } from '../../src/cli/crds.js';
import { celPredicate } from '../../src/api/cel.js';
import { structuralProblems, toStructural } from '../../src/api/index.js';
import { ROOT, invalidObjects, validObjects } from '../helpers/fixtures.js';

const generated = crdFiles();

t.test('crds/ is exactly what the generator writes (run npm run gen:crds)', async (t) => {
  const onDisk = readdirSync(join(ROOT, 'crds'))
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  t.strictSame(onDisk, [...generated.keys()].sort(), 'same files');
  for (const [file, text] of generated) {
    t.equal(readFileSync(join(ROOT, 'crds', file), 'utf8'), text, `crds/${file} is current`);
    t.ok(text.startsWith(CRD_HEADER), `crds/${file} carries the do-not-edit header`);
  }
});

const crds = [...generated.values()].map((text) => parse(text) as Record<string, any>);
const schemaOf = (crd: Record<string, any>) => crd.spec.versions[0].schema.openAPIV3Schema;

t.test('each CRD validates as apiextensions.k8s.io/v1 CustomResourceDefinition', async (t) => {
  for (const crd of crds) {
    t.doesNotThrow(() => new CustomResourceDefinition(crd as any).validate(), crd.metadata.name);
    const v = crd.spec.versions[0];
    // A GatiRolloutPolicy has no controller: no status, no Ready.
    const controlled = crd.spec.names.kind !== 'GatiRolloutPolicy';
    t.strictSame(
      v.subresources,
      controlled ? { status: {} } : undefined,
      `${crd.metadata.name}: status subresource only with a controller`,
    );
    t.equal(
      v.additionalPrinterColumns.some((c: any) => c.name === 'Ready'),
      controlled,
      `${crd.metadata.name}: READY column only with a controller`,
    );
    t.equal(crd.spec.names.shortNames.length, 1, `${crd.metadata.name}: short name`);
  }
  t.strictSame(crds.map((c) => c.spec.names.shortNames[0]).sort(), ['gh', 'gm', 'grp', 'gv']);
});

t.test(
  'each CRD stays well under the 256 KiB client-side `kubectl apply -f crds/` allows',
  async (t) => {
    // Client-side apply stores the whole object as JSON in the last-applied-configuration
    // annotation, and all annotations together may not exceed 256 KiB. Half of it is our budget.
    for (const crd of crds) {
      const bytes = Buffer.byteLength(JSON.stringify(crd));
      t.ok(bytes < 128 * 1024, `${crd.metadata.name}: ${bytes} bytes of JSON (< 128 KiB)`);
    }
  },
);

t.test('each CRD schema is structural', async (t) => {
  for (const crd of crds) t.strictSame(structuralProblems(schemaOf(crd)), [], crd.metadata.name);
  t.test('the structural check fails for real', async (t) => {
    const cases = [
      {
        reason: 'untyped node',
        schema: { type: 'object', properties: { a: { description: 'x' } } },
        want: '.a: no type',
      },
      { reason: '$ref', schema: { type: 'object', $ref: '#/x' }, want: '.: $ref is not allowed' },
      {
        reason: 'additionalProperties beside properties',
        schema: {
          type: 'object',
          properties: { a: { type: 'string' } },
          additionalProperties: { type: 'string' },
        },
        want: '.: additionalProperties beside properties',
      },
      {
        reason: 'additionalProperties false',
        schema: { type: 'object', additionalProperties: false },
        want: '.: additionalProperties: false',
      },
      {
        reason: 'anyOf',
        schema: { type: 'object', properties: { a: { type: 'string', anyOf: [] } } },
        want: '.a: anyOf is not allowed',
      },
      {
        reason: 'items checked',
        schema: { type: 'array', items: { properties: {} } },
        want: '[]: no type',
      },
    ];
    for (const c of cases) t.ok(structuralProblems(c.schema).includes(c.want), c.reason);
  });
  t.test(
    'preserve-unknown-fields appears only on GatiVersion transformers[] (a string or {from}), checked by the hooks',
    async (t) => {
      for (const [file, text] of generated)
        t.equal(
          text.split('x-kubernetes-preserve-unknown-fields').length - 1,
          file.includes('gativersion') ? 1 : 0,
          file,
        );
      const gv = crds.find((c) => c.metadata.name.startsWith('gativersions'))!;
      const items = schemaOf(gv).properties.spec.properties.transformers.items;
      t.equal(items['x-kubernetes-preserve-unknown-fields'], true);
      t.equal(items.type, undefined, 'a string or an object: untyped');
      t.equal(
        items['x-kubernetes-validations'],
        undefined,
        'no CEL: the API server runs none there',
      );
    },
  );
});

t.test('toStructural rewrites TypeBox-only constructs and refuses unknown ones', async (t) => {
  t.strictSame(toStructural(Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' })), {
    default: 'a',
    type: 'string',
    enum: ['a', 'b'],
  });
  t.strictSame(toStructural(Type.Union([Type.Integer(), Type.String()])), {
    'x-kubernetes-int-or-string': true,
  });
  t.strictSame(toStructural(Type.Record(Type.String(), Type.String())), {
    type: 'object',
    additionalProperties: { type: 'string' },
  });
  t.throws(
    () => toStructural(Type.Union([Type.Boolean(), Type.String()])),
    /not an enum or int-or-string/,
  );
  t.throws(() => toStructural(Type.Object({}, { oneOf: [] })), /keyword oneOf/);
});

/** Collect every x-kubernetes-validations rule in a schema. */
function rulesIn(schema: any, out: string[] = []): string[] {
  for (const r of schema['x-kubernetes-validations'] ?? []) out.push(r.rule);
  for (const v of Object.values<any>(schema.properties ?? {})) rulesIn(v, out);
  if (schema.items) rulesIn(schema.items, out);
  if (typeof schema.additionalProperties === 'object') rulesIn(schema.additionalProperties, out);
  return out;
}

t.test('every CEL rule in the CRDs has a TypeScript twin', async (t) => {
  const rules = crds.flatMap((c) => rulesIn(schemaOf(c)));
  t.ok(rules.length >= 5, `${rules.length} rules found`);
  for (const r of rules) t.type(celPredicate(r), 'function', r);
});

t.test('objects validated against the CRD schema itself (ajv over the YAML on disk)', async (t) => {
  const ajv = new Ajv({ strict: false, allErrors: true, useDefaults: true });
  addFormats.default(ajv);
  const byKind = new Map(crds.map((c) => [c.spec.names.kind, ajv.compile(schemaOf(c))]));
  for (const d of validObjects()) {
    const check = byKind.get(d.object.kind)!;
    t.ok(
      check(structuredClone(d.object)),
      `${d.file} fits its CRD ${JSON.stringify(check.errors ?? [])}`,
    );
  }
  // Invalid fixtures whose failure is a schema (not CEL) rule must fail the CRD schema too.
  for (const d of invalidObjects().filter((d) => !d.message)) {
    const check = byKind.get(d.object.kind)!;
    t.notOk(check(structuredClone(d.object)), `${d.file} is rejected by its CRD schema`);
  }
});

t.test('gati-operator crds writes the same files', async (t) => {
  const { main } = await import('../../src/cli/main.js');
  const { writeCrds } = await import('../../src/cli/crds.js');
  const dir = t.testdir({});
  const written = writeCrds(dir);
  t.equal(written.length, generated.size, 'one file per CRD');
  for (const [file, text] of generated) t.equal(readFileSync(join(dir, file), 'utf8'), text, file);
  // The usage error is printed on stderr, so it cannot disturb the TAP stream on stdout.
  t.equal(await main(['crds', '-o']), 2, 'missing directory is a usage error');
});

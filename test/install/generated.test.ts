// Generated install files and docs are current; the CLI that writes them works.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { installFiles, INSTALL_HEADER, operatorYaml } from '../../src/install/files.js';
import { OPERATOR_VERSION } from '../../src/install/constants.js';
import {
  alignedTable,
  crdsMarkdown,
  DOCS_HEADER,
  fieldDocs,
  validationOf,
} from '../../src/api/docs.js';
import { main } from '../../src/cli/main.js';
import { ROOT } from '../helpers/fixtures.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  scripts: Record<string, string>;
};

t.test(
  'controllers/, manifests/ and operator.yaml are what the generator writes (run npm run gen:install)',
  async (t) => {
    for (const [rel, text] of installFiles()) {
      t.equal(readFileSync(join(ROOT, rel), 'utf8'), text, `${rel} is current`);
      t.ok(text.includes('DO NOT EDIT'), `${rel} says it is generated`);
    }
  },
);

t.test('docs/crds.md is what the generator writes (run npm run gen:docs)', async (t) => {
  const text = crdsMarkdown();
  t.equal(readFileSync(join(ROOT, 'docs/crds.md'), 'utf8'), text);
  t.ok(text.startsWith(DOCS_HEADER));
  for (const kind of ['GatiHandler', 'GatiModule', 'GatiVersion']) t.match(text, `## ${kind}`);
  for (const field of [
    '`.spec.handlerPath`',
    '`.spec.drain.onTimeout`',
    '`.spec.capabilities`',
    '`.spec.versionId`',
    '`.status.conditions[].type`',
  ])
    t.match(text, field);
  t.match(
    text,
    /\| `\.spec\.port` +\| integer +\| +\| `3000` +\| ≥ 1; ≤ 65535 +\|/,
    'default and validation of a seed field',
  );
});

t.test('the docs generator describes validation in words', async (t) => {
  t.equal(
    alignedTable(
      ['A', 'Bee'],
      [
        ['≥ 1', ''],
        ['x', 'yy'],
      ],
    ),
    '| A   | Bee |\n| --- | --- |\n| ≥ 1 |     |\n| x   | yy  |',
  );
  t.strictSame(
    validationOf({
      type: 'array',
      items: { type: 'string', enum: ['a', 'b'] },
      'x-kubernetes-list-type': 'set',
    }),
    ['unique items', 'each: one of `a`, `b`'],
  );
  t.strictSame(
    validationOf({
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: { type: 'object' },
    }),
    ['list map keyed by `type`'],
  );
  t.strictSame(validationOf({ type: 'string', format: 'date-time', minLength: 1 }), [
    'length ≥ 1',
    'format date-time',
  ]);
  const rows = fieldDocs(
    {
      type: 'object',
      required: ['a'],
      properties: {
        a: {
          type: 'object',
          additionalProperties: {
            type: 'object',
            properties: { b: { type: 'integer', default: 2 } },
          },
        },
      },
    },
    '.spec',
  );
  t.strictSame(
    rows.map((r) => [r.path, r.type, r.required, r.default]),
    [
      ['.spec.a', 'map[string]object', true, undefined],
      ['.spec.a.*.b', 'integer', false, 2],
    ],
  );
});

t.test('the image tag follows package.json and the gen scripts exist', async (t) => {
  t.equal(OPERATOR_VERSION, pkg.version);
  t.equal(pkg.scripts['gen:install'], 'tsx src/cli/main.ts manifests -o .');
  t.equal(pkg.scripts['gen:docs'], 'tsx src/cli/main.ts docs -o docs/crds.md');
});

function capture(): { out: () => string; err: () => string; restore: () => void } {
  let out = '';
  let err = '';
  const o = process.stdout.write.bind(process.stdout);
  const e = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  return {
    out: () => out,
    err: () => err,
    restore: () => ((process.stdout.write = o), (process.stderr.write = e)),
  };
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = capture();
  try {
    const code = await main(argv);
    return { code, out: c.out(), err: c.err() };
  } finally {
    c.restore();
  }
}

t.test('gati-operator manifests and docs', async (t) => {
  const printed = await run(['manifests']);
  t.equal(printed.code, 0);
  t.equal(printed.out, operatorYaml(), 'no -o prints operator.yaml');

  const custom = await run(['manifests', '--image', 'registry.example/gati-operator:dev']);
  t.equal(custom.code, 0);
  const deployment = parseAllDocuments(custom.out)
    .map((d) => d.toJS())
    .find((o) => o.kind === 'Deployment');
  t.equal(
    deployment.spec.template.spec.containers[0].image,
    'registry.example/gati-operator:dev',
    '--image overrides the image',
  );

  const dir = mkdtempSync(join(tmpdir(), 'gati-install-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const wrote = await run(['manifests', '-o', dir]);
  t.equal(wrote.code, 0);
  t.equal(
    readFileSync(join(dir, 'controllers/gatihandler.yaml'), 'utf8'),
    installFiles().get('controllers/gatihandler.yaml'),
  );
  t.ok(readFileSync(join(dir, 'operator.yaml'), 'utf8').startsWith(INSTALL_HEADER));

  const both = await run(['manifests', '-o', dir, '--image', 'x:y']);
  t.equal(both.code, 2, '--image with -o is a usage error');
  t.match(both.err, '--image only applies');
  const missing = await run(['manifests', '-o']);
  t.equal(missing.code, 2);
  t.match(missing.err, '-o needs a value');

  const docs = await run(['docs']);
  t.equal(docs.out, crdsMarkdown(), 'docs prints crds.md');
  const docFile = join(dir, 'out/crds.md');
  t.equal((await run(['docs', '-o', docFile])).code, 0);
  t.equal(readFileSync(docFile, 'utf8'), crdsMarkdown());
  t.equal((await run(['docs', '--output'])).code, 2);
});

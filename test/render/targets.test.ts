import t from 'tap';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { toYaml } from '../../src/kube/canonical.js';
import { renderGitops } from '../../src/render/gitops.js';
import { renderHelm } from '../../src/render/helm.js';
import { readGatiObjects } from '../../src/render/input.js';
import { renderKubernetes, type Payload } from '../../src/render/kubernetes.js';
import { renderStatic } from '../../src/render/static.js';
import type { RenderedFiles } from '../../src/render/write.js';
import { assertTree, FIXTURE_SETS, validateObject, yamlObjects } from './lib.js';

const ALL = Object.values(FIXTURE_SETS).flat();
const gati = readGatiObjects(ALL).map((o) => o.object);
const payloads: Record<string, Payload> = {
  operator: { objects: gati, static: false },
  static: { objects: renderStatic(gati).objects, static: true },
};

/** helmDefault evaluates our templates with default values, the few constructs they use, as Helm would. */
export function helmDefault(template: string, values: any): string {
  return template.replace(
    /\{\{ index \.Values ((?:"[^"]*" ?)+) \| toJson \}\}|\{\{ "\{\{" \}\}/g,
    (m, keys?: string) => {
      if (!keys) return '{{';
      const path = keys
        .trim()
        .split(/" "/)
        .map((k) => k.replace(/^"|"$/g, ''));
      return JSON.stringify(path.reduce((o, k) => o?.[k], values));
    },
  );
}

function allYaml(files: RenderedFiles): any[] {
  return [...files]
    .filter(
      ([f]) =>
        f.endsWith('.yaml') &&
        !f.startsWith('templates/') &&
        f !== 'Chart.yaml' &&
        f !== 'values.yaml',
    )
    .flatMap(([, text]) => yamlObjects(text));
}

for (const [mode, payload] of Object.entries(payloads)) {
  const suffix = mode === 'static' ? '-static' : '';

  t.test(`kubernetes${suffix}`, async (t) => {
    const files = renderKubernetes(payload);
    assertTree(t, `kubernetes${suffix}`, files);
    for (const o of allYaml(files))
      t.doesNotThrow(() => validateObject(o), `${o.kind} ${o.metadata?.name} validates`);
    const last = mode === 'static' ? 'workloads.yaml' : 'gati.yaml';
    t.equal(
      files
        .get(last)
        ?.split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n'),
      toYaml(payload.objects),
      `${last} is the canonical render`,
    );
    if (mode === 'operator') t.same([...files.keys()], ['crds.yaml', 'operator.yaml', 'gati.yaml']);
  });

  t.test(`helm${suffix}`, async (t) => {
    const files = renderHelm(payload);
    assertTree(t, `helm${suffix}`, files);
    const chart = parse(files.get('Chart.yaml') as string);
    t.equal(chart.apiVersion, 'v2');
    t.equal(chart.name, 'gati-app');
    t.ok(
      files
        .get('templates/NOTES.txt')
        ?.includes(mode === 'static' ? 'NO Gati operator' : 'Gati operator'),
    );
    const values = parse(files.get('values.yaml') as string);
    const schema = JSON.parse(files.get('values.schema.json') as string);
    const ajv = new Ajv({ strict: true, allErrors: true });
    const check = ajv.compile(schema);
    t.ok(check(values), `values.schema.json validates values.yaml ${JSON.stringify(check.errors)}`);
    t.notOk(check({ ...values, extra: 1 }), 'unknown top-level keys are refused');
    const rendered = [...files]
      .filter(([f]) => f.startsWith('templates/') && f.endsWith('.yaml'))
      .flatMap(([, tpl]) => yamlObjects(helmDefault(tpl, values)));
    t.equal(
      toYaml(rendered),
      toYaml(payload.objects),
      'templates with default values render the canonical objects',
    );
    for (const o of rendered)
      t.doesNotThrow(() => validateObject(o), `${o.kind} ${o.metadata?.name} validates`);
  });

  t.test(`gitops${suffix} (argocd)`, async (t) => {
    const files = renderGitops(payload);
    assertTree(t, `gitops${suffix}`, files);
    for (const o of allYaml(files))
      t.doesNotThrow(() => validateObject(o), `${o.kind} ${o.metadata?.name} validates`);
    const app = yamlObjects(files.get('argocd/application-production.yaml') as string)[0];
    t.equal(app.spec.source.path, 'overlays/production');
    t.same(app.spec.syncPolicy.syncOptions, [
      'RespectIgnoreDifferences=true',
      'ServerSideApply=true',
    ]);
    t.equal(
      Boolean(app.spec.ignoreDifferences),
      mode === 'operator',
      'ignore rules for the fields Metacontroller writes on Gati objects',
    );
    t.same(
      yamlObjects(files.get('overlays/production/kustomization.yaml') as string)[0].resources,
      ['../../base'],
    );
  });

  t.test(`gitops${suffix} (flux)`, async (t) => {
    const files = renderGitops(payload, {
      tool: 'flux',
      repoUrl: 'https://git.example.org/x.git',
      repoPath: './deploy/',
      revision: 'release',
      envs: ['staging', 'prod'],
      name: 'shop',
    });
    assertTree(t, `gitops-flux${suffix}`, files);
    const sync = yamlObjects(files.get('flux/sync.yaml') as string);
    for (const o of sync)
      t.doesNotThrow(() => validateObject(o), `${o.kind} ${o.metadata?.name} validates`);
    t.same(
      sync.map((o) => `${o.kind} ${o.metadata.name} ${o.spec.path ?? o.spec.url}`),
      [
        'GitRepository shop https://git.example.org/x.git',
        'Kustomization shop-staging ./deploy/overlays/staging',
        'Kustomization shop-prod ./deploy/overlays/prod',
      ],
    );
    t.notOk(files.has('argocd/health.lua'));
  });
}

t.test('helm: ambiguous names are keyed by namespace/name; literal {{ survives', async (t) => {
  const mod = (ns: string) => ({
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiModule',
    metadata: { name: 'm', namespace: ns },
    spec: { moduleName: 'm', moduleType: 'node', runtime: '{{x}}', image: `m:${ns}`, replicas: 2 },
  });
  const files = renderHelm(
    { objects: [mod('a'), mod('b')], static: false },
    { chartName: 'c', chartVersion: '1.2.3' },
  );
  const values = parse(files.get('values.yaml') as string);
  t.same(Object.keys(values.modules), ['a/m', 'b/m']);
  const out = yamlObjects(
    helmDefault(files.get('templates/gatimodule-a-m.yaml') as string, values),
  )[0];
  t.equal(out.spec.runtime, '{{x}}');
  t.equal(out.spec.image, 'm:a');
  t.equal(parse(files.get('Chart.yaml') as string).version, '1.2.3');
});

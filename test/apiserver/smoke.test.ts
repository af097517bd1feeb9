import t from 'tap';
import { spawnSync } from 'node:child_process';
import { applyCRDs, isSkip, startCluster } from './lib/cluster.js';
import { loadThirdPartyCRDs } from './lib/thirdparty.js';

// A cold build of the binaries takes ~9 min on 2 idle cores (run scripts/kube-bin/ensure.sh
// before the tests to keep it out of them); with the cache this file takes ~15-30 s.
t.setTimeout(65 * 60_000);

const started = await startCluster();
if (isSkip(started)) {
  t.test(
    'real API server smoke test',
    { skip: `real API server unavailable: ${started.skip}` },
    () => {},
  );
} else {
  const c = started;
  t.teardown(() => c.stop());
  const ns = `smoke-${process.pid}`;

  await t.test('server is up and reports its version', async (t) => {
    const r = await c.request('GET', '/version');
    t.equal(r.status, 200);
    t.match(r.body.gitVersion, /^v1\.\d+\.\d+/);
  });

  await t.test('namespace and ConfigMap round trip', async (t) => {
    const n = await c.request('POST', '/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });
    t.equal(n.status, 201, 'created', { body: n.body });
    const cm = await c.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm1', labels: { app: 'smoke' } },
      data: { greeting: 'hello' },
    });
    t.equal(cm.status, 201, 'created', { body: cm.body });
    const got = await c.request('GET', `/api/v1/namespaces/${ns}/configmaps/cm1`);
    t.equal(got.status, 200);
    t.same(got.body.data, { greeting: 'hello' });
    t.equal(got.body.metadata.labels.app, 'smoke');

    const patched = await c.request('PATCH', `/api/v1/namespaces/${ns}/configmaps/cm1`, {
      data: { extra: 'x' },
    });
    t.equal(patched.status, 200);
    t.same(patched.body.data, { greeting: 'hello', extra: 'x' });

    const applied = await c.request(
      'PATCH',
      `/api/v1/namespaces/${ns}/configmaps/cm2?fieldManager=smoke`,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm2\ndata:\n  a: "1"\n',
      { contentType: 'application/apply-patch+yaml' },
    );
    t.equal(applied.status, 201, 'created', { body: applied.body });
    t.equal(applied.body.metadata.managedFields[0].manager, 'smoke');
  });

  const deployment = (containers: unknown[]) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers } },
    },
  });

  await t.test('server-side dry-run create of a Deployment', async (t) => {
    const r = await c.request(
      'POST',
      `/apis/apps/v1/namespaces/${ns}/deployments?dryRun=All&fieldManager=smoke`,
      deployment([{ name: 'web', image: 'nginx:1.27' }]),
    );
    t.equal(r.status, 201, 'created', { body: r.body });
    t.equal(r.body.spec.strategy.type, 'RollingUpdate', 'defaults applied');
    const after = await c.request('GET', `/apis/apps/v1/namespaces/${ns}/deployments/web`);
    t.equal(after.status, 404, 'dry run persisted nothing');
  });

  await t.test('invalid Deployment is rejected with 422', async (t) => {
    const r = await c.request(
      'POST',
      `/apis/apps/v1/namespaces/${ns}/deployments?dryRun=All`,
      deployment([]),
    );
    t.equal(r.status, 422);
    t.equal(r.body.reason, 'Invalid');
    t.match(r.body.message, /spec\.template\.spec\.containers: Required value/);
  });

  await t.test('CRDs can be applied and used', async (t) => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.smoke.example.com' },
      spec: {
        group: 'smoke.example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: {
                    type: 'object',
                    required: ['size'],
                    properties: { size: { type: 'integer', minimum: 1 } },
                  },
                },
              },
            },
          },
        ],
      },
    };
    await applyCRDs(c, [crd]);
    await applyCRDs(c, [crd]); // replace path is idempotent
    const ok = await c.request('POST', `/apis/smoke.example.com/v1/namespaces/${ns}/widgets`, {
      apiVersion: 'smoke.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w1' },
      spec: { size: 2 },
    });
    t.equal(ok.status, 201, 'created', { body: ok.body });
    const bad = await c.request('POST', `/apis/smoke.example.com/v1/namespaces/${ns}/widgets`, {
      apiVersion: 'smoke.example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w2' },
      spec: { size: 0 },
    });
    t.equal(bad.status, 422);
    t.match(bad.body.message, /spec\.size/);
  });

  await t.test('pinned Gateway API and KEDA CRDs install and validate', async (t) => {
    const crds = loadThirdPartyCRDs();
    if ('skip' in crds) {
      t.plan(0, `third-party CRDs unavailable: ${crds.skip}`);
      return;
    }
    t.ok(crds.some((c) => c.object.metadata.name === 'httproutes.gateway.networking.k8s.io'));
    t.ok(crds.some((c) => c.object.metadata.name === 'scaledobjects.keda.sh'));
    await applyCRDs(
      c,
      crds.map((x) => x.object),
      { timeoutMs: 90_000 },
    );
    const so = (maxReplicaCount: unknown) => ({
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'so1' },
      spec: {
        scaleTargetRef: { name: 'web' },
        minReplicaCount: 0,
        maxReplicaCount,
        triggers: [{ type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } }],
      },
    });
    const ok = await c.request(
      'POST',
      `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects?dryRun=All`,
      so(5),
    );
    t.equal(ok.status, 201, 'ScaledObject accepted', { body: ok.body });
    const bad = await c.request(
      'POST',
      `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects?dryRun=All`,
      so('five'),
    );
    t.equal(bad.status, 422, 'ScaledObject with a string maxReplicaCount rejected', {
      body: bad.body,
    });
    const route = {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'r1' },
      spec: {
        parentRefs: [{ name: 'gw' }],
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
            backendRefs: [
              { name: 'web-v1', port: 80, weight: 90 },
              { name: 'web-v2', port: 80, weight: 10 },
            ],
          },
        ],
      },
    };
    const hr = await c.request(
      'POST',
      `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes?dryRun=All`,
      route,
    );
    t.equal(hr.status, 201, 'HTTPRoute accepted', { body: hr.body });
    t.equal(hr.body.spec.rules[0].matches[0].path.type, 'PathPrefix');
    const badRoute = structuredClone(route);
    badRoute.spec.rules[0]!.matches[0]!.path.value = 'no-leading-slash';
    const hrBad = await c.request(
      'POST',
      `/apis/gateway.networking.k8s.io/v1/namespaces/${ns}/httproutes?dryRun=All`,
      badRoute,
    );
    t.equal(hrBad.status, 422, 'HTTPRoute with a relative path rejected', { body: hrBad.body });
  });

  await t.test(
    'kubeconfig works with kubectl',
    { skip: c.kubectl ? false : 'no kubectl' },
    async (t) => {
      const r = spawnSync(
        c.kubectl!,
        ['--kubeconfig', c.kubeconfigPath, 'get', 'configmap', 'cm1', '-n', ns, '-o', 'json'],
        {
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      t.equal(r.status, 0, r.stderr);
      t.equal(JSON.parse(r.stdout).data.greeting, 'hello');
    },
  );
}

// Every install file parses and validates; the install set renders the same through our small
// kustomize renderer, through `kubectl kustomize` (when kubectl is on PATH) and in operator.yaml;
// and names, namespace, image and ports agree between the controllers, the Service and the pods.
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import t from 'tap';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Service } from 'kubernetes-models/v1/Service';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import {
  CONTAINER_PORT,
  IMAGE,
  IMAGE_NAME,
  METACONTROLLER_NAMESPACE,
  NAME,
  NAMESPACE,
  PRESTOP_SECONDS,
  RUN_AS_UID,
  SHUTDOWN_GRACE_MS,
} from '../../src/install/constants.js';
import {
  PROMETHEUS_CREDENTIALS_DIR,
  PROMETHEUS_TOKEN_SECRET,
  TOKEN_DIR,
  TOKEN_SECRET,
} from '../../src/install/components.js';
import { ROOT } from '../helpers/fixtures.js';
import { haveKubectl } from './lib.js';

type Json = Record<string, any>;

const VALIDATORS: Record<string, (o: Json) => void> = {
  'v1/Namespace': (o) => new Namespace(o as any).validate(),
  'v1/ServiceAccount': (o) => new ServiceAccount(o as any).validate(),
  'v1/Service': (o) => new Service(o as any).validate(),
  'v1/ConfigMap': (o) => new ConfigMap(o as any).validate(),
  'apps/v1/Deployment': (o) => new Deployment(o as any).validate(),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o as any).validate(),
  'networking.k8s.io/v1/NetworkPolicy': (o) => new NetworkPolicy(o as any).validate(),
  'argoproj.io/v1alpha1/Application': (o) => new Application(o as any).validate(),
  'rbac.authorization.k8s.io/v1/ClusterRole': (o) => new ClusterRole(o as any).validate(),
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': (o) =>
    new ClusterRoleBinding(o as any).validate(),
};
/** Kinds with no published model here: checked by their own tests (the validator) or below. */
const CHECKED_ELSEWHERE = new Set([
  'metacontroller.k8s.io/v1alpha1/CompositeController',
  'metacontroller.k8s.io/v1alpha1/DecoratorController',
  'monitoring.coreos.com/v1/ServiceMonitor',
  // kube-state-metrics' own config format (no apiVersion): test/install/observability.test.ts.
  'undefined/CustomResourceStateMetrics',
  // A partial StatefulSet (a patch over upstream Metacontroller): test/install/metacontroller.test.ts.
  'apps/v1/StatefulSet',
]);
/** Files that hold no Kubernetes objects: values for another project's Helm chart. */
const NOT_OBJECTS = new Set(['manifests/extras/metacontroller/helm-values.yaml']);
const KUSTOMIZE = new Set([
  'kustomize.config.k8s.io/v1beta1/Kustomization',
  'kustomize.config.k8s.io/v1alpha1/Component',
]);

function yamlFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((f) => {
    const rel = `${dir}/${f}`;
    if (statSync(join(ROOT, rel)).isDirectory()) return yamlFiles(rel);
    return f.endsWith('.yaml') ? [rel] : [];
  });
}

function loadDocs(rel: string): Json[] {
  const docs = parseAllDocuments(readFileSync(join(ROOT, rel), 'utf8'));
  for (const d of docs) if (d.errors.length) throw new Error(`${rel}: ${d.errors[0]!.message}`);
  return docs.map((d) => d.toJS() as Json).filter((o) => o !== null);
}

const id = (o: Json): string =>
  `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const byId = (objects: Json[]): Json[] => [...objects].sort((a, b) => (id(a) < id(b) ? -1 : 1));

t.test(
  'every YAML under controllers/ and manifests/ parses, and every Kubernetes kind validates',
  async (t) => {
    const files = [...yamlFiles('controllers'), ...yamlFiles('manifests'), 'operator.yaml'];
    t.ok(files.length >= 15, `${files.length} files`);
    for (const file of files.filter((f) => !NOT_OBJECTS.has(f))) {
      const objects = loadDocs(file);
      t.ok(objects.length > 0, `${file} has documents`);
      for (const o of objects) {
        const gvk = `${o.apiVersion}/${o.kind}`;
        if (KUSTOMIZE.has(gvk) || CHECKED_ELSEWHERE.has(gvk)) continue;
        const validate = VALIDATORS[gvk];
        t.ok(validate, `${file}: ${gvk} has a validator`);
        if (validate) t.doesNotThrow(() => validate(o), `${file}: ${id(o)}`);
      }
    }
  },
);

// ---- a small kustomize: resources (files and directories), images, namespace ---------------

const CLUSTER_SCOPED = new Set([
  'DecoratorController',
  'Namespace',
  'CompositeController',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
]);
const SUPPORTED = new Set(['apiVersion', 'kind', 'resources', 'images', 'namespace']);

/** renderKustomization renders a kustomization directory (repo-relative) the way kustomize does for the keys we use. */
function renderKustomization(dir: string): Json[] {
  const k = parse(readFileSync(join(ROOT, dir, 'kustomization.yaml'), 'utf8')) as Json;
  const unsupported = Object.keys(k).filter((key) => !SUPPORTED.has(key));
  if (unsupported.length)
    throw new Error(
      `${dir}/kustomization.yaml: the test renderer does not support ${unsupported.join(', ')}`,
    );
  const objects: Json[] = [];
  for (const r of k.resources ?? []) {
    const rel = relative(ROOT, join(ROOT, dir, r));
    objects.push(
      ...(statSync(join(ROOT, rel)).isDirectory() ? renderKustomization(rel) : loadDocs(rel)),
    );
  }
  for (const o of objects) {
    if (k.namespace && !CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
    for (const c of o.kind === 'Deployment' ? o.spec.template.spec.containers : []) {
      for (const img of k.images ?? []) {
        const [name, tag] = splitImage(c.image);
        if (name === img.name) c.image = `${img.newName ?? name}:${img.newTag ?? tag}`;
      }
    }
  }
  return objects;
}

function splitImage(ref: string): [string, string] {
  const i = ref.lastIndexOf(':');
  return i > ref.lastIndexOf('/') ? [ref.slice(0, i), ref.slice(i + 1)] : [ref, 'latest'];
}

const installSet = renderKustomization('manifests');

const kustomize = (dir: string): Json[] =>
  parseAllDocuments(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }))
    .map((d) => d.toJS() as Json)
    .filter((o) => o !== null);

t.test('operator.yaml is exactly `kubectl kustomize manifests/` (CRDs excluded)', async (t) => {
  const single = loadDocs('operator.yaml');
  t.strictSame(byId(single), byId(installSet), 'operator.yaml = the test renderer over manifests/');
  t.equal(single[0]!.kind, 'Namespace', 'the namespace comes first in operator.yaml');
  t.notOk(
    single.some((o) => o.kind === 'CustomResourceDefinition'),
    'no CRDs: crds/ is applied first',
  );
  t.test(
    'and kubectl kustomize agrees',
    {
      skip: haveKubectl ? false : 'kubectl not on PATH: the test renderer alone checked manifests/',
    },
    async (t) => {
      t.strictSame(byId(kustomize(join(ROOT, 'manifests'))), byId(installSet));
    },
  );
});

const one = (kind: string): Json => {
  const found = installSet.filter((o) => o.kind === kind && o.metadata.name === NAME);
  if (found.length !== 1) throw new Error(`want one ${kind} ${NAME}, found ${found.length}`);
  return found[0]!;
};
const selects = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

t.test('names, namespace, image and ports agree across controllers/ and manifests/', async (t) => {
  const deployment = one('Deployment');
  const service = one('Service');
  const pod = deployment.spec.template;
  const container = pod.spec.containers[0];
  t.ok(
    installSet.some((o) => o.kind === 'Namespace' && o.metadata.name === NAMESPACE),
    'the namespace is created',
  );
  for (const o of installSet)
    if (!CLUSTER_SCOPED.has(o.kind))
      t.equal(o.metadata.namespace, NAMESPACE, `${id(o)} in ${NAMESPACE}`);
  t.equal(container.image, IMAGE, 'the image');
  const k = parse(readFileSync(join(ROOT, 'manifests/kustomization.yaml'), 'utf8')) as Json;
  t.strictSame(
    k.images,
    [{ name: IMAGE_NAME, newTag: IMAGE.split(':')[1] }],
    'kustomize images: names the same image',
  );
  t.equal(pod.spec.serviceAccountName, one('ServiceAccount').metadata.name, 'the ServiceAccount');
  t.ok(selects(service.spec.selector, pod.metadata.labels), 'the Service selects the pods');
  t.ok(
    selects(deployment.spec.selector.matchLabels, pod.metadata.labels),
    'the Deployment selects its pods',
  );
  t.ok(
    selects(one('PodDisruptionBudget').spec.selector.matchLabels, pod.metadata.labels),
    'the PDB covers the pods',
  );
  t.ok(
    selects(one('NetworkPolicy').spec.podSelector.matchLabels, pod.metadata.labels),
    'the NetworkPolicy covers the pods',
  );

  const controllers = installSet.filter((o) => /^(Composite|Decorator)Controller$/.test(o.kind));
  t.equal(controllers.length, 3, 'the three controllers are in the install set');
  for (const cc of controllers) {
    for (const [hook, h] of Object.entries(cc.spec.hooks as Record<string, Json>)) {
      const svc = h.webhook.service;
      const where = `${cc.metadata.name} ${hook}`;
      t.strictSame(
        [svc.name, svc.namespace],
        [service.metadata.name, service.metadata.namespace],
        `${where} calls the Service`,
      );
      const port = service.spec.ports.find((p: Json) => p.port === svc.port);
      t.ok(port, `${where}: the Service has port ${svc.port}`);
      const target = container.ports.find(
        (p: Json) => p.name === port?.targetPort || p.containerPort === port?.targetPort,
      );
      t.equal(
        target?.containerPort,
        CONTAINER_PORT,
        `${where}: port ${svc.port} reaches container port ${CONTAINER_PORT}`,
      );
    }
  }
  const env = Object.fromEntries(container.env.map((e: Json) => [e.name, e.value]));
  t.equal(env.PORT, String(CONTAINER_PORT), 'PORT is the container port');
  const ingress = one('NetworkPolicy').spec.ingress;
  t.strictSame(
    ingress[0].from,
    [
      {
        namespaceSelector: {
          matchLabels: { 'kubernetes.io/metadata.name': METACONTROLLER_NAMESPACE },
        },
      },
    ],
    'only Metacontroller may call',
  );
  t.strictSame(
    ingress[0].ports,
    [{ port: CONTAINER_PORT, protocol: 'TCP' }],
    'on the container port',
  );
  t.strictSame(
    one('NetworkPolicy').spec.egress.flatMap((e: Json) => e.ports.map((p: Json) => p.port)),
    [53, 53],
    'egress: DNS only',
  );
});

t.test('the hook server Deployment is hardened and drains gracefully', async (t) => {
  const d = one('Deployment');
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  t.equal(d.spec.replicas, 2);
  t.equal(d.spec.strategy.rollingUpdate.maxUnavailable, 0, 'rollouts never drop below 2');
  t.equal(one('PodDisruptionBudget').spec.minAvailable, 1);
  t.equal(c.readinessProbe.httpGet.path, '/readyz');
  t.equal(c.livenessProbe.httpGet.path, '/healthz');
  t.ok(
    c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory,
    'resources',
  );
  t.equal(pod.automountServiceAccountToken, false, 'no API token: the server needs no RBAC');
  t.equal(one('ServiceAccount').automountServiceAccountToken, false);
  t.match(pod.securityContext, {
    runAsNonRoot: true,
    runAsUser: RUN_AS_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  });
  t.match(c.securityContext, {
    runAsNonRoot: true,
    runAsUser: RUN_AS_UID,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
  });
  t.ok(
    pod.affinity.podAntiAffinity && pod.topologySpreadConstraints.length > 0,
    'spread over nodes',
  );
  t.equal(c.lifecycle.preStop.sleep.seconds, PRESTOP_SECONDS, 'preStop sleep without a shell');
  const env = Object.fromEntries(c.env.map((e: Json) => [e.name, e.value]));
  t.equal(Number(env.SHUTDOWN_GRACE_MS), SHUTDOWN_GRACE_MS);
  t.ok(
    pod.terminationGracePeriodSeconds > PRESTOP_SECONDS + SHUTDOWN_GRACE_MS / 1000,
    'grace period > preStop + SHUTDOWN_GRACE_MS',
  );
  t.ok(
    c.volumeMounts.some((m: Json) => m.mountPath === '/tmp'),
    'a writable /tmp on the read-only root',
  );
});

t.test(
  'components render with kubectl kustomize from an overlay',
  { skip: haveKubectl ? false : 'kubectl not on PATH' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gati-overlay-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const base = relative(dir, join(ROOT, 'manifests'));
    const components = ['bearer-token', 'prometheus', 'drain-evidence', 'prometheus-token'].map(
      (c) => `${base}/components/${c}`,
    );
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      `resources:\n  - ${base}\ncomponents:\n${components.map((c) => `  - ${c}\n`).join('')}`,
    );
    const out = kustomize(dir);
    const ccs = out.filter((o) => /^(Composite|Decorator)Controller$/.test(o.kind));
    for (const cc of ccs) {
      for (const [hook, h] of Object.entries(cc.spec.hooks as Record<string, Json>)) {
        t.strictSame(
          h.webhook.authorization,
          {
            type: 'Bearer',
            secretRef: { name: TOKEN_SECRET.name, namespace: NAMESPACE, key: TOKEN_SECRET.key },
          },
          `${cc.metadata.name} ${hook} sends the token`,
        );
      }
    }
    const d = out.find((o) => o.kind === 'Deployment')!;
    const c = d.spec.template.spec.containers[0];
    const env = Object.fromEntries(c.env.map((e: Json) => [e.name, e.value]));
    t.equal(
      env.AUTH_TOKEN_FILE,
      `${TOKEN_DIR}/${TOKEN_SECRET.key}`,
      'the server reads the same token',
    );
    t.equal(env.PORT, String(CONTAINER_PORT), 'base env kept');
    t.equal(
      env.PROMETHEUS_BEARER_TOKEN_FILE,
      `${PROMETHEUS_CREDENTIALS_DIR}/${PROMETHEUS_TOKEN_SECRET.key}`,
      'the server sends Prometheus the token of the prometheus-token component',
    );
    t.ok(
      d.spec.template.spec.volumes.some(
        (v: Json) => v.secret?.secretName === PROMETHEUS_TOKEN_SECRET.name,
      ),
      'from its own Secret, beside the hook token',
    );
    t.ok(
      c.volumeMounts.some((m: Json) => m.mountPath === TOKEN_DIR && m.readOnly),
      'mounted read-only',
    );
    t.ok(
      d.spec.template.spec.volumes.some((v: Json) => v.secret?.secretName === TOKEN_SECRET.name),
      'from the Secret',
    );
    t.equal(
      d.spec.template.spec.securityContext.fsGroup,
      RUN_AS_UID,
      'fsGroup lets uid 1001 read the 0440 Secret file',
    );
    t.doesNotThrow(() => new Deployment(d).validate(), 'the patched Deployment validates');
    const policies = out
      .filter((o) => o.kind === 'NetworkPolicy')
      .map((o) => o.metadata.name)
      .sort();
    t.strictSame(policies, [NAME, `${NAME}-drain-evidence`, `${NAME}-prometheus-scrape`]);
    for (const p of out.filter((o) => o.kind === 'NetworkPolicy'))
      t.doesNotThrow(() => new NetworkPolicy(p).validate(), p.metadata.name);
    const sm = out.find((o) => o.kind === 'ServiceMonitor')!;
    t.equal(sm.spec.endpoints[0].port, 'http', 'ServiceMonitor scrapes the named Service port');
    t.equal(sm.spec.endpoints[0].path, '/metrics');
  },
);

t.test('the test renderer refuses kustomize features it does not implement', async (t) => {
  t.throws(
    () => renderKustomization('manifests/components/bearer-token'),
    /does not support patches/,
  );
  t.ok(existsSync(join(ROOT, 'manifests/components/bearer-token/kustomization.yaml')));
});

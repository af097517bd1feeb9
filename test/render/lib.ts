// Shared helpers of the render tests (not a test file of its own; run alone it checks itself).
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { GitRepository } from '@kubernetes-models/flux-cd/source.toolkit.fluxcd.io/v1/GitRepository';
import { Kustomization } from '@kubernetes-models/flux-cd/kustomize.toolkit.fluxcd.io/v1/Kustomization';
import {
  validateHandlerSpec,
  validateModuleSpec,
  validateVersionSpec,
  formatErrors,
} from '../../src/api/index.js';

/** Repository root. */
export const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');

/** The seed examples: examples/*.yaml (the directory also holds production/, see below). */
const SEED_EXAMPLES = readdirSync(join(ROOT, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(ROOT, 'examples', f));

/**
 * The fixture sets every render test runs over: name → input paths. examples/production/ is
 * named by its Gati file: its kubernetes.yaml holds plain Kubernetes objects, which the
 * renderer (Gati objects only) refuses.
 */
export const FIXTURE_SETS: Record<string, string[]> = {
  examples: SEED_EXAMPLES,
  production: [join(ROOT, 'examples/production/gati.yaml')],
  fixtures: [join(ROOT, 'test/fixtures/valid')],
};

const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'rbac.authorization.k8s.io/v1/ClusterRole': ClusterRole,
  'apiextensions.k8s.io/v1/CustomResourceDefinition': CustomResourceDefinition,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
  'argoproj.io/v1alpha1/Application': Application,
  'source.toolkit.fluxcd.io/v1/GitRepository': GitRepository,
  'kustomize.toolkit.fluxcd.io/v1/Kustomization': Kustomization,
};
const GATI: Record<string, (spec: unknown) => { ok: boolean; errors?: any }> = {
  GatiHandler: validateHandlerSpec,
  GatiModule: validateModuleSpec,
  GatiVersion: validateVersionSpec,
};
/**
 * Kinds with no upstream model: Metacontroller's controller objects (test/install checks them
 * against Metacontroller's own CRD schema) and kustomize's own file.
 */
const UNMODELLED = new Set([
  'metacontroller.k8s.io/v1alpha1/CompositeController',
  'metacontroller.k8s.io/v1alpha1/DecoratorController',
  'kustomize.config.k8s.io/v1beta1/Kustomization',
]);

/** validateObject throws unless the object validates with its upstream model (or our own schema for Gati kinds). */
export function validateObject(obj: any): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const gati = GATI[obj.kind];
  if (obj.apiVersion === 'gati.dev/v1alpha1' && gati) {
    const v = gati(obj.spec);
    if (!v.ok) throw new Error(`${key} ${obj.metadata?.name}: ${formatErrors(v.errors)}`);
    return;
  }
  if (UNMODELLED.has(key)) return;
  const Model = MODELS[key];
  if (!Model) throw new Error(`no upstream model for ${key}`);
  new Model(structuredClone(obj)).validate();
}

/** yamlObjects parses every non-empty document of a YAML text. */
export function yamlObjects(text: string): any[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((o) => o !== null && o !== undefined);
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) =>
      statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)).map((f) => join(n, f)) : [n],
    );
}

/**
 * assertTree compares rendered files with test/golden/render/<dir>/, file for file; a missing
 * or extra file fails. UPDATE_GOLDEN=1 rewrites the directory.
 */
export function assertTree(t: Test, dir: string, files: Map<string, string>): void {
  const abs = join(ROOT, 'test', 'golden', 'render', dir);
  if (process.env.UPDATE_GOLDEN === '1') {
    rmSync(abs, { recursive: true, force: true });
    for (const [rel, text] of files) {
      mkdirSync(join(abs, rel, '..'), { recursive: true });
      writeFileSync(join(abs, rel), text);
    }
  }
  const have = existsSync(abs) ? walk(abs) : [];
  t.same(have, [...files.keys()].sort(), `${dir}: golden files match (UPDATE_GOLDEN=1 to rewrite)`);
  for (const [rel, text] of files) {
    const file = join(abs, rel);
    t.equal(
      existsSync(file) ? readFileSync(file, 'utf8') : '',
      text,
      `${dir}/${rel} matches golden`,
    );
  }
}

/** relativePaths lists the files under a directory, relative to it, sorted. */
export function relativePaths(dir: string): string[] {
  return walk(dir).map((f) => relative(dir, join(dir, f)));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  t.throws(
    () => validateObject({ apiVersion: 'x/v1', kind: 'Nope', metadata: { name: 'a' } }),
    /no upstream model/,
  );
  t.same(yamlObjects('a: 1\n---\n'), [{ a: 1 }]);
}

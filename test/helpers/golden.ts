import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Service } from 'kubernetes-models/v1/Service';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { Test } from 'tap';
import { canonical, toYaml } from '../../src/kube/canonical.js';
import { ROOT } from './fixtures.js';

/** Upstream models per `<apiVersion>/<kind>`: every emitted object must validate with one. */
const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/Service': Service,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'gateway.networking.k8s.io/v1/HTTPRoute': HTTPRoute,
};

/** findNull returns the path of the first null/undefined in a value, if any. */
export function findNull(value: unknown, path = '$'): string | undefined {
  if (value === null || value === undefined) return path;
  if (typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const hit = findNull(v, `${path}.${k}`);
    if (hit) return hit;
  }
  return undefined;
}

/** validateKube throws unless the object validates with its upstream model and holds no null. */
export function validateKube(obj: any): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = MODELS[key];
  if (!Model) throw new Error(`no upstream model for ${key}`);
  new Model(structuredClone(obj)).validate();
  const hole = findNull(obj);
  if (hole) throw new Error(`${key} ${obj.metadata?.name}: null at ${hole}`);
}

/**
 * validateBuilt validates a builder's output as it leaves callHook: builders leave optional
 * fields undefined and canonical() drops them on the way out.
 */
export function validateBuilt(obj: unknown): void {
  validateKube(canonical(obj));
}

/** fileName of one object in a golden directory: `<Kind>-<name>.yaml`. */
function goldenFile(obj: any): string {
  return `${obj.kind}-${obj.metadata.name}.yaml`;
}

/**
 * assertGolden compares each object with test/golden/<dir>/<Kind>-<name>.yaml, one file per
 * object, and fails on missing or extra files. UPDATE_GOLDEN=1 rewrites the directory.
 */
export function assertGolden(t: Test, dir: string, objects: any[]): void {
  const abs = join(ROOT, 'test', 'golden', dir);
  const want = new Map(objects.map((o) => [goldenFile(o), toYaml([o])]));
  if (process.env.UPDATE_GOLDEN === '1') {
    rmSync(abs, { recursive: true, force: true });
    mkdirSync(abs, { recursive: true });
    for (const [f, text] of want) writeFileSync(join(abs, f), text);
  }
  const have = existsSync(abs)
    ? readdirSync(abs)
        .filter((f) => f.endsWith('.yaml'))
        .sort()
    : [];
  t.same(
    have,
    [...want.keys()].sort(),
    `${dir}: golden files match the emitted objects (UPDATE_GOLDEN=1 to rewrite)`,
  );
  for (const [f, text] of want) {
    const file = join(abs, f);
    t.equal(existsSync(file) ? readFileSync(file, 'utf8') : '', text, `${dir}/${f} matches golden`);
  }
}

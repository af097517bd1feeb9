import { METACONTROLLER_NAMESPACE, METACONTROLLER_VERSION } from './constants.js';

type Obj = Record<string, unknown>;

/** The upstream production kustomization at the pinned version (kustomize fetches it at apply time). */
export const METACONTROLLER_KUSTOMIZE_URL = `https://github.com/metacontroller/metacontroller/manifests/production?ref=${METACONTROLLER_VERSION}`;

/**
 * What the patch relies on in the upstream StatefulSet, as manifests/production/metacontroller.yaml
 * of Metacontroller v4.17.2 writes it: its name and namespace, the container's name, and the
 * container's args (a strategic merge patch replaces the args list whole, so it repeats them).
 * Re-check these when METACONTROLLER_VERSION changes.
 */
export const UPSTREAM_STATEFULSET = {
  name: 'metacontroller',
  namespace: METACONTROLLER_NAMESPACE,
  container: 'metacontroller',
  args: ['--zap-log-level=4', '--discovery-interval=20s'],
} as const;

/**
 * Metacontroller's client rate limits and sync workers for many parents. Its defaults
 * (5 qps, burst 10, 5 workers) queue every sync behind the client's token bucket: each
 * parent's sync reads and writes several children, so hundreds of parents take minutes
 * (docs/deployment.md, "Metacontroller tuning").
 */
export const TUNING_FLAGS = ['--client-go-qps=100', '--client-go-burst=200', '--workers=10'];

/** statefulSetPatch adds TUNING_FLAGS to the upstream container's args, by name. */
export function statefulSetPatch(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: UPSTREAM_STATEFULSET.name, namespace: UPSTREAM_STATEFULSET.namespace },
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: UPSTREAM_STATEFULSET.container,
              args: [...UPSTREAM_STATEFULSET.args, ...TUNING_FLAGS],
            },
          ],
        },
      },
    },
  };
}

/** metacontrollerOverlay is the kustomization of manifests/extras/metacontroller/. */
export function metacontrollerOverlay(patchFile: string): Obj {
  return {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [METACONTROLLER_KUSTOMIZE_URL],
    patches: [{ path: patchFile }],
  };
}

/**
 * metacontrollerHelmValues: the same flags for Metacontroller's own chart, whose `commandArgs`
 * are appended after the args the chart always sets.
 */
export function metacontrollerHelmValues(): Obj {
  return { commandArgs: TUNING_FLAGS };
}

import { CONTROLLERS } from '../hooks/kinds.js';
import type { ControllerName, HookName } from '../hooks/types.js';
import { LABELS, NAME, NAMESPACE, SERVICE_PORT } from './constants.js';

/** The hooks each controller registers with Metacontroller (the server serves exactly these). */
export const CONTROLLER_HOOKS: Record<ControllerName, HookName[]> = {
  gatihandler: ['sync', 'customize'],
  gatimodule: ['sync'],
  gativersion: ['sync', 'finalize', 'customize'],
};

/** Periodic resync of every parent; timers (rollout steps, drains) use resyncAfterSeconds instead. */
export const RESYNC_PERIOD_SECONDS = 60;

/** Whole-request timeout Metacontroller gives each hook call (its default, written out). */
export const HOOK_TIMEOUT = '10s';

/** controllerName is the CompositeController's name for one of our controllers. */
export function controllerName(c: ControllerName): string {
  return `${c}-controller`;
}

/** hookPath is the URL path of one hook on the hook server. */
export function hookPath(c: ControllerName, hook: HookName): string {
  return `/hooks/${c}/${hook}`;
}

/** webhook is the v2 hook pointing at the in-cluster Service by name, namespace, port and path. */
function webhook(c: ControllerName, hook: HookName): Record<string, unknown> {
  return {
    version: 'v2',
    webhook: {
      service: { name: NAME, namespace: NAMESPACE, port: SERVICE_PORT },
      path: hookPath(c, hook),
      timeout: HOOK_TIMEOUT,
    },
  };
}

/**
 * compositeController builds the CompositeController of one controller from CONTROLLERS:
 * the children declared are exactly those its hooks may emit, each updated InPlace (never
 * the OnDelete default, which would leave spec changes unapplied).
 */
export function compositeController(c: ControllerName): Record<string, unknown> {
  const { parent, children } = CONTROLLERS[c];
  return {
    apiVersion: 'metacontroller.k8s.io/v1alpha1',
    kind: 'CompositeController',
    metadata: { name: controllerName(c), labels: LABELS },
    spec: {
      generateSelector: true,
      resyncPeriodSeconds: RESYNC_PERIOD_SECONDS,
      parentResource: { apiVersion: parent.apiVersion, resource: parent.resource },
      childResources: children.map((t) => ({
        apiVersion: t.apiVersion,
        resource: t.resource,
        updateStrategy: { method: 'InPlace' },
      })),
      hooks: Object.fromEntries(CONTROLLER_HOOKS[c].map((h) => [h, webhook(c, h)])),
    },
  };
}

/** allControllers lists every CompositeController in a stable order. */
export function allControllers(): Array<{
  controller: ControllerName;
  object: Record<string, unknown>;
}> {
  return (Object.keys(CONTROLLERS) as ControllerName[])
    .sort()
    .map((c) => ({ controller: c, object: compositeController(c) }));
}

import type { ResourceType } from '../api/kinds.js';
import { controllerList, hookNames, hookPath, type Controller } from '../hooks/controllers.js';
import type { ControllerName, HookName } from '../hooks/types.js';
import { LABELS, NAME, NAMESPACE, SERVICE_PORT } from './constants.js';
import { declaredChildren, DEFAULT_INSTALL, type InstallOptions } from './options.js';

/** Periodic resync of every parent; timers (rollout steps, drains) use resyncAfterSeconds instead. */
export const RESYNC_PERIOD_SECONDS = 60;

/** Whole-request timeout Metacontroller gives each hook call (its default, written out). */
export const HOOK_TIMEOUT = '10s';

/** controllerName is the Metacontroller object's name for one of our controllers. */
export function controllerName(c: ControllerName): string {
  return `${c}-controller`;
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

/** childResource declares one child type, updated InPlace (never the OnDelete default, which would leave spec changes unapplied). */
export function childResource(t: ResourceType): Record<string, unknown> {
  return { apiVersion: t.apiVersion, resource: t.resource, updateStrategy: { method: 'InPlace' } };
}

/**
 * compositeController builds the Metacontroller object of one controller from its table
 * entry: the children declared are those its hooks may emit, less the optional kinds
 * `options` switches off (src/install/options.ts), and one webhook per hook it has.
 */
export function compositeController(
  c: Controller,
  options: Readonly<InstallOptions> = DEFAULT_INSTALL,
): Record<string, unknown> {
  return {
    apiVersion: 'metacontroller.k8s.io/v1alpha1',
    kind: c.kind,
    metadata: { name: controllerName(c.name), labels: LABELS },
    spec: {
      generateSelector: true,
      resyncPeriodSeconds: RESYNC_PERIOD_SECONDS,
      parentResource: { apiVersion: c.parent.apiVersion, resource: c.parent.resource },
      childResources: declaredChildren(c.children, options).map(childResource),
      hooks: Object.fromEntries(hookNames(c).map((h) => [h, webhook(c.name, h)])),
    },
  };
}

/** allControllers lists every Metacontroller object in a stable order. */
export function allControllers(options: Readonly<InstallOptions> = DEFAULT_INSTALL): Array<{
  controller: ControllerName;
  object: Record<string, unknown>;
}> {
  return controllerList().map((c) => ({
    controller: c.name,
    object: compositeController(c, options),
  }));
}

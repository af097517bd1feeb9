import type { ResourceType } from '../api/kinds.js';
import { controllerList, hookNames, hookPath, type Controller } from '../hooks/controllers.js';
import type { ControllerName, HookName } from '../hooks/types.js';
import { LABELS, NAME, NAMESPACE, SERVICE_PORT } from './constants.js';
import { DEFAULT_INSTALL, type InstallOptions } from '../api/switches.js';
import { declaredChildren } from './options.js';

/** Periodic resync of every parent; timers (rollout steps, drains) use resyncAfterSeconds instead. */
const RESYNC_PERIOD_SECONDS = 60;

/** Whole-request timeout Metacontroller gives each hook call (its default, written out). */
const HOOK_TIMEOUT = '10s';

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
    kind: 'CompositeController',
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

/**
 * decoratorController builds the DecoratorController of a controller that decorates its parent
 * (labels, annotations, status, finalizer) and has no attachments. Status writes by the hooks
 * themselves do not trigger a sync (ignoreStatusChanges); label, annotation and spec changes,
 * deletion and related-object changes do.
 */
export function decoratorController(
  c: Controller,
  options: Readonly<InstallOptions> = DEFAULT_INSTALL,
): Record<string, unknown> {
  return {
    apiVersion: 'metacontroller.k8s.io/v1alpha1',
    kind: 'DecoratorController',
    metadata: { name: controllerName(c.name), labels: LABELS },
    spec: {
      resyncPeriodSeconds: RESYNC_PERIOD_SECONDS,
      resources: [
        { apiVersion: c.parent.apiVersion, resource: c.parent.resource, ignoreStatusChanges: true },
      ],
      attachments: declaredChildren(c.children, options).map(childResource),
      hooks: Object.fromEntries(hookNames(c).map((h) => [h, webhook(c.name, h)])),
    },
  };
}

/** metacontrollerObject is the Metacontroller object that runs a controller, by its kind. */
export function metacontrollerObject(
  c: Controller,
  options: Readonly<InstallOptions> = DEFAULT_INSTALL,
): Record<string, unknown> {
  return c.kind === 'DecoratorController'
    ? decoratorController(c, options)
    : compositeController(c, options);
}

/** allControllers lists every Metacontroller object in a stable order. */
export function allControllers(options: Readonly<InstallOptions> = DEFAULT_INSTALL): Array<{
  controller: ControllerName;
  object: Record<string, unknown>;
}> {
  return controllerList().map((c) => ({
    controller: c.name,
    object: metacontrollerObject(c, options),
  }));
}

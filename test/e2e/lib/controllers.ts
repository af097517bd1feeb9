/**
 * Our generated Metacontroller controllers (controllers/*.yaml, the source of truth) as the
 * suites install them: read as they are, with the finalizer Metacontroller puts on each parent
 * derived from the controller's kind and name, and (for a hook server on loopback) each
 * webhook's `service` + `path` rewritten to a `url`. Nothing here knows which controller kinds
 * exist: every object with `spec.hooks` is a controller.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { Obj } from './api.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CONTROLLERS_DIR = join(REPO, 'controllers');

/** Every controller object of controllers/*.yaml (objects with spec.hooks), in file order. */
export function loadControllers(dir = CONTROLLERS_DIR): Obj[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS()))
    .filter((o: Obj | null) => o?.spec?.hooks !== undefined) as Obj[];
}

/** The finalizer Metacontroller adds to parents of a controller with a finalize hook. */
export function finalizerOf(controller: Obj): string {
  return `metacontroller.io/${String(controller.kind).toLowerCase()}-${controller.metadata.name}`;
}

/** The resources a controller's parents are: a CompositeController's parentResource, a DecoratorController's resources. */
function parentResources(controller: Obj): string[] {
  const spec = controller.spec ?? {};
  const one = spec.parentResource ? [spec.parentResource] : [];
  return [...one, ...(spec.resources ?? [])].map((r: Obj) => String(r.resource));
}

/** The controller whose parents are `resource` (e.g. 'gativersions'); throws when none is. */
export function controllerFor(controllers: Obj[], resource: string): Obj {
  const c = controllers.find((x) => parentResources(x).includes(resource));
  if (!c) throw new Error(`no controller in controllers/ has ${resource} as its parents`);
  return c;
}

export interface LoopbackOptions {
  /** http://127.0.0.1:<port> of the hook server (or a front in front of it). */
  baseUrl: string;
  /** Replaces resyncPeriodSeconds (the suite uses a short one so idle checks are quick). */
  resyncPeriodSeconds?: number;
}

/**
 * rewriteForLoopback returns copies of the controllers whose every webhook
 * (`spec.hooks.<hook>.webhook`) has `service` + `path` replaced by `url: <baseUrl><path>`.
 */
export function rewriteForLoopback(controllers: Obj[], opts: LoopbackOptions): Obj[] {
  return controllers.map((c) => {
    const copy = structuredClone(c);
    for (const [name, hook] of Object.entries<Obj>(copy.spec.hooks)) {
      const webhook = hook?.webhook;
      if (!webhook) continue;
      if (webhook.service) {
        if (typeof webhook.path !== 'string')
          throw new Error(`${copy.metadata.name}: hook ${name} has a service but no path`);
        webhook.url = `${opts.baseUrl}${webhook.path}`;
        delete webhook.service;
        delete webhook.path;
      }
    }
    if (opts.resyncPeriodSeconds !== undefined)
      copy.spec.resyncPeriodSeconds = opts.resyncPeriodSeconds;
    return copy;
  });
}

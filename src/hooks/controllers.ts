import {
  DEPLOYMENT,
  GATI_HANDLER,
  GATI_MODULE,
  GATI_VERSION,
  HPA,
  HTTP_ROUTE,
  NETWORK_POLICY,
  PDB,
  SCALED_OBJECT,
  SERVICE,
  type ResourceType,
} from '../api/kinds.js';
import { gatihandlerHooks } from './gatihandler.js';
import { gatimoduleHooks } from './gatimodule.js';
import { gativersionHooks } from './gativersion.js';
import type { ControllerHooks, ControllerName, HookName, HookRegistry } from './types.js';

/**
 * One controller of the operator: everything the server routes, the generated Metacontroller
 * objects, the CLI, the renderers and the tests need to know about it, written once.
 */
export interface Controller {
  /** Its name in hook URLs and on the command line. */
  name: ControllerName;
  /** The Metacontroller object that runs it. */
  kind: 'CompositeController';
  parent: ResourceType;
  /** Child kinds it declares; its hooks may emit these and nothing else. */
  children: readonly ResourceType[];
  /** Kinds its customize hook may ask for. */
  related: readonly ResourceType[];
  hooks: ControllerHooks;
}

/** Every controller, keyed by name. */
export type ControllerTable = Record<ControllerName, Controller>;

/** The three controllers (DESIGN §2). */
export const CONTROLLERS: ControllerTable = {
  // A handler reads the other handlers of its namespace too: the name-prefix rule gives a
  // GatiVersion to the LONGEST matching handler name, so each handler must see its rivals.
  gatihandler: {
    name: 'gatihandler',
    kind: 'CompositeController',
    parent: GATI_HANDLER,
    children: [DEPLOYMENT, SERVICE, HPA, SCALED_OBJECT, PDB, HTTP_ROUTE],
    related: [GATI_HANDLER, GATI_VERSION],
    hooks: gatihandlerHooks,
  },
  gatimodule: {
    name: 'gatimodule',
    kind: 'CompositeController',
    parent: GATI_MODULE,
    children: [DEPLOYMENT, SERVICE, HPA, SCALED_OBJECT, PDB, NETWORK_POLICY],
    related: [],
    hooks: gatimoduleHooks,
  },
  gativersion: {
    name: 'gativersion',
    kind: 'CompositeController',
    parent: GATI_VERSION,
    children: [],
    related: [GATI_HANDLER],
    hooks: gativersionHooks,
  },
};

/** Hook names in the order they are listed everywhere. */
export const HOOK_NAMES: readonly HookName[] = ['sync', 'finalize', 'customize'];

/** The controllers in a stable (alphabetical) order. */
export function controllerList(table: ControllerTable = CONTROLLERS): Controller[] {
  return (Object.keys(table) as ControllerName[]).sort().map((n) => table[n]);
}

/** hookNames lists the hooks a controller has, in HOOK_NAMES order. */
export function hookNames(c: Pick<Controller, 'hooks'>): HookName[] {
  return HOOK_NAMES.filter((h) => c.hooks[h] !== undefined);
}

/** hookPath is the URL path of one hook on the hook server. */
export function hookPath(controller: ControllerName, hook: HookName): string {
  return `/hooks/${controller}/${hook}`;
}

/** isControllerName: `name` is one of ours. */
export function isControllerName(name: string): name is ControllerName {
  return Object.hasOwn(CONTROLLERS, name);
}

/** withHooks is the table with other hook functions (tests, benchmarks); everything else stays. */
export function withHooks(hooks: Partial<HookRegistry>): ControllerTable {
  const out = { ...CONTROLLERS };
  for (const name of Object.keys(hooks) as ControllerName[])
    out[name] = { ...out[name], hooks: hooks[name]! };
  return out;
}

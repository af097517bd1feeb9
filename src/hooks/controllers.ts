import {
  DEPLOYMENT,
  GATI_HANDLER,
  GATI_MODULE,
  GATI_ROLLOUT_POLICY,
  GATI_VERSION,
  HPA,
  HTTP_ROUTE,
  NETWORK_POLICY,
  PDB,
  SCALED_OBJECT,
  SERVICE,
  type ResourceType,
} from '../api/kinds.js';
import type { Needed } from '../timescape/observations.js';
import { gatihandlerHooks } from './gatihandler.js';
import { handlerObservations } from './handler-observations.js';
import { gatimoduleHooks } from './gatimodule.js';
import { gativersionHooks } from './gativersion.js';
import type {
  CompositeHooks,
  ControllerHooks,
  ControllerName,
  DecoratorHooks,
  HookName,
  HookRegistry,
} from './types.js';

interface ControllerFacts {
  /** Its name in hook URLs and on the command line. */
  name: ControllerName;
  parent: ResourceType;
  /** Child kinds it may emit (a DecoratorController's attachments); nothing else. */
  children: readonly ResourceType[];
  /** Kinds its customize hook may ask for. */
  related: readonly ResourceType[];
  /**
   * What the server must observe (Prometheus) before its sync or finalize: the core's list of
   * due checks for one request. Absent: it never needs anything from outside.
   */
  observations?: (request: unknown, now: Date) => Needed[];
  /** Its status reports rollout transitions and analysis checks (logged and counted once each). */
  reportsTransitions?: boolean;
}

/**
 * One controller of the operator: everything the server routes, the generated Metacontroller
 * objects, the CLI, the renderers and the tests need to know about it, written once. `kind`
 * is the Metacontroller object that runs it, which decides the wire format of its hooks.
 */
export type Controller =
  | (ControllerFacts & { kind: 'CompositeController'; hooks: CompositeHooks })
  | (ControllerFacts & { kind: 'DecoratorController'; hooks: DecoratorHooks });

/** Every controller, keyed by name. */
export type ControllerTable = Record<ControllerName, Controller>;

/** The three controllers (DESIGN §2). */
export const CONTROLLERS: ControllerTable = {
  // A handler asks only for the GatiVersions labelled with its name: the GatiVersion
  // controller resolves a version's handler once and records it as that label. A handler and
  // a module ask for each other by name: the one of the same name wants the same Service. A
  // handler asks for the one GatiRolloutPolicy it names, by name.
  gatihandler: {
    name: 'gatihandler',
    kind: 'CompositeController',
    parent: GATI_HANDLER,
    children: [DEPLOYMENT, SERVICE, HPA, SCALED_OBJECT, PDB, HTTP_ROUTE],
    related: [GATI_VERSION, GATI_MODULE, GATI_ROLLOUT_POLICY],
    hooks: gatihandlerHooks,
    observations: handlerObservations,
    reportsTransitions: true,
  },
  gatimodule: {
    name: 'gatimodule',
    kind: 'CompositeController',
    parent: GATI_MODULE,
    children: [DEPLOYMENT, SERVICE, HPA, SCALED_OBJECT, PDB, NETWORK_POLICY],
    related: [GATI_HANDLER],
    hooks: gatimoduleHooks,
  },
  // A DecoratorController: it has no children, but may set labels on its parent (the
  // resolved handler) and asks only for the handlers the GatiVersion could belong to.
  gativersion: {
    name: 'gativersion',
    kind: 'DecoratorController',
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
    out[name] = { ...out[name], hooks: hooks[name] as ControllerHooks } as Controller;
  return out;
}

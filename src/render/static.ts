import type { KubeObject } from '../api/metacontroller.js';
import { CONTROLLERS, type ControllerTable } from '../hooks/controllers.js';
import type { ControllerName } from '../hooks/types.js';
import { canonical } from '../kube/canonical.js';
import { HealthyStore } from './healthy.js';
import { identity } from './input.js';
import { RulesCache } from './loop/request.js';
import { syncParent } from './loop/sync.js';
import type { LoopEnv, SyncOutcome } from './loop/types.js';

/**
 * Static rendering for clusters WITHOUT the operator: Metacontroller's loop (src/render/loop,
 * the one the scenario harness runs too) over the same pure hooks, offline, against a store
 * where every child is healthy the moment it is written (every Deployment Available, every
 * HTTPRoute Accepted at its generation), every parent synced once a round until a round
 * changes nothing. What comes out is what the operator would converge to with every version
 * Ready — and nothing more: there is no drain, no decommission and no rollout pacing in a
 * static render (see docs/targets.md).
 */

/** Options of a static render. */
export interface StaticOptions {
  /** Clock of the first round (fixed, so the output never depends on when it runs). */
  now?: Date;
  /** Bound on hook rounds before giving up. */
  maxRounds?: number;
  /** How far the clock jumps when the state is stable but a hook asked to be called again. */
  jumpSeconds?: number;
}

/** The result of a static render. */
export interface StaticResult {
  /** Every desired child of every parent, canonical, sorted by kind, namespace and name. */
  objects: KubeObject[];
  /** The last status each parent reported, by identity (`<Kind> <namespace>/<name>`). */
  statuses: Record<string, Record<string, unknown>>;
  rounds: number;
}

/** The fixed clock of static renders: output must not depend on when it runs. */
export const STATIC_EPOCH = new Date('2025-01-01T00:00:00Z');

/** controllerOf names the controller whose parent kind is `kind` (undefined: not a parent). */
export function controllerOf(
  kind: string | undefined,
  table: ControllerTable = CONTROLLERS,
): ControllerName | undefined {
  return (Object.keys(table) as ControllerName[]).find((c) => table[c].parent.kind === kind);
}

interface Parent {
  controller: ControllerName;
  object: KubeObject;
  outcome?: SyncOutcome;
}

function sortedByIdentity(objects: KubeObject[]): KubeObject[] {
  return objects
    .map((o) => ({ key: identity(o), o }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((e) => e.o);
}

/** initialParents: the parents as the API server would hold them right after `kubectl apply`. */
function initialParents(objects: KubeObject[], table: ControllerTable): Parent[] {
  return sortedByIdentity(objects).map((o) => {
    const controller = controllerOf(o.kind, table);
    if (!controller) throw new Error(`${identity(o)}: not a parent kind of any controller`);
    const { status: _status, ...object } = structuredClone(o);
    return { controller, object };
  });
}

/** round syncs every parent once at the store's clock; true when something changed. */
function round(env: LoopEnv, store: HealthyStore, parents: Parent[]): boolean {
  const before = store.writes;
  for (const p of parents) {
    const o = p.object;
    const live = store.get(o.kind as string, o.metadata.namespace, o.metadata.name)!;
    p.outcome = syncParent(env, env.table[p.controller], live);
  }
  return store.writes !== before;
}

/**
 * renderStatic runs the controllers' hooks over `objects` (Gati parents) to a fixed point with
 * every child healthy, and returns the children — the workloads a cluster without the
 * operator needs. Throws when the hooks do not settle within `maxRounds` or a hook fails.
 */
export function renderStatic(
  objects: KubeObject[],
  table: ControllerTable = CONTROLLERS,
  options: StaticOptions = {},
): StaticResult {
  const maxRounds = options.maxRounds ?? 50;
  const jump = (options.jumpSeconds ?? 86_400) * 1000;
  const parents = initialParents(objects, table);
  const store = new HealthyStore(options.now ?? STATIC_EPOCH);
  for (const p of parents) store.create(p.object);
  const env: LoopEnv = { table, store, now: () => store.now, rules: new RulesCache() };
  let jumped = false;
  for (let rounds = 1; rounds <= maxRounds; rounds++) {
    if (round(env, store, parents)) {
      jumped = false;
      continue;
    }
    const waiting = parents.some((p) => (p.outcome?.resyncAfterSeconds ?? 0) > 0);
    if (!waiting || jumped) return result(store, parents, rounds);
    // Stable but a hook is waiting on a timer (e.g. a rollout pause): let the time pass.
    store.now = new Date(store.now.getTime() + jump);
    jumped = true;
  }
  throw new Error(`static render did not settle within ${maxRounds} rounds of hook calls`);
}

function result(store: HealthyStore, parents: Parent[], rounds: number): StaticResult {
  const objects = parents.flatMap((p) =>
    (p.outcome?.desired ?? []).map((c) =>
      canonical({
        ...c,
        metadata: { ...c.metadata, namespace: c.metadata.namespace ?? p.object.metadata.namespace },
      }),
    ),
  );
  const statuses: StaticResult['statuses'] = {};
  for (const p of parents) {
    const o = p.object;
    const live = store.get(o.kind as string, o.metadata.namespace, o.metadata.name);
    statuses[identity(o)] = (live?.status ?? {}) as Record<string, unknown>;
  }
  return { objects: sortedByIdentity(objects), statuses, rounds };
}

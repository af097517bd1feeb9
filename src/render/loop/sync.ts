import type { KubeObject, RelatedResourceRule } from '../../api/metacontroller.js';
import { callHook } from '../../hooks/call.js';
import type { Controller } from '../../hooks/controllers.js';
import type { HookContext } from '../../hooks/types.js';
import {
  addFinalizer,
  current,
  manageChildren,
  releaseFinalizer,
  writeCompositeStatus,
  writeDecoratorParent,
  type DecoratorParentAnswer,
} from './apply.js';
import {
  finalizerOf,
  groupsOf,
  hookRequest,
  metacontrollerObject,
  ownedChildren,
  relatedObjects,
} from './request.js';
import {
  kindOf,
  type HookCaller,
  type LoopEnv,
  type RelatedRules,
  type SyncOutcome,
} from './types.js';

/**
 * The one Metacontroller loop step shared by the static renderer (src/render/static.ts) and
 * the scenario harness (test/scenario/harness.ts): one sync of one parent, from the store
 * to the store. What decides WHEN a parent is synced (fixed-point rounds, or watches,
 * timers and backoff) is theirs.
 */

/** The answer of a sync or finalize hook, either kind, as the loop reads it. */
interface Answer extends DecoratorParentAnswer {
  children?: KubeObject[];
  attachments?: KubeObject[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
}

function caller(env: LoopEnv): HookCaller {
  return env.call ?? ((c, hook, request, ctx) => callHook(c, hook, request, ctx, env.table));
}

function controllerOf(env: LoopEnv, c: Controller): Record<string, unknown> {
  return (env.controllerObject ?? metacontrollerObject)(c);
}

/**
 * customizeRules asks the parent's customize hook which objects it relates to (none without
 * a customize hook), through the cache when the loop has one. The request is
 * `{controller, parent}` for both kinds of controller.
 */
export function customizeRules(env: LoopEnv, c: Controller, parent: KubeObject): RelatedRules {
  if (!c.hooks.customize) return [];
  const now = env.now();
  const cached = env.rules?.get(parent, now);
  if (cached) return cached;
  const request = { controller: controllerOf(env, c), parent };
  const answer = caller(env)(c.name, 'customize', request, { now }) as {
    relatedResources: RelatedResourceRule[];
  };
  env.rules?.set(parent, answer.relatedResources, now);
  return answer.relatedResources;
}

function context(env: LoopEnv): HookContext {
  const now = env.now();
  const observations = env.observations?.();
  return observations === undefined ? { now } : { now, observations };
}

/**
 * syncParent runs one sync of one parent as Metacontroller does: add the finalizer when the
 * controller has a finalize hook; call finalize (deletionTimestamp set) or sync with the
 * observed children and the related objects; then apply the answer — children (composite)
 * or attachments (decorator) made the desired set, unless the parent is terminating without
 * our finalizer; status replaced (composite: always, observedGeneration injected; decorator:
 * when not null, labels and annotations merged); the finalizer released on `finalized`.
 * A hook error propagates and nothing after it is applied.
 */
export function syncParent(env: LoopEnv, c: Controller, parent0: KubeObject): SyncOutcome {
  const finalizer = finalizerOf(c);
  let parent = parent0;
  if (c.hooks.finalize && !parent.metadata.deletionTimestamp) {
    addFinalizer(env, parent, finalizer);
    parent = current(env, parent) ?? parent;
  }
  const finalizing = Boolean(c.hooks.finalize && parent.metadata.deletionTimestamp);
  const hook = finalizing ? 'finalize' : 'sync';
  const related = relatedObjects(c, customizeRules(env, c, parent), env.store);
  const observed = groupsOf(c.children, ownedChildren(c, parent, env.store));
  const request = hookRequest(c, controllerOf(env, c), parent, observed, related, finalizing);
  const answer = caller(env)(c.name, hook, request, context(env)) as Answer;
  const decorator = kindOf(c) === 'DecoratorController';
  const desired = (decorator ? answer.attachments : answer.children) ?? [];
  const finalized = answer.finalized === true;
  const manage =
    !parent.metadata.deletionTimestamp ||
    (finalizing &&
      ((parent.metadata.finalizers as string[] | undefined) ?? []).includes(finalizer));
  if (decorator) {
    writeDecoratorParent(env, parent, answer, finalized ? finalizer : undefined);
    if (manage && current(env, parent)) manageChildren(env, c, parent, desired);
  } else {
    if (manage) manageChildren(env, c, parent, desired);
    writeCompositeStatus(env, parent, answer.status ?? undefined);
    const latest = current(env, parent);
    if (finalized && latest) releaseFinalizer(env, latest, finalizer);
  }
  const outcome: SyncOutcome = { hook, desired, finalized };
  if (typeof answer.resyncAfterSeconds === 'number')
    outcome.resyncAfterSeconds = answer.resyncAfterSeconds;
  return outcome;
}

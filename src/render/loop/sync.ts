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
 * applyAnswer applies a sync/finalize answer as Metacontroller does and returns the desired
 * children (attachments). They are managed unless the parent is terminating without our
 * finalizer. Composite: children first, then the status replaced with observedGeneration,
 * then the finalizer released on `finalized`. Decorator: status (when not null), labels,
 * annotations and the finalizer on the parent first, then its attachments.
 */
function applyAnswer(
  env: LoopEnv,
  c: Controller,
  parent: KubeObject,
  answer: Answer,
  finalizing: boolean,
): KubeObject[] {
  const finalizer = finalizerOf(c);
  const ours = ((parent.metadata.finalizers as string[] | undefined) ?? []).includes(finalizer);
  const manage = !parent.metadata.deletionTimestamp || (finalizing && ours);
  const release = answer.finalized === true;
  if (kindOf(c) === 'DecoratorController') {
    const desired = answer.attachments ?? [];
    writeDecoratorParent(env, parent, answer, release ? finalizer : undefined);
    if (manage && current(env, parent)) manageChildren(env, c, parent, desired);
    return desired;
  }
  const desired = answer.children ?? [];
  if (manage) manageChildren(env, c, parent, desired);
  writeCompositeStatus(env, parent, answer.status ?? undefined);
  const latest = current(env, parent);
  if (release && latest) releaseFinalizer(env, latest, finalizer);
  return desired;
}

/**
 * syncParent runs one sync of one parent as Metacontroller does: add the finalizer when the
 * controller has a finalize hook; call finalize (deletionTimestamp set) or sync with the
 * observed children (attachments) and the related objects; apply the answer. A hook error
 * propagates and nothing after it is applied.
 */
export function syncParent(env: LoopEnv, c: Controller, parent0: KubeObject): SyncOutcome {
  let parent = parent0;
  if (c.hooks.finalize && !parent.metadata.deletionTimestamp) {
    addFinalizer(env, parent, finalizerOf(c));
    parent = current(env, parent) ?? parent;
  }
  const finalizing = Boolean(c.hooks.finalize && parent.metadata.deletionTimestamp);
  const hook = finalizing ? 'finalize' : 'sync';
  const related = relatedObjects(c, customizeRules(env, c, parent), env.store);
  const observed = groupsOf(c.children, ownedChildren(c, parent, env.store));
  const request = hookRequest(c, controllerOf(env, c), parent, observed, related, finalizing);
  const answer = caller(env)(c.name, hook, request, context(env)) as Answer;
  const desired = applyAnswer(env, c, parent, answer, finalizing);
  const outcome: SyncOutcome = { hook, desired, finalized: answer.finalized === true };
  if (typeof answer.resyncAfterSeconds === 'number')
    outcome.resyncAfterSeconds = answer.resyncAfterSeconds;
  return outcome;
}

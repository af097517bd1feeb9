import { GATEWAY_LIMITS_TEXT, MAX_LIVE_VERSIONS } from '../api/limits.js';
import type { GatiHandlerStatus, VersionStatus } from '../api/gatihandler.js';
import type { KubeObject } from '../api/metacontroller.js';
import { apexServiceName, routeName } from '../resources/names.js';
import type { Plan } from '../timescape/plan.js';
import { ONE_SHOT_ACTIONS } from '../api/rollout.js';
import { inFlight } from '../timescape/records.js';
import { condition, conditions, firstBlocker, type Verdict } from './conditions.js';
import { nameConflictVerdicts } from './conflict.js';
import { KIND_NOT_INSTALLED, kindNotInstalledVerdicts } from './missing.js';
import { replicaCounts } from './module.js';

/** The handler's phase: Pending until something serves, Degraded when stalled. */
type HandlerPhase = 'Pending' | 'Progressing' | 'Running' | 'Degraded' | 'Failed';

/** Everything the handler's status is computed from, all of it already read from the request. */
export interface HandlerStatusInput {
  name: string;
  generation?: number;
  previousConditions: unknown;
  /** The handler's observed Deployments (replica sums). */
  deployments: KubeObject[];
  plan: Plan;
  /** spec.version. */
  version: string;
  /** An HTTPRoute is written this sync. */
  routed: boolean;
  /**
   * Child kinds the spec needs that the calling controller does not declare, so they were left
   * out: why, in words, and whether the HTTPRoute is one of them.
   */
  notInstalled?: { message: string; route: boolean };
  provider: 'gateway-api' | 'none';
  /** Another parent keeps the apex Service's name (NameConflict): why, in words. */
  nameConflict?: string;
  /** GatiVersions of this handler whose spec is invalid, each with its errors. */
  invalidVersions: string[];
  /** The gati.dev/rollout-action annotation, when set. */
  action?: string;
  /** spec.routing.aliases is set (even empty). */
  aliases?: boolean;
  now: Date;
}

/** What one sync says about the handler as a whole, before timestamps are settled. */
interface Judgement {
  own: VersionStatus;
  serving: VersionStatus[];
  moving: VersionStatus[];
  stalled?: Verdict;
  ready: Verdict;
}

/** handlerStatus sums the plan up as GatiHandler.status: replicas, versions, phase and conditions. */
export function handlerStatus(input: HandlerStatusInput): GatiHandlerStatus {
  const j = judge(input);
  const verdicts = [
    j.ready,
    availableCondition(j.serving),
    trafficRoutedCondition(input),
    reconcilingCondition(input, j.moving),
    j.stalled,
    actionCondition(input),
    aliasCondition(input),
  ].filter((v): v is Verdict => v !== undefined);
  return {
    ...replicaCounts(input.deployments),
    phase: handlerPhase(input.plan, j),
    version: input.version,
    service: input.nameConflict === undefined ? apexServiceName(input.name) : undefined,
    route: input.routed ? routeName(input.name) : undefined,
    rollout: input.plan.rollout,
    versions: input.plan.versions.map((v) => v.status),
    conditions: conditions(verdicts, input.previousConditions, input.now, input.generation),
  };
}

function judge(input: HandlerStatusInput): Judgement {
  const vs = input.plan.versions.map((v) => v.status);
  const own = vs.find((v) => v.versionId === input.version)!;
  const noProvider = input.provider === 'none';
  const blocker = firstBlocker(
    input.notInstalled && kindNotInstalledVerdicts(input.notInstalled.message),
    input.nameConflict === undefined ? undefined : nameConflictVerdicts(input.nameConflict),
  );
  return {
    own,
    serving: vs.filter((v) => v.phase === 'Active' && (v.effectiveWeight > 0 || noProvider)),
    moving: vs.filter((v) => v.phase === 'Pending' || v.phase === 'Draining'),
    stalled: blocker?.stalled ?? stalledCondition(input, own),
    ready: blocker?.ready ?? readyCondition(input, own, vs.length),
  };
}

/** stalledCondition: the first reason the handler cannot make progress on its own, if any. */
function stalledCondition(input: HandlerStatusInput, own: VersionStatus): Verdict | undefined {
  const { plan } = input;
  const r = plan.rollout;
  if (r.phase === 'Aborted' && r.versionId === input.version)
    return condition('Stalled', true, r.reason ?? 'RolloutAborted', rolloutWords(r));
  if (r.phase === 'Paused' && r.reason !== 'ManualPause')
    return condition('Stalled', true, r.reason ?? 'RolloutPaused', rolloutWords(r));
  if (own.phase === 'Failed')
    return condition(
      'Stalled',
      true,
      own.reason ?? 'VersionFailed',
      `${input.version}: ${own.message}`,
    );
  if (plan.lastServing.length)
    return condition(
      'Stalled',
      true,
      'LastServingVersion',
      `retirement of ${plan.lastServing.join(', ')} refused: no other version can serve weighted traffic`,
    );
  if (plan.excessVersions.length)
    return condition('Stalled', true, 'VersionLimit', versionLimitWords(plan.excessVersions));
  if (plan.overLimit.length)
    return condition(
      'Stalled',
      true,
      'TooManyVersions',
      `${GATEWAY_LIMITS_TEXT}; left out of the route: ${plan.overLimit.join(', ')}`,
    );
  if (input.invalidVersions.length)
    return condition('Stalled', true, 'InvalidGatiVersion', input.invalidVersions.join('; '));
  return undefined;
}

/** readyCondition: Ready once spec.version is Active, no rollout runs and the route is accepted with its backends resolved. */
function readyCondition(input: HandlerStatusInput, own: VersionStatus, live: number): Verdict {
  const { plan, version } = input;
  const r = plan.rollout;
  if (r.phase === 'Aborted' && r.versionId === version)
    return condition('Ready', false, 'RolloutAborted', rolloutWords(r));
  if (own.phase === 'Failed')
    return condition('Ready', false, own.reason ?? 'VersionFailed', own.message ?? '');
  if (own.phase !== 'Active')
    return condition('Ready', false, own.reason ?? own.phase, own.message ?? own.phase);
  if (inFlight(r))
    return condition(
      'Ready',
      false,
      r.phase === 'Paused' ? 'RolloutPaused' : 'RollingOut',
      rolloutWords(r),
    );
  const route = routeWaiting(plan);
  if (route) return condition('Ready', false, route.reason, route.message);
  return condition('Ready', true, 'Ready', `${version} is serving; ${live} live version(s)`);
}

/**
 * routeWaiting: what the gateway has not yet done for the route, if anything — accept it at its
 * latest generation, or resolve all of its backends (Ready and TrafficRouted both say it).
 */
function routeWaiting(plan: Plan): { reason: string; message: string } | undefined {
  if (!plan.routeAccepted)
    return {
      reason: 'WaitingForRoute',
      message: 'waiting for the gateway to accept the HTTPRoute at its latest generation',
    };
  if (plan.routeRefsUnresolved)
    return {
      reason: 'BackendRefsUnresolved',
      message: `the gateway accepted the HTTPRoute but cannot resolve some of its backends (${plan.routeRefsUnresolved}); requests it sends to them fail`,
    };
  return undefined;
}

/** availableCondition: some version is Active with weight (or provider none). */
function availableCondition(serving: VersionStatus[]): Verdict {
  if (serving.length === 0)
    return condition('Available', false, 'NoServingVersion', 'no version is Available with weight');
  const split = serving.map((v) => `${v.versionId} ${v.trafficPercent}%`).join(', ');
  return condition('Available', true, 'Serving', `serving: ${split}`);
}

/** trafficRoutedCondition: the route is written and accepted (or there is no route to write). */
function trafficRoutedCondition(input: HandlerStatusInput): Verdict {
  if (input.provider === 'none')
    return condition(
      'TrafficRouted',
      true,
      'ApexServiceOnly',
      'routing provider none: the apex Service selects every version (no weights, no pins)',
    );
  if (input.notInstalled?.route)
    return condition('TrafficRouted', false, KIND_NOT_INSTALLED, input.notInstalled.message);
  if (!input.routed)
    return condition(
      'TrafficRouted',
      false,
      'NoRoutableVersion',
      'no version is Available yet: no HTTPRoute written',
    );
  const route = routeWaiting(input.plan);
  if (route) return condition('TrafficRouted', false, route.reason, route.message);
  return condition(
    'TrafficRouted',
    true,
    'Accepted',
    'the HTTPRoute is accepted at its latest generation',
  );
}

/** reconcilingCondition: a rollout runs, or a version is on its way in or out. */
function reconcilingCondition(
  input: HandlerStatusInput,
  moving: VersionStatus[],
): Verdict | undefined {
  const r = input.plan.rollout;
  if (inFlight(r))
    return condition(
      'Reconciling',
      true,
      r.phase === 'Paused' ? 'RolloutPaused' : 'RollingOut',
      rolloutWords(r),
    );
  if (moving.length === 0) return undefined;
  const what = moving.map((v) => `${v.versionId} ${v.phase}`).join(', ');
  return condition('Reconciling', true, moving[0]!.phase, what);
}

function handlerPhase(plan: Plan, j: Judgement): HandlerPhase {
  if (j.serving.length === 0) return j.own.phase === 'Failed' ? 'Failed' : 'Pending';
  if (j.stalled) return 'Degraded';
  if (inFlight(plan.rollout) || j.moving.length > 0 || j.ready.status !== 'True')
    return 'Progressing';
  return 'Running';
}

/**
 * rolloutWords says where the rollout stands, for people: the versions, the step, the target's
 * share of traffic and — when analysis is on — the last measured value against its threshold.
 */
export function rolloutWords(r: Plan['rollout']): string {
  const what = r.previousVersionId
    ? `${r.previousVersionId} → ${r.versionId}`
    : r.move?.kind === 'Weight'
      ? `${r.versionId} weight ${r.move.fromWeight} → ${r.move.toWeight}`
      : r.versionId;
  const where = `${what}: ${r.phase}, step ${r.step + 1}, ${r.stepWeight}% of the move, ${r.trafficPercent ?? 0}% of traffic`;
  const analysis = r.analysis?.message ? `; last check: ${r.analysis.message}` : '';
  return `${where}${r.message ? ` (${r.message})` : ''}${analysis}`;
}

/** aliasCondition: while spec.routing.aliases is set, whether every alias pins to a version. */
function aliasCondition(input: HandlerStatusInput): Verdict | undefined {
  if (!input.aliases) return undefined;
  const problems = input.plan.aliasProblems;
  if (problems.length > 0)
    return condition('AliasesResolved', false, 'AliasLeftOut', problems.join('; '));
  const pinned = input.plan.versions
    .filter((v) => (v.aliases ?? []).length > 0)
    .map((v) => `${v.aliases.join(', ')} → ${v.status.versionId}`);
  return condition('AliasesResolved', true, 'Pinned', pinned.join('; ') || 'no aliases');
}

/**
 * actionCondition reports the gati.dev/rollout-action annotation while it is set: what was done
 * with it, or — for a value the operator does not know — that it changes nothing.
 */
function actionCondition(input: HandlerStatusInput): Verdict | undefined {
  const value = input.action?.trim();
  if (!value) return undefined;
  if (input.plan.unknownAction !== undefined)
    return condition(
      'RolloutAction',
      false,
      'UnknownRolloutAction',
      `gati.dev/rollout-action "${input.plan.unknownAction}" is not one of pause, ${ONE_SHOT_ACTIONS.join(', ')}: it changes nothing`,
    );
  if (value.split('@')[0] === 'pause')
    return condition(
      'RolloutAction',
      true,
      'Paused',
      'pause holds every rollout step until it is removed or set to resume',
    );
  const last = input.plan.rollout.lastAction;
  if (last?.value === value)
    return condition(
      'RolloutAction',
      true,
      last.outcome,
      `${last.action} (${last.value}): ${last.message}`,
    );
  return condition('RolloutAction', true, 'Seen', `${value}: waiting for a rollout step to act on`);
}

/** versionLimitWords names the versions left unbuilt: the first ten and how many more. */
function versionLimitWords(excess: string[]): string {
  const shown = excess.slice(0, 10).join(', ');
  const more = excess.length > 10 ? ` and ${excess.length - 10} more` : '';
  return `a handler builds at most ${MAX_LIVE_VERSIONS} live versions; not built: ${shown}${more}`;
}

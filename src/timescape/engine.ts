import type { SuccessReason } from '../api/rollout.js';
import type { Observation } from '../api/signals.js';
import { elapsed } from '../kube/time.js';
import { actOn } from './actions.js';
import type { AnalysisStatus } from '../api/gatihandler-status.js';
import type { CheckOutcome } from './analysis.js';
import {
  confirmation,
  confirmDue,
  hooksOf,
  limitsOf,
  preRolloutCheck,
  stepCheck,
  stepPlan,
} from './gates.js';
import {
  aborted,
  forGateway,
  inFlight,
  paused,
  preScaled,
  resumed,
  startStep,
  succeeded,
} from './records.js';
import {
  completed,
  fromRecord,
  keepAction,
  same,
  stopAt,
  type Effect,
  type EngineContext,
  type RolloutEvent,
  type RolloutRecord,
  type RolloutState,
  type Transition,
  PRESCALE_POLL_SECONDS,
  ROUTE_POLL_SECONDS,
} from './state.js';

export * from './state.js';

/**
 * The rollout engine (docs/progressive-delivery.md): one traffic move at a time — a new
 * spec.version, a GatiVersion gaining weight, a rollback — as explicit states, events derived
 * once from the request, and one transition function, in the manner of stepDrain(prev, input).
 * The state is persisted as status.rollout (fromRecord / toRecord); nothing lives in memory.
 */

/** transition is the whole rollout machine: every (state, event) pair has one answer here. */
export function transition(state: RolloutState, e: RolloutEvent, ctx: EngineContext): Transition {
  if (e.kind === 'NewMove') return same(fromRecord(keepAction(e.move.record, state)));
  if (state.kind === 'Idle') return same(state);
  const r = state.record;
  switch (e.kind) {
    case 'AnnotationCleared':
      return r.lastAction && !r.lastAction.cleared
        ? same(fromRecord({ ...r, lastAction: { ...r.lastAction, cleared: true } }))
        : same(state);
    case 'Retarget':
      return same(fromRecord({ ...r, image: e.image }));
    case 'Revert':
      return inFlight(r) && r.previousVersionId
        ? stopAt(
            aborted(
              r,
              'Reverted',
              `spec.version went back to ${r.previousVersionId}: the rollout of ${r.versionId} is aborted and it drains`,
              ctx.now,
            ),
          )
        : same(state);
    case 'Action':
      return actOn(state, e, ctx, nextStep);
    case 'Pause':
      return inFlight(r) && state.kind !== 'Paused'
        ? same(
            fromRecord(
              paused(r, 'ManualPause', 'paused by gati.dev/rollout-action=pause', ctx.now),
            ),
          )
        : same(state);
    case 'PauseLifted':
      return state.kind === 'Paused' && state.reason === 'ManualPause'
        ? same(fromRecord(resumed(r, ctx.now)))
        : same(state);
    case 'IncumbentGone':
      return inFlight(r) && r.previousVersionId
        ? completed(
            succeeded(r, 'IncumbentGone', `${r.previousVersionId} no longer serves`, ctx.now),
          )
        : same(state);
    case 'Step':
      return step(state, e.observations, ctx);
  }
}

/** step: the target's readiness starts the first step; each step holds its wait and its gates. */
function step(
  state: RolloutState,
  obs: Record<string, Observation> | undefined,
  ctx: EngineContext,
): Transition {
  if (state.kind !== 'WaitingForTarget' && state.kind !== 'Stepping') return same(state);
  const r = state.record;
  const answers = obs ?? {};
  if (!ctx.targetReady) return same(state);
  if (!inFlight(r))
    return completed(succeeded(r, immediateReason(r), `${r.versionId} is Available`, ctx.now));
  if (state.kind === 'WaitingForTarget') {
    const pre = preRolloutCheck(r, answers, ctx);
    if (pre) {
      const held = gateOutcome(pre.record, pre.record.preRollout!, pre.check, 'pre-rollout', ctx);
      if (held || !pre.check.stepPassed) return held ?? same(fromRecord(pre.record));
    }
    const rec = pre?.record ?? r;
    const first = ctx.steps[rec.step];
    if (!first || first.weight >= 100) return promote(rec, answers, ctx, 'Completed', rec.step);
    // Its pods for the first step run before it takes any weight (spec.scaling Proportional).
    const gate = ctx.capacity?.(rec.step);
    if (gate && !gate.ready)
      return same(
        fromRecord(
          preScaled(rec, { step: rec.step, reason: 'Started', replicas: gate.replicas }, ctx.now),
        ),
      );
    return same(fromRecord(startStep(rec, first, ctx.now)));
  }
  // A step the gateway has not applied yet is not judged; once it has, it starts over.
  const g = forGateway(r, ctx.routeBehind, ctx.steps, ctx.now);
  if (g.held) return same(fromRecord(g.record));
  let rec = g.record;
  let passed = true;
  const plan = stepPlan(rec, ctx);
  if (plan) {
    const c = stepCheck(rec, plan, answers, ctx);
    rec = c.record;
    const held = gateOutcome(rec, rec.analysis!, c.check, 'analysis', ctx);
    if (held) return held;
    passed = c.check.stepPassed;
  }
  // An advance decided earlier waits only for the pods of the next step (spec.scaling).
  if (rec.preScale) return afterPreScale(rec, ctx);
  const wait = ctx.steps[rec.step]?.pauseSeconds ?? 0;
  if (elapsed(rec.stepStartedAt!, ctx.now) >= wait && passed)
    return promote(rec, answers, ctx, 'StepCompleted');
  return same(fromRecord(rec));
}

/** afterPreScale makes the advance a move held for its pods, once they are Available. */
function afterPreScale(r: RolloutRecord, ctx: EngineContext): Transition {
  const p = r.preScale!;
  if (p.reason !== 'PromotedFull')
    return nextStep(r, ctx, p.reason === 'Promoted' ? 'Promoted' : 'StepCompleted', p.step);
  const gate = ctx.capacity?.(p.step);
  if (gate && !gate.ready)
    return same(fromRecord(preScaled(r, { ...p, replicas: gate.replicas }, ctx.now)));
  return completed(succeeded(r, 'PromotedFull', 'promoted to 100%', ctx.now));
}

/** gateOutcome: failureLimit failures in a row fail the move; inconclusiveLimit pause it. */
function gateOutcome(
  r: RolloutRecord,
  a: AnalysisStatus,
  c: CheckOutcome,
  what: 'analysis' | 'pre-rollout',
  ctx: EngineContext,
): Transition | undefined {
  if (c.failed) return failedAnalysis(r, a, what, ctx);
  if (c.inconclusive) {
    const why = `${what} inconclusive ${a.inconclusiveInARow} times in a row (${a.message}): paused, never passed`;
    return stopAt(paused(r, 'AnalysisInconclusive', why, ctx.now));
  }
  return undefined;
}

/**
 * promote goes to the next step — unless that completes the move and a confirm-promotion
 * webhook has not approved it yet: then the last step holds (the record says which).
 */
function promote(
  r: RolloutRecord,
  obs: Record<string, Observation>,
  ctx: EngineContext,
  reason: 'StepCompleted' | 'Completed',
  next = r.step + 1,
): Transition {
  const s = ctx.steps[next];
  if (!s || s.weight >= 100) {
    const c = confirmation(r, obs, ctx);
    if (!c.approved) return same(fromRecord(c.record));
  }
  return nextStep(r, ctx, reason, next);
}

/** immediateReason: how a move without steps ends — a first deploy, or a rollback. */
function immediateReason(r: RolloutRecord): SuccessReason {
  return r.move?.kind === 'Rollback' ? 'Rollback' : 'Available';
}

/**
 * nextStep moves to step `next` now, or completes the move when there is none — once the
 * version gaining traffic runs the pods that step needs (ctx.capacity), else it holds.
 */
function nextStep(
  r: RolloutRecord,
  ctx: EngineContext,
  reason: 'StepCompleted' | 'Promoted' | 'Completed',
  next = r.step + 1,
): Transition {
  const s = ctx.steps[next];
  // The version gaining traffic is scaled to the next step first; its weight moves after.
  const gate = ctx.capacity?.(next);
  if (gate && !gate.ready)
    return stopAt(preScaled(r, { step: next, reason, replicas: gate.replicas }, ctx.now));
  if (!s || s.weight >= 100) {
    const last = { ...r, step: Math.min(next, ctx.steps.length) };
    return completed(succeeded(last, reason, `${r.versionId} carries 100%`, ctx.now));
  }
  const rec = startStep(
    { ...r, phase: 'Progressing', reason, step: next, pausedAt: undefined },
    s,
    ctx.now,
  );
  return stopAt(rec);
}

/** failedAnalysis: failureLimit failures in a row → onFailure (Abort rolls back; Pause holds). */
function failedAnalysis(
  r: RolloutRecord,
  a: AnalysisStatus,
  what: 'analysis' | 'pre-rollout',
  ctx: EngineContext,
): Transition {
  const why = `${what} failed ${a.failuresInARow} checks in a row (${a.message})`;
  if (limitsOf(ctx).onFailure === 'Pause')
    return stopAt(paused(r, 'AnalysisFailed', `${why}: paused`, ctx.now));
  const back = r.previousVersionId ?? `weight ${r.move?.fromWeight ?? 0}`;
  return stopAt(aborted(r, 'AnalysisFailed', `${why}: rolled back to ${back}`, ctx.now));
}

/** advance folds one sync's events through the machine, stopping where a transition says so. */
export function advance(
  state: RolloutState,
  events: RolloutEvent[],
  ctx: EngineContext,
): { state: RolloutState; effects: Effect[]; dueInSeconds?: number } {
  const effects: Effect[] = [];
  let s = state;
  for (const e of events) {
    const t = transition(s, e, ctx);
    s = t.state;
    effects.push(...t.effects);
    if (t.stop) break;
  }
  return { state: s, effects, dueInSeconds: dueOf(s, ctx) };
}

/** dueOf: seconds until the step's wait ends, its next check, or its next gate answer. */
function dueOf(s: RolloutState, ctx: EngineContext): number | undefined {
  if (s.kind !== 'Stepping' && s.kind !== 'WaitingForTarget') return undefined;
  const r = s.record;
  const limits = limitsOf(ctx);
  if (s.kind === 'WaitingForTarget') {
    // A ready target waits for its pre-rollout webhooks (asked at once, then per interval) or,
    // without steps, for a confirmation; an unready one for its Deployment (a watch event).
    if (!ctx.targetReady) return undefined;
    const pre = hooksOf(ctx, 'pre-rollout').length > 0 && r.preRollout?.lastResult !== 'Passed';
    const last = r.preRollout?.lastCheckAt;
    if (pre)
      return last ? Math.max(1, Math.ceil(limits.intervalSeconds - elapsed(last, ctx.now))) : 2;
    return confirmDue(r, ctx) ? limits.intervalSeconds : undefined;
  }
  // Waiting for pods: the Deployment's status change re-triggers the sync; this is a backstop.
  if (r.preScale) return PRESCALE_POLL_SECONDS;
  // Waiting for the gateway: its status change on the route re-triggers the sync; a backstop too.
  if (r.routeBehindSince) return ROUTE_POLL_SECONDS;
  const toEnd = (ctx.steps[r.step]?.pauseSeconds ?? 0) - elapsed(r.stepStartedAt!, ctx.now);
  const dues = toEnd > 0 ? [toEnd] : [];
  if (stepPlan(r, ctx)) {
    const last = r.analysis?.lastCheckStep === r.step ? r.analysis.lastCheckAt : undefined;
    dues.push(limits.intervalSeconds - elapsed(last ?? r.stepStartedAt!, ctx.now));
  }
  if (confirmDue(r, ctx)) dues.push(limits.intervalSeconds);
  return dues.length > 0 ? Math.max(1, Math.ceil(Math.min(...dues))) : undefined;
}

/**
 * shareOf: how far the move has come, in percent (the step's weight): 0 while its target is
 * not ready or after an abort, 100 once done, the step's weight in between. A move without
 * steps (a first deploy, a rollback) is whole at once.
 */
export function shareOf(s: RolloutState, targetReady: boolean): number {
  if (s.kind === 'Idle' || s.kind === 'Succeeded') return 100;
  if (s.kind === 'Aborted') return 0;
  if (!inFlight(s.record)) return 100;
  return targetReady ? s.record.stepWeight : 0;
}

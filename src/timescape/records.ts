import type { RolloutStatus } from '../api/gatihandler-status.js';
import type { PreScale } from '../api/cost.js';
import type { AbortReason, PauseReason, SuccessReason } from '../api/rollout.js';
import { elapsed, rfc3339 } from '../kube/time.js';
import type { RouteLag } from './route-status.js';

/**
 * The record of a move (status.rollout) and the small steps that change it: each sets the
 * fields of one state, with its timestamps set once, on the transition.
 */
type RolloutRecord = RolloutStatus;

/** A step of a rollout: how far the move has come (percent), and how long it holds. */
export interface Step {
  weight: number;
  pauseSeconds: number;
}

/**
 * inFlight: the move still walks steps between its versions — a Version move with an
 * incumbent, or a Weight move. A first deploy and a rollback switch at once: never in flight.
 */
export function inFlight(r: RolloutRecord | undefined): boolean {
  if (!r || (r.phase !== 'Progressing' && r.phase !== 'Paused')) return false;
  const kind = r.move?.kind ?? 'Version';
  return kind === 'Weight' || (kind === 'Version' && r.previousVersionId !== undefined);
}

/** incumbentOf is the version that serves beside the target: in flight, or alone once aborted. */
export function incumbentOf(r: RolloutRecord | undefined): string | undefined {
  if (!r) return undefined;
  return inFlight(r) || r.phase === 'Aborted' ? r.previousVersionId : undefined;
}

/** succeeded ends a move with the target carrying its whole weight. */
export function succeeded(
  r: RolloutRecord,
  reason: SuccessReason,
  message: string,
  now: Date,
): RolloutRecord {
  return {
    ...r,
    phase: 'Succeeded',
    reason,
    message,
    stepWeight: 100,
    stepEndsAt: undefined,
    pausedAt: undefined,
    preScale: undefined,
    routeBehindSince: undefined,
    finishedAt: rfc3339(now),
  };
}

/** paused holds a move where it is (weights stay) until resumed. */
export function paused(
  r: RolloutRecord,
  reason: PauseReason,
  message: string,
  now: Date,
): RolloutRecord {
  return {
    ...r,
    phase: 'Paused',
    reason,
    message,
    pausedAt: r.pausedAt ?? rfc3339(now),
    stepEndsAt: undefined,
  };
}

/** resumed continues a paused move with the step's remaining time; the streaks of failed checks start over. */
export function resumed(r: RolloutRecord, now: Date): RolloutRecord {
  const shift = r.pausedAt ? (now.getTime() - Date.parse(r.pausedAt)) / 1000 : 0;
  const stepStartedAt = r.stepStartedAt
    ? rfc3339(new Date(Date.parse(r.stepStartedAt) + shift * 1000))
    : undefined;
  const analysis = r.analysis && { ...r.analysis, failuresInARow: 0, inconclusiveInARow: 0 };
  const preRollout = r.preRollout && { ...r.preRollout, failuresInARow: 0, inconclusiveInARow: 0 };
  return {
    ...r,
    preRollout,
    phase: 'Progressing',
    reason: 'Resumed',
    message: `resumed at step ${r.step + 1}`,
    pausedAt: undefined,
    stepStartedAt,
    analysis,
  };
}

/** aborted ends a move: the target goes back to its weight before the move. */
export function aborted(
  r: RolloutRecord,
  reason: AbortReason,
  message: string,
  now: Date,
): RolloutRecord {
  return {
    ...r,
    phase: 'Aborted',
    reason,
    message,
    stepWeight: 0,
    stepEndsAt: undefined,
    pausedAt: undefined,
    preScale: undefined,
    routeBehindSince: undefined,
    finishedAt: rfc3339(now),
  };
}

/** startStep begins step `r.step` now. */
export function startStep(r: RolloutRecord, s: Step, now: Date): RolloutRecord {
  return {
    ...r,
    preScale: undefined,
    routeBehindSince: undefined,
    stepWeight: s.weight,
    stepStartedAt: rfc3339(now),
    stepEndsAt: rfc3339(new Date(now.getTime() + s.pauseSeconds * 1000)),
    message: `step ${r.step + 1}: ${s.weight}% of the move`,
  };
}

/**
 * forGateway: while the gateway has applied only an older generation of the route (`lag`), the
 * step is held — `routeBehindSince` set once, so the status changes once, not every sync; a step
 * it was seen behind on and has now applied starts over (its wait and its checks count from now).
 */
export function forGateway(
  r: RolloutRecord,
  lag: RouteLag | undefined,
  steps: Step[],
  now: Date,
): { held: boolean; record: RolloutRecord } {
  if (lag)
    return {
      held: true,
      record: {
        ...r,
        routeBehindSince: r.routeBehindSince ?? rfc3339(now),
        message: `step ${r.step + 1}: ${r.stepWeight}% of the move, held: the gateway has applied the route only at generation ${lag.applied} of ${lag.generation}; the step's clock restarts once it has`,
      },
    };
  if (!r.routeBehindSince) return { held: false, record: r };
  const step = steps[r.step] ?? { weight: r.stepWeight, pauseSeconds: 0 };
  return { held: false, record: { ...startStep(r, step, now), preScale: r.preScale } };
}

/**
 * preScaled holds a move before step `step` until the version gaining traffic runs `replicas`
 * Available pods (spec.scaling Proportional): its weight moves only then. `since` is kept while
 * the same step waits.
 */
export function preScaled(
  r: RolloutRecord,
  p: { step: number; reason: PreScale['reason']; replicas: number },
  now: Date,
): RolloutRecord {
  const since = r.preScale?.step === p.step ? r.preScale.since : rfc3339(now);
  return {
    ...r,
    preScale: { ...p, since },
    message: `scaling ${r.versionId} to ${p.replicas} Available replicas before its weight moves`,
  };
}

/**
 * inWindow: a move displaced a version (at `supersededAt`) less than the rollback window ago
 * and its pods still run, so going back to it is one step.
 */
export function inWindow(
  supersededAt: string | undefined,
  running: boolean,
  windowSeconds: number,
  now: Date,
): boolean {
  return (
    supersededAt !== undefined &&
    running &&
    windowSeconds > 0 &&
    elapsed(supersededAt, now) < windowSeconds
  );
}

import type { Analysis } from '../api/gatihandler.js';
import { elapsed, rfc3339 } from '../kube/time.js';
import type { ActionRequest } from './actions.js';
import type { Observation } from '../api/signals.js';
import { runCheck } from './analysis.js';
import { oneShotFor } from './oneshot.js';
import { aborted, paused, resumed, succeeded, type RolloutRecord, type Step } from './rollout.js';

/** What one sync knows besides the record: the target's readiness, the clock, the action. */
export interface AdvanceInput {
  /** The target is Active and may take weighted traffic. */
  targetReady: boolean;
  /** The incumbent still serves (a rollout without one has nothing to hand over from). */
  incumbentServing: boolean;
  steps: Step[];
  analysis?: Analysis;
  observation?: Observation;
  action: ActionRequest;
  now: Date;
  /**
   * spec.version is not the record's target (it went back to the incumbent after an abort or a
   * revert): the record only keeps the history, and actions find nothing to act on.
   */
  over?: boolean;
}

/** The rollout after this sync, and what the planner does with it. */
export interface Advanced {
  record: RolloutRecord;
  /** Percent of the pair's weight the target carries. */
  share: number;
  /** The rollout completed in this sync: the incumbent is superseded and drains. */
  supersedeIncumbent: boolean;
  /** The target must not serve: it drains and is reported Failed (reason Aborted). */
  targetAborted: boolean;
  dueInSeconds?: number;
}

/**
 * advanceRollout moves the rollout on by at most one step per sync (docs/progressive-delivery.md):
 * a fresh one-shot action first (once), then the pause state, then — while Progressing and the
 * target is Available — the analysis check and the step's wait. Every timer is returned as
 * dueInSeconds (a resyncAfterSeconds); every counter lives in the record.
 */
export function advanceRollout(rec: RolloutRecord, i: AdvanceInput): Advanced {
  const start = noteCleared(rec, i.action);
  if (i.over) {
    const o = oneShotFor({ ...start, phase: 'Succeeded' }, i.action, false, i.now);
    const record = o.kind === 'none' ? start : { ...start, lastAction: o.record.lastAction };
    return { record, share: 0, supersedeIncumbent: false, targetAborted: false };
  }
  const o = oneShotFor(start, i.action, i.targetReady, i.now);
  const r = o.kind === 'none' ? start : o.record;
  const rest = { ...i, action: o.kind === 'none' ? i.action : ({ kind: 'none' } as const) };
  if (!r.previousVersionId) return firstDeploy(r, i);
  if (o.kind === 'aborted') return abortedResult(r);
  if (o.kind === 'succeeded') return done(r, true);
  if (o.kind === 'next') return nextStep(r, i, 'Promoted');
  if (o.kind === 'resumed' || o.kind === 'retried') return step(r, rest);
  if (r.phase === 'Succeeded') return done(r, false);
  if (r.phase === 'Aborted') return abortedResult(r);
  if (!i.incumbentServing)
    return done(
      succeeded(r, 'IncumbentGone', `${r.previousVersionId} no longer serves`, i.now),
      true,
    );
  return hold(r, rest) ?? step(r, rest);
}

/**
 * done: the target carries the whole pair. The incumbent is superseded only in the sync the
 * rollout completes (its supersededAt is kept in status), so a version the user later brings
 * back with a GatiVersion is not superseded again.
 */
function done(record: RolloutRecord, completedNow: boolean): Advanced {
  return { record, share: 100, supersedeIncumbent: completedNow, targetAborted: false };
}

function abortedResult(record: RolloutRecord): Advanced {
  return { record, share: 0, supersedeIncumbent: false, targetAborted: true };
}

function holding(record: RolloutRecord, dueInSeconds?: number): Advanced {
  return {
    record,
    share: record.stepWeight,
    supersedeIncumbent: false,
    targetAborted: false,
    dueInSeconds,
  };
}

/** A first deploy has no pair: it is done once the version is Available. */
function firstDeploy(r: RolloutRecord, i: AdvanceInput): Advanced {
  const ready = r.phase === 'Progressing' && i.targetReady;
  const record = ready ? succeeded(r, 'Available', `${r.versionId} is Available`, i.now) : r;
  return { record, share: 100, supersedeIncumbent: false, targetAborted: false };
}

/** noteCleared records that the annotation is gone, so the same value set again acts again. */
function noteCleared(r: RolloutRecord, a: ActionRequest): RolloutRecord {
  if (a.kind !== 'none' || !r.lastAction || r.lastAction.cleared) return r;
  return { ...r, lastAction: { ...r.lastAction, cleared: true } };
}

/** hold: `pause` pauses (a state: while it is set nothing advances); its removal resumes a manual pause. */
function hold(r: RolloutRecord, i: AdvanceInput): Advanced | undefined {
  if (i.action.kind === 'pause')
    return holding(
      r.phase === 'Paused'
        ? r
        : paused(r, 'ManualPause', 'paused by gati.dev/rollout-action=pause', i.now),
    );
  if (r.phase !== 'Paused') return undefined;
  if (r.reason === 'ManualPause') return step(resumed(r, i.now), i);
  return holding(r);
}

/** nextStep moves to the next step now, or completes the rollout after the last one. */
function nextStep(r: RolloutRecord, i: AdvanceInput, reason: string): Advanced {
  const next = r.step + 1;
  const s = i.steps[next];
  if (!s || s.weight >= 100) {
    const last = { ...r, step: Math.min(next, i.steps.length) };
    return done(succeeded(last, reason, `${r.versionId} carries 100%`, i.now), true);
  }
  const rec = startStep(
    { ...r, phase: 'Progressing', reason, step: next, pausedAt: undefined },
    s,
    i.now,
  );
  return holding(rec, dueOf(rec, i));
}

function startStep(r: RolloutRecord, s: Step, now: Date): RolloutRecord {
  return {
    ...r,
    stepWeight: s.weight,
    stepStartedAt: rfc3339(now),
    stepEndsAt: rfc3339(new Date(now.getTime() + s.pauseSeconds * 1000)),
    message: `step ${r.step + 1}: ${s.weight}% of the pair's weight`,
  };
}

/** step: the first step starts when the target is Available; each step holds its wait and passes analysis. */
function step(r: RolloutRecord, i: AdvanceInput): Advanced {
  if (!i.targetReady) return { ...holding(r), share: 0 };
  if (!r.stepStartedAt) {
    const first = i.steps[r.step];
    if (!first || first.weight >= 100)
      return done(succeeded(r, 'Completed', `${r.versionId} carries 100%`, i.now), true);
    const rec = startStep(r, first, i.now);
    return holding(rec, dueOf(rec, i));
  }
  let rec = r;
  let passed = true;
  if (i.analysis) {
    const c = runCheck({
      config: i.analysis,
      record: r.analysis,
      obs: i.observation,
      step: r.step,
      stepStartedAt: r.stepStartedAt,
      now: i.now,
    });
    rec = { ...rec, analysis: c.record };
    if (c.failed) return failedAnalysis(rec, i.analysis, i.now);
    if (c.inconclusive) {
      const why = `analysis inconclusive ${c.record.inconclusiveInARow} times in a row (${c.record.message}): paused, never passed`;
      return holding(paused(rec, 'AnalysisInconclusive', why, i.now));
    }
    passed = c.stepPassed;
  }
  const wait = i.steps[rec.step]?.pauseSeconds ?? 0;
  if (elapsed(rec.stepStartedAt!, i.now) >= wait && passed)
    return nextStep(rec, i, 'StepCompleted');
  return holding(rec, dueOf(rec, i));
}

/** failedAnalysis: failureLimit failures in a row → onFailure (Abort rolls back; Pause holds). */
function failedAnalysis(r: RolloutRecord, a: Analysis, now: Date): Advanced {
  const why = `analysis failed ${r.analysis!.failuresInARow} checks in a row (${r.analysis!.message})`;
  if (a.onFailure === 'Pause') return holding(paused(r, 'AnalysisFailed', `${why}: paused`, now));
  return abortedResult(
    aborted(r, 'AnalysisFailed', `${why}: rolled back to ${r.previousVersionId}`, now),
  );
}

/** dueOf: seconds until the step's wait ends or the next analysis check, whichever comes first. */
function dueOf(r: RolloutRecord, i: AdvanceInput): number | undefined {
  if (!r.stepStartedAt) return undefined;
  const toEnd = (i.steps[r.step]?.pauseSeconds ?? 0) - elapsed(r.stepStartedAt, i.now);
  const dues = toEnd > 0 ? [toEnd] : [];
  if (i.analysis) {
    const last = r.analysis?.lastCheckStep === r.step ? r.analysis.lastCheckAt : undefined;
    dues.push(i.analysis.intervalSeconds - elapsed(last ?? r.stepStartedAt, i.now));
  }
  return dues.length > 0 ? Math.max(1, Math.ceil(Math.min(...dues))) : undefined;
}

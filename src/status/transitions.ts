import type { TransitionName } from '../api/rollout.js';
import type { GatiHandlerStatus, RolloutStatus, VersionStatus } from '../api/gatihandler-status.js';

/** One real change between the status a sync read and the one it wrote, for logs and counters. */
export interface Transition {
  transition: TransitionName;
  versionId: string;
  reason: string;
  message: string;
}

/** An analysis check the sync counted. */
export interface Check {
  versionId: string;
  result: 'Passed' | 'Failed' | 'Inconclusive';
  message: string;
}

function sameRollout(a: RolloutStatus | undefined, b: RolloutStatus): boolean {
  return a?.versionId === b.versionId && a.startedAt === b.startedAt;
}

function rolloutTransitions(
  a: RolloutStatus | undefined,
  b: RolloutStatus | undefined,
): Transition[] {
  if (!b) return [];
  const t = (
    transition: Transition['transition'],
    reason = b.reason ?? transition,
  ): Transition => ({
    transition,
    versionId: b.versionId,
    reason,
    message: b.message ?? '',
  });
  const out: Transition[] = [];
  const same = sameRollout(a, b);
  const moving = b.previousVersionId !== undefined || b.move?.kind === 'Weight';
  if (!same && b.move?.kind === 'Rollback') out.push(t('Rollback', 'Rollback'));
  else if (!same && moving)
    out.push(t(b.lastAction?.action === 'retry' ? 'RolloutRetried' : 'RolloutStarted'));
  const action = b.lastAction;
  if (action?.outcome === 'Applied' && action.at !== a?.lastAction?.at) {
    if (action.action === 'promote') out.push(t('Promoted', 'Promoted'));
    if (action.action === 'promote-full') out.push(t('PromotedFull', 'PromotedFull'));
  }
  if (same && b.step > a!.step && b.phase !== 'Succeeded') out.push(t('StepAdvanced'));
  const phaseChanged = !same || a!.phase !== b.phase;
  if (phaseChanged && moving && b.move?.kind !== 'Rollback') {
    if (b.phase === 'Paused') out.push(t('RolloutPaused'));
    if (b.phase === 'Progressing' && same && a!.phase === 'Paused') out.push(t('RolloutResumed'));
    if (b.phase === 'Aborted') out.push(t('RolloutAborted'));
    if (b.phase === 'Succeeded') out.push(t('RolloutSucceeded'));
  }
  return out;
}

function versionTransitions(a: VersionStatus[], b: VersionStatus[]): Transition[] {
  const before = new Map(a.map((v) => [v.versionId, v]));
  const out: Transition[] = [];
  for (const v of b) {
    const p = before.get(v.versionId);
    const t = (transition: Transition['transition'], reason: string): Transition => ({
      transition,
      versionId: v.versionId,
      reason,
      message: v.message ?? '',
    });
    if (v.drainStartedAt && v.drainStartedAt !== p?.drainStartedAt)
      out.push(t('DrainStarted', v.reason ?? 'Draining'));
    if (v.drainedAt && v.drainedAt !== p?.drainedAt)
      out.push(t('Decommissioned', v.drainReason ?? 'Drained'));
  }
  return out;
}

/**
 * transitionsOf lists what a handler sync changed for real, by comparing the status it read
 * with the one it wrote: rollout starts, steps, pauses, aborts, promotions and successes, and
 * drains started and finished. Identical statuses give none, so a resync logs nothing.
 */
export function transitionsOf(
  before: GatiHandlerStatus | undefined,
  after: GatiHandlerStatus | undefined,
): Transition[] {
  return [
    ...rolloutTransitions(before?.rollout, after?.rollout),
    ...versionTransitions(before?.versions ?? [], after?.versions ?? []),
  ];
}

/** checkOf is the analysis check a sync counted, if any (its check time moved). */
export function checkOf(
  before: GatiHandlerStatus | undefined,
  after: GatiHandlerStatus | undefined,
): Check | undefined {
  const a = after?.rollout?.analysis;
  if (!a?.lastCheckAt || !a.lastResult) return undefined;
  if (before?.rollout?.analysis?.lastCheckAt === a.lastCheckAt) return undefined;
  return { versionId: after!.rollout!.versionId, result: a.lastResult, message: a.message ?? '' };
}

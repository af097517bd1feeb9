import type { RolloutActionRecord } from '../api/gatihandler-status.js';
import { ROLLOUT_ACTION_ANNOTATION } from '../api/keys.js';
import { ONE_SHOT_ACTIONS, type OneShotAction } from '../api/rollout.js';
import { rfc3339 } from '../kube/time.js';
import { aborted, inFlight, preScaled, resumed, succeeded } from './records.js';
import {
  completed,
  fromRecord,
  same,
  stopAt,
  type EngineContext,
  type RolloutEvent,
  type RolloutRecord,
  type RolloutState,
  type Transition,
} from './state.js';

/** What the gati.dev/rollout-action annotation asks for this sync. */
export type ActionRequest =
  | { kind: 'none' }
  | { kind: 'pause' }
  /** `fresh`: not acted on yet (its value differs from the last one recorded, or that was cleared). */
  | { kind: 'one-shot'; action: OneShotAction; value: string; fresh: boolean }
  | { kind: 'unknown'; value: string };

/**
 * readAction reads the annotation. `pause` is a state; the rest are one-shot. A value may carry
 * a token after `@` (`promote@3`) so the same action can be asked for twice: the hooks are pure
 * and cannot remove the annotation, so an action is acted on only when its value differs from
 * the last one recorded in status.rollout.lastAction (or that record says the annotation was
 * removed since).
 */
export function readAction(
  annotations: Record<string, string>,
  last: RolloutActionRecord | undefined,
): ActionRequest {
  const value = annotations[ROLLOUT_ACTION_ANNOTATION]?.trim() ?? '';
  if (value === '') return { kind: 'none' };
  const name = value.split('@')[0]!;
  if (name === 'pause') return { kind: 'pause' };
  if ((ONE_SHOT_ACTIONS as readonly string[]).includes(name))
    return {
      kind: 'one-shot',
      action: name as OneShotAction,
      value,
      fresh: last === undefined || last.cleared === true || last.value !== value,
    };
  return { kind: 'unknown', value };
}

/** actionRecord is what status.rollout.lastAction says of an action acted on (or ignored) now. */
function actionRecord(
  req: { action: OneShotAction; value: string },
  at: string,
  outcome: RolloutActionRecord['outcome'],
  message: string,
  where: { versionId?: string; step?: number },
): RolloutActionRecord {
  return { value: req.value, action: req.action, ...where, at, outcome, message };
}

/**
 * action: a fresh one-shot action acts once on the move in flight, recorded in
 * status.rollout.lastAction (Applied, or Ignored with why) so a leftover never acts again.
 */
export function actOn(
  state: Exclude<RolloutState, { kind: 'Idle' }>,
  e: Extract<RolloutEvent, { kind: 'Action' }>,
  ctx: EngineContext,
  nextStep: (r: RolloutRecord, ctx: EngineContext, reason: 'Promoted') => Transition,
): Transition {
  const r = state.record;
  const at = rfc3339(ctx.now);
  const note = (outcome: 'Applied' | 'Ignored', message: string, rec: RolloutRecord = r) => ({
    ...rec,
    lastAction: actionRecord(e, at, outcome, message, { versionId: r.versionId, step: r.step }),
  });
  const ignored = (why: string): Transition => same(fromRecord(note('Ignored', why)));
  if (ctx.over) return ignored('the rollout already succeeded');
  if (state.kind === 'Succeeded')
    return ignored(
      inFlightOnce(r)
        ? 'the rollout already succeeded'
        : 'no rollout in flight: a first deploy switches at once',
    );
  if (state.kind === 'Aborted')
    return e.action === 'retry'
      ? same(fromRecord(note('Applied', 'rollout restarted from step 1', restart(r, ctx.now))))
      : ignored(`the rollout of ${r.versionId} was aborted: use retry, or change spec.version`);
  if (!inFlight(r)) return ignored('no rollout in flight: a first deploy switches at once');
  switch (e.action) {
    case 'abort': {
      const to = r.previousVersionId
        ? `${r.previousVersionId} serves alone`
        : `${r.versionId} back to weight ${r.move?.fromWeight ?? 0}`;
      return stopAt(
        note('Applied', 'aborted', aborted(r, 'Aborted', `aborted by ${e.value}: ${to}`, ctx.now)),
      );
    }
    case 'promote-full': {
      // spec.scaling Proportional: the weight moves once the target runs its whole size.
      const gate = ctx.capacity?.(ctx.steps.length);
      const step = { step: ctx.steps.length, reason: 'PromotedFull' as const };
      if (gate && !gate.ready)
        return stopAt(
          note(
            'Applied',
            'promoted to 100%',
            preScaled(r, { ...step, replicas: gate.replicas }, ctx.now),
          ),
        );
      return completed(
        note(
          'Applied',
          'promoted to 100%',
          succeeded(r, 'PromotedFull', `promoted to 100% by ${e.value}`, ctx.now),
        ),
      );
    }
    case 'promote':
      if (!ctx.targetReady) return ignored(`${r.versionId} is not Available yet`);
      return nextStep(note('Applied', `promoted past step ${r.step + 1}`), ctx, 'Promoted');
    case 'resume':
      if (state.kind !== 'Paused') return ignored('the rollout is not paused');
      return same(fromRecord(note('Applied', 'resumed', resumed(r, ctx.now))));
    case 'retry':
      return ignored('the rollout is not aborted');
  }
}

/** inFlightOnce: the record was a stepped move (it had a pair or a weight to walk). */
function inFlightOnce(r: RolloutRecord): boolean {
  return inFlight({ ...r, phase: 'Progressing' });
}

/** restart begins an aborted move again from its first step. */
function restart(r: RolloutRecord, now: Date): RolloutRecord {
  const { versionId, image, previousVersionId, move } = r;
  const from = previousVersionId ? ` from ${previousVersionId}` : '';
  return {
    versionId,
    image,
    previousVersionId,
    move,
    phase: 'Progressing',
    reason: 'Retried',
    step: 0,
    stepWeight: 0,
    startedAt: rfc3339(now),
    message: `retrying the rollout of ${versionId}${from}`,
  };
}

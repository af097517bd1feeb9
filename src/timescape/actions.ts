import type { RolloutActionRecord } from '../api/gatihandler-status.js';
import { ROLLOUT_ACTION_ANNOTATION } from '../api/keys.js';

/** The one-shot actions: each acts once on the rollout in flight when it is first seen. */
export const ONE_SHOT_ACTIONS = ['promote', 'promote-full', 'abort', 'retry', 'resume'] as const;
export type OneShotAction = (typeof ONE_SHOT_ACTIONS)[number];

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
export function actionRecord(
  req: Extract<ActionRequest, { kind: 'one-shot' }>,
  at: string,
  outcome: RolloutActionRecord['outcome'],
  message: string,
  where: { versionId?: string; step?: number },
): RolloutActionRecord {
  return { value: req.value, action: req.action, ...where, at, outcome, message };
}

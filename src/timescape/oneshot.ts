import { rfc3339 } from '../kube/time.js';
import { actionRecord, type ActionRequest } from './actions.js';
import { aborted, resumed, succeeded, type RolloutRecord } from './rollout.js';

/**
 * What a fresh one-shot action does to the rollout (docs/progressive-delivery.md): each acts
 * once on the rollout in flight when it is first seen, and is recorded in
 * status.rollout.lastAction — Applied, or Ignored with why — so a leftover never acts again,
 * on this rollout or a later one.
 */
export type OneShotOutcome =
  | { kind: 'none' }
  | { kind: 'ignored'; record: RolloutRecord }
  | { kind: 'aborted'; record: RolloutRecord }
  | { kind: 'succeeded'; record: RolloutRecord }
  | { kind: 'next'; record: RolloutRecord }
  | { kind: 'resumed'; record: RolloutRecord }
  | { kind: 'retried'; record: RolloutRecord };

type OneShot = Extract<ActionRequest, { kind: 'one-shot' }>;

/** oneShotFor decides what the annotation's fresh one-shot action does to `r`, if anything. */
export function oneShotFor(
  r: RolloutRecord,
  action: ActionRequest,
  targetReady: boolean,
  now: Date,
): OneShotOutcome {
  if (action.kind !== 'one-shot' || !action.fresh) return { kind: 'none' };
  const at = rfc3339(now);
  const note = (outcome: 'Applied' | 'Ignored', message: string, rec = r) => ({
    ...rec,
    lastAction: actionRecord(action, at, outcome, message, {
      versionId: r.versionId,
      step: r.step,
    }),
  });
  const ignored = (why: string): OneShotOutcome => ({
    kind: 'ignored',
    record: note('Ignored', why),
  });
  if (!r.previousVersionId) return ignored('no rollout in flight: a first deploy switches at once');
  if (r.phase === 'Succeeded') return ignored('the rollout already succeeded');
  if (r.phase === 'Aborted')
    return action.action === 'retry'
      ? {
          kind: 'retried',
          record: note('Applied', 'rollout restarted from step 1', restart(r, now)),
        }
      : ignored(`the rollout of ${r.versionId} was aborted: use retry, or change spec.version`);
  return inFlight(r, action, targetReady, now, note, ignored);
}

function inFlight(
  r: RolloutRecord,
  action: OneShot,
  targetReady: boolean,
  now: Date,
  note: (o: 'Applied' | 'Ignored', m: string, rec?: RolloutRecord) => RolloutRecord,
  ignored: (why: string) => OneShotOutcome,
): OneShotOutcome {
  switch (action.action) {
    case 'abort': {
      const message = `aborted by ${action.value}: ${r.previousVersionId} serves alone`;
      return {
        kind: 'aborted',
        record: note('Applied', 'aborted', aborted(r, 'Aborted', message, now)),
      };
    }
    case 'promote-full': {
      const done = succeeded(r, 'PromotedFull', `promoted to 100% by ${action.value}`, now);
      return { kind: 'succeeded', record: note('Applied', 'promoted to 100%', done) };
    }
    case 'promote':
      if (!targetReady) return ignored(`${r.versionId} is not Available yet`);
      return { kind: 'next', record: note('Applied', `promoted past step ${r.step + 1}`) };
    case 'resume':
      if (r.phase !== 'Paused') return ignored('the rollout is not paused');
      return { kind: 'resumed', record: note('Applied', 'resumed', resumed(r, now)) };
    case 'retry':
      return ignored('the rollout is not aborted');
  }
}

/** restart begins an aborted rollout again from its first step, from the same incumbent. */
function restart(r: RolloutRecord, now: Date): RolloutRecord {
  return {
    versionId: r.versionId,
    image: r.image,
    previousVersionId: r.previousVersionId,
    phase: 'Progressing',
    step: 0,
    stepWeight: 0,
    startedAt: rfc3339(now),
    message: `retrying the rollout of ${r.versionId} from ${r.previousVersionId}`,
  };
}

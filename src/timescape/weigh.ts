import type { RolloutRecord, RolloutState, Effect } from './engine.js';
import { shareOf, toRecord } from './engine.js';
import { setPhase, supersede } from './lifecycle.js';
import { incumbentOf, inFlight } from './records.js';
import type { Working } from './types.js';

/**
 * Weighing a move into its versions (src/timescape/plan.ts calls these): the weight each
 * version has been granted by moves so far, and the weights of the versions of the move in
 * flight — each walks from its weight before towards its weight after.
 */

/** desireOf: the weight the spec asks for this version (0 while it should not be weighted). */
export function desireOf(w: Working): number {
  return w.c.wanted && !w.c.pinnedOnly ? w.c.desiredWeight : 0;
}

/**
 * grantedOf: the weight moves have granted a version before this sync's move. Asking for less
 * applies at once; asking for more waits for a move — unless nothing served at the last sync
 * (no traffic to protect) or its GatiVersion says `rollout: Immediate`. The versions of a move
 * in flight keep what they had when it started.
 */
export function grantedOf(w: Working, r: RolloutRecord | undefined, served: boolean): number {
  const p = w.prev;
  const before = p?.grantedWeight ?? (p?.phase === 'Active' ? p.effectiveWeight : 0);
  if (r && inFlight(r) && r.versionId === w.c.versionId) return r.move?.fromWeight ?? 0;
  if (r && incumbentOf(r) === w.c.versionId) return r.move?.incumbentWeight ?? before;
  const desired = desireOf(w);
  if (desired <= before || !served || w.c.immediate) return desired;
  return before;
}

/** justDone: the move completed in this sync (its target is granted its whole weight now). */
export function justDone(before: RolloutState, after: RolloutState): boolean {
  if (after.kind !== 'Succeeded') return false;
  if (before.kind !== 'Succeeded') return true;
  return (
    before.record.versionId !== after.record.versionId ||
    before.record.startedAt !== after.record.startedAt
  );
}

/**
 * weigh sets the weights of the move's versions: in flight, each walks from its weight before
 * the move towards its weight after (the step's percent of the way); aborted, each is back
 * where it started — a target that had no weight drains and is reported Failed; a completed
 * Version move supersedes its incumbent. Returns the target's weight once the move is done.
 */
export function weigh(
  byId: Map<string, Working>,
  s: RolloutState,
  targetReady: boolean,
  effects: Effect[],
  at: { now: Date; done: boolean; over: boolean },
): number {
  const { now, done } = at;
  for (const e of effects) {
    const w = byId.get(e.versionId);
    if (!w) continue;
    supersede(w, now);
    w.displaced = true;
  }
  const r = toRecord(s);
  const target = r && byId.get(r.versionId);
  if (!r || !target) return 0;
  const move = r.move ?? { kind: 'Version', fromWeight: 0, toWeight: target.c.desiredWeight };
  const to = moveTo(r, target);
  const incumbent = r.previousVersionId ? byId.get(r.previousVersionId) : undefined;
  const other =
    incumbent && incumbent !== target && incumbent.phase === 'Active' ? incumbent : undefined;
  const incumbentWeight = r.move?.incumbentWeight ?? to;
  if (s.kind === 'Succeeded') {
    if (done && target.phase === 'Active' && !target.c.pinnedOnly) target.effective = to;
  } else if (s.kind === 'Aborted') {
    // Once spec.version went back, the target is simply left behind: it drains (abandoned).
    if (!at.over) abortedTarget(target, move.fromWeight);
    if (other) {
      other.effective = incumbentWeight;
      setPhase(
        other,
        'Active',
        'RolloutAborted',
        `the rollout of ${r.versionId} was aborted: this version serves its full share`,
      );
    }
  } else if (inFlight(r)) {
    const p = shareOf(s, targetReady) / 100;
    const at = stepWeights(r, target, p);
    const paused = r.phase === 'Paused' ? ' (paused)' : '';
    if (target.phase === 'Active') {
      target.effective = at.target;
      setPhase(
        target,
        'Active',
        'RollingOut',
        `rolling out${paused}: step ${r.step + 1}, ${Math.round(p * 100)}% of the move`,
      );
    }
    if (other) {
      other.effective = at.incumbent;
      setPhase(
        other,
        'Active',
        'RollingOut',
        `rolling out ${r.versionId}${paused}: ${100 - Math.round(p * 100)}% of its weight stays here`,
      );
    }
  }
  return to;
}

/** moveTo: the target's weight once the move is done (never more than it asks for now). */
function moveTo(r: RolloutRecord, target: Working): number {
  const toWeight = r.move?.toWeight ?? target.c.desiredWeight;
  return Math.min(toWeight, desireOf(target) || toWeight);
}

/**
 * stepWeights: the weights of a move's target and incumbent at `p` (0–1) of the way — each
 * walks from its weight before towards its weight after. The sizing of the step ahead
 * (sizing.ts) reads the same numbers the route will carry.
 */
export function stepWeights(
  r: RolloutRecord,
  target: Working,
  p: number,
): { target: number; incumbent: number } {
  const from = r.move?.fromWeight ?? 0;
  const to = moveTo(r, target);
  return {
    target: Math.round(from + (to - from) * p),
    incumbent: Math.round((r.move?.incumbentWeight ?? to) * (1 - p)),
  };
}

/** abortedTarget: back to its weight before the move — or, without one, out (it drains, Failed). */
function abortedTarget(target: Working, fromWeight: number): void {
  if (fromWeight > 0 && target.phase === 'Active') {
    target.effective = fromWeight;
    setPhase(
      target,
      'Active',
      'RolloutAborted',
      `the move was aborted: back to weight ${fromWeight}`,
    );
    return;
  }
  target.lifecycle = 'Draining';
  target.aborted = true;
}

import { TRANSITIONS_KEPT, type TransitionRecord } from '../api/analysis-status.js';
import type { GatiHandlerStatus } from '../api/gatihandler-status.js';
import { rfc3339 } from '../kube/time.js';
import { transitionsOf } from './transitions.js';

/**
 * withHistory numbers what a sync changed for real (transitions.ts) and keeps the last ones in
 * status: `transitionSeq` only grows, and each transition keeps its number, so
 * `gati-operator notify` can name an Event after (object uid, number) — two replicas, a restart
 * or a replayed request write it once. A status without new transitions is returned as it
 * was (same bytes); the history survives an InvalidSpec hold, which keeps the whole status.
 */
export function withHistory(
  previous: GatiHandlerStatus | undefined,
  next: GatiHandlerStatus,
  now: Date,
): GatiHandlerStatus {
  const seq = previous?.transitionSeq ?? 0;
  const kept = previous?.transitions ?? [];
  const found = transitionsOf(previous, next);
  if (found.length === 0)
    return seq === 0 ? next : { ...next, transitionSeq: seq, transitions: kept };
  const at = rfc3339(now);
  const added: TransitionRecord[] = found.map((t, i) => ({
    seq: seq + i + 1,
    transition: t.transition,
    versionId: t.versionId,
    reason: t.reason.slice(0, 128),
    ...(t.message ? { message: t.message.slice(0, 1024) } : {}),
    at,
  }));
  return {
    ...next,
    transitionSeq: seq + found.length,
    transitions: [...kept, ...added].slice(-TRANSITIONS_KEPT),
  };
}

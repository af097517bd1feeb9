import type { Condition } from '../api/common.js';
import type { ParentInfo } from '../kube/observed.js';
import { rfc3339 } from '../kube/time.js';

/** What a condition says, before its timestamps are settled. */
export interface Verdict {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

function previousOf(previous: unknown, type: string): Record<string, unknown> | undefined {
  if (!Array.isArray(previous)) return undefined;
  return previous.find(
    (c): c is Record<string, unknown> => typeof c === 'object' && c !== null && c.type === type,
  );
}

/**
 * conditions turns verdicts into Kubernetes conditions sorted by type. lastTransitionTime is
 * copied from the parent's current condition when its status is unchanged (the Kubernetes
 * meaning of a transition; a new reason alone is not one), else it is `now` — so identical
 * requests give identical bytes and status never hot-loops.
 * observedGeneration is the parent's metadata.generation when it has one.
 */
export function conditions(
  verdicts: Verdict[],
  previous: unknown,
  now: Date,
  generation?: number,
): Condition[] {
  return [...verdicts]
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
    .map((v) => {
      const prev = previousOf(previous, v.type);
      const same = prev && prev.status === v.status && typeof prev.lastTransitionTime === 'string';
      const c: Condition = {
        ...v,
        lastTransitionTime: same ? (prev.lastTransitionTime as string) : rfc3339(now),
      };
      if (generation !== undefined) c.observedGeneration = generation;
      return c;
    });
}

/** condition builds a verdict from a boolean status: the one constructor every hook uses. */
export function condition(type: string, status: boolean, reason: string, message: string): Verdict {
  return { type, status: status ? 'True' : 'False', reason, message };
}

/** A reason the parent cannot become Ready on its own: its Ready=False and Stalled=True. */
export interface Blocker {
  ready: Verdict;
  stalled: Verdict;
}

/** firstBlocker: the first of the reasons given that applies (earlier ones take precedence). */
export function firstBlocker(...blockers: Array<Blocker | undefined>): Blocker | undefined {
  return blockers.find((x): x is Blocker => x !== undefined);
}

/**
 * withBlocker replaces a workload's Ready and Stalled verdicts with the first blocker's; the
 * other verdicts (Available, Reconciling) still say how it runs.
 */
export function withBlocker(
  verdicts: Verdict[],
  ...blockers: Array<Blocker | undefined>
): Verdict[] {
  const b = firstBlocker(...blockers);
  if (!b) return verdicts;
  return [
    ...verdicts.filter((v) => v.type !== 'Ready' && v.type !== 'Stalled'),
    b.ready,
    b.stalled,
  ];
}

/** statusWith settles a phase and verdicts into a status object (conditions with stable timestamps). */
export function statusWith(
  parent: ParentInfo,
  now: Date,
  phase: string,
  verdicts: Verdict[],
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...extra,
    phase,
    conditions: conditions(verdicts, parent.previousConditions, now, parent.generation),
  };
}

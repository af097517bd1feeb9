import type { GatiHandlerStatus } from '../api/gatihandler.js';
import { elapsed, rfc3339 } from '../kube/time.js';

/** Rollout state kept in GatiHandler.status.rollout between syncs. */
export type RolloutState = NonNullable<GatiHandlerStatus['rollout']>;

/** A step of a rollout: the new version's share of the pair's weight, and how long it holds. */
export interface Step {
  weight: number;
  pauseSeconds: number;
}

/**
 * startRollout decides, when spec.version differs from the version last reconciled, which
 * serving version the new one takes over from. There is no rollout (the new version gets
 * its full weight once Available) when nothing was serving: a first deploy, or an incumbent
 * that had already lost its traffic.
 */
export function startRollout(
  previous: GatiHandlerStatus | undefined,
  specVersion: string,
  wasServing: (versionId: string) => boolean,
): RolloutState | undefined {
  const last = previous?.version;
  if (last === undefined) return undefined;
  const current = previous?.rollout;
  if (last === specVersion) return current?.versionId === specVersion ? current : undefined;
  // Superseded mid-rollout before the target served: the old incumbent is still the one serving.
  const incumbent = current && !wasServing(current.versionId) ? current.previousVersionId : last;
  if (incumbent === undefined || incumbent === specVersion || !wasServing(incumbent))
    return undefined;
  return { versionId: specVersion, previousVersionId: incumbent, step: 0 };
}

/** The outcome of one sync's look at a rollout. */
export interface RolloutProgress {
  /** State to remember; undefined once the rollout is complete. */
  state?: RolloutState;
  /** Percent of the pair's weight the new version carries now. */
  share: number;
  /** Seconds until the current step ends (for resyncAfterSeconds). */
  dueInSeconds?: number;
}

/**
 * advanceRollout moves a rollout on by at most one step per sync: its first step starts
 * when the new version is Available, and each step holds for its pauseSeconds. A new
 * version that cannot take traffic (not Available, or pinned-only) holds the rollout at 0 %.
 */
export function advanceRollout(
  state: RolloutState,
  canTakeTraffic: boolean,
  steps: Step[],
  now: Date,
): RolloutProgress {
  if (!canTakeTraffic) return { state, share: 0 };
  let { step, stepStartedAt } = state;
  if (stepStartedAt === undefined) {
    stepStartedAt = rfc3339(now);
  } else if (step < steps.length && elapsed(stepStartedAt, now) >= steps[step]!.pauseSeconds) {
    step += 1;
    stepStartedAt = rfc3339(now);
  }
  if (step >= steps.length || steps[step]!.weight >= 100) return { share: 100 };
  const next: RolloutState = { ...state, step, stepStartedAt };
  return {
    state: next,
    share: steps[step]!.weight,
    dueInSeconds: Math.max(1, steps[step]!.pauseSeconds - elapsed(stepStartedAt, now)),
  };
}

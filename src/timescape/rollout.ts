import type { RolloutStatus, VersionStatus } from '../api/gatihandler-status.js';
import { rfc3339 } from '../kube/time.js';

/**
 * The rollout of spec.version, from what the last status recorded and what the spec says now
 * (docs/progressive-delivery.md). A rollout pairs the new version (the target) with the
 * version it takes over from (the incumbent); its record stays in status after it ends.
 */
export type RolloutRecord = RolloutStatus;

/** A step of a rollout: the target's share of the pair's weight, and how long it holds. */
export interface Step {
  weight: number;
  pauseSeconds: number;
}

/** What the spec and the last status say, for resolving the rollout of this sync. */
export interface ResolveInput {
  prev?: RolloutRecord;
  /** status.version: spec.version as last reconciled (status written before rollout records). */
  lastVersion?: string;
  /** status.versions of the last sync: who served with what weight. */
  versions: VersionStatus[];
  version: string;
  image: string;
  now: Date;
}

/** The rollout this sync works on. */
export interface Resolved {
  record: RolloutRecord;
  /** Versions a rollout moved away from this sync: they drain even if a GatiVersion carries them. */
  abandoned: string[];
}

/** inFlight: the rollout still moves traffic between its pair. */
export function inFlight(r: RolloutRecord | undefined): boolean {
  return (
    r !== undefined &&
    r.previousVersionId !== undefined &&
    (r.phase === 'Progressing' || r.phase === 'Paused')
  );
}

/** incumbentOf is the version that serves beside the target: in flight, or alone once aborted. */
export function incumbentOf(r: RolloutRecord): string | undefined {
  return inFlight(r) || r.phase === 'Aborted' ? r.previousVersionId : undefined;
}

function servingWeight(versions: VersionStatus[], id: string | undefined): number {
  const v = versions.find((x) => x.versionId === id);
  return v?.phase === 'Active' ? v.effectiveWeight : 0;
}

/**
 * mostServing is the version a new rollout starts from: the one that served the most weight
 * at the last sync (ties: the previous rollout's incumbent, then the last spec.version, then
 * by versionId), never the target itself.
 */
function mostServing(i: ResolveInput): string | undefined {
  const rank = (id: string) =>
    id === i.prev?.previousVersionId ? 0 : id === (i.prev?.versionId ?? i.lastVersion) ? 1 : 2;
  return i.versions
    .filter((v) => v.versionId !== i.version && servingWeight(i.versions, v.versionId) > 0)
    .sort(
      (a, b) =>
        b.effectiveWeight - a.effectiveWeight ||
        rank(a.versionId) - rank(b.versionId) ||
        (a.versionId < b.versionId ? -1 : 1),
    )[0]?.versionId;
}

/** start begins a rollout to spec.version from `from`; from nothing it switches at once. */
function start(i: ResolveInput, from: string | undefined): RolloutRecord {
  const at = rfc3339(i.now);
  const base = {
    versionId: i.version,
    image: i.image,
    step: 0,
    startedAt: at,
    lastAction: i.prev?.lastAction,
  };
  if (from === undefined) return { ...base, phase: 'Progressing', stepWeight: 100 };
  return {
    ...base,
    previousVersionId: from,
    phase: 'Progressing',
    stepWeight: 0,
    message: `rolling out ${i.version} from ${from}`,
  };
}

/** succeeded ends a rollout with the target carrying the whole pair. */
export function succeeded(
  r: RolloutRecord,
  reason: string,
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
    finishedAt: rfc3339(now),
  };
}

/** paused holds a rollout where it is (weights stay) until resumed. */
export function paused(
  r: RolloutRecord,
  reason: string,
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

/** resumed continues a paused rollout with the step's remaining time; the streaks of failed checks start over. */
export function resumed(r: RolloutRecord, now: Date): RolloutRecord {
  const shift = r.pausedAt ? (now.getTime() - Date.parse(r.pausedAt)) / 1000 : 0;
  const stepStartedAt = r.stepStartedAt
    ? rfc3339(new Date(Date.parse(r.stepStartedAt) + shift * 1000))
    : undefined;
  const analysis = r.analysis && { ...r.analysis, failuresInARow: 0, inconclusiveInARow: 0 };
  return {
    ...r,
    phase: 'Progressing',
    reason: undefined,
    message: `resumed at step ${r.step + 1}`,
    pausedAt: undefined,
    stepStartedAt,
    analysis,
  };
}

/** aborted ends a rollout: the target goes to weight 0, the incumbent serves alone. */
export function aborted(
  r: RolloutRecord,
  reason: string,
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
    finishedAt: rfc3339(now),
  };
}

/**
 * resolveRollout decides which rollout this sync works on:
 * - the same spec as the record: that rollout goes on (an image change of the same version
 *   updates it in place — unless it was aborted, which the new image retries);
 * - spec.version back to the incumbent of a rollout in flight: a revert, which is an abort —
 *   the incumbent gets its full share at once and the target drains;
 * - any other version: a new rollout from the version that serves most; the versions of an
 *   unfinished rollout that are neither drain.
 */
export function resolveRollout(i: ResolveInput): Resolved {
  const { prev } = i;
  if (!prev) {
    const last = i.lastVersion;
    const from = last !== i.version && servingWeight(i.versions, last) > 0 ? last : undefined;
    return { record: start(i, from), abandoned: [] };
  }
  if (prev.versionId === i.version) {
    // Aborted, then spec.version (or its image) changed: that is a new rollout.
    const changed =
      prev.image !== i.image || (i.lastVersion !== undefined && i.lastVersion !== i.version);
    if (prev.phase === 'Aborted' && changed)
      return { record: start(i, mostServing(i)), abandoned: [] };
    return { record: prev.image === i.image ? prev : { ...prev, image: i.image }, abandoned: [] };
  }
  if (inFlight(prev) && i.version === prev.previousVersionId) {
    const message = `spec.version went back to ${i.version}: the rollout of ${prev.versionId} is aborted and it drains`;
    return { record: aborted(prev, 'Reverted', message, i.now), abandoned: [prev.versionId] };
  }
  if (prev.phase === 'Aborted' && i.version === prev.previousVersionId)
    return { record: prev, abandoned: [prev.versionId] };
  const from = mostServing(i);
  const unfinished = inFlight(prev) || prev.phase === 'Aborted';
  const abandoned = unfinished
    ? [prev.versionId, prev.previousVersionId].filter(
        (id): id is string => id !== undefined && id !== from && id !== i.version,
      )
    : [];
  return { record: start(i, from), abandoned };
}

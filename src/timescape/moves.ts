import type { QueuedMove, VersionStatus } from '../api/gatihandler-status.js';
import type { MoveKind } from '../api/rollout.js';
import { rfc3339 } from '../kube/time.js';
import { fromRecord, type RolloutEvent, type RolloutRecord } from './engine.js';
import { inFlight, inWindow } from './records.js';

/**
 * Which traffic move a sync works on (DESIGN §4b): every rise of a version's share of the
 * weighted rule is a move, one at a time, later ones queued in order. A version's *granted*
 * weight is what moves have given it so far: asking for less applies at once, asking for more
 * is a move. The resolver turns the spec and the last status into the events that start,
 * revert or queue moves; the engine (engine.ts) does the rest.
 */

/** One live version as the resolver needs it. */
interface MoveCandidate {
  versionId: string;
  /** The weight the spec asks for (0 when it should not be weighted). */
  desired: number;
  /** The weight moves have granted it so far (before this sync's move). */
  granted: number;
  /** Available now. */
  available: boolean;
  /** Its last status entry. */
  prev?: VersionStatus;
}

export interface ResolveInput {
  prev?: RolloutRecord;
  /** status.version: spec.version as last reconciled. */
  lastVersion?: string;
  /** status.versions of the last sync. */
  versions: VersionStatus[];
  version: string;
  image: string;
  now: Date;
  candidates: MoveCandidate[];
  rollbackWindowSeconds: number;
}

/** What the resolver decided. */
export interface Resolved {
  events: RolloutEvent[];
  /** Versions a move moved away from this sync: they drain even if a GatiVersion carries them. */
  abandoned: string[];
  /** Moves waiting, in order (after this sync's events started one, if they did). */
  queue: QueuedMove[];
}

function servingWeight(versions: VersionStatus[], id: string | undefined): number {
  const v = versions.find((x) => x.versionId === id);
  return v?.phase === 'Active' ? v.effectiveWeight : 0;
}

/**
 * mostServing is the version a Version move starts from: the one that served the most weight
 * at the last sync (ties: the previous move's incumbent, then the last spec.version, then by
 * versionId), never the target itself.
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

/** versionMove starts a Version move to spec.version from `from` (a first deploy without one). */
function versionMove(i: ResolveInput, from: string | undefined, kind: MoveKind): RolloutEvent {
  const target = i.candidates.find((c) => c.versionId === i.version);
  const to = target?.desired ?? 0;
  const fromWeight = Math.min(target?.granted ?? 0, to);
  const at = rfc3339(i.now);
  const base = { versionId: i.version, image: i.image, step: 0, startedAt: at };
  if (from === undefined)
    return {
      kind: 'NewMove',
      move: {
        record: {
          ...base,
          phase: 'Progressing',
          reason: 'Started',
          stepWeight: 100,
          move: { kind: 'Version', fromWeight, toWeight: to },
        },
      },
    };
  const incumbent = i.candidates.find((c) => c.versionId === from);
  const rollback = kind === 'Rollback';
  return {
    kind: 'NewMove',
    move: {
      record: {
        ...base,
        previousVersionId: from,
        phase: 'Progressing',
        reason: 'Started',
        stepWeight: rollback ? 100 : 0,
        message: rollback
          ? `rolling back to ${i.version} inside its rollback window: one step`
          : `rolling out ${i.version} from ${from}`,
        move: {
          kind,
          fromWeight,
          toWeight: to,
          // A version that is still wanted keeps its own weight; one on its way out hands over
          // the target's (the pair shares one weight, as before moves were general).
          incumbentWeight: incumbent?.desired || to,
        },
      },
    },
  };
}

/** weightMove starts a Weight move: a version gains weight beside the others. */
function weightMove(i: ResolveInput, c: MoveCandidate): RolloutEvent {
  return {
    kind: 'NewMove',
    move: {
      record: {
        versionId: c.versionId,
        image: c.prev?.image,
        phase: 'Progressing',
        reason: 'Started',
        step: 0,
        stepWeight: 0,
        startedAt: rfc3339(i.now),
        message: `${c.versionId} gains weight ${c.granted} → ${c.desired}`,
        move: { kind: 'Weight', fromWeight: c.granted, toWeight: c.desired },
      },
    },
  };
}

/** specEvent: what a change of spec.version (or of its image) asks for, if anything. */
function specEvent(i: ResolveInput): { events: RolloutEvent[]; abandoned: string[]; wait?: true } {
  const { prev } = i;
  if (!prev) {
    const last = i.lastVersion;
    const from = last !== i.version && servingWeight(i.versions, last) > 0 ? last : undefined;
    return { events: [versionMove(i, from, 'Version')], abandoned: [] };
  }
  const changed = i.lastVersion !== undefined && i.lastVersion !== i.version;
  const kind = prev.move?.kind ?? 'Version';
  if (!changed) {
    if (prev.versionId !== i.version || kind !== 'Version' || prev.image === i.image)
      return { events: [], abandoned: [] };
    // The same version with a new image: an aborted rollout is retried, else the record follows.
    return prev.phase === 'Aborted'
      ? { events: [versionMove(i, mostServing(i), 'Version')], abandoned: [] }
      : { events: [{ kind: 'Retarget', image: i.image }], abandoned: [] };
  }
  if (kind === 'Version' && inFlight(prev) && i.version === prev.previousVersionId)
    return { events: [{ kind: 'Revert' }], abandoned: [prev.versionId] };
  if (kind === 'Version' && prev.phase === 'Aborted' && i.version === prev.previousVersionId)
    return { events: [], abandoned: [prev.versionId] };
  if (kind === 'Weight' && inFlight(prev)) return { events: [], abandoned: [], wait: true };
  const from = mostServing(i);
  const back = i.versions.find((v) => v.versionId === i.version);
  const rollback =
    from !== undefined &&
    inWindow(
      back?.supersededAt,
      (back?.availableReplicas ?? 0) > 0,
      i.rollbackWindowSeconds,
      i.now,
    );
  const unfinished = kind === 'Version' && (inFlight(prev) || prev.phase === 'Aborted');
  const abandoned = unfinished
    ? [prev.versionId, prev.previousVersionId].filter(
        (id): id is string => id !== undefined && id !== from && id !== i.version,
      )
    : [];
  return { events: [versionMove(i, from, rollback ? 'Rollback' : 'Version')], abandoned };
}

/**
 * resolveMoves decides this sync's move events and the queue: a change of spec.version first
 * (it replaces a Version move in flight, as a newer spec wins; it waits behind a Weight move),
 * then, once nothing is in flight, the first move waiting.
 */
export function resolveMoves(i: ResolveInput): Resolved {
  const spec = specEvent(i);
  const prevQueue = (i.prev?.queue ?? []).filter(
    (q) => q.kind !== 'Version' || q.versionId === i.version,
  );
  const queued = new Map(prevQueue.map((q) => [`${q.kind}/${q.versionId}`, q]));
  if (spec.wait && !queued.has(`Version/${i.version}`))
    queued.set(`Version/${i.version}`, {
      versionId: i.version,
      kind: 'Version',
      toWeight: i.candidates.find((c) => c.versionId === i.version)?.desired ?? 0,
      since: rfc3339(i.now),
    });
  for (const c of pendingWeight(i))
    if (!queued.has(`Weight/${c.versionId}`))
      queued.set(`Weight/${c.versionId}`, {
        versionId: c.versionId,
        kind: 'Weight',
        toWeight: c.desired,
        since: rfc3339(i.now),
      });
  const pending = new Set(pendingWeight(i).map((c) => c.versionId));
  const queue = [...queued.values()].filter(
    (q) => q.kind === 'Version' || pending.has(q.versionId),
  );
  if (spec.events.length > 0 || !idle(i)) return { ...spec, queue };
  const head = queue[0];
  if (!head) return { events: [], abandoned: spec.abandoned, queue };
  const rest = queue.slice(1);
  if (head.kind === 'Version')
    return {
      events: [versionMove(i, mostServing(i), 'Version')],
      abandoned: spec.abandoned,
      queue: rest,
    };
  const c = i.candidates.find((x) => x.versionId === head.versionId)!;
  return { events: [weightMove(i, c)], abandoned: spec.abandoned, queue: rest };
}

/**
 * idle: no move is in flight, and none is held for a decision — an aborted Version move of the
 * current spec.version waits for retry or a new spec.version before anything else moves.
 */
function idle(i: ResolveInput): boolean {
  const s = fromRecord(i.prev);
  if (s.kind === 'Idle' || s.kind === 'Succeeded') return true;
  if (s.kind !== 'Aborted') return !inFlight(s.record);
  return (s.record.move?.kind ?? 'Version') !== 'Version' || s.record.versionId !== i.version;
}

/**
 * pendingWeight: versions that ask for more weight than they were granted — except the move in
 * flight's own versions, and a move aborted at that same weight (until retry or a new weight).
 */
function pendingWeight(i: ResolveInput): MoveCandidate[] {
  const p = i.prev;
  const busy = inFlight(p) ? [p!.versionId, p!.previousVersionId] : [];
  // An aborted target waits for retry (or a new spec.version, or a new weight for a Weight move).
  const refused = (c: MoveCandidate) =>
    p?.phase === 'Aborted' &&
    p.versionId === c.versionId &&
    ((p.move?.kind ?? 'Version') !== 'Weight' ||
      (p.reason !== 'Reverted' && p.move?.toWeight === c.desired));
  return i.candidates
    .filter((c) => c.desired > c.granted && c.available && !busy.includes(c.versionId))
    .filter((c) => c.versionId !== i.version || i.lastVersion === i.version)
    .filter((c) => !refused(c))
    .sort((a, b) => (a.versionId < b.versionId ? -1 : 1));
}

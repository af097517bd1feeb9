import type { Analysis, Webhook } from '../api/analysis.js';
import type { RolloutStatus } from '../api/gatihandler-status.js';
import type { AbortReason, OneShotAction, PauseReason, SuccessReason } from '../api/rollout.js';
import type { RouteLag } from './route-status.js';
import type { Observation } from '../api/signals.js';
import type { Step } from './records.js';

/**
 * The rollout engine's vocabulary (engine.ts): its states, the events a sync derives, what a
 * transition needs and gives. The state is persisted as status.rollout (fromRecord / toRecord).
 */

/** status.rollout: what the engine's state persists as. */
export type RolloutRecord = RolloutStatus;

/** The engine's states; each keeps the record it persists as. */
export type RolloutState =
  | { kind: 'Idle' }
  | { kind: 'WaitingForTarget'; record: RolloutRecord }
  | { kind: 'Stepping'; record: RolloutRecord }
  | { kind: 'Paused'; reason: PauseReason; record: RolloutRecord }
  | { kind: 'Aborted'; reason: AbortReason; record: RolloutRecord }
  | { kind: 'Succeeded'; reason: SuccessReason; record: RolloutRecord };
export type StateKind = RolloutState['kind'];
export const STATE_KINDS: readonly StateKind[] = [
  'Idle',
  'WaitingForTarget',
  'Stepping',
  'Paused',
  'Aborted',
  'Succeeded',
];

/** A move about to start: its record, made by the resolver (src/timescape/moves.ts). */
interface MoveStart {
  record: RolloutRecord;
}

/** What happened since the last sync, derived once from the request (eventsOf in moves.ts). */
export type RolloutEvent =
  /** The annotation was removed: the same action set again acts again. */
  | { kind: 'AnnotationCleared' }
  /** A new move starts (a new spec.version, a queued move, a rollback), replacing the last record. */
  | { kind: 'NewMove'; move: MoveStart }
  /** spec.version went back to the incumbent of the move in flight: an abort. */
  | { kind: 'Revert' }
  /** The target's image changed (same versionId): the record follows it. */
  | { kind: 'Retarget'; image: string }
  /** A fresh one-shot action of gati.dev/rollout-action. */
  | { kind: 'Action'; action: OneShotAction; value: string }
  /** gati.dev/rollout-action is `pause`: a state, held while it is set. */
  | { kind: 'Pause' }
  /** It is not (any more): a manual pause resumes. */
  | { kind: 'PauseLifted' }
  /** The incumbent of a Version move no longer serves: nothing is left to hand over from. */
  | { kind: 'IncumbentGone' }
  /**
   * The step's own business: the target's readiness, its gates (analysis, webhooks) and its
   * wait. `observations`: the handler's gate answers by key (metrics.ts metricKey/webhookKey).
   */
  | { kind: 'Step'; observations?: Record<string, Observation> };
export type EventKind = RolloutEvent['kind'];
export const EVENT_KINDS: readonly EventKind[] = [
  'AnnotationCleared',
  'NewMove',
  'Revert',
  'Retarget',
  'Action',
  'Pause',
  'PauseLifted',
  'IncumbentGone',
  'Step',
];

/** What a transition needs besides state and event: the clock and the handler's rollout policy. */
export interface EngineContext {
  now: Date;
  steps: Step[];
  analysis?: Analysis;
  /** The move's webhooks (gates.ts). */
  webhooks?: Webhook[];
  /** The version baseline metrics compare with (metrics.ts baselineOf). */
  baseline?: string;
  /** The target is Available and may take weighted traffic. */
  targetReady: boolean;
  /** spec.version is not the record's target (it went back after an abort): nothing to act on. */
  over: boolean;
  /**
   * Whether the version gaining traffic has the pods step `step` needs Available (step
   * `steps.length`: the whole move), and how many that is — spec.scaling Proportional
   * (src/timescape/sizing.ts). Absent: always ready (Full, or a caller that only predicts).
   */
  capacity?: (step: number) => Capacity;
  /**
   * The gateway reports the route applied only at an older generation than the route's
   * (route-status.ts gatewayBehind): the step's weights may not serve yet. Absent: applied, or
   * the gateway says nothing (a caller that only predicts, or a gateway without status).
   */
  routeBehind?: RouteLag;
}

/** How often a move held for its pods looks again, besides the Deployment's own events. */
export const PRESCALE_POLL_SECONDS = 5;
/** How often a step held for the gateway looks again, besides the route's own status events. */
export const ROUTE_POLL_SECONDS = 5;

/** What the gate of one step found: the replicas the gaining version needs, and whether they run. */
export interface Capacity {
  ready: boolean;
  replicas: number;
}

/** What a transition did besides changing state. */
export type Effect =
  /** The move completed now: its incumbent is superseded (and drains after its window). */
  { kind: 'Supersede'; versionId: string };

/** One transition's result. `stop`: nothing else moves this sync (at most one step per sync). */
export interface Transition {
  state: RolloutState;
  effects: Effect[];
  stop?: boolean;
}

/** fromRecord reads the engine's state from status.rollout. */
export function fromRecord(r: RolloutRecord | undefined): RolloutState {
  if (!r) return { kind: 'Idle' };
  switch (r.phase) {
    case 'Progressing':
      return r.stepStartedAt
        ? { kind: 'Stepping', record: r }
        : { kind: 'WaitingForTarget', record: r };
    case 'Paused':
      return { kind: 'Paused', reason: (r.reason as PauseReason) ?? 'ManualPause', record: r };
    case 'Aborted':
      return { kind: 'Aborted', reason: (r.reason as AbortReason) ?? 'Aborted', record: r };
    case 'Succeeded':
      return { kind: 'Succeeded', reason: (r.reason as SuccessReason) ?? 'Completed', record: r };
  }
}

/** toRecord is the state as status.rollout (undefined while Idle). */
export function toRecord(s: RolloutState): RolloutRecord | undefined {
  return s.kind === 'Idle' ? undefined : s.record;
}

export const same = (state: RolloutState): Transition => ({ state, effects: [] });

/** keepAction: a new move carries the record of the last action, so a leftover never acts again. */
export function keepAction(r: RolloutRecord, prev: RolloutState): RolloutRecord {
  const last = prev.kind === 'Idle' ? undefined : prev.record.lastAction;
  return last && !r.lastAction ? { ...r, lastAction: last } : r;
}

export function stopAt(r: RolloutRecord, effects: Effect[] = []): Transition {
  return { state: fromRecord(r), effects, stop: true };
}

/** completed: the target carries its whole weight; a Version move's incumbent is superseded. */
export function completed(r: RolloutRecord): Transition {
  const effects: Effect[] = r.previousVersionId
    ? [{ kind: 'Supersede', versionId: r.previousVersionId }]
    : [];
  return stopAt(r, effects);
}

import { Type, type Static } from '@sinclair/typebox';
import { StatusCommon, StringEnum } from './common.js';
import { CostStatusFields, PreScale } from './cost.js';
import { INCONCLUSIVE_REASONS, type InconclusiveReason } from './signals.js';
import {
  MetricStatus,
  TRANSITIONS_KEPT,
  TransitionRecord,
  WebhookStatus,
} from './analysis-status.js';
import {
  ALL_ROLLOUT_REASONS,
  MOVE_KINDS,
  ONE_SHOT_ACTIONS,
  ROLLOUT_PHASES,
  VERSION_PHASES,
} from './rollout.js';

const list = <T extends string>(values: readonly T[]) => [...values] as T[];

const Time = (description?: string) =>
  Type.Optional(
    Type.String(description ? { format: 'date-time', description } : { format: 'date-time' }),
  );

/** The record of one applied (or ignored) one-shot rollout action. */
export const RolloutActionRecord = Type.Object({
  value: Type.String({ description: 'The gati.dev/rollout-action value as seen.' }),
  action: StringEnum(list(ONE_SHOT_ACTIONS)),
  versionId: Type.Optional(Type.String({ description: 'The rollout target it acted on.' })),
  step: Type.Optional(Type.Integer({ minimum: 0, description: 'The step it acted at.' })),
  at: Type.String({ format: 'date-time' }),
  outcome: StringEnum(['Applied', 'Ignored']),
  message: Type.String(),
  cleared: Type.Optional(
    Type.Boolean({
      description: 'The annotation has been removed since: the same value set again acts again.',
    }),
  ),
});
export type RolloutActionRecord = Static<typeof RolloutActionRecord>;

/** The analysis of the rollout in flight, counted in status so it survives a server restart. */
export const AnalysisStatus = Type.Object({
  lastValue: Type.Optional(Type.Number()),
  lastCheckAt: Time('When the last check was counted.'),
  lastSampleAt: Time(
    'Time of the sample the last check counted: a check counts only a newer sample, so no cache, replica or replayed request votes twice.',
  ),
  lastReason: Type.Optional(
    StringEnum(Object.keys(INCONCLUSIVE_REASONS) as InconclusiveReason[], {
      description: 'Why the last check was inconclusive.',
    }),
  ),
  lastResult: Type.Optional(StringEnum(['Passed', 'Failed', 'Inconclusive'])),
  lastCheckStep: Type.Optional(Type.Integer({ minimum: 0 })),
  passes: Type.Integer({ minimum: 0 }),
  failures: Type.Integer({ minimum: 0 }),
  inconclusive: Type.Integer({ minimum: 0 }),
  failuresInARow: Type.Integer({ minimum: 0 }),
  inconclusiveInARow: Type.Integer({ minimum: 0 }),
  message: Type.Optional(Type.String({ description: 'What the last check found, in words.' })),
  metrics: Type.Optional(
    Type.Array(MetricStatus, {
      maxItems: 16,
      description: 'Each named metric of the last check: its value, the baseline, the result.',
    }),
  ),
});
export type AnalysisStatus = Static<typeof AnalysisStatus>;

/** What a move changes: the target's weight from and to, and the incumbent's weight it takes over. */
export const MoveStatus = Type.Object({
  kind: StringEnum(list(MOVE_KINDS)),
  fromWeight: Type.Integer({ minimum: 0, description: "The target's weight before the move." }),
  toWeight: Type.Integer({ minimum: 0, description: "The target's weight once the move is done." }),
  incumbentWeight: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: "A Version move: the incumbent's weight before the move (0 once it is done).",
    }),
  ),
});
export type MoveStatus = Static<typeof MoveStatus>;

/** A move waiting for the one in flight to end. */
export const QueuedMove = Type.Object({
  versionId: Type.String(),
  kind: StringEnum(list(MOVE_KINDS)),
  toWeight: Type.Integer({ minimum: 0 }),
  since: Type.String({ format: 'date-time', description: 'When it started waiting.' }),
});
export type QueuedMove = Static<typeof QueuedMove>;

/**
 * The traffic move in flight (or the last one, kept after it ends): a new spec.version, a
 * GatiVersion gaining weight, or a rollback. One at a time; later ones wait in `queue`.
 */
export const RolloutStatus = Type.Object({
  versionId: Type.String({ description: 'The version being rolled out (the target).' }),
  image: Type.Optional(Type.String()),
  previousVersionId: Type.Optional(
    Type.String({
      description: 'The version it started from (the incumbent); none on a first deploy.',
    }),
  ),
  phase: StringEnum(list(ROLLOUT_PHASES)),
  reason: Type.Optional(StringEnum(list(ALL_ROLLOUT_REASONS))),
  move: Type.Optional(MoveStatus),
  message: Type.Optional(Type.String()),
  step: Type.Integer({ minimum: 0, description: 'Index of the current step.' }),
  stepWeight: Type.Integer({
    minimum: 0,
    maximum: 100,
    description:
      "How far the move has come, in percent of the way from its weights before to after (the current step's weight).",
  }),
  trafficPercent: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 100,
      description: "The target's share of weighted traffic.",
    }),
  ),
  startedAt: Time(),
  stepStartedAt: Time(),
  stepEndsAt: Time("When the current step's wait ends (while Progressing)."),
  routeBehindSince: Time(
    'During a step: since when the gateway reports an older route generation; the step restarts once it has caught up.',
  ),
  pausedAt: Time(),
  finishedAt: Time('When it Succeeded or was Aborted.'),
  analysis: Type.Optional(AnalysisStatus),
  preScale: Type.Optional(PreScale),
  preRollout: Type.Optional(
    Type.Object(AnalysisStatus.properties, {
      description: 'The pre-rollout webhooks, checked before the first step (as analysis checks).',
    }),
  ),
  webhooks: Type.Optional(
    Type.Array(WebhookStatus, { maxItems: 16, description: "The move's webhooks, last answers." }),
  ),
  lastAction: Type.Optional(RolloutActionRecord),
  queue: Type.Optional(
    Type.Array(QueuedMove, {
      maxItems: 64,
      description: 'Moves waiting for the one in flight to end, in the order they will run.',
    }),
  ),
});
export type RolloutStatus = Static<typeof RolloutStatus>;

/** One live version as the handler reports it. */
export const VersionStatus = Type.Object({
  versionId: Type.String(),
  image: Type.Optional(Type.String()),
  source: StringEnum(['spec', 'gativersion', 'previous']),
  gatiVersion: Type.Optional(Type.String({ description: 'Name of the GatiVersion carrying it.' })),
  phase: StringEnum(list(VERSION_PHASES)),
  desiredWeight: Type.Integer({ minimum: 0 }),
  effectiveWeight: Type.Integer({ minimum: 0 }),
  grantedWeight: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'The weight moves have granted it so far; more than this is a move (stepped), less applies at once.',
    }),
  ),
  trafficPercent: Type.Integer({ minimum: 0, maximum: 100 }),
  pinned: Type.Boolean(),
  aliases: Type.Optional(
    Type.Array(Type.String(), { description: 'spec.routing.aliases that pin to it.' }),
  ),
  breaking: Type.Boolean(),
  deployment: Type.String(),
  service: Type.String(),
  readyReplicas: Type.Integer({ minimum: 0 }),
  availableReplicas: Type.Integer({ minimum: 0 }),
  firstSeenAt: Type.Optional(Type.String({ format: 'date-time' })),
  availableAt: Type.Optional(Type.String({ format: 'date-time' })),
  supersededAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'When a rollout moved away from it (it drains even if a GatiVersion still carries it).',
    }),
  ),
  drainStartedAt: Type.Optional(Type.String({ format: 'date-time' })),
  trafficRemovedAt: Type.Optional(Type.String({ format: 'date-time' })),
  drainedAt: Type.Optional(Type.String({ format: 'date-time' })),
  quietChecks: Type.Optional(
    Type.Integer({ minimum: 0, description: 'Drain evidence: quiet metric checks in a row.' }),
  ),
  lastCheckAt: Type.Optional(
    Type.String({ format: 'date-time', description: 'When the last metric check was counted.' }),
  ),
  lastSampleAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'Time of the request-rate sample the last drain check counted.',
    }),
  ),
  drainReason: Type.Optional(Type.String()),
  ...CostStatusFields,
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
});
export type VersionStatus = Static<typeof VersionStatus>;

/** GatiHandler.status. */
export const GatiHandlerStatus = Type.Object({
  ...StatusCommon,
  version: Type.Optional(Type.String({ description: 'spec.version as last reconciled.' })),
  replicas: Type.Optional(Type.Integer()),
  readyReplicas: Type.Optional(Type.Integer()),
  availableReplicas: Type.Optional(Type.Integer()),
  route: Type.Optional(Type.String({ description: 'Name of the HTTPRoute.' })),
  service: Type.Optional(Type.String({ description: 'Name of the apex Service.' })),
  rollout: Type.Optional(RolloutStatus),
  transitionSeq: Type.Optional(
    Type.Integer({
      minimum: 0,
      description: 'Transitions so far: each one gets the next number (Events and notifications).',
    }),
  ),
  transitions: Type.Optional(
    Type.Array(TransitionRecord, {
      maxItems: TRANSITIONS_KEPT,
      description: `The last ${TRANSITIONS_KEPT} transitions, oldest first.`,
    }),
  ),
  versions: Type.Optional(
    Type.Array(VersionStatus, {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['versionId'],
    }),
  ),
});
export type GatiHandlerStatus = Static<typeof GatiHandlerStatus>;

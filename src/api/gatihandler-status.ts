import { Type, type Static } from '@sinclair/typebox';
import { StatusCommon, StringEnum } from './common.js';
import { INCONCLUSIVE_REASONS, type InconclusiveReason } from './signals.js';

const Time = (description?: string) =>
  Type.Optional(
    Type.String(description ? { format: 'date-time', description } : { format: 'date-time' }),
  );

/** The record of one applied (or ignored) one-shot rollout action. */
export const RolloutActionRecord = Type.Object({
  value: Type.String({ description: 'The gati.dev/rollout-action value as seen.' }),
  action: StringEnum(['promote', 'promote-full', 'abort', 'retry', 'resume']),
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
});
export type AnalysisStatus = Static<typeof AnalysisStatus>;

/** The rollout of spec.version, kept after it ends (Succeeded or Aborted). */
export const RolloutStatus = Type.Object({
  versionId: Type.String({ description: 'The version being rolled out (the target).' }),
  image: Type.Optional(Type.String()),
  previousVersionId: Type.Optional(
    Type.String({
      description: 'The version it started from (the incumbent); none on a first deploy.',
    }),
  ),
  phase: StringEnum(['Progressing', 'Paused', 'Aborted', 'Succeeded']),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  step: Type.Integer({ minimum: 0, description: 'Index of the current step.' }),
  stepWeight: Type.Integer({
    minimum: 0,
    maximum: 100,
    description: "Percent of the pair's weight the target carries now.",
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
  pausedAt: Time(),
  finishedAt: Time('When it Succeeded or was Aborted.'),
  analysis: Type.Optional(AnalysisStatus),
  lastAction: Type.Optional(RolloutActionRecord),
});
export type RolloutStatus = Static<typeof RolloutStatus>;

/** One live version as the handler reports it. */
export const VersionStatus = Type.Object({
  versionId: Type.String(),
  image: Type.Optional(Type.String()),
  source: StringEnum(['spec', 'gativersion', 'previous']),
  gatiVersion: Type.Optional(Type.String({ description: 'Name of the GatiVersion carrying it.' })),
  phase: StringEnum(['Pending', 'Active', 'Draining', 'Decommissioned', 'Failed']),
  desiredWeight: Type.Integer({ minimum: 0 }),
  effectiveWeight: Type.Integer({ minimum: 0 }),
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
  versions: Type.Optional(
    Type.Array(VersionStatus, {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['versionId'],
    }),
  ),
});
export type GatiHandlerStatus = Static<typeof GatiHandlerStatus>;

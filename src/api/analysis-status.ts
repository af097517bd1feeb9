import { Type, type Static } from '@sinclair/typebox';
import { StringEnum } from './common.js';
import { WEBHOOK_TYPES } from './analysis.js';
import { TRANSITIONS } from './rollout.js';
import { INCONCLUSIVE_REASONS, type InconclusiveReason } from './signals.js';

/**
 * What status says of a move's gates (metrics and webhooks) and of the transitions a handler
 * went through, beside status.rollout (gatihandler-status.ts).
 */

const Time = (description: string) =>
  Type.Optional(Type.String({ format: 'date-time', description }));
const Reason = Type.Optional(
  StringEnum(Object.keys(INCONCLUSIVE_REASONS) as InconclusiveReason[], {
    description: 'Why the last answer was inconclusive.',
  }),
);

/** The last counted check of one named metric. */
export const MetricStatus = Type.Object({
  name: Type.String(),
  value: Type.Optional(Type.Number({ description: "The new version's value." })),
  baselineValue: Type.Optional(Type.Number({ description: "The incumbent's value (baseline)." })),
  result: StringEnum(['Passed', 'Failed', 'Inconclusive']),
  sampleAt: Time("Time of the new version's sample: only a newer one counts."),
  baselineSampleAt: Time("Time of the incumbent's sample: only a newer one counts."),
  reason: Reason,
  message: Type.Optional(Type.String()),
});
export type MetricStatus = Static<typeof MetricStatus>;

/** The last answer of one webhook of the move. */
export const WebhookStatus = Type.Object({
  name: Type.String(),
  type: StringEnum([...WEBHOOK_TYPES]),
  result: StringEnum(['Passed', 'Failed', 'Inconclusive', 'Waiting']),
  code: Type.Optional(Type.Integer({ description: 'The HTTP status it answered.' })),
  at: Time('When the answer counted was given: only a later one counts.'),
  reason: Reason,
  message: Type.Optional(Type.String()),
});
export type WebhookStatus = Static<typeof WebhookStatus>;

/** One transition of the handler, numbered: what `gati-operator notify` turns into Events. */
export const TransitionRecord = Type.Object({
  seq: Type.Integer({ minimum: 1, description: 'Its number in status.transitionSeq.' }),
  transition: StringEnum([...TRANSITIONS]),
  versionId: Type.String(),
  reason: Type.String({ maxLength: 128 }),
  message: Type.Optional(Type.String({ maxLength: 1024 })),
  at: Type.String({ format: 'date-time' }),
});
export type TransitionRecord = Static<typeof TransitionRecord>;

/** How many transitions status keeps: enough for a notifier restarted after a burst. */
export const TRANSITIONS_KEPT = 16;

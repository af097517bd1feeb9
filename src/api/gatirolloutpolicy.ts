import { Type, type Static } from '@sinclair/typebox';
import { Analysis, Webhooks } from './analysis.js';
import { DNS_LABEL, NamedList, Resource, StringEnum } from './common.js';
import { TRANSITIONS, type TransitionName } from './rollout.js';

/**
 * GatiRolloutPolicy (docs/progressive-delivery.md): how a whole app rolls out, written once and
 * named by many GatiHandlers (`spec.rollout.policyRef.name`). A handler's customize asks for
 * the one policy it names, so a request stays one handler's size however many share it; a
 * field the handler sets itself wins.
 */

/** One step of a move: how far the move has come (percent), and how long it holds. */
export const RolloutStep = Type.Object({
  weight: Type.Integer({
    minimum: 1,
    maximum: 100,
    description: 'Percent of the move done (the new version reaches this share of its weight).',
  }),
  pauseSeconds: Type.Integer({
    minimum: 0,
    maximum: 604800,
    default: 0,
    description: 'How long to hold this step.',
  }),
});

/** The steps of a move, as a policy holds them (no default: unset means "not set here"). */
export const PolicySteps = Type.Array(RolloutStep, {
  maxItems: 20,
  description: 'The steps of every move. An empty list switches at once.',
});

/** Where a notification goes, and in which format. */
export const NOTIFICATION_TYPES = ['webhook', 'slack', 'cloudevents'] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** The transitions notified when `on` is not given: a move's start and how it ends or stops. */
export const DEFAULT_NOTIFIED: TransitionName[] = [
  'RolloutStarted',
  'RolloutPaused',
  'RolloutAborted',
  'RolloutSucceeded',
  'Rollback',
];

/** One notification target, posted to by `gati-operator notify`. */
export const Notification = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63, pattern: DNS_LABEL }),
    type: StringEnum([...NOTIFICATION_TYPES], {
      default: 'webhook',
      description:
        '`webhook`: a JSON body of the transition; `slack`: a Slack-compatible incoming webhook (`text`); `cloudevents`: a CloudEvent 1.0 in structured mode.',
    }),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: '^https?://[^\\s@]+$',
      description:
        "http:// or https:// URL, without credentials; posted to only when its host is in the notifier's NOTIFY_ALLOWED_HOSTS. Readable by whoever may read the object: point it at a relay if the URL itself is a secret.",
    }),
    on: Type.Optional(
      Type.Array(StringEnum([...TRANSITIONS]), {
        maxItems: TRANSITIONS.length,
        'x-kubernetes-list-type': 'set',
        description: `Transitions to post. Default: ${DEFAULT_NOTIFIED.join(', ')}.`,
      }),
    ),
  },
  {
    description:
      'A notification target: each transition is posted at least once, with an idempotency key.',
  },
);
export type Notification = Static<typeof Notification>;

export const Notifications = NamedList(
  Notification,
  'Where `gati-operator notify` posts the transitions (docs/progressive-delivery.md).',
);

/** GatiRolloutPolicy.spec: every field optional; a handler's own field wins over it. */
export const GatiRolloutPolicySpec = Type.Object(
  {
    steps: Type.Optional(PolicySteps),
    analysis: Type.Optional(Analysis),
    webhooks: Type.Optional(Webhooks),
    notifications: Type.Optional(Notifications),
  },
  { description: 'How the handlers naming this policy roll out.' },
);
export type GatiRolloutPolicySpec = Static<typeof GatiRolloutPolicySpec>;

/** A policy has no controller and so no status of its own. */
export const GatiRolloutPolicyStatus = Type.Object({});

export const GatiRolloutPolicy = Resource(
  'GatiRolloutPolicy',
  GatiRolloutPolicySpec,
  GatiRolloutPolicyStatus,
);
export type GatiRolloutPolicy = Static<typeof GatiRolloutPolicy>;

/** The fields of spec.rollout a policy may supply. */
export const POLICY_FIELDS = ['steps', 'analysis', 'webhooks', 'notifications'] as const;

/**
 * withPolicy is a handler's spec.rollout (as written, before defaults) with every policy field
 * it does not set taken from the policy. A field is taken whole: a handler that sets
 * `analysis` gets none of the policy's analysis.
 */
export function withPolicy(
  rollout: Record<string, unknown> | undefined,
  policy: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(rollout ?? {}) };
  for (const f of POLICY_FIELDS)
    if (out[f] === undefined && policy[f] !== undefined) out[f] = policy[f];
  return out;
}

import { Type, type Static } from '@sinclair/typebox';
import { cel, has } from './cel.js';
import { DNS_LABEL, NamedList, StringEnum } from './common.js';

/**
 * What gates a traffic move (docs/progressive-delivery.md): metrics, each against a threshold
 * or against the incumbent version (the baseline), and webhooks. A GatiHandler's spec.rollout
 * and a GatiRolloutPolicy's spec share these schemas.
 */

const TEMPLATED =
  '`{{namespace}}`, `{{handler}}`, `{{version}}` and `{{service}}` are substituted (for a baseline, with the incumbent version and its Service).';

/** How a metric of the new version is compared with the same metric of the incumbent. */
export const Baseline = Type.Object(
  {
    maxRatio: Type.Optional(
      Type.Number({
        minimum: 1,
        description:
          "The check fails when the new version's value is more than this many times the incumbent's (e.g. 1.5).",
      }),
    ),
    maxIncrease: Type.Optional(
      Type.Number({
        minimum: 0,
        description:
          "The check fails when the new version's value exceeds the incumbent's by more than this (absolute, e.g. 0.01).",
      }),
    ),
  },
  {
    description:
      'Compare with the incumbent version, evaluated at the same time: higher is worse. With both bounds set, exceeding either fails.',
    'x-kubernetes-validations': [
      cel(
        'has(self.maxRatio) || has(self.maxIncrease)',
        'baseline needs maxRatio or maxIncrease',
        (s) => has(s, 'maxRatio') || has(s, 'maxIncrease'),
      ),
    ],
  },
);
export type Baseline = Static<typeof Baseline>;

/** One metric of an analysis. */
export const Metric = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: DNS_LABEL,
      description: 'Names the metric in status, messages and logs.',
    }),
    query: Type.String({
      minLength: 1,
      maxLength: 4096,
      description: `PromQL giving one number for a version. ${TEMPLATED}`,
    }),
    threshold: Type.Optional(
      Type.Number({
        description: 'A fixed bound: the check passes when `value <comparison> threshold`.',
      }),
    ),
    comparison: StringEnum(['<=', '>='], {
      default: '<=',
      description: 'With `threshold`: how the value is compared.',
    }),
    baseline: Type.Optional(Baseline),
  },
  {
    description:
      'A PromQL metric of the new version, checked against a threshold or the incumbent.',
    'x-kubernetes-validations': [
      cel(
        'has(self.threshold) != has(self.baseline)',
        'a metric needs exactly one of threshold and baseline',
        (s) => has(s, 'threshold') !== has(s, 'baseline'),
      ),
    ],
  },
);
export type Metric = Static<typeof Metric>;

/**
 * Metric analysis of a move: metrics of the new version (and, for baseline metrics, of the
 * incumbent), evaluated by the server while a step holds and passed into the planner as
 * observations. `metricQuery` + `threshold` is the one-metric shorthand.
 */
export const Analysis = Type.Object(
  {
    metricQuery: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description: `The one-metric shorthand: PromQL giving one number for the new version (e.g. its error ratio). ${TEMPLATED} An empty result or NaN is inconclusive.`,
      }),
    ),
    threshold: Type.Optional(
      Type.Number({ description: 'With metricQuery: the value a check compares against.' }),
    ),
    comparison: StringEnum(['<=', '>='], {
      default: '<=',
      description: 'With metricQuery: a check passes when `value <comparison> threshold`.',
    }),
    metrics: Type.Optional(
      NamedList(
        Metric,
        'Metrics checked together: a check passes when every one passes, fails when any fails.',
      ),
    ),
    intervalSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: 30,
      description:
        'Seconds between checks; the first check of a step comes one interval after it starts.',
    }),
    failureLimit: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 2,
      description: 'Failed checks in a row that fail the rollout (then onFailure).',
    }),
    inconclusiveLimit: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description:
        'Failed or empty queries in a row that pause the rollout: never passed, never aborted on a monitoring outage.',
    }),
    onFailure: StringEnum(['Abort', 'Pause'], {
      default: 'Abort',
      description: '`Abort`: the new version goes to weight 0 and drains. `Pause`: hold the step.',
    }),
  },
  {
    description:
      'Gate every rollout step on metrics of the new version (the limits apply to webhooks too).',
    'x-kubernetes-validations': [
      cel(
        'has(self.metricQuery) == has(self.threshold)',
        'metricQuery and threshold go together',
        (s) => has(s, 'metricQuery') === has(s, 'threshold'),
      ),
    ],
  },
);
export type Analysis = Static<typeof Analysis>;

/** When a webhook is called (Flagger's names). */
export const WEBHOOK_TYPES = ['pre-rollout', 'step', 'confirm-promotion', 'post-rollout'] as const;
export type WebhookType = (typeof WEBHOOK_TYPES)[number];

/** A webhook the hook server calls (only on hosts in WEBHOOK_ALLOWED_HOSTS). */
export const Webhook = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 63, pattern: DNS_LABEL }),
    type: StringEnum([...WEBHOOK_TYPES], {
      description:
        '`pre-rollout`: must answer 2xx before the first step (a failure counts like a failed check); `step`: must answer 2xx at every check; `confirm-promotion`: the last step holds until it answers 2xx; `post-rollout`: told once when the move ends (informational).',
    }),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: '^https?://[^\\s@]+$',
      description:
        'http:// or https:// URL, without credentials. Called only when its host is in WEBHOOK_ALLOWED_HOSTS; otherwise reported (NotAllowed), never called.',
    }),
    timeoutSeconds: Type.Integer({
      minimum: 1,
      maximum: 60,
      default: 10,
      description: 'Deadline of one call (the server also caps it).',
    }),
    metadata: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 1024 }), {
        maxProperties: 32,
        description: 'Sent as `metadata` in the JSON body.',
      }),
    ),
  },
  { description: 'A webhook called by the hook server as an observation.' },
);
export type Webhook = Static<typeof Webhook>;

/** The webhooks list, as a GatiHandler's spec.rollout and a GatiRolloutPolicy hold it. */
export const Webhooks = NamedList(
  Webhook,
  'Webhooks of the move, called by the hook server (docs/progressive-delivery.md).',
);

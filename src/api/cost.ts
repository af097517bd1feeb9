import { Type, type Static } from '@sinclair/typebox';
import { cel, has } from './cel.js';
import { StringEnum, VersionId } from './common.js';

/**
 * Versions that cost what they serve (issue #25), in one place: how a handler sizes its
 * versions (spec.scaling), how a superseded version retires by measured demand
 * (spec.retirement), how a GatiVersion bridges an older version's requests (transformers), the
 * headers that tell clients, and the status fields that show it. docs/progressive-delivery.md
 * ("What versions cost") says what each does.
 */

/** spec.scaling: Proportional sizes each version by its share of weighted traffic; Full as before. */
const SCALING_MODES = ['Proportional', 'Full'] as const;

export const Scaling = StringEnum([...SCALING_MODES], {
  default: 'Proportional',
  description:
    "`Proportional`: a version's replicas (or autoscaler minimum) follow its share of weighted traffic, at least 1; unweighted versions keep a floor. `Full`: every live version runs the full size.",
});

/** Request headers the operator sets on a bridged pin: the version the request was written for. */
export const TRANSFORM_FROM_HEADER = 'x-gati-transform-from';
/** Response headers that announce a version's retirement (RFC 9745, RFC 8594, RFC 8288). */
export const DEPRECATION_HEADER = 'Deprecation';
export const SUNSET_HEADER = 'Sunset';
export const LINK_HEADER = 'Link';

/** Why a superseded version retired (status drainReason), or holds (status reason). */
export const RETIREMENT_REASONS = {
  /** Demand stayed at or below minRequestsPerSecond for consecutiveChecks checks after its notice. */
  RetiredByDemand: 'RetiredByDemand',
  /** maxAgeSeconds passed since it was superseded. */
  RetiredByAge: 'RetiredByAge',
  /** Still called above minRequestsPerSecond (or not measured yet): kept for its clients. */
  Deprecated: 'Deprecated',
  /** Retired, and a live version serves its pinned requests through a transformer. */
  Bridged: 'Bridged',
} as const;

/** spec.retirement: superseded versions stay for the clients that still call them. */
export const Retirement = Type.Object(
  {
    demandQuery: Type.String({
      minLength: 1,
      maxLength: 4096,
      description:
        "PromQL: one version's request rate (req/s), pinned requests included. `{{namespace}}`, `{{handler}}`, `{{version}}`, `{{service}}` are substituted; no series means 0.",
    }),
    minRequestsPerSecond: Type.Number({
      minimum: 0,
      default: 0,
      description:
        'A superseded version called more than this stays pin-routable; at or below it for consecutiveChecks checks (and after its notice) it retires.',
    }),
    consecutiveChecks: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 2,
      description: 'Checks in a row at or below minRequestsPerSecond that retire a version.',
    }),
    intervalSeconds: Type.Integer({
      minimum: 15,
      maximum: 86400,
      default: 60,
      description: 'Seconds between two demand checks of one version.',
    }),
    notice: Type.Integer({
      minimum: 0,
      maximum: 31536000,
      default: 3600,
      description:
        'Seconds clients are warned before the version may go: its Sunset date is the time it was superseded plus this, and demand never retires it earlier.',
    }),
    maxAgeSeconds: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 315360000,
        description:
          'Retire it this long after it was superseded, whatever its demand (status retiresAt). Unset: demand alone decides.',
      }),
    ),
  },
  {
    description:
      'Superseded versions retire by measured demand: one still called keeps its pin rule, a floor of pods and Deprecation/Sunset headers. Unset: it drains once its weight is 0 (spec.drain).',
    'x-kubernetes-validations': [
      cel(
        '!has(self.maxAgeSeconds) || !has(self.notice) || self.maxAgeSeconds >= self.notice',
        'maxAgeSeconds must be at least notice',
        (s) =>
          !has(s, 'maxAgeSeconds') ||
          !has(s, 'notice') ||
          (s.maxAgeSeconds as number) >= (s.notice as number),
        '.maxAgeSeconds',
      ),
    ],
  },
);
export type Retirement = Static<typeof Retirement>;

/**
 * One entry of GatiVersion.spec.transformers: a name (informational) or the version it bridges.
 * A structural schema cannot type a string-or-object, and the API server can run no CEL rule on
 * an untyped node: the CRD keeps the entry as it is and the hooks check it exactly (a bad entry
 * is InvalidSpec on the GatiVersion, naming it).
 */
export const Transformer = Type.Union(
  [
    Type.String({ minLength: 1 }),
    Type.Object({ from: VersionId }, { additionalProperties: false }),
  ],
  {
    description:
      'A name (informational, as the seed writes it), or `{from: <versionId>}`: this version serves requests written for that version.',
    errorMessage: 'must be a non-empty name or {from: <versionId>}',
  },
);
export type Transformer = Static<typeof Transformer>;

/** Transformers: the list of a GatiVersion. */
export const Transformers = Type.Array(Transformer, {
  maxItems: 64,
  description:
    'Transformers compiled into this version. `{from: <versionId>}`: once that version is retired, its pinned requests come here with header x-gati-transform-from.',
});

/** bridgesFrom: the versionIds a GatiVersion's transformers bridge (the `{from}` entries). */
export function bridgesFrom(transformers: readonly Transformer[] | undefined): string[] {
  return [
    ...new Set((transformers ?? []).flatMap((t) => (typeof t === 'string' ? [] : [t.from]))),
  ].sort();
}

/** A link to the migration page of a version, sent with its Deprecation header. */
export const DeprecationLink = Type.String({
  minLength: 1,
  maxLength: 2048,
  pattern: '^https?://[^\\s<>"]+$',
  description:
    'URL of a migration page for clients of this version, sent as `Link: <url>; rel="deprecation"` with its Deprecation header once it is superseded.',
});

/** What a version's demand checks recorded (status.versions[].demand). */
export const DemandStatus = Type.Object(
  {
    requestsPerSecond: Type.Optional(
      Type.Number({ description: 'The last measured request rate, pinned requests included.' }),
    ),
    sampleAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'Time of the sample the last check counted (only a newer one counts).',
      }),
    ),
    checkedAt: Type.Optional(Type.String({ format: 'date-time' })),
    quietChecks: Type.Integer({
      minimum: 0,
      description: 'Checks in a row at or below minRequestsPerSecond.',
    }),
    message: Type.Optional(Type.String()),
  },
  { description: 'Measured demand of a superseded version (spec.retirement).' },
);
export type DemandStatus = Static<typeof DemandStatus>;

/** The status fields of one version that issue #25 adds (spread into VersionStatus). */
export const CostStatusFields = {
  desiredReplicas: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        "Replicas it is sized to (its autoscaler's minimum if autoscaled): by its traffic share under spec.scaling Proportional.",
    }),
  ),
  demand: Type.Optional(DemandStatus),
  sunsetAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        'Its Sunset date (spec.retirement): from then on it retires as soon as demand allows.',
    }),
  ),
  retiresAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'When it retires at the latest (spec.retirement.maxAgeSeconds).',
    }),
  ),
  bridgedBy: Type.Optional(
    Type.String({
      description:
        'Retired: the live version that serves its pinned requests through a transformer.',
    }),
  ),
};

/** A pending step of a move that waits for its gaining version's pods (status.rollout.preScale). */
export const PreScale = Type.Object(
  {
    step: Type.Integer({
      minimum: 0,
      description: 'The step the move goes to once the pods are Available.',
    }),
    reason: StringEnum(['Started', 'StepCompleted', 'Promoted', 'Completed', 'PromotedFull'], {
      description: 'What the advance is: the first step, a completed step, a promotion, the end.',
    }),
    replicas: Type.Integer({ minimum: 0, description: 'The replicas it waits for.' }),
    since: Type.String({ format: 'date-time' }),
  },
  {
    description:
      'Proportional scaling: the version gaining traffic is scaled for the next step first; its weight moves once these run.',
  },
);
export type PreScale = Static<typeof PreScale>;

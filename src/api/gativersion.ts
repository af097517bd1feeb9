import { Type, type Static } from '@sinclair/typebox';
import { Resource, StatusCommon, StringEnum } from './common.js';
import { VERSION_ROLLOUT_MODES } from './rollout.js';
import { VersionId } from './common.js';
import { VersionOverrideFields } from './pod.js';
import { DeprecationLink, Transformers } from './cost.js';
import { described } from './upstream.js';

const list = <T extends string>(values: readonly T[]) => [...values] as T[];

/** GatiVersion.spec: Timescape metadata of one version of a handler. */
export const GatiVersionSpec = Type.Object(
  {
    versionId: VersionId,
    breaking: Type.Boolean({
      default: false,
      description:
        'Breaking API change. Without transformers it gets pinned traffic only until weighted explicitly.',
    }),
    routingWeight: Type.Integer({
      minimum: 0,
      maximum: 1000000,
      default: 100,
      description: 'Relative weight in the weighted rule (Gateway API semantics).',
    }),
    rollout: StringEnum(list(VERSION_ROLLOUT_MODES), {
      default: 'Stepped',
      description:
        "How this version gains weight beside the others: `Stepped` walks the handler's spec.rollout.steps (checked by its analysis, steered by gati.dev/rollout-action); `Immediate` takes it at once.",
    }),
    transformers: Type.Optional(Transformers),
    deprecationLink: Type.Optional(DeprecationLink),
    handlerRef: Type.Optional(
      Type.Object(
        { name: Type.String({ minLength: 1, maxLength: 253 }) },
        {
          description:
            'Owning GatiHandler. Else label gati.dev/handler, else the longest handler name prefixing this name followed by `-`.',
        },
      ),
    ),
    image: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 1024,
        description:
          "Image of this version. Default: the handler's image when versionId is the handler's spec.version, else the image its Deployment already runs.",
      }),
    ),
    replicas: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10000,
        description: "Replicas of this version; default the handler's.",
      }),
    ),
    env: described(
      VersionOverrideFields.env,
      "Environment variables of this version's pods, merged by name over the handler's spec.env (this list wins).",
    ),
    envFrom: described(
      VersionOverrideFields.envFrom,
      "Sources of this version's variables, after the handler's spec.envFrom (a later source wins on the same key).",
    ),
    podAnnotations: described(
      VersionOverrideFields.podAnnotations,
      "Annotations of this version's pods, merged by key over the handler's spec.podAnnotations (these win).",
    ),
  },
  { description: 'Version metadata for Timescape orchestration.' },
);
export type GatiVersionSpec = Static<typeof GatiVersionSpec>;

/** GatiVersion.status: mirrors what its handler reports for this version. */
export const GatiVersionStatus = Type.Object({
  ...StatusCommon,
  handler: Type.Optional(Type.String({ description: 'Resolved GatiHandler name.' })),
  desiredWeight: Type.Optional(Type.Integer()),
  effectiveWeight: Type.Optional(Type.Integer()),
  trafficPercent: Type.Optional(Type.Integer()),
  pinned: Type.Optional(Type.Boolean()),
  drainStartedAt: Type.Optional(Type.String({ format: 'date-time' })),
  drainedAt: Type.Optional(Type.String({ format: 'date-time' })),
  drainReason: Type.Optional(Type.String()),
});
export type GatiVersionStatus = Static<typeof GatiVersionStatus>;

export const GatiVersion = Resource('GatiVersion', GatiVersionSpec, GatiVersionStatus);
export type GatiVersion = Static<typeof GatiVersion>;

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { cel, has } from './cel.js';
import { field, type IEnvVar, type IHorizontalPodAutoscalerBehavior } from './upstream.js';

/** API group and version of every Gati resource. */
export const GROUP = 'gati.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/**
 * NamedList: a list of at most 16 objects keyed by their `name` (a map-type list: server-side
 * apply merges by name, and two entries of one name are refused by the API server).
 */
export function NamedList<T extends TSchema>(item: T, description: string) {
  return Type.Array(item, {
    maxItems: 16,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': ['name'],
    description,
  });
}

/** StringEnum is a string restricted to the given values (rendered as `enum` in CRDs). */
export function StringEnum<T extends string[]>(
  values: [...T],
  options: { description?: string; default?: T[number] } = {},
) {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );
}

/** IntOrString is a Kubernetes int-or-string (quantities such as `100m` or `1`). */
export function IntOrString(options: { description?: string; default?: string | number } = {}) {
  return Type.Union([Type.Integer(), Type.String({ minLength: 1 })], options);
}

/** A DNS-1123 label: what a Kubernetes object name or label value segment may be. */
export const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** A DNS-1123 subdomain: what most Kubernetes object names may be. */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/**
 * Marks a field a GatiRolloutPolicy may supply: its default is applied by the hooks after the
 * policy is merged, so the CRD leaves it out (src/api/crds.ts) — a default the API server
 * stored would always win over the policy.
 */
export const INHERITED = 'x-gati-inherited';

/** Quantity pattern accepted for cpu/memory (the apiserver re-checks it). */
const QUANTITY = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** A request or limit list: cpu and memory, each defaulted on its own. */
function ResourceList(cpu: string, memory: string, what: string) {
  return Type.Object(
    {
      cpu: IntOrString({
        description: `CPU quantity, e.g. \`100m\`. Default ${cpu}.`,
        default: cpu,
      }),
      memory: IntOrString({
        description: `Memory quantity, e.g. \`128Mi\`. Default ${memory}.`,
        default: memory,
      }),
    },
    { description: `CPU and memory ${what}.`, default: {} },
  );
}

/** Container resources; every unset key falls back to its own default. */
export const Resources = Type.Object(
  {
    requests: ResourceList('100m', '128Mi', 'requests'),
    limits: ResourceList('500m', '512Mi', 'limits'),
  },
  {
    description:
      'Container resources. Defaults: requests cpu 100m, memory 128Mi; limits cpu 500m, memory 512Mi (each unset key falls back separately).',
    default: {},
  },
);
export type Resources = Static<typeof Resources>;
export { QUANTITY };

/**
 * One environment variable: the upstream Kubernetes EnvVar (value, or valueFrom a Secret or
 * ConfigMap key, a pod field or a resource). PORT, HOST and NODE_ENV are the operator's.
 */
export type EnvVar = IEnvVar;

/** Extra environment variables, kept in the order given (a list map keyed by name, as in a Pod). */
export const EnvList = field<IEnvVar[]>('Container.env', {
  maxItems: 128,
  description:
    'Extra environment variables, as in a container spec. PORT, HOST and NODE_ENV are set by the operator; entries with those names are dropped.',
});

/** KEDA trigger, passed through to the ScaledObject. */
export const KedaTrigger = Type.Object({
  type: Type.String({
    minLength: 1,
    description: 'KEDA scaler type, e.g. `prometheus`, `cpu`, `kafka`.',
  }),
  name: Type.Optional(Type.String({ minLength: 1 })),
  metadata: Type.Record(Type.String(), Type.String(), {
    description:
      'Scaler metadata. `{{version}}`, `{{service}}`, `{{deployment}}` and `{{namespace}}` are substituted per version.',
  }),
  authenticationRef: Type.Optional(
    Type.Object({
      name: Type.String({ minLength: 1 }),
      kind: Type.Optional(StringEnum(['TriggerAuthentication', 'ClusterTriggerAuthentication'])),
    }),
  ),
});

/** Autoscaling of a workload: none (fixed replicas), HPA, or KEDA. */
export const Autoscaling = Type.Object(
  {
    mode: StringEnum(['none', 'hpa', 'keda'], {
      default: 'none',
      description:
        '`none` keeps spec.replicas; `hpa` attaches a HorizontalPodAutoscaler; `keda` a KEDA ScaledObject.',
    }),
    minReplicas: Type.Integer({
      minimum: 0,
      maximum: 10000,
      default: 1,
      description: 'Default 1. 0 only with keda on workloads that take no weighted traffic.',
    }),
    maxReplicas: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 10000,
        description: 'Upper bound; required for hpa and keda.',
      }),
    ),
    targetCPUUtilization: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 80,
      description: 'HPA CPU target in percent of requests. Default 80.',
    }),
    targetMemoryUtilization: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'HPA memory target in percent of requests. Unset: no memory metric.',
      }),
    ),
    keda: Type.Optional(
      Type.Object({
        triggers: Type.Array(KedaTrigger, { minItems: 1, maxItems: 32 }),
        pollingInterval: Type.Optional(
          Type.Integer({ minimum: 1, description: 'Seconds. KEDA default 30.' }),
        ),
        cooldownPeriod: Type.Optional(
          Type.Integer({ minimum: 0, description: 'Seconds. KEDA default 300.' }),
        ),
      }),
    ),
    behavior: Type.Optional(
      field<IHorizontalPodAutoscalerBehavior>('HorizontalPodAutoscalerSpec.behavior', {
        description:
          "Scale-up and scale-down policies, as in an HPA spec. On the HPA (mode hpa) or KEDA's horizontalPodAutoscalerConfig (mode keda).",
      }),
    ),
  },
  {
    description:
      'Autoscaling. Exactly one autoscaler per Deployment; spec.replicas is not emitted when one is attached.',
    // Rules read `!has(self.mode) ||` first: the API server checks them against the {} default
    // itself, before its fields are defaulted.
    default: {},
    'x-kubernetes-validations': [
      cel(
        '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
        'minReplicas must be less than or equal to maxReplicas',
        (s) =>
          !has(s, 'minReplicas') ||
          !has(s, 'maxReplicas') ||
          (s.minReplicas as number) <= (s.maxReplicas as number),
        '.minReplicas',
      ),
      cel(
        "!has(self.mode) || self.mode == 'none' || has(self.maxReplicas)",
        'maxReplicas is required when mode is hpa or keda',
        (s) => !has(s, 'mode') || s.mode === 'none' || has(s, 'maxReplicas'),
        '.maxReplicas',
      ),
      cel(
        "!has(self.mode) || self.mode != 'keda' || has(self.keda)",
        'mode keda needs keda.triggers',
        (s) => !has(s, 'mode') || s.mode !== 'keda' || has(s, 'keda'),
        '.keda',
      ),
      cel(
        "!has(self.mode) || self.mode != 'none' || !has(self.behavior)",
        'behavior needs mode hpa or keda',
        (s) => !has(s, 'mode') || s.mode !== 'none' || !has(s, 'behavior'),
        '.behavior',
      ),
      cel(
        "!has(self.mode) || self.mode != 'hpa' || !has(self.minReplicas) || self.minReplicas >= 1",
        'minReplicas must be at least 1 with mode hpa (HPA cannot scale to zero)',
        (s) =>
          !has(s, 'mode') ||
          s.mode !== 'hpa' ||
          !has(s, 'minReplicas') ||
          (s.minReplicas as number) >= 1,
        '.minReplicas',
      ),
    ],
  },
);
export type Autoscaling = Static<typeof Autoscaling>;

/** Standard Kubernetes condition. */
export const Condition = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 316 }),
  status: StringEnum(['True', 'False', 'Unknown']),
  reason: Type.String({ maxLength: 1024 }),
  message: Type.String({ maxLength: 32768 }),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type Condition = Static<typeof Condition>;

/** Fields every Gati status carries (kstatus-compatible). */
export const StatusCommon = {
  observedGeneration: Type.Optional(
    Type.Integer({ description: 'Generation observed; written by Metacontroller.' }),
  ),
  phase: Type.Optional(Type.String()),
  conditions: Type.Optional(
    Type.Array(Condition, {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
  ),
};

/** Loose object metadata: what the hooks read of a parent's metadata. */
export const ObjectMeta = Type.Object({
  name: Type.String({ minLength: 1 }),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  deletionTimestamp: Type.Optional(Type.String()),
});
export type ObjectMeta = Static<typeof ObjectMeta>;

/** A resource envelope: apiVersion, kind, metadata, spec, status. */
export function Resource<S extends TSchema, T extends TSchema>(kind: string, spec: S, status: T) {
  return Type.Object({
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal(kind),
    metadata: ObjectMeta,
    spec,
    status: Type.Optional(status),
  });
}

/** A version identifier: used in names, labels and the pin header (e.g. `v1.0.0`, `tsv:1700000000-users-001`). */
export const VersionId = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[A-Za-z0-9]([A-Za-z0-9._:-]*[A-Za-z0-9])?$',
  description:
    'Version identifier, e.g. `v1.0.0` or a Timescape TSV. Letters, digits, `.`, `_`, `:`, `-`; at most 63.',
});

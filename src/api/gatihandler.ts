import { Type, type Static } from '@sinclair/typebox';
import {
  Autoscaling,
  Condition,
  EnvList,
  Resource,
  Resources,
  StatusCommon,
  StringEnum,
} from './common.js';
import { cel, has } from './cel.js';

/** A version identifier: used in names, labels and the pin header (e.g. `v1.0.0`, `tsv:1700000000-users-001`). */
export const VersionId = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: '^[A-Za-z0-9]([A-Za-z0-9._:-]*[A-Za-z0-9])?$',
  description:
    'Version identifier, e.g. `v1.0.0` or a Timescape TSV. Letters, digits, `.`, `_`, `:`, `-`; at most 63.',
});

const ParentRef = Type.Object({
  group: Type.Optional(Type.String({ description: 'Default gateway.networking.k8s.io.' })),
  kind: Type.Optional(Type.String({ description: 'Default Gateway.' })),
  name: Type.String({ minLength: 1 }),
  namespace: Type.Optional(Type.String({ minLength: 1 })),
  sectionName: Type.Optional(Type.String({ minLength: 1 })),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
});

/** Routing of a handler's versions. */
export const Routing = Type.Object(
  {
    provider: StringEnum(['gateway-api', 'none'], {
      default: 'gateway-api',
      description:
        '`gateway-api`: an HTTPRoute with one pin rule per version and one weighted rule. `none`: only the apex Service (no weights, no pins).',
    }),
    parentRefs: Type.Optional(
      Type.Array(ParentRef, {
        maxItems: 32,
        description: 'Gateways (or a Service for GAMMA) the HTTPRoute attaches to.',
      }),
    ),
    hostnames: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 253 }), { maxItems: 16 }),
    ),
    pinHeader: Type.String({
      default: 'x-gati-version',
      minLength: 1,
      maxLength: 256,
      pattern: "^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$",
      description: 'Request header whose exact value pins a request to a version.',
    }),
  },
  {
    description: 'Traffic routing across live versions.',
    default: {},
    'x-kubernetes-validations': [
      cel(
        "self.provider == 'gateway-api' || (!has(self.parentRefs) && !has(self.hostnames))",
        'parentRefs and hostnames need provider gateway-api',
        (s) => s.provider === 'gateway-api' || (!has(s, 'parentRefs') && !has(s, 'hostnames')),
        '.provider',
      ),
    ],
  },
);

const RolloutStep = Type.Object({
  weight: Type.Integer({
    minimum: 1,
    maximum: 100,
    description: 'Percent of weighted traffic the new version receives.',
  }),
  pauseSeconds: Type.Integer({
    minimum: 0,
    maximum: 604800,
    default: 0,
    description: 'How long to hold this step.',
  }),
});

/** Progressive rollout of a new spec.version. */
export const Rollout = Type.Object(
  {
    steps: Type.Array(RolloutStep, {
      maxItems: 20,
      default: [
        { weight: 10, pauseSeconds: 300 },
        { weight: 50, pauseSeconds: 600 },
      ],
      description:
        'Default: 10% for 300 s, 50% for 600 s, then 100%. An empty list switches at once.',
    }),
    progressDeadlineSeconds: Type.Integer({
      minimum: 1,
      default: 600,
      description:
        'A version not Available this long after it appeared is Failed and never gets weight.',
    }),
  },
  { description: 'How a new spec.version takes over from the previous one.', default: {} },
);

/** How a version's traffic drains before its workloads are removed. */
export const Drain = Type.Object(
  {
    minSeconds: Type.Integer({
      minimum: 0,
      default: 30,
      description: 'Minimum wait after the route stops sending weighted traffic.',
    }),
    timeoutSeconds: Type.Integer({
      minimum: 1,
      default: 600,
      description: 'Give up waiting for evidence after this long.',
    }),
    onTimeout: StringEnum(['Proceed', 'Hold'], {
      default: 'Proceed',
      description: 'On timeout: decommission anyway, or keep waiting.',
    }),
    metricQuery: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'PromQL giving the request rate of one version. `{{namespace}}`, `{{handler}}`, `{{version}}`, `{{service}}` are substituted.',
      }),
    ),
    threshold: Type.Number({
      minimum: 0,
      default: 0,
      description: 'Request rate at or below which a check counts as quiet.',
    }),
    consecutiveChecks: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description: 'Quiet checks in a row that prove drained.',
    }),
  },
  { description: 'Drain policy.', default: {} },
);

/** Probe settings; HTTP probes on the Gati app port. */
export const Probes = Type.Object(
  {
    path: Type.String({
      default: '/health',
      pattern: '^/',
      description: 'Path for readiness and liveness probes.',
    }),
    readinessPath: Type.Optional(
      Type.String({ pattern: '^/', description: 'Overrides `path` for readiness.' }),
    ),
    initialDelaySeconds: Type.Integer({ minimum: 0, default: 0 }),
    periodSeconds: Type.Integer({ minimum: 1, default: 10 }),
    timeoutSeconds: Type.Integer({ minimum: 1, default: 2 }),
    failureThreshold: Type.Integer({ minimum: 1, default: 3 }),
    preStopSeconds: Type.Integer({
      minimum: 0,
      maximum: 300,
      default: 10,
      description:
        'preStop sleep so endpoints deregister before SIGTERM. Grace period = this + 30 s.',
    }),
  },
  { description: 'Health probes and shutdown timing.', default: {} },
);

/** GatiHandler.spec: seed fields verbatim plus the operator's additions. */
export const GatiHandlerSpec = Type.Object(
  {
    handlerPath: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'URL path prefix served by the handler; starts with `/`.',
    }),
    version: VersionId,
    replicas: Type.Integer({
      minimum: 0,
      maximum: 10000,
      default: 1,
      description: 'Replicas per live version when not autoscaled.',
    }),
    image: Type.String({
      minLength: 1,
      maxLength: 1024,
      description: 'Container image of spec.version.',
    }),
    port: Type.Integer({
      minimum: 1,
      maximum: 65535,
      default: 3000,
      description: 'Port the Gati app listens on.',
    }),
    resources: Resources,
    env: Type.Optional(EnvList),
    timescape: Type.Object(
      {
        breaking: Type.Boolean({ default: false }),
        routingWeight: Type.Integer({ minimum: 0, maximum: 1000000, default: 100 }),
      },
      {
        description: 'Timescape metadata of spec.version when no GatiVersion carries it.',
        default: {},
      },
    ),
    autoscaling: Autoscaling,
    routing: Routing,
    rollout: Rollout,
    drain: Drain,
    probes: Probes,
  },
  {
    description: 'Desired state of a Gati handler and its live versions.',
    'x-kubernetes-validations': [
      cel(
        "self.handlerPath.startsWith('/')",
        "handlerPath must start with '/'",
        (s) => typeof s.handlerPath === 'string' && s.handlerPath.startsWith('/'),
        '.handlerPath',
      ),
    ],
  },
);
export type GatiHandlerSpec = Static<typeof GatiHandlerSpec>;

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
      description: 'When a newer spec.version finished rolling out over it.',
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
  rollout: Type.Optional(
    Type.Object({
      versionId: Type.String(),
      previousVersionId: Type.Optional(Type.String()),
      step: Type.Integer({ minimum: 0 }),
      stepStartedAt: Type.Optional(Type.String({ format: 'date-time' })),
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

export const GatiHandler = Resource('GatiHandler', GatiHandlerSpec, GatiHandlerStatus);
export type GatiHandler = Static<typeof GatiHandler>;
export { Condition };

import { Type, type Static } from '@sinclair/typebox';
import {
  Autoscaling,
  Condition,
  DNS_SUBDOMAIN,
  INHERITED,
  Resource,
  Resources,
  StringEnum,
  VersionId,
} from './common.js';
import { Analysis, Webhooks } from './analysis.js';
import { cel } from './cel.js';
import { Notifications, RolloutStep } from './gatirolloutpolicy.js';
import { Routing } from './routing.js';
import { GatiHandlerStatus } from './gatihandler-status.js';
import { PodSettingsFields, podSettingsRules } from './pod.js';
import { Retirement, Scaling } from './cost.js';

export { Analysis } from './analysis.js';

/** Progressive rollout of a new spec.version. */
export const Rollout = Type.Object(
  {
    policyRef: Type.Optional(
      Type.Object(
        { name: Type.String({ minLength: 1, maxLength: 253, pattern: DNS_SUBDOMAIN }) },
        {
          description:
            'A GatiRolloutPolicy of this namespace supplying steps, analysis, webhooks and notifications this spec.rollout does not set. Missing: the handler holds as it is (PolicyNotFound).',
        },
      ),
    ),
    steps: Type.Array(RolloutStep, {
      maxItems: 20,
      default: [
        { weight: 10, pauseSeconds: 300 },
        { weight: 50, pauseSeconds: 600 },
      ],
      // Defaulted by the hooks after the policy is merged, never by the API server: a stored
      // default would always win over the policy's steps.
      [INHERITED]: true,
      description:
        'Default (unless the policy sets them): 10% for 300 s, 50% for 600 s, then 100%. An empty list switches at once.',
    }),
    progressDeadlineSeconds: Type.Integer({
      minimum: 1,
      default: 600,
      description:
        'A version not Available this long after it appeared is Failed and never gets weight.',
    }),
    analysis: Type.Optional(Analysis),
    webhooks: Type.Optional(Webhooks),
    notifications: Type.Optional(Notifications),
    rollbackWindowSeconds: Type.Integer({
      minimum: 0,
      maximum: 86400,
      default: 300,
      description:
        'After a new spec.version succeeds, the version it displaced keeps its pods and its pin rule this long; setting spec.version back to it meanwhile is one step (Rollback), without analysis. 0: no window.',
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
    ...PodSettingsFields,
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
    scaling: Scaling,
    routing: Routing,
    rollout: Rollout,
    drain: Drain,
    retirement: Type.Optional(Retirement),
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
      ...podSettingsRules({
        cel: '!has(self.probes) || !has(self.probes.preStopSeconds) || self.terminationGracePeriodSeconds > self.probes.preStopSeconds',
        seconds: (s) => (s.probes as { preStopSeconds?: number } | undefined)?.preStopSeconds,
      }),
    ],
  },
);
export type GatiHandlerSpec = Static<typeof GatiHandlerSpec>;

export const GatiHandler = Resource('GatiHandler', GatiHandlerSpec, GatiHandlerStatus);
export type GatiHandler = Static<typeof GatiHandler>;
export { Condition, VersionId };
export { Routing } from './routing.js';
export * from './gatihandler-status.js';

import { Type, type Static } from '@sinclair/typebox';
import { Autoscaling, Resource, Resources, StatusCommon, StringEnum } from './common.js';
import { cel, celStrings, has } from './cel.js';
import { PROBE_DEFAULTS } from './defaults.js';
import { PodSettingsFields, podSettingsRules, SCRATCH_VOLUMES } from './pod.js';

/**
 * Capabilities a module may declare. They are Gati permission strings, mapped to least
 * privilege (NetworkPolicy, volumes) — never to Linux capabilities.
 */
export const CAPABILITIES = [
  'cache:read',
  'cache:write',
  'database:read',
  'database:write',
  'filesystem:read',
  'filesystem:write',
  'logging',
  'metrics:write',
  'network',
  'network:egress',
  'network:ingress',
  'secrets:read',
  'storage',
] as const;

/** Capabilities that mount a writable volume at /data. */
export const STORAGE_CAPABILITIES = ['storage', 'filesystem:write'];

/** GatiModule.spec: seed fields verbatim plus the pod settings and autoscaling. */
export const GatiModuleSpec = Type.Object(
  {
    moduleName: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'Gati module name, e.g. `database`.',
    }),
    moduleType: StringEnum(['node', 'wasm', 'oci'], { description: 'How the module is packaged.' }),
    runtime: Type.String({
      minLength: 1,
      maxLength: 253,
      description:
        'Runtime the image targets, e.g. `node:20` (informational; recorded as the annotation gati.dev/runtime).',
    }),
    replicas: Type.Integer({ minimum: 0, maximum: 10000, default: 1 }),
    image: Type.String({ minLength: 1, maxLength: 1024 }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 50051, description: 'gRPC port.' }),
    capabilities: Type.Optional(
      Type.Array(StringEnum([...CAPABILITIES]), {
        maxItems: 32,
        'x-kubernetes-list-type': 'set',
        description:
          'Gati capabilities. Without `network`/`network:egress` egress is limited to DNS; `storage`/`filesystem:write` mount a writable volume at /data.',
      }),
    ),
    resources: Resources,
    ...PodSettingsFields,
    autoscaling: Autoscaling,
  },
  {
    description: 'Desired state of a Gati module.',
    'x-kubernetes-validations': [
      ...podSettingsRules({
        cel: `self.terminationGracePeriodSeconds > ${PROBE_DEFAULTS.preStopSeconds}`,
        seconds: () => PROBE_DEFAULTS.preStopSeconds,
      }),
      cel(
        `!has(self.capabilities) || !self.capabilities.exists(c, c in ${celStrings(STORAGE_CAPABILITIES)}) || !has(self.volumeMounts) || !self.volumeMounts.exists(m, m.mountPath == '${SCRATCH_VOLUMES.data}')`,
        `mount path ${SCRATCH_VOLUMES.data} is the operator's with capability ${STORAGE_CAPABILITIES.join(' or ')}`,
        (s) =>
          !has(s, 'capabilities') ||
          !(s.capabilities as string[]).some((c) => STORAGE_CAPABILITIES.includes(c)) ||
          !has(s, 'volumeMounts') ||
          !(s.volumeMounts as Array<{ mountPath: string }>).some(
            (m) => m.mountPath === SCRATCH_VOLUMES.data,
          ),
        '.volumeMounts',
      ),
    ],
  },
);
export type GatiModuleSpec = Static<typeof GatiModuleSpec>;

/** GatiModule.status. */
export const GatiModuleStatus = Type.Object({
  ...StatusCommon,
  replicas: Type.Optional(Type.Integer()),
  readyReplicas: Type.Optional(Type.Integer()),
  availableReplicas: Type.Optional(Type.Integer()),
  service: Type.Optional(Type.String()),
});
export type GatiModuleStatus = Static<typeof GatiModuleStatus>;

export const GatiModule = Resource('GatiModule', GatiModuleSpec, GatiModuleStatus);
export type GatiModule = Static<typeof GatiModule>;

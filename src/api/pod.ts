import { Type, type Static, type TObject } from '@sinclair/typebox';
import { cel, celStrings, has } from './cel.js';
import { EnvList } from './common.js';
import {
  APP_COMPONENT_LABEL,
  APP_INSTANCE_LABEL,
  APP_MANAGED_BY_LABEL,
  APP_NAME_LABEL,
  APP_PART_OF_LABEL,
  APP_VERSION_LABEL,
} from './keys.js';
import {
  field,
  type IAffinity,
  type IEnvFromSource,
  type ILocalObjectReference,
  type IPodSecurityContext,
  type IProbe,
  type ISecurityContext,
  type IToleration,
  type ITopologySpreadConstraint,
  type IVolume,
  type IVolumeMount,
} from './upstream.js';

/**
 * Pod settings shared by GatiHandler and GatiModule: Kubernetes' own field names and shapes
 * (src/api/upstream.ts), flat on the spec beside `image`, `env` and `resources`, so a block
 * copied from a Deployment's pod or container spec pastes under `spec:` as it is. The
 * operator's own pod fields (labels, security defaults, scratch volumes, probes) are merged
 * with them by src/resources/podsettings.ts.
 */

/** Prefix of the operator's selector labels (gati.dev/handler, gati.dev/version, gati.dev/module). */
const OPERATOR_LABEL_PREFIX = 'gati.dev/';
/** The app.kubernetes.io/* labels the operator sets on every pod. */
const OPERATOR_APP_LABELS = [
  APP_NAME_LABEL,
  APP_INSTANCE_LABEL,
  APP_VERSION_LABEL,
  APP_COMPONENT_LABEL,
  APP_PART_OF_LABEL,
  APP_MANAGED_BY_LABEL,
];

/** isOperatorLabel: a label key podLabels may not set. */
export function isOperatorLabel(key: string): boolean {
  return key.startsWith(OPERATOR_LABEL_PREFIX) || OPERATOR_APP_LABELS.includes(key);
}

/** The operator's writable emptyDirs of a read-only root filesystem: name → mount path. */
export const SCRATCH_VOLUMES = { 'gati-state': '/app/.gati', tmp: '/tmp', data: '/data' } as const;
const SCRATCH_NAMES = Object.keys(SCRATCH_VOLUMES);
/** Mount paths the operator always mounts (`/data` only with a module's storage capability). */
const SCRATCH_MOUNTS: string[] = [SCRATCH_VOLUMES['gati-state'], SCRATCH_VOLUMES.tmp];

/** The overrides a GatiVersion may carry for its own version (besides `image`). */
export const VersionOverrideFields = {
  env: Type.Optional(EnvList),
  envFrom: Type.Optional(
    field<IEnvFromSource[]>('Container.envFrom', {
      maxItems: 32,
      description:
        'Variables from every key of a Secret or ConfigMap, as in a container spec; `env` wins on the same name.',
    }),
  ),
  podAnnotations: Type.Optional(
    field<Record<string, string>>('ObjectMeta.annotations', {
      description:
        "Annotations of every pod. The operator's own annotations (gati.dev/*) win on the same key.",
    }),
  ),
};

/**
 * reservedList: volumes or mounts, each item refused when `key` names one of the operator's
 * scratch `values`. Names are DNS labels (as the API server checks) and lists bounded: the
 * mount rule on the spec compares every mount with every volume, and the API server refuses a
 * CRD whose estimated CEL cost has no bound.
 */
function reservedList<T>(
  upstreamField: string,
  description: string,
  key: string,
  values: string[],
  what: string,
) {
  return field<T>(upstreamField, {
    maxItems: 64,
    description,
    items: {
      properties: { name: { maxLength: 63 } },
      'x-kubernetes-validations': [
        cel(
          `!(self.${key} in ${celStrings(values)})`,
          `${what} ${values.join(', ')} are the operator's scratch volumes`,
          (s) => !values.includes(s[key] as string),
          `.${key}`,
        ),
      ],
    },
  });
}

const Volumes = reservedList<IVolume[]>(
  'PodSpec.volumes',
  "Volumes of every pod beside the operator's scratch emptyDirs, as in a Pod spec. Sources: configMap, secret, emptyDir, projected, persistentVolumeClaim. Names `gati-state`, `tmp` and `data` are the operator's.",
  'name',
  SCRATCH_NAMES,
  'volume names',
);

const VolumeMounts = reservedList<IVolumeMount[]>(
  'Container.volumeMounts',
  `Mounts of spec.volumes into the app container, as in a container spec. ${SCRATCH_MOUNTS.join(' and ')} are the operator's.`,
  'mountPath',
  SCRATCH_MOUNTS,
  'mount paths',
);

/** The pod settings, spread into GatiHandler.spec and GatiModule.spec. */
export const PodSettingsFields = {
  ...VersionOverrideFields,
  imagePullSecrets: Type.Optional(
    field<ILocalObjectReference[]>('PodSpec.imagePullSecrets', {
      description: 'Secrets (in the same namespace) for pulling the image from a private registry.',
    }),
  ),
  serviceAccountName: Type.Optional(
    field<string>('PodSpec.serviceAccountName', {
      description:
        'ServiceAccount of the pods. Its API token is still not mounted (automountServiceAccountToken: false); mount one with a projected volume if the app needs it.',
    }),
  ),
  podLabels: Type.Optional(
    field<Record<string, string>>('ObjectMeta.labels', {
      maxProperties: 64,
      description:
        "Labels of every pod (not of the Deployment or the Service). The operator's selector labels (gati.dev/*) and app.kubernetes.io/* labels cannot be set.",
      'x-kubernetes-validations': [
        cel(
          `self.all(k, !k.startsWith('${OPERATOR_LABEL_PREFIX}') && !(k in ${celStrings(OPERATOR_APP_LABELS)}))`,
          `podLabels may not set ${OPERATOR_LABEL_PREFIX}* labels or ${OPERATOR_APP_LABELS.join(', ')}: the operator sets them`,
          (s) => Object.keys(s).every((k) => !isOperatorLabel(k)),
        ),
      ],
    }),
  ),
  nodeSelector: Type.Optional(
    field<Record<string, string>>('PodSpec.nodeSelector', {
      description: 'Node labels the pods must run on, as in a Pod spec.',
    }),
  ),
  tolerations: Type.Optional(
    field<IToleration[]>('PodSpec.tolerations', { description: 'Tolerations, as in a Pod spec.' }),
  ),
  affinity: Type.Optional(
    field<IAffinity>('PodSpec.affinity', {
      description: 'Node affinity and pod (anti-)affinity, as in a Pod spec.',
    }),
  ),
  topologySpreadConstraints: Type.Optional(
    field<ITopologySpreadConstraint[]>('PodSpec.topologySpreadConstraints', {
      description:
        "Spread of the pods across zones or nodes, as in a Pod spec. Select the pods with the operator's labels (e.g. gati.dev/handler and gati.dev/version).",
    }),
  ),
  priorityClassName: Type.Optional(
    field<string>('PodSpec.priorityClassName', { description: 'PriorityClass of the pods.' }),
  ),
  terminationGracePeriodSeconds: Type.Optional(
    field<number>('PodSpec.terminationGracePeriodSeconds', {
      minimum: 0,
      description:
        'Overrides the grace period (default: the preStop sleep + 30 s). Must be longer than the preStop sleep, or the app never sees SIGTERM.',
    }),
  ),
  volumes: Type.Optional(Volumes),
  volumeMounts: Type.Optional(VolumeMounts),
  command: Type.Optional(
    field<string[]>('Container.command', {
      description: "Overrides the image's ENTRYPOINT, as in a container spec.",
    }),
  ),
  args: Type.Optional(
    field<string[]>('Container.args', {
      description: "Overrides the image's CMD, as in a container spec.",
    }),
  ),
  startupProbe: Type.Optional(
    field<IProbe>('Container.startupProbe', {
      description:
        'Startup probe, as in a container spec, passed as is (name the port `http` for handlers, `grpc` for modules, or give its number). Readiness and liveness wait until it succeeds.',
    }),
  ),
  minReadySeconds: Type.Optional(
    field<number>('DeploymentSpec.minReadySeconds', {
      minimum: 0,
      description: 'Seconds a new pod must be ready before it counts as available.',
    }),
  ),
  securityContext: Type.Optional(
    field<ISecurityContext>('Container.securityContext', {
      description:
        "Container security context, merged field by field over the operator's restricted defaults (no privilege escalation, read-only root, non-root, drop ALL). The namespace's Pod Security admission still applies.",
    }),
  ),
  podSecurityContext: Type.Optional(
    field<IPodSecurityContext>('PodSpec.securityContext', {
      description:
        "Pod security context, merged field by field over the operator's defaults (non-root uid/gid/fsGroup 1001, RuntimeDefault seccomp). The namespace's Pod Security admission still applies.",
    }),
  ),
};

/** The pod settings of a handler or module, as validated. */
export type PodSettings = Static<TObject<typeof PodSettingsFields>>;

/** What a GatiVersion overrides for its own version (besides `image`). */
export type VersionOverrides = Static<TObject<typeof VersionOverrideFields>>;

/** Every mount names a user volume (the API server would refuse the Deployment otherwise). */
const MOUNTS_NAME_VOLUMES = cel(
  '!has(self.volumeMounts) || self.volumeMounts.all(m, has(self.volumes) && self.volumes.exists(v, v.name == m.name))',
  'every volumeMounts[].name must be one of spec.volumes',
  (s) =>
    !has(s, 'volumeMounts') ||
    (s.volumeMounts as IVolumeMount[]).every((m) =>
      ((s.volumes as IVolume[] | undefined) ?? []).some((v) => v.name === m.name),
    ),
  '.volumeMounts',
);

/** The preStop sleep of a spec: a CEL comparison with it and its TypeScript twin. */
interface PreStop {
  /** CEL that holds when self.terminationGracePeriodSeconds outlasts the sleep. */
  cel: string;
  seconds: (spec: Record<string, unknown>) => number | undefined;
}

/** podSettingsRules: the cross-field rules of the pod settings on a spec (handler or module). */
export function podSettingsRules(preStop: PreStop) {
  return [
    MOUNTS_NAME_VOLUMES,
    cel(
      `!has(self.terminationGracePeriodSeconds) || ${preStop.cel}`,
      'terminationGracePeriodSeconds must be longer than the preStop sleep',
      (s) => {
        if (!has(s, 'terminationGracePeriodSeconds')) return true;
        const sleep = preStop.seconds(s);
        return sleep === undefined || (s.terminationGracePeriodSeconds as number) > sleep;
      },
      '.terminationGracePeriodSeconds',
    ),
  ];
}

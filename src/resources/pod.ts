import type { EnvVar } from '../api/common.js';
import { SCRATCH_VOLUMES } from '../api/pod.js';
import type {
  Container,
  ContainerSecurityContext,
  EnvVarModel,
  PodSecurityContext,
  PodTemplateSpec,
} from '../kube/types.js';
import { overlay, podAnnotations, podLabels } from './podsettings.js';
import type { ProbeSettings, Workload } from './workload.js';

/** uid/gid of the `gati` user in images built by the Gati CLI (numeric: runAsNonRoot needs it). */
export const GATI_UID = 1001;
/** Gati writes `.gati` under its working directory; the Gati CLI's images use /app. */
export const GATI_STATE_DIR = SCRATCH_VOLUMES['gati-state'];
/** Extra grace after the preStop sleep for in-flight requests and shutdown hooks. */
export const SHUTDOWN_GRACE_SECONDS = 30;
/** Variables the operator sets; user entries with these names are dropped. */
export const RESERVED_ENV = ['PORT', 'HOST', 'NODE_ENV'];

/**
 * containerEnv puts PORT, HOST=0.0.0.0 and NODE_ENV=production first (a bare Gati app binds
 * localhost and logs in dev mode otherwise), then the user's variables in their order. User
 * entries named like ours are dropped — ours win — and of duplicate names only the last is
 * kept, which is what Kubernetes would have used anyway.
 */
export function containerEnv(port: number, env: EnvVar[] = []): EnvVarModel[] {
  const last = new Map(env.map((e, i) => [e.name, i]));
  const user = env
    .filter((e, i) => !RESERVED_ENV.includes(e.name) && last.get(e.name) === i)
    .map(normaliseEnv);
  return [
    { name: 'PORT', value: String(port) },
    { name: 'HOST', value: '0.0.0.0' },
    { name: 'NODE_ENV', value: 'production' },
    ...user,
  ];
}

/**
 * normaliseEnv writes a variable as the API server stores it, so no sync sees a diff: it
 * defaults fieldRef.apiVersion, and drops an empty value (a variable with neither value nor
 * valueFrom is the empty string anyway).
 */
function normaliseEnv(e: EnvVar): EnvVarModel {
  let out: EnvVarModel = e;
  if (e.value === '') {
    // Copied only then: this runs for every variable of every version on every sync.
    const { value: _empty, ...rest } = e;
    out = rest;
  }
  const fieldRef = e.valueFrom?.fieldRef;
  if (!fieldRef) return out;
  return { ...out, valueFrom: { ...e.valueFrom, fieldRef: { apiVersion: 'v1', ...fieldRef } } };
}

/**
 * timing: the probe's timing as the API server stores it. initialDelaySeconds 0 is left out:
 * the field is `omitempty`, so the server drops a 0 and every sync would see a diff to apply.
 */
function timing(p: ProbeSettings) {
  return {
    ...(p.initialDelaySeconds > 0 ? { initialDelaySeconds: p.initialDelaySeconds } : {}),
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
    successThreshold: 1,
  };
}

/** probes: HTTP GET on the app port for handlers; TCP for gRPC modules (no health service is assumed). */
function probes(w: Workload): Pick<Container, 'readinessProbe' | 'livenessProbe'> {
  const p = w.probes;
  if (w.protocol === 'grpc') {
    const tcp = () => ({ tcpSocket: { port: w.protocol }, ...timing(p) });
    return { readinessProbe: tcp(), livenessProbe: tcp() };
  }
  const get = (path: string) => ({
    httpGet: { path, port: w.protocol, scheme: 'HTTP' as const },
    ...timing(p),
  });
  return { readinessProbe: get(p.readinessPath ?? p.path), livenessProbe: get(p.path) };
}

/**
 * lifecycle: a preStop sleep so endpoints deregister before SIGTERM reaches the app. It uses
 * the built-in `sleep` action (beta on by default since Kubernetes 1.30, GA in 1.34) because
 * Gati images may have no shell for an exec sleep. 0 seconds: no hook.
 */
function lifecycle(preStopSeconds: number): Container['lifecycle'] {
  return preStopSeconds > 0 ? { preStop: { sleep: { seconds: preStopSeconds } } } : undefined;
}

/** The writable emptyDirs of a read-only root filesystem: `.gati`, /tmp, and /data when asked. */
function scratchDirs(data: boolean): Array<[name: string, mountPath: string]> {
  const dirs: Array<[string, string]> = [
    ['gati-state', SCRATCH_VOLUMES['gati-state']],
    ['tmp', SCRATCH_VOLUMES.tmp],
  ];
  if (data) dirs.push(['data', SCRATCH_VOLUMES.data]);
  return dirs;
}

/** The container defaults of the restricted Pod Security Standard; spec.securityContext overlays them. */
const CONTAINER_SECURITY: ContainerSecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

/** The pod defaults (non-root uid/gid 1001, RuntimeDefault seccomp); spec.podSecurityContext overlays them. */
const POD_SECURITY: PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: GATI_UID,
  runAsGroup: GATI_UID,
  fsGroup: GATI_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

function container(w: Workload): Container {
  const pod = w.pod;
  return {
    name: 'app',
    image: w.image,
    imagePullPolicy: 'IfNotPresent',
    command: pod.command,
    args: pod.args,
    ports: [{ name: w.protocol, containerPort: w.port, protocol: 'TCP' }],
    env: containerEnv(w.port, pod.env),
    envFrom: pod.envFrom,
    resources: {
      requests: { cpu: w.resources.requests.cpu, memory: w.resources.requests.memory },
      limits: { cpu: w.resources.limits.cpu, memory: w.resources.limits.memory },
    },
    startupProbe: pod.startupProbe,
    ...probes(w),
    lifecycle: lifecycle(w.probes.preStopSeconds),
    securityContext: overlay(CONTAINER_SECURITY, pod.securityContext),
    volumeMounts: [
      ...scratchDirs(w.dataVolume).map(([name, mountPath]) => ({ name, mountPath })),
      ...(pod.volumeMounts ?? []),
    ],
  };
}

/**
 * podTemplate: non-root uid/gid 1001, RuntimeDefault seccomp, read-only root with writable
 * emptyDirs for `.gati` and /tmp, no service-account token (Gati apps don't call the API)
 * and no service links (PORT-like variables from other Services) — then the user's pod
 * settings: scheduling as given, security overlaid field by field, volumes beside ours,
 * labels and annotations under ours.
 */
export function podTemplate(w: Workload): PodTemplateSpec {
  const pod = w.pod;
  return {
    metadata: {
      labels: podLabels(w.labels, pod.podLabels),
      annotations: podAnnotations(w.annotations, pod.podAnnotations),
    },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      serviceAccountName: pod.serviceAccountName,
      imagePullSecrets: pod.imagePullSecrets,
      priorityClassName: pod.priorityClassName,
      nodeSelector: pod.nodeSelector,
      affinity: pod.affinity,
      tolerations: pod.tolerations,
      topologySpreadConstraints: pod.topologySpreadConstraints,
      terminationGracePeriodSeconds:
        pod.terminationGracePeriodSeconds ?? w.probes.preStopSeconds + SHUTDOWN_GRACE_SECONDS,
      securityContext: overlay(POD_SECURITY, pod.podSecurityContext),
      containers: [container(w)],
      volumes: [
        ...scratchDirs(w.dataVolume).map(([name]) => ({ name, emptyDir: {} })),
        ...(pod.volumes ?? []),
      ],
    },
  };
}

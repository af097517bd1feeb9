import type { EnvVar, Resources } from '../api/common.js';
import { canonicalShared } from '../render/canonical.js';
import type { ProbeSettings, Workload } from './workload.js';

/** uid/gid of the `gati` user in images built by the Gati CLI (numeric: runAsNonRoot needs it). */
export const GATI_UID = 1001;
/** Gati writes `.gati` under its working directory; the Gati CLI's images use /app. */
export const GATI_STATE_DIR = '/app/.gati';
/** Extra grace after the preStop sleep for in-flight requests and shutdown hooks. */
export const SHUTDOWN_GRACE_SECONDS = 30;
/** Variables the operator sets; user entries with these names are dropped. */
export const RESERVED_ENV = ['PORT', 'HOST', 'NODE_ENV'];

const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '512Mi' },
};

/** containerResources applies the default of each missing request and limit separately. */
export function containerResources(
  r: Resources | undefined,
): Record<string, Record<string, string | number>> {
  return {
    requests: {
      cpu: r?.requests?.cpu ?? DEFAULT_RESOURCES.requests.cpu,
      memory: r?.requests?.memory ?? DEFAULT_RESOURCES.requests.memory,
    },
    limits: {
      cpu: r?.limits?.cpu ?? DEFAULT_RESOURCES.limits.cpu,
      memory: r?.limits?.memory ?? DEFAULT_RESOURCES.limits.memory,
    },
  };
}

/**
 * containerEnv puts PORT, HOST=0.0.0.0 and NODE_ENV=production first (a bare Gati app binds
 * localhost and logs in dev mode otherwise), then the user's variables in their order. User
 * entries named like ours are dropped — ours win — and of duplicate names only the last is
 * kept, which is what Kubernetes would have used anyway.
 */
export function containerEnv(port: number, env: EnvVar[] = []): ContainerEnvVar[] {
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

/** An EnvVar as emitted: the user's, with server-defaulted fields written out. */
export interface ContainerEnvVar {
  name: string;
  value?: string;
  valueFrom?: Record<string, Record<string, unknown>>;
}

/** The apiserver defaults fieldRef.apiVersion; emitting it avoids a diff on every sync. */
// No defensive copy: every builder's output goes through canonical(), which copies deeply.
function normaliseEnv(e: EnvVar): ContainerEnvVar {
  const fieldRef = e.valueFrom?.fieldRef;
  if (!fieldRef) return e;
  return { ...e, valueFrom: { ...e.valueFrom, fieldRef: { apiVersion: 'v1', ...fieldRef } } };
}

function timing(p: ProbeSettings): Record<string, number> {
  return {
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
    successThreshold: 1,
  };
}

/** probes: HTTP GET on the app port for handlers; TCP for gRPC modules (no health service is assumed). */
export function probes(w: Workload): { readinessProbe: object; livenessProbe: object } {
  const p = w.probes;
  if (w.protocol === 'grpc') {
    const tcp = { tcpSocket: { port: w.protocol }, ...timing(p) };
    return { readinessProbe: tcp, livenessProbe: { ...tcp } };
  }
  const get = (path: string) => ({
    httpGet: { path, port: w.protocol, scheme: 'HTTP' },
    ...timing(p),
  });
  return { readinessProbe: get(p.readinessPath ?? p.path), livenessProbe: get(p.path) };
}

/**
 * lifecycle: a preStop sleep so endpoints deregister before SIGTERM reaches the app. It uses
 * the built-in `sleep` action (beta on by default since Kubernetes 1.30, GA in 1.34) because
 * Gati images may have no shell for an exec sleep. 0 seconds: no hook.
 */
function lifecycle(preStopSeconds: number): object | undefined {
  return preStopSeconds > 0 ? { preStop: { sleep: { seconds: preStopSeconds } } } : undefined;
}

function emptyDirs(data: boolean): { volumes: object[]; mounts: object[] } {
  const dirs: Array<[string, string]> = [
    ['gati-state', GATI_STATE_DIR],
    ['tmp', '/tmp'],
  ];
  if (data) dirs.push(['data', '/data']);
  return canonicalShared({
    volumes: dirs.map(([name]) => ({ name, emptyDir: {} })),
    mounts: dirs.map(([name, mountPath]) => ({ name, mountPath })),
  });
}

// Parts every pod template repeats, built once and shared (see canonicalShared).
const WITH_DATA = emptyDirs(true);
const WITHOUT_DATA = emptyDirs(false);

const CONTAINER_SECURITY = canonicalShared({
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
});

const POD_SECURITY = canonicalShared({
  runAsNonRoot: true,
  runAsUser: GATI_UID,
  runAsGroup: GATI_UID,
  fsGroup: GATI_UID,
  seccompProfile: { type: 'RuntimeDefault' },
});

function volumes(w: Workload): { volumes: object[]; mounts: object[] } {
  return w.dataVolume ? WITH_DATA : WITHOUT_DATA;
}

function container(w: Workload, mounts: object[]): object {
  return {
    name: 'app',
    image: w.image,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: w.protocol, containerPort: w.port, protocol: 'TCP' }],
    env: w.containerEnv ?? containerEnv(w.port, w.env),
    resources: containerResources(w.resources),
    ...probes(w),
    lifecycle: lifecycle(w.probes.preStopSeconds),
    securityContext: CONTAINER_SECURITY,
    volumeMounts: mounts,
  };
}

/**
 * podTemplate: non-root uid/gid 1001, RuntimeDefault seccomp, read-only root with writable
 * emptyDirs for `.gati` and /tmp, no service-account token (Gati apps don't call the API)
 * and no service links (PORT-like variables from other Services).
 */
export function podTemplate(w: Workload): object {
  const { volumes: vols, mounts } = volumes(w);
  return {
    metadata: { labels: w.labels, annotations: w.annotations },
    spec: {
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: w.probes.preStopSeconds + SHUTDOWN_GRACE_SECONDS,
      securityContext: POD_SECURITY,
      containers: [container(w, mounts)],
      volumes: vols,
    },
  };
}

import { DNS_EGRESS } from '../resources/networkpolicy.js';
import {
  CONTAINER_SECURITY,
  CONTAINER_PORT,
  IMAGE,
  LABELS,
  METACONTROLLER_NAMESPACE,
  NAME,
  NAMESPACE,
  PORT_NAME,
  PRESTOP_SECONDS,
  RUN_AS_UID,
  SELECTOR,
  SERVICE_PORT,
  SHUTDOWN_GRACE_MS,
  TERMINATION_GRACE_SECONDS,
} from './constants.js';
import { gatiEditRole, gatiViewRole } from './rbac.js';

type Obj = Record<string, unknown>;

function meta(name: string, namespaced = true): Obj {
  return namespaced ? { name, namespace: NAMESPACE, labels: LABELS } : { name, labels: LABELS };
}

/** namespace is the hook server's Namespace. */
function namespace(): Obj {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: meta(NAMESPACE, false) };
}

/** serviceAccount is the hook server's ServiceAccount; it needs no RBAC and mounts no token. */
function serviceAccount(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(NAME),
    automountServiceAccountToken: false,
  };
}

/**
 * V8 flags of the hook server. The old-space cap keeps the heap below the container's 512Mi
 * limit, so a burst of large requests fails a request, not the pod. The 32 MiB semi-space
 * (default 16): every call parses a request of up to megabytes into short-lived objects, and
 * with the default young generation those survive scavenges and get copied; the larger one
 * raised both the hook and the parse-only floor by ~60% on the medium bench set
 * (BENCH_NODE_ARGS=--max-semi-space-size=32 npm run bench). Young generation (2 × 32 MiB)
 * plus the 352 MiB old space plus code stays under the limit. The bench runs with these.
 */
export const SERVER_NODE_OPTIONS = '--max-old-space-size=352 --max-semi-space-size=32';

/**
 * V8 flags of the image's ENTRYPOINT (and `npm start`, and the bench and loop servers), which
 * the Deployment does not override: the semi-space size again, and no bytecode flushing, which
 * node refuses in NODE_OPTIONS. V8 drops the bytecode of functions that have not run for a
 * while and compiles them again on their next call; a hook server at tens of calls a second
 * runs much of its code that rarely. Without flushing it cost 0.98× the CPU a call on the
 * loop's own calls (eight paired rounds, seven lower; `REPLAY_TOGETHER=1
 * REPLAY_SERVERS=real,alt ALT_NODE_ARGS=--no-flush-bytecode npx tsx
 * bench/loop/replay-calls.ts calls.jsonl 5`), at the same resident memory.
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=32', '--no-flush-bytecode'];

/** Environment of the hook server; see docs/configuration.md for every variable. */
const ENV = [
  { name: 'HOST', value: '0.0.0.0' },
  { name: 'PORT', value: String(CONTAINER_PORT) },
  { name: 'SHUTDOWN_GRACE_MS', value: String(SHUTDOWN_GRACE_MS) },
  { name: 'NODE_OPTIONS', value: SERVER_NODE_OPTIONS },
];

function container(): Obj {
  return {
    name: NAME,
    image: IMAGE,
    imagePullPolicy: 'IfNotPresent',
    ports: [{ name: PORT_NAME, containerPort: CONTAINER_PORT, protocol: 'TCP' }],
    env: ENV,
    readinessProbe: {
      httpGet: { path: '/readyz', port: PORT_NAME },
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 2,
    },
    livenessProbe: {
      httpGet: { path: '/healthz', port: PORT_NAME },
      initialDelaySeconds: 5,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    },
    // The Service's endpoints stop receiving new calls while the pod sleeps; then SIGTERM lets in-flight hooks finish.
    lifecycle: { preStop: { sleep: { seconds: PRESTOP_SECONDS } } },
    resources: {
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    },
    securityContext: CONTAINER_SECURITY,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

/** deployment runs two hardened replicas of the hook server spread over nodes. */
export function deployment(): Obj {
  const spreadOverNodes = {
    labelSelector: { matchLabels: SELECTOR },
    topologyKey: 'kubernetes.io/hostname',
  };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(NAME),
    spec: {
      replicas: 2,
      revisionHistoryLimit: 5,
      selector: { matchLabels: SELECTOR },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          serviceAccountName: NAME,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS_UID,
            runAsGroup: RUN_AS_UID,
            fsGroup: RUN_AS_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: spreadOverNodes },
              ],
            },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: SELECTOR },
            },
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: SELECTOR },
            },
          ],
          containers: [container()],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
        },
      },
    },
  };
}

/** service is the ClusterIP Service the CompositeControllers call: port 80 → the container's `http` port. */
function service(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(NAME),
    spec: {
      type: 'ClusterIP',
      selector: SELECTOR,
      ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  };
}

/** podDisruptionBudget keeps one hook server up through voluntary disruptions (node drains). */
function podDisruptionBudget(): Obj {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: meta(NAME),
    spec: { minAvailable: 1, selector: { matchLabels: SELECTOR } },
  };
}

/**
 * networkPolicy admits hook calls only from the metacontroller namespace and allows no egress
 * but DNS: the server needs nothing else unless drain evidence is configured (a component adds that).
 */
function networkPolicy(): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta(NAME),
    spec: {
      podSelector: { matchLabels: SELECTOR },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: {
                matchLabels: { 'kubernetes.io/metadata.name': METACONTROLLER_NAMESPACE },
              },
            },
          ],
          ports: [{ port: CONTAINER_PORT, protocol: 'TCP' }],
        },
      ],
      egress: [DNS_EGRESS],
    },
  };
}

/** The install manifests in apply order, each with its numbered file name. */
export function operatorManifests(): Array<{ file: string; object: Obj }> {
  return [
    { file: '100-namespace.yaml', object: namespace() },
    { file: '200-serviceaccount.yaml', object: serviceAccount() },
    { file: '300-deployment.yaml', object: deployment() },
    { file: '400-service.yaml', object: service() },
    { file: '500-poddisruptionbudget.yaml', object: podDisruptionBudget() },
    { file: '600-networkpolicy.yaml', object: networkPolicy() },
    { file: '700-clusterrole-gati-view.yaml', object: gatiViewRole() },
    { file: '710-clusterrole-gati-edit.yaml', object: gatiEditRole() },
  ];
}

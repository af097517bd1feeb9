import t from 'tap';
import { PROBE_DEFAULTS } from '../../src/api/defaults.js';
import {
  containerEnv,
  GATI_STATE_DIR,
  GATI_UID,
  moduleWorkload,
  podTemplate,
  SHUTDOWN_GRACE_SECONDS,
} from '../../src/resources/index.js';
import { handlerVersion, moduleParent, withCapabilities, withSpec } from '../helpers/builders.js';

// src/resources/pod.ts: the container environment and the pod template every Deployment runs.

t.test('containerEnv', async (t) => {
  const ours = ['PORT=3000', 'HOST=0.0.0.0', 'NODE_ENV=production'];
  const rows = [
    { reason: 'ours come first', env: [], want: ours },
    {
      reason: 'user variables follow in their order',
      env: [
        { name: 'B', value: '1' },
        { name: 'A', value: '2' },
      ],
      want: [...ours, 'B=1', 'A=2'],
    },
    {
      reason: 'PORT/HOST/NODE_ENV cannot be overridden: user entries dropped',
      env: [
        { name: 'PORT', value: '1' },
        { name: 'NODE_ENV', value: 'dev' },
        { name: 'X', value: 'y' },
      ],
      want: [...ours, 'X=y'],
    },
    {
      reason: 'duplicate names keep the last, as Kubernetes would',
      env: [
        { name: 'X', value: '1' },
        { name: 'Y', value: '2' },
        { name: 'X', value: '3' },
      ],
      want: [...ours, 'Y=2', 'X=3'],
    },
  ];
  for (const r of rows)
    t.same(
      containerEnv(3000, r.env).map((e) => `${e.name}=${e.value}`),
      r.want,
      r.reason,
    );
  const refs = [
    {
      reason: 'fieldRef carries the apiVersion the apiserver would default',
      valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
      want: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
    },
    {
      reason: 'an explicit fieldRef apiVersion is kept',
      valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } },
      want: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } },
    },
    {
      reason: 'other references pass through',
      valueFrom: { secretKeyRef: { name: 's', key: 'k' } },
      want: { secretKeyRef: { name: 's', key: 'k' } },
    },
  ];
  for (const r of refs)
    t.same(
      containerEnv(3000, [{ name: 'R', valueFrom: r.valueFrom }])[3]?.valueFrom,
      r.want,
      r.reason,
    );
  t.equal(containerEnv(50051)[0]?.value, '50051', 'PORT is the workload port');
});

t.test('podTemplate: probes and shutdown', async (t) => {
  const rows = [
    {
      reason: 'handler defaults: HTTP GET /health on the http port, the default preStop',
      w: handlerVersion(),
      readiness: { httpGet: { path: '/health', port: 'http', scheme: 'HTTP' } },
      liveness: { httpGet: { path: '/health', port: 'http', scheme: 'HTTP' } },
      preStop: PROBE_DEFAULTS.preStopSeconds,
    },
    {
      reason: 'readinessPath overrides path for readiness only',
      w: handlerVersion(
        withSpec({
          probes: { path: '/api/health', readinessPath: '/api/ready', preStopSeconds: 15 },
        }),
      ),
      readiness: { httpGet: { path: '/api/ready', port: 'http', scheme: 'HTTP' } },
      liveness: { httpGet: { path: '/api/health', port: 'http', scheme: 'HTTP' } },
      preStop: 15,
    },
    {
      reason: 'preStopSeconds 0: no hook, grace is the shutdown grace alone',
      w: handlerVersion(withSpec({ probes: { preStopSeconds: 0 } })),
      readiness: { httpGet: { path: '/health' } },
      liveness: { httpGet: { path: '/health' } },
      preStop: 0,
    },
    {
      reason: 'modules are probed over TCP on the grpc port (no health service assumed)',
      w: moduleWorkload(moduleParent()),
      readiness: { tcpSocket: { port: 'grpc' } },
      liveness: { tcpSocket: { port: 'grpc' } },
      preStop: PROBE_DEFAULTS.preStopSeconds,
    },
  ];
  for (const r of rows) {
    const pod = podTemplate(r.w).spec!;
    const c = pod.containers[0]!;
    t.match(c.readinessProbe, r.readiness, `${r.reason}: readiness`);
    t.match(c.livenessProbe, r.liveness, `${r.reason}: liveness`);
    t.same(
      c.lifecycle,
      r.preStop > 0 ? { preStop: { sleep: { seconds: r.preStop } } } : undefined,
      `${r.reason}: preStop is a sleep action (no shell needed)`,
    );
    t.equal(
      pod.terminationGracePeriodSeconds,
      r.preStop + SHUTDOWN_GRACE_SECONDS,
      `${r.reason}: grace`,
    );
  }
});

t.test('podTemplate: least privilege', async (t) => {
  const rows = [
    { reason: 'handler version', w: handlerVersion(), data: false },
    { reason: 'module without storage', w: moduleWorkload(moduleParent()), data: false },
    {
      reason: 'module with storage: a writable /data',
      w: moduleWorkload(moduleParent(withCapabilities('storage'))),
      data: true,
    },
  ];
  for (const r of rows) {
    const pod = podTemplate(r.w).spec!;
    const c = pod.containers[0]!;
    t.same(
      pod.securityContext,
      {
        runAsNonRoot: true,
        runAsUser: GATI_UID,
        runAsGroup: GATI_UID,
        fsGroup: GATI_UID,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      `${r.reason}: pod runs as uid 1001`,
    );
    t.same(
      c.securityContext,
      {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      },
      `${r.reason}: container is locked down, never Linux capabilities`,
    );
    const mounts = [GATI_STATE_DIR, '/tmp', ...(r.data ? ['/data'] : [])];
    t.same(
      c.volumeMounts!.map((m) => m.mountPath),
      mounts,
      `${r.reason}: writable dirs on a read-only root`,
    );
    t.same(
      pod.volumes!.map(
        (v) => Object.keys(v.emptyDir ?? {}).length === 0 && v.emptyDir !== undefined,
      ),
      mounts.map(() => true),
      `${r.reason}: every writable dir is an emptyDir`,
    );
    t.equal(pod.automountServiceAccountToken, false, `${r.reason}: no API token`);
    t.equal(pod.enableServiceLinks, false, `${r.reason}: no service links`);
  }
  const w = handlerVersion();
  t.same(
    podTemplate(w).metadata,
    { labels: w.labels, annotations: w.annotations },
    'pods carry the workload labels',
  );
});

import t from 'tap';
import { validateHandlerSpec, validateModuleSpec } from '../../src/api/index.js';
import type { GatiHandlerSpec } from '../../src/api/gatihandler.js';
import type { GatiModuleSpec } from '../../src/api/gatimodule.js';
import {
  containerEnv,
  handlerWorkload,
  makeApexService,
  makeAutoscaler,
  makeDeployment,
  makeHPA,
  makeNetworkPolicy,
  makePodDisruptionBudget,
  makeScaledObject,
  makeService,
  moduleChildren,
  moduleWorkload,
  substitute,
  versionChildren,
  versionName,
  type Workload,
} from '../../src/resources/index.js';
import {
  handler,
  module,
  withCapabilities,
  withHpa,
  withKeda,
  withSpec,
} from '../helpers/builders.js';
import { validateKube } from '../helpers/golden.js';
import { canonical } from '../../src/kube/canonical.js';

/** Builders leave optional fields undefined; canonical() drops them on the way out (callHook). */
const validateBuilt = (o: unknown) => validateKube(canonical(o));

function handlerParent(...opts: Parameters<typeof handler>): {
  metadata: { name: string; namespace: string };
  spec: GatiHandlerSpec;
} {
  const h = handler(...opts);
  const v = validateHandlerSpec(h.spec);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return { metadata: h.metadata, spec: v.value };
}

function moduleParent(...opts: Parameters<typeof module>): {
  metadata: { name: string; namespace: string };
  spec: GatiModuleSpec;
} {
  const m = module(...opts);
  const v = validateModuleSpec(m.spec);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return { metadata: m.metadata, spec: v.value };
}

const serve = (p: { spec: GatiHandlerSpec }) => ({
  versionId: p.spec.version,
  image: p.spec.image,
  replicas: p.spec.replicas,
  state: 'serve' as const,
});

function workload(...opts: Parameters<typeof handler>): Workload {
  const p = handlerParent(...opts);
  return handlerWorkload(p, serve(p));
}

t.test('containerEnv', async (t) => {
  const rows = [
    {
      reason: 'ours come first',
      env: [],
      want: ['PORT=3000', 'HOST=0.0.0.0', 'NODE_ENV=production'],
    },
    {
      reason: 'user variables follow in their order',
      env: [
        { name: 'B', value: '1' },
        { name: 'A', value: '2' },
      ],
      want: ['PORT=3000', 'HOST=0.0.0.0', 'NODE_ENV=production', 'B=1', 'A=2'],
    },
    {
      reason: 'PORT/HOST/NODE_ENV cannot be overridden: user entries dropped',
      env: [
        { name: 'PORT', value: '1' },
        { name: 'NODE_ENV', value: 'dev' },
        { name: 'X', value: 'y' },
      ],
      want: ['PORT=3000', 'HOST=0.0.0.0', 'NODE_ENV=production', 'X=y'],
    },
    {
      reason: 'duplicate names keep the last, as Kubernetes would',
      env: [
        { name: 'X', value: '1' },
        { name: 'Y', value: '2' },
        { name: 'X', value: '3' },
      ],
      want: ['PORT=3000', 'HOST=0.0.0.0', 'NODE_ENV=production', 'Y=2', 'X=3'],
    },
  ];
  for (const r of rows)
    t.same(
      containerEnv(3000, r.env).map((e) => `${e.name}=${e.value}`),
      r.want,
      r.reason,
    );
  const ref = containerEnv(3000, [
    { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  ])[3];
  t.same(
    ref?.valueFrom,
    { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
    'fieldRef carries the apiVersion the apiserver would default',
  );
  const secret = containerEnv(3000, [
    { name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
  ])[3];
  t.same(
    secret?.valueFrom,
    { secretKeyRef: { name: 's', key: 'k' } },
    'other references pass through',
  );
});

t.test('makeDeployment', async (t) => {
  const rows = [
    { reason: 'fixed replicas are written', w: workload(), replicas: 2 },
    { reason: 'HPA owns replicas: omitted', w: workload(withHpa()), replicas: undefined },
    { reason: 'KEDA owns replicas: omitted', w: workload(withKeda()), replicas: undefined },
    {
      reason: 'zero replicas are written, not dropped',
      w: workload(withSpec({ replicas: 0 })),
      replicas: 0,
    },
  ];
  for (const r of rows) {
    const d: any = makeDeployment(r.w);
    validateBuilt(d);
    t.equal(d.spec.replicas, r.replicas, r.reason);
  }
  const d: any = makeDeployment(
    workload(
      withSpec({
        probes: { path: '/api/health', readinessPath: '/api/ready', preStopSeconds: 15 },
      }),
    ),
  );
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  t.same(
    d.spec.strategy,
    { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
    'never drops below desired capacity',
  );
  t.same(
    d.spec.selector.matchLabels,
    { 'gati.dev/handler': 'orders', 'gati.dev/version': 'v1' },
    'selector is the stable version selector',
  );
  t.equal(
    c.readinessProbe.httpGet.path,
    '/api/ready',
    'readinessPath overrides path for readiness',
  );
  t.equal(c.livenessProbe.httpGet.path, '/api/health', 'liveness uses path');
  t.same(
    c.lifecycle,
    { preStop: { sleep: { seconds: 15 } } },
    'preStop is a sleep action (no shell needed)',
  );
  t.equal(pod.terminationGracePeriodSeconds, 45, 'grace = preStop + 30');
  t.same(
    pod.securityContext,
    {
      fsGroup: 1001,
      runAsGroup: 1001,
      runAsNonRoot: true,
      runAsUser: 1001,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    'pod runs as uid 1001',
  );
  t.same(
    c.securityContext,
    {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    },
    'container is locked down',
  );
  t.same(
    c.volumeMounts.map((m: any) => m.mountPath),
    ['/app/.gati', '/tmp'],
    'writable .gati and /tmp on a read-only root',
  );
  t.equal(pod.automountServiceAccountToken, false, 'no API token for Gati apps');
  const noStop: any = makeDeployment(workload(withSpec({ probes: { preStopSeconds: 0 } })));
  t.notOk(noStop.spec.template.spec.containers[0].lifecycle, 'preStopSeconds 0: no hook');
  t.equal(
    noStop.spec.template.spec.terminationGracePeriodSeconds,
    30,
    'preStopSeconds 0: grace 30',
  );
  t.notOk(
    JSON.stringify(d.spec.selector).includes('orders:'),
    'the image never appears in the selector',
  );
});

t.test('makeService', async (t) => {
  const rows = [
    { reason: 'handlers speak http', w: workload(), protocol: 'http', port: 3000 },
    {
      reason: 'modules speak gRPC',
      w: moduleWorkload(moduleParent()),
      protocol: 'grpc',
      port: 50051,
    },
  ];
  for (const r of rows) {
    const s: any = makeService(r.w);
    validateBuilt(s);
    t.same(
      s.spec.ports,
      [
        {
          appProtocol: r.protocol,
          name: r.protocol,
          port: r.port,
          protocol: 'TCP',
          targetPort: r.protocol,
        },
      ],
      r.reason,
    );
    t.same(s.spec.selector, r.w.selector, `${r.reason}: selects the workload’s pods`);
  }
});

t.test('makeHPA', async (t) => {
  const rows = [
    {
      reason: 'CPU target from the spec',
      w: workload(withHpa()),
      metrics: [['cpu', 70]],
      min: 2,
      max: 10,
    },
    {
      reason: 'CPU default 80 when unset',
      w: workload(withHpa({ targetCPUUtilization: undefined })),
      metrics: [['cpu', 80]],
      min: 2,
      max: 10,
    },
    {
      reason: 'memory metric when asked, after CPU',
      w: workload(withHpa({ targetMemoryUtilization: 75 })),
      metrics: [
        ['cpu', 70],
        ['memory', 75],
      ],
      min: 2,
      max: 10,
    },
    {
      reason: 'minReplicas defaults to 1',
      w: workload(withHpa({ minReplicas: undefined })),
      metrics: [['cpu', 70]],
      min: 1,
      max: 10,
    },
  ];
  for (const r of rows) {
    const h: any = makeHPA(r.w);
    validateBuilt(h);
    t.same(
      h.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization]),
      r.metrics,
      r.reason,
    );
    t.same([h.spec.minReplicas, h.spec.maxReplicas], [r.min, r.max], `${r.reason}: bounds`);
    t.same(
      h.spec.scaleTargetRef,
      { apiVersion: 'apps/v1', kind: 'Deployment', name: r.w.name },
      `${r.reason}: targets the Deployment`,
    );
  }
});

t.test('makeScaledObject', async (t) => {
  const h = workload(withKeda());
  const so: any = makeScaledObject(h);
  validateBuilt(so);
  const name = versionName('orders', 'v1');
  t.equal(
    so.spec.triggers[0].metadata.query,
    `sum(rate(x{ns="shop",svc="${name}",v="v1",d="${name}"}[1m]))`,
    'placeholders are substituted per version',
  );
  t.equal(so.spec.pollingInterval, 15, 'pollingInterval passes through');
  const rows = [
    {
      reason: 'a serving handler version never scales to zero (floor 1)',
      w: workload(withKeda({ minReplicas: 0 })),
      min: 1,
    },
    {
      reason: 'a module may scale to zero with KEDA',
      w: moduleWorkload(moduleParent(withKeda({ minReplicas: 0 }))),
      min: 0,
    },
    {
      reason: 'minReplicas defaults to 1',
      w: moduleWorkload(moduleParent(withKeda({ minReplicas: undefined }))),
      min: 1,
    },
  ];
  for (const r of rows) {
    const o: any = makeScaledObject(r.w);
    validateBuilt(o);
    t.equal(o.spec.minReplicaCount, r.min, r.reason);
  }
  t.equal(
    substitute('{{version}}/{{unknown}}', { version: 'v1' }),
    'v1/{{unknown}}',
    'unknown placeholders are left as written',
  );
  t.equal(substitute('{{ service }}', { service: 's' }), 's', 'spaces inside braces are allowed');
});

t.test('makeAutoscaler', async (t) => {
  const rows = [
    { reason: 'none: no autoscaler', w: workload(), kinds: [] },
    { reason: 'hpa: exactly an HPA', w: workload(withHpa()), kinds: ['HorizontalPodAutoscaler'] },
    { reason: 'keda: exactly a ScaledObject', w: workload(withKeda()), kinds: ['ScaledObject'] },
  ];
  for (const r of rows)
    t.same(
      makeAutoscaler(r.w).map((o) => o.kind),
      r.kinds,
      r.reason,
    );
});

t.test('makeNetworkPolicy and makePodDisruptionBudget', async (t) => {
  const w = moduleWorkload(moduleParent());
  const np: any = makeNetworkPolicy(w);
  validateBuilt(np);
  t.same(np.spec.policyTypes, ['Egress'], 'only egress is restricted');
  t.same(
    np.spec.egress[0].ports,
    [
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ],
    'DNS over UDP and TCP stays open',
  );
  t.same(
    np.spec.podSelector.matchLabels,
    { 'gati.dev/module': 'db' },
    'applies to the module’s pods',
  );
  const pdb: any = makePodDisruptionBudget(w);
  validateBuilt(pdb);
  t.equal(pdb.spec.maxUnavailable, 1, 'never blocks a node drain, even at 1 replica');
  t.equal(
    pdb.spec.unhealthyPodEvictionPolicy,
    'AlwaysAllow',
    'crash-looping pods never block drains',
  );
});

t.test('versionChildren and makeApexService', async (t) => {
  const rows = [
    {
      reason: 'serve, fixed replicas',
      p: handlerParent(),
      state: 'serve' as const,
      kinds: ['Deployment', 'Service', 'PodDisruptionBudget'],
      replicas: 2,
    },
    {
      reason: 'serve with HPA',
      p: handlerParent(withHpa()),
      state: 'serve' as const,
      kinds: ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'],
      replicas: undefined,
    },
    {
      reason: 'serve with KEDA',
      p: handlerParent(withKeda()),
      state: 'serve' as const,
      kinds: ['Deployment', 'Service', 'ScaledObject', 'PodDisruptionBudget'],
      replicas: undefined,
    },
    {
      reason: 'retire: Deployment at 0, Service kept, no autoscaler, no PDB',
      p: handlerParent(withHpa()),
      state: 'retire' as const,
      kinds: ['Deployment', 'Service'],
      replicas: 0,
    },
  ];
  for (const r of rows) {
    const out: any[] = versionChildren(r.p, { ...serve(r.p), state: r.state });
    out.forEach(validateBuilt);
    t.same(
      out.map((o) => o.kind),
      r.kinds,
      r.reason,
    );
    t.equal(out[0].spec.replicas, r.replicas, `${r.reason}: replicas`);
    t.ok(
      out.every((o) => o.metadata.name === versionName('orders', 'v1')),
      `${r.reason}: one name per version`,
    );
  }
  const two = [
    ...versionChildren(handlerParent(), {
      versionId: 'v1',
      image: 'i:1',
      replicas: 1,
      state: 'serve',
    }),
    ...versionChildren(handlerParent(), {
      versionId: 'v2',
      image: 'i:2',
      replicas: 1,
      state: 'serve',
    }),
  ];
  t.equal(
    new Set(two.map((o) => `${o.kind}/${o.metadata?.name}`)).size,
    two.length,
    'two versions never share a child name',
  );
  const apex: any = makeApexService(handlerParent());
  validateBuilt(apex);
  t.equal(apex.metadata.name, 'orders', 'apex Service is named after the handler');
  t.same(
    apex.spec.selector,
    { 'gati.dev/handler': 'orders' },
    'apex Service selects every version',
  );
});

t.test('moduleChildren', async (t) => {
  const rows = [
    {
      reason: 'no capabilities: egress limited to DNS, no data volume',
      caps: [],
      netpol: true,
      data: false,
    },
    { reason: 'network: no NetworkPolicy', caps: ['network'], netpol: false, data: false },
    {
      reason: 'network:egress: no NetworkPolicy',
      caps: ['network:egress'],
      netpol: false,
      data: false,
    },
    {
      reason: 'storage: writable /data, egress limited',
      caps: ['storage'],
      netpol: true,
      data: true,
    },
    {
      reason: 'filesystem:write: writable /data',
      caps: ['filesystem:write'],
      netpol: true,
      data: true,
    },
    {
      reason: 'seed: network and storage',
      caps: ['network', 'storage'],
      netpol: false,
      data: true,
    },
  ];
  for (const r of rows) {
    const out: any[] = moduleChildren(moduleParent(withCapabilities(...r.caps)));
    out.forEach(validateBuilt);
    t.equal(
      out.some((o) => o.kind === 'NetworkPolicy'),
      r.netpol,
      `${r.reason}: NetworkPolicy`,
    );
    const c = out[0].spec.template.spec.containers[0];
    t.equal(
      c.volumeMounts.some((m: any) => m.mountPath === '/data'),
      r.data,
      `${r.reason}: /data`,
    );
    t.same(
      c.securityContext.capabilities,
      { drop: ['ALL'] },
      `${r.reason}: never Linux capabilities`,
    );
  }
  const d: any = moduleChildren(moduleParent())[0];
  t.equal(
    d.metadata.annotations['gati.dev/runtime'],
    'node:20',
    'runtime recorded as an annotation',
  );
  t.ok(d.spec.template.spec.containers[0].readinessProbe.tcpSocket, 'modules are probed over TCP');
});

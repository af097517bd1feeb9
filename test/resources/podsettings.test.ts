import t from 'tap';
import { validateHandlerSpec, validateModuleSpec } from '../../src/api/index.js';
import type { PodSettings } from '../../src/api/pod.js';
import { canonical } from '../../src/kube/canonical.js';
import {
  containerEnv,
  handlerWorkload,
  makeDeployment,
  makeHPA,
  makeScaledObject,
  moduleWorkload,
  versionChildren,
  type VersionWorkload,
} from '../../src/resources/index.js';
import { overlay, podLabels, withOverrides } from '../../src/resources/podsettings.js';
import {
  handler,
  module,
  withCapabilities,
  withHpa,
  withKeda,
  withSpec,
} from '../helpers/builders.js';
import { validateKube } from '../helpers/golden.js';

function parent(...opts: Parameters<typeof handler>) {
  const h = handler(...opts);
  const v = validateHandlerSpec(h.spec);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return { metadata: h.metadata, spec: v.value };
}

const serve = (p: ReturnType<typeof parent>, extra: Partial<VersionWorkload> = {}) => ({
  versionId: p.spec.version,
  image: p.spec.image,
  replicas: p.spec.replicas,
  state: 'serve' as const,
  ...extra,
});

/** The canonical Deployment of a handler's spec.version, validated upstream. */
function deployment(...opts: Parameters<typeof handler>): any {
  const p = parent(...opts);
  const d = canonical(makeDeployment(handlerWorkload(p, serve(p))));
  validateKube(d);
  return d;
}

const PRODUCTION = withSpec({
  imagePullSecrets: [{ name: 'registry-credentials' }],
  serviceAccountName: 'orders',
  priorityClassName: 'business-critical',
  nodeSelector: { 'kubernetes.io/os': 'linux' },
  tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gati', effect: 'NoSchedule' }],
  topologySpreadConstraints: [
    {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'ScheduleAnyway',
      labelSelector: { matchLabels: { 'gati.dev/handler': 'orders' } },
    },
  ],
  env: [
    { name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'orders-db', key: 'url' } } },
    { name: 'EMPTY', value: '' },
  ],
  envFrom: [{ configMapRef: { name: 'orders-config' } }],
  volumes: [{ name: 'config', configMap: { name: 'orders-config' } }],
  volumeMounts: [{ name: 'config', mountPath: '/app/config', readOnly: true }],
  command: ['node'],
  args: ['dist/server.js'],
  startupProbe: { httpGet: { path: '/health', port: 'http' }, failureThreshold: 30 },
  minReadySeconds: 10,
  terminationGracePeriodSeconds: 75,
  podLabels: { team: 'payments' },
  podAnnotations: { 'prometheus.io/scrape': 'true' },
  securityContext: { capabilities: { add: ['NET_BIND_SERVICE'] } },
  podSecurityContext: { runAsUser: 2000, supplementalGroups: [3000] },
});

t.test('pod settings reach the Deployment where a Deployment has them', async (t) => {
  const d = deployment(PRODUCTION);
  const pod = d.spec.template.spec;
  const c = pod.containers[0];
  const rows: Array<[string, unknown, unknown]> = [
    ['minReadySeconds on the Deployment', d.spec.minReadySeconds, 10],
    ['imagePullSecrets', pod.imagePullSecrets, [{ name: 'registry-credentials' }]],
    ['serviceAccountName', pod.serviceAccountName, 'orders'],
    ['the API token stays unmounted', pod.automountServiceAccountToken, false],
    ['priorityClassName', pod.priorityClassName, 'business-critical'],
    ['nodeSelector', pod.nodeSelector, { 'kubernetes.io/os': 'linux' }],
    ['tolerations as given', pod.tolerations[0].key, 'dedicated'],
    ['topology spread as given', pod.topologySpreadConstraints[0].maxSkew, 1],
    ['the grace period override', pod.terminationGracePeriodSeconds, 75],
    ['command and args', [c.command, c.args], [['node'], ['dist/server.js']]],
    ['envFrom', c.envFrom, [{ configMapRef: { name: 'orders-config' } }]],
    [
      'startupProbe passed as is',
      c.startupProbe,
      { failureThreshold: 30, httpGet: { path: '/health', port: 'http' } },
    ],
    [
      'user volumes after the scratch emptyDirs',
      pod.volumes.map((v: any) => v.name),
      ['gati-state', 'tmp', 'config'],
    ],
    [
      'user mounts after the scratch mounts',
      c.volumeMounts.map((m: any) => m.mountPath),
      ['/app/.gati', '/tmp', '/app/config'],
    ],
    [
      'an empty value is left out, as the API server stores it',
      c.env.find((e: any) => e.name === 'EMPTY'),
      { name: 'EMPTY' },
    ],
    [
      'a secretKeyRef passes through',
      c.env.find((e: any) => e.name === 'DATABASE_URL').valueFrom,
      { secretKeyRef: { key: 'url', name: 'orders-db' } },
    ],
    [
      'podLabels on the pod only',
      [pod.metadata, d.spec.template.metadata.labels.team, d.metadata.labels.team],
      [undefined, 'payments', undefined],
    ],
    [
      'podAnnotations on the pod only',
      [
        d.spec.template.metadata.annotations['prometheus.io/scrape'],
        d.metadata.annotations['prometheus.io/scrape'],
      ],
      ['true', undefined],
    ],
  ];
  for (const [reason, got, want] of rows) t.same(got, want, reason);
  t.strictSame(
    c.securityContext,
    {
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
    },
    'securityContext overlays the restricted defaults field by field',
  );
  t.strictSame(
    pod.securityContext,
    {
      fsGroup: 1001,
      runAsGroup: 1001,
      runAsNonRoot: true,
      runAsUser: 2000,
      seccompProfile: { type: 'RuntimeDefault' },
      supplementalGroups: [3000],
    },
    'podSecurityContext overlays the pod defaults',
  );
});

t.test('without pod settings nothing changes', async (t) => {
  const pod = deployment().spec.template.spec;
  for (const k of [
    'serviceAccountName',
    'imagePullSecrets',
    'tolerations',
    'affinity',
    'nodeSelector',
  ])
    t.notOk(k in pod, `no ${k}`);
  t.equal(pod.terminationGracePeriodSeconds, 40, 'grace: the preStop sleep + 30 s');
  t.notOk('minReadySeconds' in deployment().spec, 'no minReadySeconds');
});

t.test('the operator labels and annotations win', async (t) => {
  const rows: Array<{
    reason: string;
    user: Record<string, string>;
    want: Record<string, string>;
  }> = [
    {
      reason: 'selector labels are never taken from podLabels',
      user: { 'gati.dev/handler': 'other', 'gati.dev/version': 'x', team: 'a' },
      want: { team: 'a', 'gati.dev/handler': 'orders', 'gati.dev/version': 'v1' },
    },
    {
      reason: "app.kubernetes.io labels the operator sets are dropped; others' kept",
      user: { 'app.kubernetes.io/name': 'x', 'app.kubernetes.io/team': 'y' },
      want: { 'app.kubernetes.io/team': 'y', 'app.kubernetes.io/name': 'orders' },
    },
  ];
  const ours = {
    'app.kubernetes.io/name': 'orders',
    'gati.dev/handler': 'orders',
    'gati.dev/version': 'v1',
  };
  for (const r of rows) {
    const got = podLabels(ours, r.user);
    for (const [k, v] of Object.entries(r.want)) t.equal(got[k], v, `${r.reason}: ${k}`);
    t.equal(
      Object.keys(got).length,
      new Set([...Object.keys(ours), ...Object.keys(r.want)]).size,
      r.reason,
    );
  }
  // The builder drops them even when the schema was bypassed (the CEL rule refuses them).
  const p = parent();
  const w = handlerWorkload(
    {
      ...p,
      spec: {
        ...p.spec,
        podLabels: { 'gati.dev/version': 'evil' },
        podAnnotations: { 'gati.dev/version-id': 'evil' },
      },
    },
    serve(p),
  );
  const tpl: any = makeDeployment(w).spec?.template;
  t.equal(tpl.metadata.labels['gati.dev/version'], 'v1', 'label kept');
  t.equal(tpl.metadata.annotations['gati.dev/version-id'], 'v1', 'annotation kept');
});

t.test('overlay merges objects and replaces lists and scalars', async (t) => {
  const base = { a: 1, o: { x: 1, l: [1] }, l: [1, 2] };
  const rows = [
    { reason: 'nothing to overlay', over: undefined, want: base },
    { reason: 'scalars replace', over: { a: 2 }, want: { ...base, a: 2 } },
    {
      reason: 'nested objects merge',
      over: { o: { y: 2 } },
      want: { ...base, o: { x: 1, y: 2, l: [1] } },
    },
    { reason: 'lists replace', over: { l: [3] }, want: { ...base, l: [3] } },
  ];
  for (const r of rows) t.same(overlay<Record<string, unknown>>(base, r.over), r.want, r.reason);
});

t.test("a GatiVersion's overrides apply to its own version only", async (t) => {
  const pod: PodSettings = {
    env: [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ],
    envFrom: [{ secretRef: { name: 'common' } }],
    podAnnotations: { a: '1', b: '2' },
  };
  const rows = [
    { reason: 'no overrides: the same settings', o: undefined, want: pod },
    {
      reason: 'env merges by name, in place; new names follow',
      o: {
        env: [
          { name: 'B', value: 'v2' },
          { name: 'C', value: '3' },
        ],
      },
      want: {
        ...pod,
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: 'v2' },
          { name: 'C', value: '3' },
        ],
      },
    },
    {
      reason: "envFrom follows the handler's (a later source wins)",
      o: { envFrom: [{ secretRef: { name: 'v2-only' } }] },
      want: {
        ...pod,
        envFrom: [{ secretRef: { name: 'common' } }, { secretRef: { name: 'v2-only' } }],
      },
    },
    {
      reason: "podAnnotations merge by key, the version's win",
      o: { podAnnotations: { b: 'v2', c: '3' } },
      want: { ...pod, podAnnotations: { a: '1', b: 'v2', c: '3' } },
    },
  ];
  for (const r of rows) t.same(withOverrides(pod, r.o), r.want, r.reason);

  const p = parent(withSpec({ env: [{ name: 'FEATURE', value: 'old' }] }));
  const [d] = versionChildren(
    p,
    serve(p, { overrides: { env: [{ name: 'FEATURE', value: 'new' }] } }),
  ) as any[];
  t.same(
    d.spec.template.spec.containers[0].env.slice(3),
    [{ name: 'FEATURE', value: 'new' }],
    'versionChildren passes the overrides to the pod',
  );
});

t.test('HPA behavior goes on the HPA, or through KEDA', async (t) => {
  const behavior = {
    scaleDown: {
      stabilizationWindowSeconds: 600,
      policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
    },
  };
  const hpaParent = parent(withHpa({ behavior }));
  const hpa: any = canonical(makeHPA(handlerWorkload(hpaParent, serve(hpaParent))));
  validateKube(hpa);
  t.same(hpa.spec.behavior, behavior, 'HPA spec.behavior');
  const kedaParent = parent(withKeda({ behavior }));
  const so: any = canonical(makeScaledObject(handlerWorkload(kedaParent, serve(kedaParent))));
  validateKube(so);
  t.same(so.spec.advanced, { horizontalPodAutoscalerConfig: { behavior } }, 'KEDA advanced config');
  const plain: any = canonical(
    makeScaledObject(handlerWorkload(parent(withKeda()), serve(parent(withKeda())))),
  );
  t.notOk('advanced' in plain.spec, 'no behavior: no advanced block');
});

t.test('modules take the same pod settings', async (t) => {
  const m = module(
    withCapabilities('storage'),
    withSpec({
      serviceAccountName: 'db',
      volumes: [{ name: 'certs', secret: { secretName: 'db-tls' } }],
      volumeMounts: [{ name: 'certs', mountPath: '/etc/tls' }],
    }),
  );
  const v = validateModuleSpec(m.spec);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  const d: any = canonical(makeDeployment(moduleWorkload({ metadata: m.metadata, spec: v.value })));
  validateKube(d);
  t.equal(d.spec.template.spec.serviceAccountName, 'db');
  t.same(
    d.spec.template.spec.volumes.map((x: any) => x.name),
    ['gati-state', 'tmp', 'data', 'certs'],
    'after the scratch volumes, /data included',
  );
  t.same(containerEnv(50051, v.value.env).length, 3, 'reserved variables only');
});

import t, { type Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HANDLER_LABEL, MODULE_LABEL, VERSION_LABEL } from '../../src/api/keys.js';
import { MANAGED_BY } from '../../src/resources/labels.js';
import { apexServiceName, moduleName, routeName, versionName } from '../../src/resources/names.js';

// The kind end-to-end suite (docs/testing.md, "End-to-end (kind)"): a real cluster, the real
// Metacontroller, the operator image built from our Dockerfile, our install set, and the
// stories DESIGN §4 promises — children with the right labels, a rollout through the
// weights, a GatiVersion finalizer held until drained, and a teardown that leaves nothing.
//
// Everything lives in this one file on purpose: tap runs every .ts file under test/e2e as a
// test file, and helper modules would each add a "no tests found" line to the report.

// ---------------------------------------------------------------------------------------------
// Pinned versions and knobs
// ---------------------------------------------------------------------------------------------

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** kind v0.29.0's image for Kubernetes 1.33.1 (from the kind release notes, pinned by digest). */
const NODE_IMAGE =
  'kindest/node:v1.33.1@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f';
const METACONTROLLER_KUSTOMIZE =
  'https://github.com/metacontroller/metacontroller/manifests/production?ref=v4.17.2';
const GATEWAY_API_CRDS =
  'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.3.0/standard-install.yaml';
const KEDA_CRDS =
  'https://github.com/kedacore/keda/releases/download/v2.17.2/keda-2.17.2-crds.yaml';

const GATI_CRDS = ['gatihandlers.gati.dev', 'gatimodules.gati.dev', 'gativersions.gati.dev'];
/** CRDs that must be Established before our install: Metacontroller's own and the declared child kinds'. */
const PREREQ_CRDS = [
  'compositecontrollers.metacontroller.k8s.io',
  'httproutes.gateway.networking.k8s.io',
  'scaledobjects.keda.sh',
];
const OPERATOR_REPOSITORY = 'ghcr.io/gati-framework/gati-operator';
const GATIVERSION_FINALIZER = 'metacontroller.io/compositecontroller-gativersion-controller';
const MANAGED = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

const env = process.env;
const CONFIG = {
  clusterName: env.E2E_CLUSTER_NAME ?? `gati-e2e-${Date.now().toString(36)}-${process.pid}`,
  nodeImage: env.E2E_NODE_IMAGE ?? NODE_IMAGE,
  keepCluster: env.E2E_KEEP_CLUSTER === '1',
  operatorImage: env.E2E_OPERATOR_IMAGE ?? 'gati-operator:e2e',
  skipBuild: env.E2E_SKIP_BUILD === '1',
  /** Multiplies every bounded wait, for slow runners. */
  waitScale: Number(env.E2E_WAIT_SCALE ?? '1') > 0 ? Number(env.E2E_WAIT_SCALE ?? '1') : 1,
  artifacts: env.E2E_ARTIFACTS ?? '',
};
const APP_IMAGE = (tag: string) => `gati-e2e-app:${tag}`;
const APP_NS = 'gati-e2e';
const APP = 'e2e-app';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const scaled = (ms: number) => Math.round(ms * CONFIG.waitScale);

// ---------------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------------

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

interface RunOptions {
  timeoutMs: number;
  input?: string;
  cwd?: string;
  quiet?: boolean;
}

function log(message: string): void {
  process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** run spawns a command with a hard timeout (SIGKILL) and collects its output; never throws. */
function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  if (!opts.quiet) log(`$ ${cmd} ${args.join(' ')}`);
  return new Promise((done) => {
    const stdin = opts.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO, stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      done({ code: null, stdout, stderr: `${stderr}${err.message}`, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, timedOut });
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // a command that exits before reading: its exit code tells
      child.stdin.end(opts.input);
    }
  });
}

const tail = (s: string, n = 4000) => (s.length > n ? `…${s.slice(-n)}` : s);

/** must runs a command and throws a message naming it, its exit and its output when it fails. */
async function must(cmd: string, args: string[], opts: RunOptions): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code === 0) return r.stdout;
  const why = r.timedOut ? `timed out after ${opts.timeoutMs / SECOND}s` : `exited ${r.code}`;
  throw new Error(
    `${cmd} ${args.join(' ')} ${why}\n--- stderr ---\n${tail(r.stderr)}\n--- stdout ---\n${tail(r.stdout)}`,
  );
}

/** retry runs an idempotent step up to `times` times: remote fetches on CI runners are flaky. */
async function retry<T>(what: string, times: number, step: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (err) {
      if (i >= times) throw err;
      log(`${what} failed (attempt ${i}/${times}), retrying in 10s: ${String(err).split('\n')[0]}`);
      await sleep(10 * SECOND);
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Skip detection: one clear line naming what is missing
// ---------------------------------------------------------------------------------------------

function probe(cmd: string, args: string[]): { missing: boolean; ok: boolean; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30 * SECOND });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { missing, ok: !r.error && r.status === 0, stderr: `${r.stderr ?? ''}`.trim() };
}

/** skipReason says why this machine cannot run the suite, or undefined when it can. */
function skipReason(): string | undefined {
  if (env.E2E_SKIP === '1') return 'E2E_SKIP=1 is set';
  const docker = probe('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (docker.missing) return 'docker not found on PATH';
  if (!docker.ok) {
    const first = docker.stderr.split('\n').find((l) => l.trim() !== '') ?? 'no output';
    return `no Docker daemon (docker info failed: ${first.trim()})`;
  }
  if (probe('kind', ['version']).missing) return 'kind not found on PATH';
  if (probe('kubectl', ['version', '--client']).missing) return 'kubectl not found on PATH';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// kubectl against the suite's own kubeconfig (the user's ~/.kube/config is never touched)
// ---------------------------------------------------------------------------------------------

type Obj = Record<string, any>;

class Kube {
  /** Whether diagnose() ran: the suite keeps its work dir then, since the report names files there. */
  diagnosed = false;

  constructor(
    readonly kubeconfig: string,
    readonly artifacts: string,
  ) {}

  run(args: string[], timeoutMs = 2 * MINUTE, quiet = true): Promise<RunResult> {
    return run('kubectl', ['--kubeconfig', this.kubeconfig, ...args], { timeoutMs, quiet });
  }

  must(args: string[], timeoutMs = 2 * MINUTE, input?: string): Promise<string> {
    return must('kubectl', ['--kubeconfig', this.kubeconfig, ...args], { timeoutMs, input });
  }

  /** get returns one object, or undefined when it does not exist. */
  async get(kind: string, name: string, ns?: string): Promise<Obj | undefined> {
    const args = ['get', kind, name, '-o', 'json', '--ignore-not-found'];
    const r = await this.run(ns ? [...args, '-n', ns] : args, 30 * SECOND);
    if (r.code !== 0) throw new Error(`kubectl get ${kind} ${name}: ${r.stderr.trim()}`);
    return r.stdout.trim() === '' ? undefined : (JSON.parse(r.stdout) as Obj);
  }

  /** list returns the items of one or more kinds (`a,b`), in a namespace or everywhere. */
  async list(kinds: string, opts: { ns?: string; selector?: string } = {}): Promise<Obj[]> {
    const args = ['get', kinds, '-o', 'json', ...(opts.ns ? ['-n', opts.ns] : ['-A'])];
    if (opts.selector) args.push('-l', opts.selector);
    const r = await this.run(args, 30 * SECOND);
    if (r.code !== 0) throw new Error(`kubectl get ${kinds}: ${r.stderr.trim()}`);
    return (JSON.parse(r.stdout) as { items: Obj[] }).items;
  }

  async apply(yaml: string, extra: string[] = []): Promise<void> {
    await this.must(['apply', ...extra, '-f', '-'], 2 * MINUTE, yaml);
  }

  async patch(kind: string, name: string, ns: string, patch: object): Promise<void> {
    await this.must([
      'patch',
      kind,
      name,
      '-n',
      ns,
      '--type',
      'merge',
      '-p',
      JSON.stringify(patch),
    ]);
  }

  /**
   * diagnose collects what a failing wait needs to be understood: the Gati objects and their
   * children as YAML, pods, recent events, the hook server's and Metacontroller's logs. It
   * writes them under the artifacts directory and returns them (capped) for the failure message.
   */
  async diagnose(label: string, extra: string[][] = []): Promise<string> {
    const sections: Array<[string, string[]]> = [
      ...extra.map((a): [string, string[]] => [`kubectl ${a.join(' ')}`, a]),
      ['Gati objects', ['get', 'gatihandlers,gatimodules,gativersions', '-A', '-o', 'yaml']],
      [
        'operator-managed children',
        ['get', 'deployments,services,httproutes', '-A', '-l', MANAGED, '-o', 'yaml'],
      ],
      ['pods', ['get', 'pods', '-A', '-o', 'wide']],
      ['events', ['get', 'events', '-A', '--sort-by=.lastTimestamp']],
      ['controllers', ['get', 'compositecontrollers', '-o', 'wide']],
      [
        'hook server logs',
        [
          'logs',
          '-n',
          'gati-system',
          '-l',
          'app.kubernetes.io/name=gati-operator',
          '--prefix',
          '--tail=200',
        ],
      ],
      [
        'Metacontroller logs',
        ['logs', '-n', 'metacontroller', 'statefulset/metacontroller', '--tail=300'],
      ],
    ];
    this.diagnosed = true;
    const parts: string[] = [];
    for (const [title, args] of sections) {
      const r = await this.run(args, 30 * SECOND);
      parts.push(`===== ${title} =====\n${r.stdout}${r.stderr ? `\n[stderr] ${r.stderr}` : ''}`);
    }
    const text = parts.join('\n');
    const file = join(
      this.artifacts,
      `${label.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80)}.txt`,
    );
    try {
      mkdirSync(this.artifacts, { recursive: true });
      writeFileSync(file, text);
    } catch (err) {
      log(`could not write ${file}: ${String(err)}`);
    }
    return `full diagnostics: ${file}\n${tail(text, 60_000)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Bounded waits
// ---------------------------------------------------------------------------------------------

interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Extra kubectl argument lists whose output the failure message includes first. */
  dump?: string[][];
}

/**
 * until polls `check` until it returns a value other than undefined/false, or fails after a
 * bounded time with what it waited for, the last observation and the cluster's diagnostics.
 * `check` may return `pending(why)` to record why it is not done yet.
 */
async function until<T>(
  kube: Kube,
  what: string,
  check: () => Promise<T | undefined | false | Pending>,
  opts: WaitOptions,
): Promise<T> {
  const timeoutMs = scaled(opts.timeoutMs);
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing observed yet';
  log(`waiting (≤ ${Math.round(timeoutMs / SECOND)}s) for ${what}`);
  for (;;) {
    try {
      const v = await check();
      if (v instanceof Pending) last = v.why;
      else if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = `error: ${String(err)}`;
    }
    if (Date.now() >= deadline) break;
    await sleep(opts.intervalMs ?? 2 * SECOND);
  }
  const diagnostics = await kube.diagnose(what, opts.dump);
  throw new Error(
    `timed out after ${Math.round(timeoutMs / SECOND)}s waiting for ${what}\nlast observation: ${last}\n${diagnostics}`,
  );
}

/** Pending is what a wait's check returns while not done: why, for the failure message. */
class Pending {
  constructor(readonly why: string) {}
}
const pending = (why: string) => new Pending(why);

// ---------------------------------------------------------------------------------------------
// Reading what the operator wrote
// ---------------------------------------------------------------------------------------------

/** routeWeights: the weighted rule of an HTTPRoute (the rule without header matches) as versionId → weight. */
function routeWeights(
  route: Obj | undefined,
  handler: string,
  ids: string[],
): Record<string, number> {
  const byService = new Map(ids.map((id) => [versionName(handler, id), id]));
  const out: Record<string, number> = {};
  for (const rule of (route?.spec?.rules ?? []) as Obj[]) {
    const pinned = ((rule.matches ?? []) as Obj[]).some((m) => (m.headers ?? []).length > 0);
    if (pinned) continue;
    for (const b of (rule.backendRefs ?? []) as Obj[]) {
      out[byService.get(b.name) ?? b.name] = typeof b.weight === 'number' ? b.weight : 1;
    }
  }
  return out;
}

/** routePins: the pin rules of an HTTPRoute as header value → versionId. */
function routePins(route: Obj | undefined, handler: string, ids: string[]): Record<string, string> {
  const byService = new Map(ids.map((id) => [versionName(handler, id), id]));
  const out: Record<string, string> = {};
  for (const rule of (route?.spec?.rules ?? []) as Obj[]) {
    const header = ((rule.matches ?? []) as Obj[]).flatMap((m) => (m.headers ?? []) as Obj[])[0];
    const backend = ((rule.backendRefs ?? []) as Obj[])[0];
    if (header && backend) out[header.value] = byService.get(backend.name) ?? backend.name;
  }
  return out;
}

const versionsOf = (handler: Obj | undefined): Obj[] => (handler?.status?.versions ?? []) as Obj[];
const versionEntry = (handler: Obj | undefined, id: string) =>
  versionsOf(handler).find((v) => v.versionId === id);
const same = (a: Record<string, number>, b: Record<string, number>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
const brief = (handler: Obj | undefined) =>
  JSON.stringify(
    versionsOf(handler).map((v) => ({
      id: v.versionId,
      phase: v.phase,
      weight: v.effectiveWeight,
      pct: v.trafficPercent,
      reason: v.reason,
    })),
  );

// ---------------------------------------------------------------------------------------------
// Fixtures the suite creates
// ---------------------------------------------------------------------------------------------

/** A tiny HTTP server that runs as uid 1001 on a read-only root and answers every path. */
const APP_SERVER = `import { createServer } from 'node:http';
const server = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ version: process.env.APP_VERSION, path: req.url }));
});
server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '0.0.0.0');
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
}
`;

const APP_DOCKERFILE = `FROM node:20-alpine
ARG VERSION
ENV APP_VERSION=\${VERSION}
COPY server.mjs /srv/server.mjs
USER 1001:1001
ENTRYPOINT ["node", "/srv/server.mjs"]
`;

/** The overlay the suite installs: the repo's manifests/ with the image replaced. */
function overlay(dir: string, image: string): string {
  const at = image.lastIndexOf(':');
  const [name, tag] =
    at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest'];
  return [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${relative(dir, join(REPO, 'manifests'))}`,
    'images:',
    `  - name: ${OPERATOR_REPOSITORY}`,
    `    newName: ${name}`,
    `    newTag: ${tag}`,
    '',
  ].join('\n');
}

function appHandler(version: string): string {
  return JSON.stringify({
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: APP, namespace: APP_NS },
    spec: {
      handlerPath: '/api/e2e',
      version,
      image: APP_IMAGE(version),
      replicas: 1,
      port: 3000,
      probes: { path: '/health', periodSeconds: 2, failureThreshold: 3, preStopSeconds: 1 },
      rollout: { steps: [{ weight: 50, pauseSeconds: 15 }], progressDeadlineSeconds: 300 },
      drain: { minSeconds: 10, timeoutSeconds: 120 },
    },
  });
}

function appVersion(versionId: string, routingWeight: number): string {
  return JSON.stringify({
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: { name: `${APP}-${versionId}`, namespace: APP_NS },
    spec: {
      versionId,
      image: APP_IMAGE(versionId),
      routingWeight,
      handlerRef: { name: APP },
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The suite
// ---------------------------------------------------------------------------------------------

const reason = skipReason();
if (reason && env.E2E_REQUIRE === '1') {
  // CI sets E2E_REQUIRE=1 so a runner that lost Docker or kind fails instead of passing as skipped.
  t.fail(`kind e2e required (E2E_REQUIRE=1) but cannot run: ${reason}`);
} else if (reason) {
  t.plan(0, `kind e2e: ${reason}`);
} else {
  await suite();
}

async function suite(): Promise<void> {
  // Cluster creation, two image builds and the rollout/drain stories: well past tap's default.
  t.setTimeout(scaled(75 * MINUTE));
  const work = mkdtempSync(join(tmpdir(), 'gati-e2e-'));
  const artifacts = CONFIG.artifacts || join(work, 'artifacts');
  const kube = new Kube(join(work, 'kubeconfig'), artifacts);
  const cluster = CONFIG.clusterName;
  let created = false;
  log(`cluster ${cluster}, node image ${CONFIG.nodeImage}, work dir ${work}`);

  const deleteClusterSync = () => {
    if (!created || CONFIG.keepCluster) return;
    created = false;
    spawnSync('kind', ['delete', 'cluster', '--name', cluster, '--kubeconfig', kube.kubeconfig], {
      stdio: 'inherit',
      timeout: 3 * MINUTE,
    });
  };
  // tap's timeout and Ctrl-C arrive as signals; never leave a cluster behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      deleteClusterSync();
      process.exit(130);
    });
  }
  t.teardown(async () => {
    if (created && CONFIG.keepCluster) {
      log(`E2E_KEEP_CLUSTER=1: kept cluster ${cluster}; kubectl --kubeconfig ${kube.kubeconfig} …`);
      log(`delete it with: kind delete cluster --name ${cluster}`);
      return;
    }
    if (created) {
      created = false;
      await run('kind', ['delete', 'cluster', '--name', cluster, '--kubeconfig', kube.kubeconfig], {
        timeoutMs: 3 * MINUTE,
      });
    }
    // Diagnostics written into the work dir stay for the failure message that names them.
    if (CONFIG.artifacts || !kube.diagnosed) rmSync(work, { recursive: true, force: true });
  });

  // A failed essential phase (cluster, images, install) skips everything after it, with why.
  let blocked: string | undefined;
  const phase = async (name: string, essential: boolean, fn: (t: Test) => Promise<void>) => {
    if (blocked) {
      await t.test(name, { skip: `not run: "${blocked}" failed` }, async () => {});
      return;
    }
    const results = await t.test(name, fn);
    if (essential && !results?.ok) blocked = name;
  };

  await phase('a kind cluster starts from the pinned node image', true, async (t) => {
    created = true; // from here on teardown deletes it, even if creation fails half-way
    await must(
      'kind',
      [
        'create',
        'cluster',
        '--name',
        cluster,
        '--image',
        CONFIG.nodeImage,
        '--kubeconfig',
        kube.kubeconfig,
        '--wait',
        '180s',
      ],
      { timeoutMs: scaled(8 * MINUTE) },
    );
    await kube.must(
      ['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s'],
      4 * MINUTE,
    );
    const nodes = await kube.list('nodes');
    t.equal(nodes.length, 1, 'one node');
    const pinned = /^kindest\/node:(v[0-9.]+)/.exec(CONFIG.nodeImage)?.[1];
    const kubelet = nodes[0]?.status?.nodeInfo?.kubeletVersion;
    if (pinned) t.equal(kubelet, pinned, `the node runs Kubernetes ${pinned}`);
    else t.match(kubelet, /^v1\./, `the node runs Kubernetes ${kubelet}`);
  });

  await phase(
    'the operator and sample app images are built and loaded into kind',
    true,
    async (t) => {
      if (!CONFIG.skipBuild) {
        await must('docker', ['build', '-t', CONFIG.operatorImage, '.'], {
          timeoutMs: scaled(20 * MINUTE),
        });
      }
      const appDir = join(work, 'app');
      mkdirSync(appDir, { recursive: true });
      writeFileSync(join(appDir, 'server.mjs'), APP_SERVER);
      writeFileSync(join(appDir, 'Dockerfile'), APP_DOCKERFILE);
      for (const v of ['v1', 'v2']) {
        await must('docker', ['build', '--build-arg', `VERSION=${v}`, '-t', APP_IMAGE(v), appDir], {
          timeoutMs: scaled(10 * MINUTE),
        });
      }
      const images = [CONFIG.operatorImage, APP_IMAGE('v1'), APP_IMAGE('v2')];
      await must('kind', ['load', 'docker-image', '--name', cluster, ...images], {
        timeoutMs: scaled(10 * MINUTE),
      });
      t.pass(`loaded ${images.join(', ')}`);
    },
  );

  await phase(
    'Metacontroller v4.17.2, the Gateway API and KEDA CRDs are installed',
    true,
    async (t) => {
      await retry('Metacontroller install', 3, () =>
        kube.must(['apply', '-k', METACONTROLLER_KUSTOMIZE], scaled(5 * MINUTE)),
      );
      await retry('Gateway API CRDs', 3, () =>
        kube.must(['apply', '--server-side', '-f', GATEWAY_API_CRDS], scaled(3 * MINUTE)),
      );
      await retry('KEDA CRDs', 3, () =>
        kube.must(['apply', '--server-side', '-f', KEDA_CRDS], scaled(3 * MINUTE)),
      );
      await kube.must(
        [
          'wait',
          '--for=condition=Established',
          '--timeout=120s',
          ...PREREQ_CRDS.map((c) => `crd/${c}`),
        ],
        3 * MINUTE,
      );
      const sts = await until(
        kube,
        'StatefulSet metacontroller/metacontroller to have every replica ready',
        async () => {
          const s = await kube.get('statefulset', 'metacontroller', 'metacontroller');
          const ready = s?.status?.readyReplicas ?? 0;
          return s && ready >= 1 && ready === s.spec?.replicas
            ? s
            : pending(`ready=${ready}/${s?.spec?.replicas ?? '?'}`);
        },
        { timeoutMs: 5 * MINUTE, dump: [['describe', 'statefulset,pods', '-n', 'metacontroller']] },
      );
      t.match(
        sts?.spec?.template?.spec?.containers?.[0]?.image,
        /metacontroller:v4\.17\.2$/,
        'Metacontroller runs the pinned image',
      );
      t.pass(`Metacontroller is ready (${sts.status.readyReplicas} replica)`);
    },
  );

  const overlayDir = join(work, 'overlay');
  await phase('crds/, the hook server and the controllers are installed', true, async (t) => {
    await kube.must(['apply', '-f', 'crds/']);
    await kube.must(
      [
        'wait',
        '--for=condition=Established',
        '--timeout=120s',
        ...GATI_CRDS.map((c) => `crd/${c}`),
      ],
      3 * MINUTE,
    );
    mkdirSync(overlayDir, { recursive: true });
    writeFileSync(
      join(overlayDir, 'kustomization.yaml'),
      overlay(overlayDir, CONFIG.operatorImage),
    );
    await kube.must(['apply', '-k', overlayDir]);
    await kube.must(['apply', '-k', 'controllers/']);
    const controllers = (await kube.list('compositecontrollers'))
      .map((c) => c.metadata.name)
      .sort();
    t.strictSame(
      controllers,
      ['gatihandler-controller', 'gatimodule-controller', 'gativersion-controller'],
      'the three CompositeControllers exist',
    );
    const deployment = await until(
      kube,
      'Deployment gati-system/gati-operator to be Available with every replica ready',
      async () => {
        const d = await kube.get('deployment', 'gati-operator', 'gati-system');
        const available = (d?.status?.conditions ?? []).some(
          (c: Obj) => c.type === 'Available' && c.status === 'True',
        );
        const ready = d?.status?.readyReplicas ?? 0;
        if (available && ready === d?.spec?.replicas && d?.status?.updatedReplicas === ready)
          return d;
        return pending(`available=${available} ready=${ready}/${d?.spec?.replicas}`);
      },
      { timeoutMs: 5 * MINUTE, dump: [['describe', 'deployment,pods', '-n', 'gati-system']] },
    );
    t.equal(
      deployment.spec.template.spec.containers[0].image,
      CONFIG.operatorImage,
      'the hook server runs the image built from Dockerfile',
    );
  });

  // ---- The seed README's three objects, as written ----
  const seedVersion = 'v1.0.0';
  await phase(
    'the examples get their Deployments and Services with the right labels',
    false,
    async (t) => {
      await kube.must(['apply', '-f', 'examples/']);
      const vName = versionName('user-handler', seedVersion);
      const versionDeployment = await until(
        kube,
        `Deployment default/${vName}`,
        () => kube.get('deployment', vName, 'default'),
        { timeoutMs: 3 * MINUTE },
      );
      const versionLabels = {
        [HANDLER_LABEL]: 'user-handler',
        [VERSION_LABEL]: seedVersion,
        'app.kubernetes.io/managed-by': MANAGED_BY,
      };
      t.match(versionDeployment.metadata.labels, versionLabels, 'version Deployment labels');
      t.match(
        versionDeployment.spec.template.metadata.labels,
        versionLabels,
        'its pods carry the version labels',
      );
      t.equal(versionDeployment.spec.template.spec.containers[0].image, 'my-app:v1.0.0');
      t.match(
        versionDeployment.metadata.ownerReferences,
        [{ kind: 'GatiHandler', name: 'user-handler', controller: true }],
        'owned by its GatiHandler (Metacontroller adds the reference)',
      );
      const versionService = await until(
        kube,
        `Service default/${vName}`,
        () => kube.get('service', vName, 'default'),
        { timeoutMs: MINUTE },
      );
      t.match(versionService.metadata.labels, versionLabels, 'version Service labels');
      t.strictSame(
        versionService.spec.selector,
        { [HANDLER_LABEL]: 'user-handler', [VERSION_LABEL]: seedVersion },
        'version Service selects that version only',
      );
      const apex = await until(
        kube,
        'apex Service default/user-handler',
        () => kube.get('service', apexServiceName('user-handler'), 'default'),
        { timeoutMs: MINUTE },
      );
      t.match(apex.metadata.labels, {
        [HANDLER_LABEL]: 'user-handler',
        'app.kubernetes.io/managed-by': MANAGED_BY,
      });
      t.strictSame(
        apex.spec.selector,
        { [HANDLER_LABEL]: 'user-handler' },
        'apex Service selects every version',
      );

      const mName = moduleName('db-module');
      const moduleLabels = {
        [MODULE_LABEL]: 'db-module',
        'app.kubernetes.io/managed-by': MANAGED_BY,
      };
      const moduleDeployment = await until(
        kube,
        `Deployment default/${mName}`,
        () => kube.get('deployment', mName, 'default'),
        { timeoutMs: 2 * MINUTE },
      );
      t.match(moduleDeployment.metadata.labels, moduleLabels, 'module Deployment labels');
      const moduleService = await until(
        kube,
        `Service default/${mName}`,
        () => kube.get('service', mName, 'default'),
        { timeoutMs: MINUTE },
      );
      t.match(moduleService.metadata.labels, moduleLabels, 'module Service labels');
      t.equal(moduleService.spec.ports[0].port, 50051, 'module Service serves the gRPC port');

      const handler = await until(
        kube,
        'GatiHandler user-handler to report v1.0.0 in status.versions',
        async () => {
          const h = await kube.get('gatihandler', 'user-handler', 'default');
          const v = versionEntry(h, seedVersion);
          return v && h?.status?.observedGeneration === h?.metadata?.generation
            ? h
            : pending(`versions=${brief(h)} observedGeneration=${h?.status?.observedGeneration}`);
        },
        { timeoutMs: 2 * MINUTE },
      );
      const v = versionEntry(handler, seedVersion)!;
      t.equal(v.deployment, vName, 'status names the version Deployment');
      t.equal(v.gatiVersion, 'user-handler-v1', 'the seed GatiVersion carries it');
      t.equal(
        handler.status.service,
        apexServiceName('user-handler'),
        'status names the apex Service',
      );
      t.ok(Array.isArray(handler.status.conditions), 'conditions are reported');

      const gv = await until(
        kube,
        'GatiVersion user-handler-v1 to resolve its handler',
        async () => {
          const o = await kube.get('gativersion', 'user-handler-v1', 'default');
          return o?.status?.handler === 'user-handler'
            ? o
            : pending(JSON.stringify(o?.status ?? {}));
        },
        { timeoutMs: 2 * MINUTE },
      );
      t.ok(
        gv.metadata.finalizers?.includes(GATIVERSION_FINALIZER),
        'the GatiVersion carries the finalizer',
      );
    },
  );

  // ---- A rollout through the weights, on a handler whose image really runs ----
  const ids = ['v1', 'v2'];
  const route = () => kube.get('httproute', routeName(APP), APP_NS);
  const handlerNow = () => kube.get('gatihandler', APP, APP_NS);
  const appDump = [
    ['get', 'gatihandler', APP, '-n', APP_NS, '-o', 'yaml'],
    ['get', 'httproute', routeName(APP), '-n', APP_NS, '-o', 'yaml'],
  ];
  const weightsNow = async () => routeWeights(await route(), APP, ids);

  await phase(
    'a spec.version change rolls out through the weights 50/50 → 0/100',
    false,
    async (t) => {
      await kube.apply(
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: APP_NS } }),
      );
      await kube.apply(appHandler('v1'));
      await until(
        kube,
        'v1 to be Active with all weighted traffic',
        async () => {
          const w = await weightsNow();
          const v1 = versionEntry(await handlerNow(), 'v1');
          return same(w, { v1: 100 }) && v1?.phase === 'Active' && v1.trafficPercent === 100
            ? true
            : pending(`route=${JSON.stringify(w)} v1=${JSON.stringify(v1 ?? null)}`);
        },
        { timeoutMs: 4 * MINUTE, dump: appDump },
      );
      t.pass('v1 Active, route {v1: 100}');

      await kube.patch('gatihandler', APP, APP_NS, {
        spec: { version: 'v2', image: APP_IMAGE('v2') },
      });
      const seen: Array<Record<string, number>> = [];
      await until(
        kube,
        'the route to reach v1 0 / v2 100 through the 50% step',
        async () => {
          const w = await weightsNow();
          const lastSeen = seen[seen.length - 1];
          if (!lastSeen || !same(lastSeen, w)) {
            seen.push(w);
            log(`route weights: ${JSON.stringify(w)}`);
          }
          return (same(w, { v1: 0, v2: 100 }) || same(w, { v2: 100 })) && seen.length > 1
            ? true
            : pending(`route=${JSON.stringify(w)} seen=${JSON.stringify(seen)}`);
        },
        { timeoutMs: 6 * MINUTE, intervalMs: SECOND, dump: appDump },
      );
      const fifty = seen.findIndex((w) => same(w, { v1: 50, v2: 50 }));
      t.ok(fifty >= 0, `the route held v1 50 / v2 50 (weights seen: ${JSON.stringify(seen)})`);
      t.notOk(
        seen.slice(0, Math.max(fifty, 0)).some((w) => (w.v2 ?? 0) > 0),
        'v2 got no weight before the 50% step',
      );
      t.ok(
        seen.slice(fifty + 1).every((w) => (w.v1 ?? 0) <= 50),
        'v1 only lost weight after the 50% step',
      );

      const gone = await until(
        kube,
        'v1 to drain and leave status.versions',
        async () => {
          const h = await handlerNow();
          return versionEntry(h, 'v1') === undefined && versionEntry(h, 'v2')?.phase === 'Active'
            ? h
            : pending(brief(h));
        },
        { timeoutMs: 4 * MINUTE, dump: appDump },
      );
      t.equal(versionEntry(gone, 'v2')?.trafficPercent, 100, 'v2 takes all weighted traffic');
      const r = await route();
      t.strictSame(routeWeights(r, APP, ids), { v2: 100 }, 'only v2 is a weighted backend');
      t.strictSame(routePins(r, APP, ids), { v2: 'v2' }, 'only v2 is pinned');
      await until(
        kube,
        "v1's Deployment and Service to be removed",
        async () => {
          const d = await kube.get('deployment', versionName(APP, 'v1'), APP_NS);
          const s = await kube.get('service', versionName(APP, 'v1'), APP_NS);
          return !d && !s ? true : pending(`deployment=${!!d} service=${!!s}`);
        },
        { timeoutMs: 3 * MINUTE, dump: appDump },
      );
      t.pass("v1's workloads are gone");
    },
  );

  // ---- A GatiVersion's finalizer holds deletion until its version drained ----
  await phase(
    'deleting a GatiVersion holds its finalizer until drained, then releases it',
    false,
    async (t) => {
      const gvName = `${APP}-v1`;
      await kube.apply(appVersion('v1', 50));
      await until(
        kube,
        'v1 (from GatiVersion e2e-app-v1) to be Active beside v2: route v1 50 / v2 100',
        async () => {
          const w = await weightsNow();
          const v1 = versionEntry(await handlerNow(), 'v1');
          return same(w, { v1: 50, v2: 100 }) && v1?.phase === 'Active'
            ? true
            : pending(`route=${JSON.stringify(w)} v1=${JSON.stringify(v1 ?? null)}`);
        },
        { timeoutMs: 4 * MINUTE, dump: appDump },
      );
      const gv = await kube.get('gativersion', gvName, APP_NS);
      t.ok(
        gv?.metadata?.finalizers?.includes(GATIVERSION_FINALIZER),
        'the finalizer is in place before deletion',
      );

      await kube.must(['delete', 'gativersion', gvName, '-n', APP_NS, '--wait=false']);
      const held = await until(
        kube,
        `${gvName} to be held by its finalizer while the handler reports v1 Draining`,
        async () => {
          const o = await kube.get('gativersion', gvName, APP_NS);
          const v1 = versionEntry(await handlerNow(), 'v1');
          if (!o) return pending('the GatiVersion is already gone');
          return o.metadata.deletionTimestamp &&
            o.metadata.finalizers?.includes(GATIVERSION_FINALIZER) &&
            v1?.phase === 'Draining'
            ? { gv: o, weights: await weightsNow() }
            : pending(
                `finalizers=${JSON.stringify(o.metadata.finalizers)} v1=${JSON.stringify(v1 ?? null)}`,
              );
        },
        { timeoutMs: 2 * MINUTE, intervalMs: SECOND, dump: appDump },
      );
      t.ok(held.gv.metadata.deletionTimestamp, 'deletion requested');
      t.ok(
        held.gv.metadata.finalizers.includes(GATIVERSION_FINALIZER),
        'finalizer still present while draining',
      );
      t.equal(held.weights.v1 ?? 0, 0, 'v1 carries no weight while it drains');

      await until(
        kube,
        `${gvName} to be released and deleted once drained`,
        async () =>
          (await kube.get('gativersion', gvName, APP_NS)) ? pending('still present') : true,
        {
          timeoutMs: 4 * MINUTE,
          dump: [...appDump, ['get', 'gativersion', '-n', APP_NS, '-o', 'yaml']],
        },
      );
      const h = await handlerNow();
      t.equal(versionEntry(h, 'v1'), undefined, 'v1 left the handler status');
      t.strictSame(await weightsNow(), { v2: 100 }, 'route back to v2 alone');
    },
  );

  // ---- Deleting everything leaves nothing stuck ----
  await phase(
    'deleting everything leaves nothing stuck, then the install set uninstalls',
    false,
    async (t) => {
      for (const kind of ['gativersions', 'gatihandlers', 'gatimodules']) {
        await kube.must(['delete', kind, '--all', '-A', '--wait=false']);
      }
      await until(
        kube,
        'every GatiHandler, GatiModule and GatiVersion to be gone',
        async () => {
          const left = await kube.list('gatihandlers,gatimodules,gativersions');
          return left.length === 0
            ? true
            : pending(
                left
                  .map(
                    (o) =>
                      `${o.kind} ${o.metadata.namespace}/${o.metadata.name} finalizers=${JSON.stringify(o.metadata.finalizers ?? [])}`,
                  )
                  .join('; '),
              );
        },
        { timeoutMs: 5 * MINUTE },
      );
      t.pass('no Gati object is left');
      await until(
        kube,
        `no Deployment, Service or HTTPRoute labelled ${MANAGED} to remain`,
        async () => {
          const left = await kube.list('deployments,services,httproutes', { selector: MANAGED });
          return left.length === 0
            ? true
            : pending(
                left.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`).join('; '),
              );
        },
        { timeoutMs: 5 * MINUTE },
      );
      t.pass('no operator-managed workload is left');

      await kube.must(
        ['delete', '-k', overlayDir, '--ignore-not-found', '--wait=true', '--timeout=180s'],
        4 * MINUTE,
      );
      await kube.must(
        ['delete', '-f', 'crds/', '--ignore-not-found', '--wait=true', '--timeout=120s'],
        3 * MINUTE,
      );
      await kube.must(
        ['delete', 'namespace', APP_NS, '--ignore-not-found', '--wait=true', '--timeout=120s'],
        3 * MINUTE,
      );
      await until(
        kube,
        'the gati-system namespace and the Gati CRDs to be gone',
        async () => {
          const ns = await kube.get('namespace', 'gati-system');
          const crds = (await kube.list('crds')).filter((c) => c.spec?.group === 'gati.dev');
          return !ns && crds.length === 0 ? true : pending(`namespace=${!!ns} crds=${crds.length}`);
        },
        { timeoutMs: 3 * MINUTE },
      );
      t.pass('uninstalled: no gati-system namespace, no gati.dev CRDs');
    },
  );
}

/**
 * The kind cluster driver: a real cluster on Docker, the real Metacontroller installed from its
 * pinned kustomization, the hook server image built from our Dockerfile and installed from
 * manifests/, a real kubelet running a tiny sample app. kind has no Gateway controller, so
 * story routes attach to no parent (a route without parents counts as accepted) and the
 * "gateway rejects" knob is unsupported; the hook server runs in-cluster with no front, so
 * "answer 500" is unsupported and hook calls are not counted. The stories reach the API server
 * through `kubectl proxy`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Test } from 'tap';
import { apiRequester } from '../../apiserver/lib/cluster.js';
import { Api, type Obj } from './api.js';
import { controllerFor, finalizerOf, loadControllers, REPO } from './controllers.js';
import type { ClusterDriver } from './driver.js';
import {
  log as logLine,
  MINUTE,
  pending,
  saveDiagnostics,
  SECOND,
  sleep,
  until,
  type WaitContext,
} from './wait.js';

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
const OPERATOR_NS = 'gati-system';
const OPERATOR_SELECTOR = 'app.kubernetes.io/name=gati-operator';

const env = process.env;
export const CONFIG = {
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
/** Tags of the sample app the stories run; the seed's images are the same app re-tagged. */
const APP_TAGS = ['v1', 'v2'];
const SEED_IMAGES = ['my-app:v1.0.0', 'db-module:v1.0.0'];

const log = (message: string) => logLine('e2e', message);

/* ------------------------------------------------------------------------------ processes */

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

interface RunOptions {
  timeoutMs: number;
  input?: string;
  quiet?: boolean;
}

/** run spawns a command with a hard timeout (SIGKILL) and collects its output; never throws. */
function run(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  if (!opts.quiet) log(`$ ${cmd} ${args.join(' ')}`);
  return new Promise((done) => {
    const stdin = opts.input === undefined ? 'ignore' : 'pipe';
    const child = spawn(cmd, args, { cwd: REPO, stdio: [stdin, 'pipe', 'pipe'] });
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

/* ---------------------------------------------------------------------------------- skips */

function probe(cmd: string, args: string[]): { missing: boolean; ok: boolean; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30 * SECOND });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { missing, ok: !r.error && r.status === 0, stderr: `${r.stderr ?? ''}`.trim() };
}

/** skipReason says why this machine cannot run the kind suite, or undefined when it can. */
export function skipReason(): string | undefined {
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

/* ---------------------------------------------------------------------------------- kubectl */

/** kubectl against the suite's own kubeconfig (the user's ~/.kube/config is never touched). */
export class Kube {
  /** Whether diagnose() ran: the suite keeps its work dir then, since the report names files there. */
  diagnosed = false;

  constructor(
    readonly kubeconfig: string,
    readonly artifacts: string,
  ) {}

  run(args: string[], timeoutMs = 2 * MINUTE): Promise<RunResult> {
    return run('kubectl', ['--kubeconfig', this.kubeconfig, ...args], { timeoutMs, quiet: true });
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
  async list(kinds: string, ns?: string): Promise<Obj[]> {
    const r = await this.run(
      ['get', kinds, '-o', 'json', ...(ns ? ['-n', ns] : ['-A'])],
      30 * SECOND,
    );
    if (r.code !== 0) throw new Error(`kubectl get ${kinds}: ${r.stderr.trim()}`);
    return (JSON.parse(r.stdout) as { items: Obj[] }).items;
  }

  /**
   * diagnose collects what a failing wait needs to be understood: the Gati objects and their
   * children in the namespaces as YAML, pods, recent events, the hook server's and
   * Metacontroller's logs; written under the artifacts directory and returned (capped).
   */
  async diagnose(label: string, namespaces: string[], extra: string[][] = []): Promise<string> {
    const kinds =
      'gatihandlers,gatimodules,gativersions,deployments,services,httproutes,networkpolicies';
    const sections: Array<[string, string[]]> = [
      ...extra.map((a): [string, string[]] => [`kubectl ${a.join(' ')}`, a]),
      ...namespaces.map((ns): [string, string[]] => [
        `objects in ${ns}`,
        ['get', kinds, '-n', ns, '-o', 'yaml'],
      ]),
      ['pods', ['get', 'pods', '-A', '-o', 'wide']],
      ['events', ['get', 'events', '-A', '--sort-by=.lastTimestamp']],
      ['controllers', ['get', 'compositecontrollers,decoratorcontrollers', '-o', 'wide']],
      [
        'hook server logs',
        ['logs', '-n', OPERATOR_NS, '-l', OPERATOR_SELECTOR, '--prefix', '--tail=200'],
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
    return saveDiagnostics(this.artifacts, label, parts.join('\n'), 60_000);
  }
}

/* -------------------------------------------------------------------------------- fixtures */

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

/* ---------------------------------------------------------------------------------- cluster */

/** One setup or teardown step of the kind suite; a failed essential one skips the rest. */
export interface Phase {
  name: string;
  essential: boolean;
  run(t: Test): Promise<void>;
}

/** The kind cluster of one suite run: its phases, its driver for the stories, its teardown. */
export class KindCluster {
  readonly kube: Kube;
  private created = false;
  private proxy: ChildProcess | undefined;
  private api: Api | undefined;
  private readonly overlayDir: string;
  private readonly wait: WaitContext;

  constructor(readonly work: string) {
    this.kube = new Kube(join(work, 'kubeconfig'), CONFIG.artifacts || join(work, 'artifacts'));
    this.overlayDir = join(work, 'overlay');
    this.wait = {
      scope: 'e2e',
      waitScale: CONFIG.waitScale,
      diagnose: (what) => this.kube.diagnose(what, ['default', OPERATOR_NS]),
    };
  }

  /** Deletes the cluster (unless E2E_KEEP_CLUSTER=1) synchronously: for signal handlers. */
  deleteSync(): void {
    this.proxy?.kill('SIGKILL');
    if (!this.created || CONFIG.keepCluster) return;
    this.created = false;
    spawnSync(
      'kind',
      ['delete', 'cluster', '--name', CONFIG.clusterName, '--kubeconfig', this.kube.kubeconfig],
      {
        stdio: 'inherit',
        timeout: 3 * MINUTE,
      },
    );
  }

  async delete(): Promise<void> {
    this.proxy?.kill('SIGKILL');
    if (this.created && CONFIG.keepCluster) {
      log(
        `E2E_KEEP_CLUSTER=1: kept cluster ${CONFIG.clusterName}; kubectl --kubeconfig ${this.kube.kubeconfig} …`,
      );
      log(`delete it with: kind delete cluster --name ${CONFIG.clusterName}`);
      return;
    }
    if (!this.created) return;
    this.created = false;
    await run(
      'kind',
      ['delete', 'cluster', '--name', CONFIG.clusterName, '--kubeconfig', this.kube.kubeconfig],
      {
        timeoutMs: 3 * MINUTE,
      },
    );
  }

  /** The setup phases, in order: cluster, images, prerequisites, our install. */
  setupPhases(): Phase[] {
    return [
      {
        name: 'a kind cluster starts from the pinned node image',
        essential: true,
        run: (t) => this.createCluster(t),
      },
      {
        name: 'the operator and sample app images are built and loaded into kind',
        essential: true,
        run: (t) => this.loadImages(t),
      },
      {
        name: 'Metacontroller v4.17.2, the Gateway API and KEDA CRDs are installed',
        essential: true,
        run: (t) => this.installPrerequisites(t),
      },
      {
        name: 'crds/, the hook server and the controllers are installed',
        essential: true,
        run: (t) => this.installOperator(t),
      },
    ];
  }

  /** After the stories: the install set uninstalls and leaves no gati-system and no gati.dev CRD. */
  uninstallPhase(): Phase {
    return { name: 'the install set uninstalls', essential: false, run: (t) => this.uninstall(t) };
  }

  private async createCluster(t: Test): Promise<void> {
    this.created = true; // from here on teardown deletes it, even if creation fails half-way
    await must(
      'kind',
      [
        'create',
        'cluster',
        '--name',
        CONFIG.clusterName,
        '--image',
        CONFIG.nodeImage,
        '--kubeconfig',
        this.kube.kubeconfig,
        '--wait',
        '180s',
      ],
      { timeoutMs: 8 * MINUTE * CONFIG.waitScale },
    );
    await this.kube.must(
      ['wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=180s'],
      4 * MINUTE,
    );
    const nodes = await this.kube.list('nodes');
    t.equal(nodes.length, 1, 'one node');
    const pinned = /^kindest\/node:(v[0-9.]+)/.exec(CONFIG.nodeImage)?.[1];
    const kubelet = nodes[0]?.status?.nodeInfo?.kubeletVersion;
    if (pinned) t.equal(kubelet, pinned, `the node runs Kubernetes ${pinned}`);
    else t.match(kubelet, /^v1\./, `the node runs Kubernetes ${kubelet}`);
  }

  private async loadImages(t: Test): Promise<void> {
    if (!CONFIG.skipBuild)
      await must('docker', ['build', '-t', CONFIG.operatorImage, '.'], {
        timeoutMs: 20 * MINUTE * CONFIG.waitScale,
      });
    const appDir = join(this.work, 'app');
    mkdirSync(appDir, { recursive: true });
    writeFileSync(join(appDir, 'server.mjs'), APP_SERVER);
    writeFileSync(join(appDir, 'Dockerfile'), APP_DOCKERFILE);
    for (const v of APP_TAGS)
      await must('docker', ['build', '--build-arg', `VERSION=${v}`, '-t', APP_IMAGE(v), appDir], {
        timeoutMs: 10 * MINUTE * CONFIG.waitScale,
      });
    // The seed README's images do not exist anywhere: run the sample app under their names.
    for (const seed of SEED_IMAGES)
      await must('docker', ['tag', APP_IMAGE('v1'), seed], { timeoutMs: MINUTE });
    const images = [CONFIG.operatorImage, ...APP_TAGS.map(APP_IMAGE), ...SEED_IMAGES];
    await must('kind', ['load', 'docker-image', '--name', CONFIG.clusterName, ...images], {
      timeoutMs: 10 * MINUTE * CONFIG.waitScale,
    });
    t.pass(`loaded ${images.join(', ')}`);
  }

  private async installPrerequisites(t: Test): Promise<void> {
    const scaled = (ms: number) => ms * CONFIG.waitScale;
    await retry('Metacontroller install', 3, () =>
      this.kube.must(['apply', '-k', METACONTROLLER_KUSTOMIZE], scaled(5 * MINUTE)),
    );
    await retry('Gateway API CRDs', 3, () =>
      this.kube.must(['apply', '--server-side', '-f', GATEWAY_API_CRDS], scaled(3 * MINUTE)),
    );
    await retry('KEDA CRDs', 3, () =>
      this.kube.must(['apply', '--server-side', '-f', KEDA_CRDS], scaled(3 * MINUTE)),
    );
    await this.kube.must(
      [
        'wait',
        '--for=condition=Established',
        '--timeout=120s',
        ...PREREQ_CRDS.map((c) => `crd/${c}`),
      ],
      3 * MINUTE,
    );
    const sts = await until(
      this.wait,
      'StatefulSet metacontroller/metacontroller to have every replica ready',
      async () => {
        const s = await this.kube.get('statefulset', 'metacontroller', 'metacontroller');
        const ready = s?.status?.readyReplicas ?? 0;
        return s && ready >= 1 && ready === s.spec?.replicas
          ? s
          : pending(`ready=${ready}/${s?.spec?.replicas ?? '?'}`);
      },
      { timeoutMs: 5 * MINUTE, intervalMs: 2 * SECOND },
    );
    t.match(
      sts?.spec?.template?.spec?.containers?.[0]?.image,
      /metacontroller:v4\.17\.2$/,
      'Metacontroller runs the pinned image',
    );
  }

  private async installOperator(t: Test): Promise<void> {
    await this.kube.must(['apply', '-f', 'crds/']);
    await this.kube.must(
      [
        'wait',
        '--for=condition=Established',
        '--timeout=120s',
        ...GATI_CRDS.map((c) => `crd/${c}`),
      ],
      3 * MINUTE,
    );
    mkdirSync(this.overlayDir, { recursive: true });
    writeFileSync(
      join(this.overlayDir, 'kustomization.yaml'),
      overlay(this.overlayDir, CONFIG.operatorImage),
    );
    await this.kube.must(['apply', '-k', this.overlayDir]);
    await this.kube.must(['apply', '-k', 'controllers/']);
    const installed = [
      ...(await this.kube.list('compositecontrollers')),
      ...(await this.kube.list('decoratorcontrollers')),
    ].map((c) => `${c.kind}/${c.metadata.name}`);
    t.strictSame(
      installed.sort(),
      loadControllers()
        .map((c) => `${c.kind}/${c.metadata.name}`)
        .sort(),
      'every controller of controllers/ exists',
    );
    const d = await this.hookServerAvailable();
    t.equal(
      d.spec.template.spec.containers[0].image,
      CONFIG.operatorImage,
      'the hook server runs the image built from Dockerfile',
    );
    this.api = await this.startProxy();
  }

  /** Waits until the hook server Deployment is Available with every replica ready and updated. */
  private hookServerAvailable(): Promise<Obj> {
    return until(
      this.wait,
      `Deployment ${OPERATOR_NS}/gati-operator to be Available with every replica ready`,
      async () => {
        const d = await this.kube.get('deployment', 'gati-operator', OPERATOR_NS);
        const available = (d?.status?.conditions ?? []).some(
          (c: Obj) => c.type === 'Available' && c.status === 'True',
        );
        const ready = d?.status?.readyReplicas ?? 0;
        if (d && available && ready === d.spec?.replicas && d.status?.updatedReplicas === ready)
          return d;
        return pending(`available=${available} ready=${ready}/${d?.spec?.replicas}`);
      },
      { timeoutMs: 5 * MINUTE, intervalMs: 2 * SECOND },
    );
  }

  /** `kubectl proxy` on a free loopback port: the stories' way to the API server. */
  private startProxy(): Promise<Api> {
    return new Promise((resolve, reject) => {
      const p = spawn(
        'kubectl',
        ['--kubeconfig', this.kube.kubeconfig, 'proxy', '--port=0', '--address=127.0.0.1'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      this.proxy = p;
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`kubectl proxy did not start: ${out}`)),
        30 * SECOND,
      );
      p.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const port = /127\.0\.0\.1:(\d+)/.exec(out)?.[1];
        if (port) {
          clearTimeout(timer);
          resolve(new Api(apiRequester(`http://127.0.0.1:${port}`)));
        }
      });
      p.on('exit', (code) => reject(new Error(`kubectl proxy exited ${code}: ${out}`)));
    });
  }

  /** The driver the stories run against; available once the install phase passed. */
  driver(): ClusterDriver {
    if (!this.api) throw new Error('the kind cluster is not installed');
    const gv = controllerFor(loadControllers(), 'gativersions');
    const kube = this.kube;
    let replicas = 0;
    return {
      name: 'kind',
      api: this.api,
      waitScale: CONFIG.waitScale,
      resyncPeriodSeconds: Number(gv.spec.resyncPeriodSeconds ?? 60),
      gatiVersionFinalizer: finalizerOf(gv),
      parentRefs: [],
      image: APP_IMAGE,
      // Never built nor loaded: the kubelet's pull fails and its pods never become ready.
      unavailableImage: (tag) => APP_IMAGE(`${tag}-never-built`),
      traffic: {
        unsupported:
          'the kind suite installs no Gateway API implementation and no Prometheus; the loop suite runs the traffic stories',
      },
      knobs: {
        gatewayRejects: {
          unsupported: 'kind has no Gateway controller, so story routes attach to no Gateway',
        },
        gatewayFreezes: {
          unsupported: 'kind has no Gateway controller, so story routes attach to no Gateway',
        },
        failHooks: {
          unsupported:
            'the in-cluster hook server has no fault-injecting front; the loop suite answers 500 on demand',
        },
        hostilePrometheus: {
          unsupported:
            'the kind suite installs no Prometheus; the loop suite puts a hostile one in front of the hook server',
        },
        stopHookServer: async () => {
          const d = await kube.get('deployment', 'gati-operator', OPERATOR_NS);
          replicas = d?.spec?.replicas ?? 1;
          await kube.must(['scale', 'deployment/gati-operator', '-n', OPERATOR_NS, '--replicas=0']);
          await until(
            this.wait,
            'every hook server pod to be gone',
            async () => {
              const pods = await kube.list('pods', OPERATOR_NS);
              const left = pods.filter(
                (p) => p.metadata?.labels?.['app.kubernetes.io/name'] === 'gati-operator',
              );
              return left.length === 0 ? true : pending(`${left.length} pods left`);
            },
            { timeoutMs: 2 * MINUTE },
          );
        },
        startHookServer: async () => {
          await kube.must([
            'scale',
            'deployment/gati-operator',
            '-n',
            OPERATOR_NS,
            `--replicas=${replicas || 1}`,
          ]);
          await this.hookServerAvailable();
        },
      },
      hookCalls: async () => undefined,
      diagnose: (what, namespaces) => kube.diagnose(what, namespaces),
    };
  }

  private async uninstall(t: Test): Promise<void> {
    await this.kube.must(
      ['delete', '-k', this.overlayDir, '--ignore-not-found', '--wait=true', '--timeout=180s'],
      4 * MINUTE,
    );
    await this.kube.must(
      ['delete', '-f', 'crds/', '--ignore-not-found', '--wait=true', '--timeout=120s'],
      3 * MINUTE,
    );
    await until(
      this.wait,
      `the ${OPERATOR_NS} namespace and the Gati CRDs to be gone`,
      async () => {
        const ns = await this.kube.get('namespace', OPERATOR_NS);
        const crds = (await this.kube.list('crds')).filter((c) => c.spec?.group === 'gati.dev');
        return !ns && crds.length === 0 ? true : pending(`namespace=${!!ns} crds=${crds.length}`);
      },
      { timeoutMs: 3 * MINUTE, intervalMs: 2 * SECOND },
    );
    t.pass(`uninstalled: no ${OPERATOR_NS} namespace, no gati.dev CRDs`);
  }
}

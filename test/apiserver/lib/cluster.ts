/**
 * A real, throw-away Kubernetes control plane on loopback for tests: etcd and
 * kube-apiserver, plus (when asked for) kube-controller-manager running only
 * the controllers named. Binaries come from scripts/kube-bin/ensure.sh
 * (KUBEBUILDER_ASSETS, a cache, or a build from the pinned official Go modules).
 *
 * Without a controller manager no controllers run: objects are stored,
 * validated, defaulted and admitted exactly as by a real cluster, but
 * namespaces never finish deleting and garbage collection does not happen.
 * With `controllers: ['garbagecollector', 'namespace']` ownerReference
 * cascades and namespace deletion really happen. There is never a scheduler or
 * kubelet: Deployments get no Pods.
 *
 * Every process is started in its own process group under a small bash
 * watchdog that kills it when this Node process goes away, even on SIGKILL
 * (./process.ts).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerTempDir, startProcess, tailFile, type ManagedProcess } from './process.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const ENSURE_SCRIPT = join(REPO_ROOT, 'scripts/kube-bin/ensure.sh');

export interface RequestOptions {
  /** Content-Type of the body. Default: application/merge-patch+json for PATCH, application/json otherwise. */
  contentType?:
    | 'application/json'
    | 'application/merge-patch+json'
    | 'application/strategic-merge-patch+json'
    | 'application/json-patch+json'
    | 'application/apply-patch+yaml'
    | (string & {});
  /** Extra query parameters, appended to any already in the path. */
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Per-request timeout. Default 30 s. */
  timeoutMs?: number;
}

export interface ApiResponse<T = any> {
  status: number;
  /** Parsed JSON when the response is JSON, else the raw text ('' when empty). */
  body: T;
  headers: http.IncomingHttpHeaders;
}

export interface TestCluster {
  /** https://127.0.0.1:<port> */
  url: string;
  /** Bearer token of an admin user in group system:masters. */
  token: string;
  /** kubeconfig (JSON, valid YAML) for kubectl --kubeconfig; insecure-skip-tls-verify. */
  kubeconfigPath: string;
  /** Directory holding kube-apiserver, etcd (and kubectl when built). */
  binDir: string;
  /** kubectl from binDir, else from PATH, else undefined. */
  kubectl: string | undefined;
  /** Temp dir with the data, certs and the etcd.log / kube-apiserver.log files. */
  workDir: string;
  /**
   * One API call. `path` like '/api/v1/namespaces' (may carry '?dryRun=All&fieldManager=x').
   * `body`: an object (sent as JSON, which is also valid YAML for apply patches) or a string sent as is.
   */
  request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    opts?: RequestOptions,
  ): Promise<ApiResponse<T>>;
  /** Last lines of the kube-apiserver log, for failure messages. */
  logTail(lines?: number): string;
  /** The processes of the control plane, by name: etcd, kube-apiserver[, kube-controller-manager]. */
  processes: Record<string, ManagedProcess>;
  /** Starts kube-controller-manager (opts.controllers) if it is not running; waits for /healthz. */
  startControllerManager(): Promise<void>;
  /** Kills every process group and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Bound for etcd + kube-apiserver to become ready (after the binaries exist). Default 120 000. */
  timeoutMs?: number;
  /** Bound for ensure.sh (a cold build takes ~9 min on 2 idle cores, far longer under load). Default 60 min. */
  ensureTimeoutMs?: number;
  /** Use this dir instead of running ensure.sh. */
  binDir?: string;
  /** Extra kube-apiserver flags, e.g. ['--feature-gates=Foo=true']; later flags win. */
  extraApiserverArgs?: string[];
  /** Forward ensure.sh progress (stderr) to this process's stderr. Default true. */
  showBuildProgress?: boolean;
  /**
   * Run kube-controller-manager with only these controllers (e.g. ['garbagecollector',
   * 'namespace']); unset: no controller manager. ensure.sh is then asked for it too.
   */
  controllers?: string[];
  /** Extra kube-controller-manager flags; later flags win. */
  extraControllerManagerArgs?: string[];
  /**
   * Start kube-controller-manager only when startControllerManager() is called, e.g. after
   * the CRDs are installed: its garbage collector rediscovers resources only every 30 s, so
   * owners of kinds installed after it starts are not watched until then.
   */
  deferControllerManager?: boolean;
}

export type StartResult = TestCluster | { skip: string };

export function isSkip(r: StartResult): r is { skip: string } {
  return (r as { skip?: string }).skip !== undefined;
}

/* ------------------------------------------------------------------ binaries */

/**
 * Runs ensure.sh and returns the binaries dir, or { skip } when it exits 3
 * (no usable Go toolchain) or bash is missing. Throws on build failure.
 * `controllerManager`: the dir must hold kube-controller-manager too.
 */
async function ensureBinaries(
  opts: { timeoutMs?: number; showBuildProgress?: boolean; controllerManager?: boolean } = {},
): Promise<{ binDir: string } | { skip: string }> {
  const args = opts.controllerManager ? ['--controller-manager'] : [];
  const r = await runEnsureScript(ENSURE_SCRIPT, args, opts);
  return 'skip' in r ? r : { binDir: r.path };
}

/**
 * Runs an ensure script of scripts/ (kube-bin/ensure.sh, metacontroller/ensure.sh): on exit 0
 * its last stdout line is the path it ensured; exit 3 with a "SKIP: ..." line (or no bash) is
 * { skip }; anything else throws with the end of its stderr.
 */
export async function runEnsureScript(
  script: string,
  args: string[],
  opts: { timeoutMs?: number; showBuildProgress?: boolean } = {},
): Promise<{ path: string } | { skip: string }> {
  const timeoutMs = opts.timeoutMs ?? 60 * 60_000;
  const name = script.split('/').slice(-2).join('/');
  return new Promise((resolvePromise, reject) => {
    let child: ChildProcess;
    try {
      child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      resolvePromise({ skip: `cannot run bash for ${script}: ${(e as Error).message}` });
      return;
    }
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      if (opts.showBuildProgress !== false) process.stderr.write(d);
    });
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error(`${name} did not finish in ${timeoutMs} ms\n${err.slice(-4000)}`));
    }, timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') resolvePromise({ skip: `bash not found: cannot run ${name}` });
      else reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const lines = out
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
      const last = lines[lines.length - 1] ?? '';
      if (code === 3) {
        const skipLine = lines.find((l) => l.startsWith('SKIP:')) ?? 'SKIP: ensure.sh exited 3';
        resolvePromise({ skip: skipLine.replace(/^SKIP:\s*/, '') });
      } else if (code === 0 && last) {
        resolvePromise({ path: last });
      } else {
        reject(new Error(`${name} failed (exit ${code})\n${err.slice(-4000)}`));
      }
    });
  });
}

/* -------------------------------------------------------------------- utils */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A port that was free on 127.0.0.1 a moment ago (picked, then released: a rare race is possible). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolvePromise(port));
    });
  });
}

/** One HTTP(S) request with a JSON-or-text body; TLS certificates are not verified (loopback test servers). */
export function rawRequest(
  url: URL,
  method: string,
  headers: Record<string, string>,
  payload: Buffer | undefined,
  timeoutMs: number,
): Promise<ApiResponse> {
  return new Promise((resolvePromise, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      { method, headers, rejectUnauthorized: false, timeout: timeoutMs, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (
            text &&
            (/json/.test(String(res.headers['content-type'] ?? '')) || /^\s*[[{]/.test(text))
          ) {
            try {
              body = JSON.parse(text);
            } catch {
              /* keep text */
            }
          }
          resolvePromise({ status: res.statusCode ?? 0, body, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`${method} ${url.pathname} timed out after ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/**
 * A TestCluster.request for an API server at `baseUrl`: JSON in and out, query parameters from
 * opts.query, a bearer token when given (none for `kubectl proxy`).
 */
export function apiRequester(baseUrl: string, token?: string): TestCluster['request'] {
  return async (method, path, body, ropts = {}) => {
    const m = method.toUpperCase();
    const u = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(ropts.query ?? {}))
      if (v !== undefined) u.searchParams.append(k, String(v));
    const headers: Record<string, string> = {
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      Accept: 'application/json',
      ...(ropts.headers ?? {}),
    };
    let payload: Buffer | undefined;
    if (body !== undefined) {
      payload = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
      headers['Content-Type'] =
        ropts.contentType ?? (m === 'PATCH' ? 'application/merge-patch+json' : 'application/json');
      headers['Content-Length'] = String(payload.length);
    }
    return rawRequest(u, m, headers, payload, ropts.timeoutMs ?? 30_000);
  };
}

/* -------------------------------------------------------------------- start */

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Starts etcd and kube-apiserver on 127.0.0.1 (random ports) and waits for
 * /readyz. Resolves { skip } when the binaries cannot be had for a reason a
 * test should report as a skip (no Go toolchain).
 */
export async function startCluster(opts: StartOptions = {}): Promise<StartResult> {
  let binDir = opts.binDir;
  if (!binDir) {
    const ensured = await ensureBinaries({
      timeoutMs: opts.ensureTimeoutMs,
      showBuildProgress: opts.showBuildProgress,
      controllerManager: opts.controllers !== undefined,
    });
    if ('skip' in ensured) return ensured;
    binDir = ensured.binDir;
  }
  const needed = ['etcd', 'kube-apiserver'];
  if (opts.controllers) needed.push('kube-controller-manager');
  for (const b of needed) {
    if (!existsSync(join(binDir, b))) throw new Error(`${b} missing from ${binDir}`);
  }
  // Ports are picked free then released, so a rare race is possible: retry.
  let lastErr: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(binDir, opts);
    } catch (e) {
      lastErr = e;
      if (!/address already in use|bind:/i.test(String((e as Error).message))) break;
    }
  }
  throw lastErr;
}

async function startOnce(binDir: string, opts: StartOptions): Promise<TestCluster> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const workDir = mkdtempSync(join(tmpdir(), 'gati-apiserver-'));
  const unregister = registerTempDir(workDir);
  const procs: ManagedProcess[] = [];

  const cleanup = async (): Promise<void> => {
    for (const m of [...procs].reverse()) await m.kill();
    rmSync(workDir, { recursive: true, force: true });
    unregister();
  };

  try {
    /* etcd */
    const [clientPort, peerPort, securePort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const etcdUrl = `http://127.0.0.1:${clientPort}`;
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const etcdLog = join(workDir, 'etcd.log');
    const etcd = startProcess(
      'etcd',
      join(binDir, 'etcd'),
      [
        '--name=default',
        `--data-dir=${join(workDir, 'etcd-data')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=default=${peerUrl}`,
        '--initial-cluster-state=new',
        '--unsafe-no-fsync=true', // throw-away data: trade durability for speed
        '--log-level=warn',
      ],
      etcdLog,
      { cleanupDir: workDir }, // etcd outlives kube-apiserver: its watchdog removes the temp dir if we die
    );
    procs.push(etcd);
    await waitFor('etcd /health', deadline, etcd, async () => {
      const r = await rawRequest(new URL(`${etcdUrl}/health`), 'GET', {}, undefined, 2000);
      return r.status === 200 && (r.body as { health?: string })?.health === 'true';
    });

    /* kube-apiserver */
    const token = randomBytes(24).toString('hex');
    const tokenFile = join(workDir, 'tokens.csv');
    writeFileSync(tokenFile, `${token},gati-test-admin,gati-test-admin,"system:masters"\n`, {
      mode: 0o600,
    });
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const saPub = join(workDir, 'sa.pub');
    const saKey = join(workDir, 'sa.key');
    writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }));
    writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const apiLog = join(workDir, 'kube-apiserver.log');
    const api = startProcess(
      'kube-apiserver',
      join(binDir, 'kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${securePort}`,
        `--cert-dir=${join(workDir, 'certs')}`, // self-signed serving cert generated here
        `--token-auth-file=${tokenFile}`,
        '--authorization-mode=RBAC',
        '--anonymous-auth=true', // /readyz, /livez, /version for unauthenticated probes
        `--service-account-key-file=${saPub}`,
        `--service-account-signing-key-file=${saKey}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        '--service-cluster-ip-range=10.0.0.0/24',
        // No controller-manager creates "default" service accounts: let Pods be created anyway.
        '--disable-admission-plugins=ServiceAccount',
        // Loopback endpoints for the "kubernetes" Service are invalid; nothing needs them here.
        '--endpoint-reconciler-type=none',
        '--allow-privileged=true',
        '--profiling=false',
        '--enable-priority-and-fairness=false',
        '--v=1',
        ...(opts.extraApiserverArgs ?? []),
      ],
      apiLog,
    );
    procs.push(api);
    const url = `https://127.0.0.1:${securePort}`;
    await waitFor('kube-apiserver /readyz', deadline, api, async () => {
      const r = await rawRequest(
        new URL(`${url}/readyz`),
        'GET',
        { Authorization: `Bearer ${token}` },
        undefined,
        5000,
      );
      return r.status === 200;
    });

    /* kubeconfig (JSON is valid YAML) */
    const kubeconfigPath = join(workDir, 'kubeconfig');
    writeFileSync(
      kubeconfigPath,
      JSON.stringify(
        {
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [
            { name: 'gati-test', cluster: { server: url, 'insecure-skip-tls-verify': true } },
          ],
          users: [{ name: 'gati-test-admin', user: { token } }],
          contexts: [
            {
              name: 'gati-test',
              context: { cluster: 'gati-test', user: 'gati-test-admin', namespace: 'default' },
            },
          ],
          'current-context': 'gati-test',
        },
        null,
        2,
      ),
      { mode: 0o600 },
    );

    const processes: Record<string, ManagedProcess> = {};
    for (const p of procs) processes[p.name] = p;
    const startKcm = async (): Promise<void> => {
      if (processes['kube-controller-manager']) return;
      const kcm = await startControllerManager(binDir, workDir, kubeconfigPath, token, opts);
      procs.push(kcm);
      processes[kcm.name] = kcm;
    };
    if (opts.controllers && !opts.deferControllerManager) await startKcm();

    let kubectl: string | undefined = join(binDir, 'kubectl');
    if (!existsSync(kubectl)) {
      const which = spawnSync('bash', ['-c', 'command -v kubectl'], { encoding: 'utf8' });
      kubectl = which.status === 0 ? which.stdout.trim() || undefined : undefined;
    }

    let stopped: Promise<void> | undefined;
    const cluster: TestCluster = {
      url,
      token,
      kubeconfigPath,
      binDir,
      kubectl,
      workDir,
      request: apiRequester(url, token),
      logTail: (lines = 40) => tailFile(apiLog, lines),
      processes,
      startControllerManager: startKcm,
      stop() {
        stopped ??= cleanup();
        return stopped;
      },
    };
    return cluster;
  } catch (e) {
    const logs = procs.map((p) => `--- ${p.name} log (tail) ---\n${p.tail()}`).join('\n');
    await cleanup();
    (e as Error).message += `\n${logs}`;
    throw e;
  }
}

/**
 * kube-controller-manager with only opts.controllers, against the admin kubeconfig, no leader
 * election, serving only its health endpoints on loopback. Ready when /healthz answers 200.
 */
async function startControllerManager(
  binDir: string,
  workDir: string,
  kubeconfigPath: string,
  token: string,
  opts: StartOptions,
): Promise<ManagedProcess> {
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const port = await freePort();
  const kcm = startProcess(
    'kube-controller-manager',
    join(binDir, 'kube-controller-manager'),
    [
      `--kubeconfig=${kubeconfigPath}`,
      `--controllers=${(opts.controllers ?? []).join(',')}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      `--cert-dir=${join(workDir, 'kcm-certs')}`,
      '--use-service-account-credentials=false',
      // The defaults (20 qps, burst 30) make a garbage collection of hundreds of children crawl.
      '--kube-api-qps=100',
      '--kube-api-burst=200',
      '--v=1',
      ...(opts.extraControllerManagerArgs ?? []),
    ],
    join(workDir, 'kube-controller-manager.log'),
  );
  await waitFor('kube-controller-manager /healthz', deadline, kcm, async () => {
    const r = await rawRequest(
      new URL(`https://127.0.0.1:${port}/healthz`),
      'GET',
      { Authorization: `Bearer ${token}` },
      undefined,
      5000,
    );
    return r.status === 200;
  });
  return kcm;
}

async function waitFor(
  what: string,
  deadline: number,
  proc: ManagedProcess,
  check: () => Promise<boolean>,
): Promise<void> {
  let lastErr = '';
  while (Date.now() < deadline) {
    if (proc.exited)
      throw new Error(`${proc.name} exited (code ${proc.exitCode}) before ${what} was ready`);
    try {
      if (await check()) return;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}`);
}

/* --------------------------------------------------------------------- CRDs */

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

interface CrdLike {
  metadata: { name: string; resourceVersion?: string };
  spec: {
    group: string;
    names: { plural: string };
    versions: { name: string; served?: boolean; storage?: boolean }[];
  };
  [k: string]: unknown;
}

/**
 * Creates (or replaces) CustomResourceDefinitions, then waits until each is
 * Established and its resources answer a list call. Bounded by timeoutMs (default 60 s).
 */
export async function applyCRDs(
  cluster: TestCluster,
  crds: unknown[],
  opts: { timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (const raw of crds) {
    const crd = JSON.parse(JSON.stringify(raw)) as CrdLike;
    const name = crd.metadata?.name;
    if (!name) throw new Error('applyCRDs: object without metadata.name');
    delete crd.metadata.resourceVersion;
    let r = await cluster.request('POST', CRD_PATH, crd);
    if (r.status === 409) {
      const cur = await cluster.request('GET', `${CRD_PATH}/${name}`);
      if (cur.status !== 200)
        throw new Error(`applyCRDs: GET ${name}: ${cur.status} ${JSON.stringify(cur.body)}`);
      crd.metadata.resourceVersion = cur.body.metadata.resourceVersion;
      r = await cluster.request('PUT', `${CRD_PATH}/${name}`, crd);
    }
    if (r.status < 200 || r.status >= 300) {
      throw new Error(
        `applyCRDs: ${name}: ${r.status} ${r.body?.message ?? JSON.stringify(r.body)}`,
      );
    }
  }
  for (const raw of crds) {
    const crd = raw as CrdLike;
    const name = crd.metadata.name;
    for (;;) {
      const r = await cluster.request('GET', `${CRD_PATH}/${name}`);
      const conds: { type: string; status: string; message?: string }[] =
        r.body?.status?.conditions ?? [];
      const est = conds.find((c) => c.type === 'Established');
      if (est?.status === 'True') break;
      if (Date.now() > deadline) {
        throw new Error(`applyCRDs: ${name} not Established in time: ${JSON.stringify(conds)}`);
      }
      await sleep(100);
    }
    // Established can precede the REST handler by a moment: wait for a list to work.
    for (const v of crd.spec.versions.filter((x) => x.served !== false)) {
      const path = `/apis/${crd.spec.group}/${v.name}/${crd.spec.names.plural}?limit=1`;
      for (;;) {
        const r = await cluster.request('GET', path);
        if (r.status === 200) break;
        if (Date.now() > deadline) throw new Error(`applyCRDs: GET ${path} still ${r.status}`);
        await sleep(100);
      }
    }
  }
}

/**
 * The real Metacontroller, run out of cluster against the test API server.
 *
 * Binary: METACONTROLLER_BIN, else built from METACONTROLLER_SRC and cached
 * (scripts/metacontroller/ensure.sh). Its CRDs: METACONTROLLER_CRDS (a file), else
 * METACONTROLLER_SRC/manifests/production/metacontroller-crds-v1.yaml, else the copy committed
 * as test/loop/metacontroller-crds.yaml (v4.17.2, Apache-2.0, see its header), so a user who
 * only has a binary can still run the suite.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  freePort,
  rawRequest,
  runEnsureScript,
  type TestCluster,
} from '../../apiserver/lib/cluster.js';
import { startProcess, type ManagedProcess } from '../../apiserver/lib/process.js';
import type { Obj } from '../../e2e/lib/api.js';
import { REPO } from '../../e2e/lib/controllers.js';

const METACONTROLLER_ENSURE = join(REPO, 'scripts/metacontroller/ensure.sh');
const COMMITTED_CRDS = join(REPO, 'test/loop/metacontroller-crds.yaml');

export interface MetacontrollerBinary {
  bin: string;
  crds: Obj[];
  /** Where the CRDs came from, for the log. */
  crdSource: string;
}

/** The Metacontroller CRD file to use, by the order above. */
function crdFile(env = process.env): string {
  if (env.METACONTROLLER_CRDS) return env.METACONTROLLER_CRDS;
  const fromSrc =
    env.METACONTROLLER_SRC &&
    join(env.METACONTROLLER_SRC, 'manifests/production/metacontroller-crds-v1.yaml');
  return fromSrc && existsSync(fromSrc) ? fromSrc : COMMITTED_CRDS;
}

/** Finds or builds the binary (or says why not, as a skip) and loads the CRDs. */
export async function ensureMetacontroller(): Promise<MetacontrollerBinary | { skip: string }> {
  const r = await runEnsureScript(METACONTROLLER_ENSURE, [], { timeoutMs: 30 * 60_000 });
  if ('skip' in r) return r;
  const file = crdFile();
  const crds = parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o?.kind === 'CustomResourceDefinition');
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition in ${file}`);
  return { bin: r.path, crds, crdSource: file };
}

export interface MetacontrollerOptions {
  /** client-go rate limits and workers; unset: Metacontroller's defaults (5 qps, burst 10, 5 workers). */
  qps?: number;
  burst?: number;
  workers?: number;
  /** How often it rediscovers resources; short so controllers start soon after their CRDs. */
  discoveryInterval?: string;
  extraArgs?: string[];
  logPath: string;
}

/** The Metacontroller flags for a set of options (defaults left out, so they stay Metacontroller's). */
function metacontrollerArgs(
  o: Omit<MetacontrollerOptions, 'logPath'>,
  kubeconfig: string,
  ports: { metrics: number; probes: number },
): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--discovery-interval=${o.discoveryInterval ?? '2s'}`,
    `--metrics-address=127.0.0.1:${ports.metrics}`,
    `--health-probe-bind-address=127.0.0.1:${ports.probes}`,
    ...(o.qps !== undefined ? [`--client-go-qps=${o.qps}`] : []),
    ...(o.burst !== undefined ? [`--client-go-burst=${o.burst}`] : []),
    ...(o.workers !== undefined ? [`--workers=${o.workers}`] : []),
    ...(o.extraArgs ?? []),
  ];
}

export interface RunningMetacontroller {
  proc: ManagedProcess;
  metricsUrl: string;
  args: string[];
}

/** Starts Metacontroller against the cluster and waits for its /readyz. */
export async function startMetacontroller(
  cluster: TestCluster,
  bin: string,
  opts: MetacontrollerOptions,
): Promise<RunningMetacontroller> {
  const ports = { metrics: await freePort(), probes: await freePort() };
  const args = metacontrollerArgs(opts, cluster.kubeconfigPath, ports);
  const proc = startProcess('metacontroller', bin, args, opts.logPath);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exited)
      throw new Error(`metacontroller exited (code ${proc.exitCode}):\n${proc.tail(40)}`);
    const r = await rawRequest(
      new URL(`http://127.0.0.1:${ports.probes}/readyz`),
      'GET',
      {},
      undefined,
      2000,
    ).catch(() => undefined);
    if (r?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`metacontroller not ready:\n${proc.tail(40)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  return { proc, metricsUrl: `http://127.0.0.1:${ports.metrics}/metrics`, args };
}

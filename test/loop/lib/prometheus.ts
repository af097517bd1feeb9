/**
 * A real Prometheus for the loop (scripts/prometheus/ensure.sh, built from the pinned official
 * module): it scrapes every version's server (a file_sd file the pod runtime rewrites, with the
 * labels a kubernetes_sd pod role would give: namespace, handler, deployment) and Traefik's own
 * metrics, every SCRAPE_SECONDS. The hook server's PROMETHEUS_URL points at it, so rollout
 * analysis and drain evidence are real PromQL over real counters.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort, rawRequest, runEnsureScript } from '../../apiserver/lib/cluster.js';
import { startProcess, type ManagedProcess } from '../../apiserver/lib/process.js';
import { REPO } from '../../e2e/lib/controllers.js';
import type { Sample } from '../../e2e/lib/traffic.js';

export const PROMETHEUS_ENSURE = join(REPO, 'scripts/prometheus/ensure.sh');
/** Scrape and rule-evaluation interval. */
export const SCRAPE_SECONDS = 1;

export interface RunningPrometheus {
  proc: ManagedProcess;
  /** http://127.0.0.1:<port> */
  url: string;
  /** The file_sd file of the versions' servers. */
  targetsFile: string;
  /** An instant query: every series of the answer with its value. Throws on an error answer. */
  query(promql: string): Promise<Sample[]>;
}

/** The binary, or why there is none (exit 3 of the ensure script: no Go toolchain). */
export function ensurePrometheus(): Promise<{ path: string } | { skip: string }> {
  return runEnsureScript(PROMETHEUS_ENSURE, [], { timeoutMs: 30 * 60_000 });
}

/** prometheus.yml: the versions' servers from targetsFile, Traefik at traefikAddress. */
export function prometheusConfig(targetsFile: string, traefikAddress: string): object {
  const every = `${SCRAPE_SECONDS}s`;
  return {
    global: { scrape_interval: every, evaluation_interval: every, scrape_timeout: every },
    scrape_configs: [
      {
        job_name: 'gati-versions',
        file_sd_configs: [{ files: [targetsFile], refresh_interval: '5s' }],
      },
      { job_name: 'traefik', static_configs: [{ targets: [traefikAddress] }] },
    ],
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One instant query against a Prometheus at `url`. */
export async function instantQuery(url: string, promql: string): Promise<Sample[]> {
  const u = new URL('/api/v1/query', url);
  u.searchParams.set('query', promql);
  const r = await rawRequest(u, 'GET', {}, undefined, 5000);
  const body = r.body as {
    status?: string;
    error?: string;
    data?: {
      resultType: string;
      result: Array<{ metric: Record<string, string>; value: [number, string] }>;
    };
  };
  if (r.status !== 200 || body.status !== 'success')
    throw new Error(`query ${promql}: ${r.status} ${body.error ?? JSON.stringify(r.body)}`);
  if (body.data?.resultType === 'scalar') {
    const [, v] = body.data.result as unknown as [number, string];
    return [{ labels: {}, value: Number(v) }];
  }
  return (body.data?.result ?? []).map((x) => ({ labels: x.metric, value: Number(x.value[1]) }));
}

/** Writes its configuration under workDir, starts it and waits for /-/ready. */
export async function startPrometheus(
  bin: string,
  workDir: string,
  traefikAddress: string,
  timeoutMs = 60_000,
): Promise<RunningPrometheus> {
  const port = await freePort();
  const targetsFile = join(workDir, 'prometheus-targets.json');
  writeFileSync(targetsFile, '[]');
  const config = join(workDir, 'prometheus.yml');
  writeFileSync(config, stringify(prometheusConfig(targetsFile, traefikAddress)));
  const url = `http://127.0.0.1:${port}`;
  const proc = startProcess(
    'prometheus',
    bin,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(workDir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=2h',
      '--log.level=warn',
    ],
    join(workDir, 'prometheus.log'),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exited)
      throw new Error(`prometheus exited (code ${proc.exitCode}):\n${proc.tail(40)}`);
    const r = await rawRequest(new URL(`${url}/-/ready`), 'GET', {}, undefined, 2000).catch(
      () => undefined,
    );
    if (r?.status === 200) break;
    if (Date.now() > deadline) throw new Error(`prometheus not ready:\n${proc.tail(40)}`);
    await sleep(250);
  }
  return { proc, url, targetsFile, query: (promql) => instantQuery(url, promql) };
}

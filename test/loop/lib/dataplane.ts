/**
 * The loop's real data plane: Traefik as the Gateway API implementation (./traefik.ts), the
 * versions' servers with their EndpointSlices (./pods.ts), and Prometheus scraping both
 * (./prometheus.ts). What the traffic stories send requests through and query.
 */
import type { TestCluster } from '../../apiserver/lib/cluster.js';
import type { Api } from '../../e2e/lib/api.js';
import { send, steady, type TrafficPlane } from '../../e2e/lib/traffic.js';
import { imageWith } from './apps.js';
import { nodeAddress, startPodRuntime, type PodRuntime } from './pods.js';
import {
  ensurePrometheus,
  SCRAPE_SECONDS,
  startPrometheus,
  type RunningPrometheus,
} from './prometheus.js';
import {
  ensureTraefik,
  startTraefik,
  THROTTLE_SECONDS,
  TRAEFIK_CONTROLLER,
  type RunningTraefik,
} from './traefik.js';

export interface DataPlaneBinaries {
  traefik: string;
  prometheus: string;
  /** The node address endpoints carry. */
  address: string;
}

/** The binaries and the node address, or one line saying which is missing. */
export async function ensureDataPlane(): Promise<DataPlaneBinaries | { skip: string }> {
  const address = nodeAddress();
  if (!address)
    return { skip: 'no non-loopback IPv4 address: EndpointSlices cannot point at loopback' };
  const traefik = await ensureTraefik();
  if ('skip' in traefik) return { skip: `Traefik unavailable: ${traefik.skip}` };
  const prometheus = await ensurePrometheus();
  if ('skip' in prometheus) return { skip: `Prometheus unavailable: ${prometheus.skip}` };
  return { traefik: traefik.path, prometheus: prometheus.path, address };
}

export interface DataPlane {
  traefik: RunningTraefik;
  prometheus: RunningPrometheus;
  pods: PodRuntime;
  /** What the stories get through their driver, for images named by `image`. */
  traffic(image: (tag: string) => string): TrafficPlane;
  /** Every measurement recorded by the stories, by story. */
  results: Record<string, Record<string, unknown>>;
  /** The hook server's environment for this Prometheus. */
  hookEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Seconds one Prometheus answer is reused by the hook server: below the stories' analysis
 * interval, so every check sees a sample newer than the last one.
 */
const HOOK_PROMETHEUS_CACHE_SECONDS = 1;

/** Starts Prometheus, then Traefik and its Gateway, and the versions' runtime. */
export async function startDataPlane(
  cluster: TestCluster,
  api: Api,
  bins: DataPlaneBinaries,
): Promise<DataPlane> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s();
  };
  try {
    // Traefik's metrics port is known before it starts: Prometheus is configured first.
    const traefik = await startTraefik(cluster, api, bins.traefik);
    stops.push(() => traefik.proc.kill());
    const prometheus = await startPrometheus(
      bins.prometheus,
      cluster.workDir,
      traefik.metricsAddress,
    );
    stops.push(() => prometheus.proc.kill());
    const pods = startPodRuntime(api, {
      address: bins.address,
      targetsFile: prometheus.targetsFile,
    });
    stops.push(() => pods.stop());
    const results: Record<string, Record<string, unknown>> = {};
    const traffic = (image: (tag: string) => string): TrafficPlane => ({
      gatewayController: TRAEFIK_CONTROLLER,
      // Its throttle, plus a second for the watch and the apply.
      applySeconds: THROTTLE_SECONDS + 1,
      scrapeSeconds: SCRAPE_SECONDS,
      image: (tag, behaviour = {}) => imageWith(image(tag), behaviour),
      send: (req, count, opts) => send(traefik.url, req, count, opts?.concurrency),
      steady: (req, perSecond, maxSeconds) => steady(traefik.url, req, perSecond, maxSeconds),
      query: (promql) => prometheus.query(promql),
      record(story, key, value) {
        (results[story] ??= {})[key] = value;
      },
    });
    return {
      traefik,
      prometheus,
      pods,
      traffic,
      results,
      hookEnv: {
        PROMETHEUS_URL: prometheus.url,
        PROMETHEUS_CACHE_SECONDS: String(HOOK_PROMETHEUS_CACHE_SECONDS),
      },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

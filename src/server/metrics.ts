import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { SyncRequest, SyncResponse } from '../api/metacontroller.js';

export const PREFIX = 'gati_operator_';
const PHASES = ['Pending', 'Active', 'Draining', 'Decommissioned', 'Failed'] as const;
/** Parents remembered for the versions gauge; beyond this the least recently synced are forgotten. */
const MAX_PARENTS = 10000;
const SIZE_BUCKETS = [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** The outcome label of one hook call: low cardinality by construction. */
export type Outcome = 'ok' | 'not_modified' | 'rejected' | 'overloaded' | 'error';

/** outcomeOf maps an HTTP status to the outcome label. */
export function outcomeOf(status: number): Outcome {
  if (status === 304) return 'not_modified';
  if (status < 400) return 'ok';
  if (status === 429) return 'overloaded';
  return status < 500 ? 'rejected' : 'error';
}

/** The metrics of one app, all registered in its own Registry. */
export interface HookMetrics {
  registry: Registry;
  observeCall(
    labels: { controller: string; hook: string; outcome: Outcome },
    seconds: number,
    requestBytes: number,
    responseBytes: number,
  ): void;
  observeHandler(request: SyncRequest, response: SyncResponse, hook: string): void;
  /** Counts one Prometheus drain-evidence query by outcome. */
  observeDrainQuery(outcome: 'ok' | 'error'): void;
}

/** createMetrics registers the hook series and the default process metrics in `registry`. */
export function createMetrics(registry: Registry): HookMetrics {
  const registers = [registry];
  const labelNames = ['controller', 'hook', 'outcome'] as const;
  const duration = new Histogram({
    name: `${PREFIX}hook_duration_seconds`,
    help: 'Time to answer one hook call, from routing to the response.',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const total = new Counter({
    name: `${PREFIX}hook_requests_total`,
    help: 'Hook calls answered.',
    labelNames,
    registers,
  });
  const reqBytes = new Histogram({
    name: `${PREFIX}hook_request_bytes`,
    help: 'Hook request body size.',
    labelNames,
    buckets: SIZE_BUCKETS,
    registers,
  });
  const resBytes = new Histogram({
    name: `${PREFIX}hook_response_bytes`,
    help: 'Hook response body size.',
    labelNames,
    buckets: SIZE_BUCKETS,
    registers,
  });
  const drains = new Counter({
    name: `${PREFIX}drains_total`,
    help: 'Versions seen becoming drained (drainedAt newly set), by drain reason.',
    labelNames: ['outcome'],
    registers,
  });
  const drainQueries = new Counter({
    name: `${PREFIX}drain_queries_total`,
    help: 'Prometheus drain-evidence queries sent (cache hits excluded), by outcome: ok, or error (unreachable, timed out, non-200, unreadable answer).',
    labelNames: ['outcome'],
    registers,
  });
  const versions = versionsByPhase();
  new Gauge({
    name: `${PREFIX}versions`,
    help: 'Handler versions by phase, from the latest gatihandler sync of each handler.',
    labelNames: ['phase'],
    registers,
    collect() {
      for (const phase of PHASES) this.set({ phase }, versions.count(phase));
    },
  });
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  const series = new Map<
    string,
    {
      duration: ReturnType<typeof duration.labels>;
      total: ReturnType<typeof total.labels>;
      reqBytes: ReturnType<typeof reqBytes.labels>;
      resBytes: ReturnType<typeof resBytes.labels>;
    }
  >();
  return {
    registry,
    observeCall(labels, seconds, requestBytes, responseBytes) {
      // Resolving a label set hashes it; there are only a few dozen, so each is resolved once.
      const key = `${labels.controller}/${labels.hook}/${labels.outcome}`;
      let s = series.get(key);
      if (!s)
        series.set(
          key,
          (s = {
            duration: duration.labels(labels),
            total: total.labels(labels),
            reqBytes: reqBytes.labels(labels),
            resBytes: resBytes.labels(labels),
          }),
        );
      s.duration.observe(seconds);
      s.total.inc();
      s.reqBytes.observe(requestBytes);
      s.resBytes.observe(responseBytes);
    },
    observeDrainQuery(outcome) {
      drainQueries.inc({ outcome });
    },
    observeHandler(request, response, hook) {
      versions.record(request, response, hook);
      for (const reason of newlyDrained(request, response)) drains.inc({ outcome: reason });
    },
  };
}

type VersionEntry = {
  versionId?: unknown;
  phase?: unknown;
  drainedAt?: unknown;
  drainReason?: unknown;
};

function versionList(status: unknown): VersionEntry[] {
  const v = (status as { versions?: unknown } | undefined)?.versions;
  return Array.isArray(v)
    ? (v as VersionEntry[]).filter((e) => e !== null && typeof e === 'object')
    : [];
}

/** versionsByPhase keeps, per handler, its versions' phases; the gauge is the sum over handlers. */
function versionsByPhase() {
  const parents = new Map<string, Map<string, number>>();
  return {
    record(request: SyncRequest, response: SyncResponse, hook: string) {
      const key = `${request.parent.metadata.namespace ?? ''}/${request.parent.metadata.name}`;
      parents.delete(key);
      if (hook === 'finalize' && response.finalized === true) return;
      const counts = new Map<string, number>();
      for (const v of versionList(response.status)) {
        if (typeof v.phase === 'string') counts.set(v.phase, (counts.get(v.phase) ?? 0) + 1);
      }
      parents.set(key, counts);
      if (parents.size > MAX_PARENTS) parents.delete(parents.keys().next().value as string);
    },
    count(phase: string): number {
      let n = 0;
      for (const counts of parents.values()) n += counts.get(phase) ?? 0;
      return n;
    },
  };
}

/** newlyDrained lists the drain reasons of versions whose drainedAt the response sets and the request lacked. */
export function newlyDrained(request: SyncRequest, response: SyncResponse): string[] {
  const before = new Map(versionList(request.parent.status).map((v) => [v.versionId, v.drainedAt]));
  return versionList(response.status)
    .filter((v) => typeof v.drainedAt === 'string' && !before.get(v.versionId))
    .map((v) => reasonLabel(v.drainReason));
}

/** Reasons become label values only when they look like a stable CamelCase reason, to bound cardinality. */
function reasonLabel(reason: unknown): string {
  return typeof reason === 'string' && /^[A-Za-z]{1,40}$/.test(reason) ? reason : 'other';
}

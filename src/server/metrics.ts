import { TRANSITIONS } from '../api/rollout.js';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Check, Transition } from '../status/transitions.js';

const PREFIX = 'gati_operator_';
const SIZE_BUCKETS = [1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

/** The outcome label of one hook call: low cardinality by construction. */
export type Outcome = 'ok' | 'rejected' | 'overloaded' | 'error';

/** outcomeOf maps an HTTP status to the outcome label. */
export function outcomeOf(status: number): Outcome {
  if (status < 400) return 'ok';
  if (status === 429) return 'overloaded';
  return status < 500 ? 'rejected' : 'error';
}

/**
 * The metrics of one app, all registered in its own Registry. Every series is a counter or a
 * histogram of this process's own work: nothing here remembers parents, so two replicas that
 * each see part of the handlers add up, and a deleted handler leaves nothing behind. Per-version
 * state (phase, weight, traffic) is exported from the status by kube-state-metrics
 * (manifests/extras/kube-state-metrics/).
 */
export interface HookMetrics {
  registry: Registry;
  observeCall(
    labels: { controller: string; hook: string; outcome: Outcome },
    seconds: number,
    requestBytes: number,
    responseBytes: number,
  ): void;
  /** Counts what one handler sync changed: its transitions and its analysis check. */
  observeHandler(transitions: Transition[], check: Check | undefined): void;
  /** Counts one Prometheus query sent (drain evidence or rollout analysis) by outcome. */
  observePrometheusQuery(outcome: 'ok' | 'error'): void;
  /** Counts one rollout webhook called, by outcome (an answer, or none: error). */
  observeWebhookCall(outcome: 'ok' | 'error'): void;
}

/** Reasons and transitions become label values only when they look like a stable CamelCase word. */
function word(v: string): string {
  return /^[A-Za-z]{1,40}$/.test(v) ? v : 'other';
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
  const transitions = new Counter({
    name: `${PREFIX}rollout_transitions_total`,
    help: `Rollout and drain transitions written by handler syncs: ${TRANSITIONS.join(', ')}.`,
    labelNames: ['transition'],
    registers,
  });
  const checks = new Counter({
    name: `${PREFIX}analysis_checks_total`,
    help: 'Rollout analysis checks counted, by result: Passed, Failed or Inconclusive.',
    labelNames: ['result'],
    registers,
  });
  const queries = new Counter({
    name: `${PREFIX}prometheus_queries_total`,
    help: 'Prometheus queries sent for drain evidence and rollout analysis (cache hits excluded), by outcome: ok, or error (unreachable, timed out, non-200, unreadable or empty answer).',
    labelNames: ['outcome'],
    registers,
  });
  const webhookCalls = new Counter({
    name: `${PREFIX}webhook_calls_total`,
    help: 'Rollout webhooks called (refused hosts and cache hits excluded), by outcome: ok (any HTTP status), or error (unreachable, timed out, answer too large).',
    labelNames: ['outcome'],
    registers,
  });
  collectDefaultMetrics({ register: registry, prefix: PREFIX });
  // Resolving a label set hashes it; there are only a few dozen, so each is resolved once.
  const series = new Map<string, (seconds: number, req: number, res: number) => void>();
  return {
    registry,
    observeCall(labels, seconds, requestBytes, responseBytes) {
      const key = `${labels.controller}/${labels.hook}/${labels.outcome}`;
      let observe = series.get(key);
      if (!observe) {
        const d = duration.labels(labels);
        const n = total.labels(labels);
        const q = reqBytes.labels(labels);
        const r = resBytes.labels(labels);
        observe = (s, req, res) => {
          d.observe(s);
          n.inc();
          q.observe(req);
          r.observe(res);
        };
        series.set(key, observe);
      }
      observe(seconds, requestBytes, responseBytes);
    },
    observePrometheusQuery(outcome) {
      queries.inc({ outcome });
    },
    observeWebhookCall(outcome) {
      webhookCalls.inc({ outcome });
    },
    observeHandler(ts, check) {
      for (const t of ts) {
        transitions.inc({ transition: t.transition });
        if (t.transition === 'Decommissioned') drains.inc({ outcome: word(t.reason) });
      }
      if (check) checks.inc({ result: check.result });
    },
  };
}

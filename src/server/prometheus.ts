import type { SyncRequest } from '../api/metacontroller.js';
import { drainKey, type ControllerName, type HookName, type Observations } from '../hooks/types.js';
import { promqlString, substitute } from '../resources/template.js';

/** The few logger methods the drain client uses (pino and Fastify loggers both fit). */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Observe gathers external observations for one hook call. It never rejects: anything it
 * cannot learn is simply absent, and the pure hook falls back to its timer. It answers
 * synchronously when there is nothing to ask (most calls), so those calls stay synchronous.
 */
export type Observe = (
  controller: ControllerName,
  hook: HookName,
  request: unknown,
  log: WarnLogger,
) => Observations | Promise<Observations>;

/** Options of the Prometheus drain-evidence client. */
export interface PrometheusOptions {
  url?: string;
  timeoutMs: number;
  cacheSeconds: number;
  concurrency: number;
  /** Milliseconds since the epoch; injectable so cache expiry is testable. */
  now?: () => number;
  fetch?: typeof fetch;
  /** Told the outcome of every query actually sent (cache hits are not queries). */
  onQuery?: (outcome: 'ok' | 'error') => void;
}

/** One query to run: the observation key it answers and the PromQL. */
interface Query {
  key: string;
  promql: string;
}

interface CacheEntry {
  expires: number;
  value: Promise<number | undefined>;
}

const MAX_CACHE = 10000;

/** noObservations is the Observe used when nothing external is configured. */
export const noObservations: Observe = () => ({});

/** createPrometheusObserver builds the drain-evidence client: cached, bounded, never failing a hook. */
export function createPrometheusObserver(opts: PrometheusOptions): Observe {
  const url = opts.url;
  if (!url) return noObservations;
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? fetch;
  const cache = new Map<string, CacheEntry>();
  const slots = limiter(opts.concurrency);

  const lookup = (q: Query, log: WarnLogger): Promise<number | undefined> => {
    const hit = cache.get(q.promql);
    if (hit && hit.expires > now()) return hit.value;
    if (cache.size >= MAX_CACHE) prune(cache, now());
    const value = slots(AbortSignal.timeout(opts.timeoutMs), (signal) =>
      queryScalar(doFetch, url, q.promql, signal),
    ).then(
      (v): number | undefined => {
        opts.onQuery?.('ok');
        return v;
      },
      (err: unknown) => {
        opts.onQuery?.('error');
        // Logged once per key per cache window: the failure is cached like a value.
        log.warn(
          { drainKey: q.key, err: String(err) },
          'drain evidence unavailable; the hook falls back to its timer',
        );
        return undefined;
      },
    );
    cache.set(q.promql, { expires: now() + opts.cacheSeconds * 1000, value });
    return value;
  };

  return (controller, hook, request, log) => {
    if (controller !== 'gatihandler' || hook === 'customize') return {};
    const queries = drainQueries(request as SyncRequest);
    if (queries.length === 0) return {};
    return Promise.all(queries.map((q) => lookup(q, log))).then((values) => {
      const requestRates: Record<string, number> = {};
      queries.forEach((q, i) => {
        const v = values[i];
        if (v !== undefined) requestRates[q.key] = v;
      });
      return { requestRates };
    });
  };
}

/** drainQueries lists the PromQL to run for a handler request: one per Draining version. */
export function drainQueries(request: SyncRequest): Query[] {
  const parent = request.parent;
  const spec = parent.spec as { drain?: { metricQuery?: unknown } } | undefined;
  const template = spec?.drain?.metricQuery;
  const versions = (parent.status as { versions?: unknown } | undefined)?.versions;
  if (typeof template !== 'string' || !Array.isArray(versions)) return [];
  const namespace = parent.metadata.namespace ?? '';
  const handler = parent.metadata.name;
  const out: Query[] = [];
  for (const v of versions as Array<Record<string, unknown>>) {
    if (v?.phase !== 'Draining' || typeof v.versionId !== 'string') continue;
    const vars = {
      namespace,
      handler,
      version: v.versionId,
      service: typeof v.service === 'string' ? v.service : '',
    };
    out.push({
      key: drainKey(namespace, handler, v.versionId),
      promql: substitute(template, vars, promqlString),
    });
  }
  return out;
}

async function queryScalar(
  doFetch: typeof fetch,
  base: string,
  promql: string,
  signal: AbortSignal,
): Promise<number> {
  const res = await doFetch(
    `${base.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`,
    { signal },
  );
  if (res.status !== 200) throw new Error(`Prometheus answered HTTP ${res.status}`);
  return parseQueryResult(await res.json());
}

/** parseQueryResult reads an instant-query answer as one number: a scalar, or a vector's sum (empty = 0). */
export function parseQueryResult(body: unknown): number {
  const data = (
    body as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | null
  )?.data;
  if ((body as { status?: unknown }).status !== 'success' || !data)
    throw new Error('Prometheus query did not succeed');
  if (data.resultType === 'scalar')
    return finite(Array.isArray(data.result) ? data.result[1] : undefined);
  if (data.resultType !== 'vector' || !Array.isArray(data.result))
    throw new Error(`unexpected resultType ${String(data.resultType)}`);
  return (data.result as Array<{ value?: unknown[] }>).reduce(
    (sum, s) => sum + finite(s?.value?.[1]),
    0,
  );
}

function finite(v: unknown): number {
  const n = typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${String(v)}`);
  return n;
}

function prune(cache: Map<string, CacheEntry>, at: number): void {
  for (const [k, e] of cache) if (e.expires <= at) cache.delete(k);
  // Still full of live entries: drop the oldest half rather than grow without bound.
  if (cache.size >= MAX_CACHE)
    [...cache.keys()].slice(0, MAX_CACHE / 2).forEach((k) => cache.delete(k));
}

/** limiter runs at most `n` tasks at once; a task still waiting when its signal aborts is rejected. */
export function limiter(n: number) {
  let running = 0;
  const waiting: Array<() => void> = [];
  // A finishing task hands its slot straight to the next waiter, so `running` never exceeds n.
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  return async <T>(signal: AbortSignal, task: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    if (running < n) running++;
    else await waitForSlot(waiting, signal);
    try {
      return await task(signal);
    } finally {
      release();
    }
  };
}

function waitForSlot(waiting: Array<() => void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const go = () => {
      signal.removeEventListener('abort', abort);
      resolve();
    };
    const abort = () => {
      waiting.splice(waiting.indexOf(go), 1);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', abort, { once: true });
    waiting.push(go);
  });
}

/**
 * The Prometheus client of the hook server: instant queries, bounded in time and concurrency,
 * each answer (or failure) cached for a while. It never rejects: a failure is an answer.
 */

/** Options of the Prometheus client. */
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

/** One query's answer: a number, or why there is none. */
export type QueryAnswer = { value: number } | { error: string };

/** What an empty vector means: no traffic (drain evidence) or no answer (rollout analysis). */
export type EmptyMeans = 'zero' | 'nothing';

/**
 * A cached, bounded Prometheus client. `fresh`: this call sent the query (a cache miss), so a
 * failure is logged once per cache window, not once per hook call.
 */
export type PrometheusClient = (
  promql: string,
  empty: EmptyMeans,
) => { fresh: boolean; answer: Promise<QueryAnswer> };

interface CacheEntry {
  expires: number;
  value: Promise<QueryAnswer>;
}

const MAX_CACHE = 10000;

/** createPrometheusClient: undefined when no URL is configured. */
export function createPrometheusClient(opts: PrometheusOptions): PrometheusClient | undefined {
  const url = opts.url;
  if (!url) return undefined;
  const now = opts.now ?? Date.now;
  const doFetch = opts.fetch ?? fetch;
  const cache = new Map<string, CacheEntry>();
  const slots = limiter(opts.concurrency);
  return (promql, empty) => {
    const key = `${empty} ${promql}`;
    const hit = cache.get(key);
    if (hit && hit.expires > now()) return { fresh: false, answer: hit.value };
    if (cache.size >= MAX_CACHE) prune(cache, now());
    const value = slots(AbortSignal.timeout(opts.timeoutMs), (signal) =>
      queryScalar(doFetch, url, promql, empty, signal),
    ).then(
      (v): QueryAnswer => {
        opts.onQuery?.('ok');
        return { value: v };
      },
      (err: unknown): QueryAnswer => {
        opts.onQuery?.('error');
        return { error: err instanceof Error ? err.message : String(err) };
      },
    );
    cache.set(key, { expires: now() + opts.cacheSeconds * 1000, value });
    return { fresh: true, answer: value };
  };
}

async function queryScalar(
  doFetch: typeof fetch,
  base: string,
  promql: string,
  empty: EmptyMeans,
  signal: AbortSignal,
): Promise<number> {
  const res = await doFetch(
    `${base.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(promql)}`,
    { signal },
  );
  if (res.status !== 200) throw new Error(`Prometheus answered HTTP ${res.status}`);
  return parseQueryResult(await res.json(), empty);
}

/**
 * parseQueryResult reads an instant-query answer as one number: a scalar, or a vector's sum.
 * An empty vector is 0 when `empty` is 'zero' (no series: no requests), else an error.
 */
export function parseQueryResult(body: unknown, empty: EmptyMeans = 'zero'): number {
  const data = (
    body as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | null
  )?.data;
  if ((body as { status?: unknown }).status !== 'success' || !data)
    throw new Error('Prometheus query did not succeed');
  if (data.resultType === 'scalar')
    return finite(Array.isArray(data.result) ? data.result[1] : undefined);
  if (data.resultType !== 'vector' || !Array.isArray(data.result))
    throw new Error(`unexpected resultType ${String(data.resultType)}`);
  if (data.result.length === 0 && empty === 'nothing') throw new Error('empty result');
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

import type { InconclusiveReason, Observation } from '../api/signals.js';
import { fairSlots, type FairSlots } from './slots.js';

/**
 * The Prometheus client of the hook server: instant queries, each bounded in bytes and time,
 * slots shared fairly between parents, answers reused for a short while. It never rejects and
 * never passes on raw error text (it may hold credentials): an answer is a value with its
 * sample time, or a fixed reason; a query that could not get a slot in time is `undefined`
 * (not asked: the hook treats it as "not yet", never as a vote).
 */

/** Options of the Prometheus client. */
export interface PrometheusOptions {
  url?: string;
  /** Deadline of one exchange: connect, headers and the whole body. */
  timeoutMs: number;
  /** Longest a query waits for a free slot before it counts as not asked. */
  slotWaitMs?: number;
  cacheSeconds: number;
  concurrency: number;
  /** Largest answer read; a longer one is AnswerTooLarge without being read further. */
  maxAnswerBytes: number;
  /** The Authorization header value to send, read anew per query (a rotated Secret applies). */
  authorization?: () => Promise<string | undefined>;
  /** Milliseconds since the epoch; injectable so cache expiry and sample times are testable. */
  now?: () => number;
  fetch?: typeof fetch;
  /** Told the outcome of every query actually sent (cache hits are not queries). */
  onQuery?: (outcome: 'ok' | 'error') => void;
}

/** What an empty vector means: no traffic (drain evidence) or no answer (rollout analysis). */
export type EmptyMeans = 'zero' | 'nothing';

/** One query to send. */
interface QueryRequest {
  promql: string;
  empty: EmptyMeans;
  /** An answer older than this is not reused: each check needs a sample newer than the last. */
  maxAgeSeconds: number;
  /** Whose query it is (namespace/name): slots are shared fairly between these. */
  owner: string;
}

/** One query's outcome: an observation, or undefined when it could not be asked in time. */
export type QueryAnswer = Observation | undefined;

/** A cached, bounded Prometheus client. `fresh`: this call sent the query (a cache miss). */
export type PrometheusClient = (q: QueryRequest) => {
  fresh: boolean;
  answer: Promise<QueryAnswer>;
};

interface CacheEntry {
  at: number;
  value: Promise<QueryAnswer>;
}

const MAX_CACHE = 10000;

/** createPrometheusClient: undefined when no URL is configured. */
export function createPrometheusClient(opts: PrometheusOptions): PrometheusClient | undefined {
  const url = opts.url;
  if (!url) return undefined;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, CacheEntry>();
  const slots = fairSlots(opts.concurrency);
  const ask = (q: QueryRequest) => askOnce(opts, url, slots, now, q);
  return (q) => {
    const key = `${q.empty} ${q.promql}`;
    const hit = cache.get(key);
    const maxAgeMs = Math.min(opts.cacheSeconds, q.maxAgeSeconds) * 1000;
    if (hit && now() - hit.at < maxAgeMs) return { fresh: false, answer: hit.value };
    if (cache.size >= MAX_CACHE) prune(cache, now(), opts.cacheSeconds * 1000);
    const value = ask(q).then((a) => {
      // Not asked is not an answer: the next call tries again.
      if (a === undefined) cache.delete(key);
      return a;
    });
    cache.set(key, { at: now(), value });
    return { fresh: true, answer: value };
  };
}

/** askOnce waits (bounded) for a slot, then runs one exchange under its own deadline. */
async function askOnce(
  opts: PrometheusOptions,
  base: string,
  slots: FairSlots,
  now: () => number,
  q: QueryRequest,
): Promise<QueryAnswer> {
  const release = await slots.acquire(q.owner, opts.slotWaitMs ?? opts.timeoutMs);
  if (!release) return undefined;
  try {
    const answer = await exchange(opts, base, q, now());
    opts.onQuery?.('value' in answer ? 'ok' : 'error');
    return answer;
  } finally {
    release();
  }
}

/** exchange sends one instant query at time `at` and reads its answer within the deadline. */
async function exchange(
  opts: PrometheusOptions,
  base: string,
  q: QueryRequest,
  at: number,
): Promise<Observation> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const params = new URLSearchParams({ query: q.promql, time: (at / 1000).toFixed(3) });
  try {
    const authorization = await opts.authorization?.();
    const res = await (opts.fetch ?? fetch)(`${base.replace(/\/+$/, '')}/api/v1/query?${params}`, {
      signal,
      headers: authorization ? { authorization } : {},
    });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      return inconclusive('HTTPError', `HTTP ${res.status}`);
    }
    const text = await readCapped(res, opts.maxAnswerBytes);
    if (text === undefined)
      return inconclusive('AnswerTooLarge', `over ${opts.maxAnswerBytes} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return inconclusive('BadAnswer', 'not JSON');
    }
    return parseQueryResult(body, q.empty, at);
  } catch (err) {
    return failure(err, signal);
  }
}

/**
 * readCapped reads a body as text, or undefined as soon as it is known to exceed `cap` bytes:
 * from Content-Length before reading, else while streaming (a chunked or compressed answer is
 * counted as it arrives, decompressed).
 */
export async function readCapped(res: Response, cap: number): Promise<string | undefined> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > cap) {
    await res.body?.cancel().catch(() => {});
    return undefined;
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      await reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total).toString('utf8');
}

function inconclusive(reason: InconclusiveReason, detail?: string): Observation {
  return detail === undefined ? { inconclusive: reason } : { inconclusive: reason, detail };
}

/** failure maps a thrown fetch error to a fixed reason; only an error code is kept as detail. */
function failure(err: unknown, signal: AbortSignal): Observation {
  if (signal.aborted) return inconclusive('Timeout');
  const code = (err as { cause?: { code?: unknown } })?.cause?.code;
  return inconclusive(
    'Unreachable',
    typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : undefined,
  );
}

/**
 * parseQueryResult reads an instant-query answer as exactly one finite sample: a scalar, or a
 * vector of one series. An empty vector is 0 at the query's time when `empty` is 'zero' (no
 * series: no requests), else NoSeries; several series are ManySeries, never summed.
 */
export function parseQueryResult(body: unknown, empty: EmptyMeans, askedAt: number): Observation {
  const b = body as { status?: unknown; data?: { resultType?: unknown; result?: unknown } } | null;
  const data = b?.data;
  if (b?.status !== 'success' || typeof data !== 'object' || data === null)
    return inconclusive('BadAnswer', 'status is not success');
  if (data.resultType === 'scalar') return sampleOf(data.result, askedAt);
  if (data.resultType !== 'vector' || !Array.isArray(data.result))
    return inconclusive('BadAnswer', 'not a vector or scalar');
  const n = data.result.length;
  if (n === 0)
    return empty === 'zero'
      ? { value: 0, sampleAt: new Date(askedAt).toISOString() }
      : inconclusive('NoSeries');
  if (n > 1) return inconclusive('ManySeries', `${n} series`);
  return sampleOf((data.result[0] as { value?: unknown } | null)?.value, askedAt);
}

/** sampleOf reads `[<unix seconds>, "<value>"]`. */
function sampleOf(pair: unknown, askedAt: number): Observation {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string')
    return inconclusive('BadAnswer', 'sample is not [time, "value"]');
  const value = Number(pair[1]);
  if (pair[1].trim() === '' || Number.isNaN(value)) {
    // Prometheus writes NaN and ±Inf as these words; anything else is not a number at all.
    return /^[+-]?(NaN|Inf)$/i.test(pair[1])
      ? inconclusive('NotFinite', pair[1])
      : inconclusive('BadAnswer', 'value is not a number');
  }
  if (!Number.isFinite(value)) return inconclusive('NotFinite', 'overflows');
  // The sample of an instant query is taken at the time asked for; a later time is not
  // believed (it would make every later sample look stale).
  const t =
    typeof pair[0] === 'number' && Number.isFinite(pair[0])
      ? Math.min(pair[0] * 1000, askedAt)
      : askedAt;
  return { value, sampleAt: new Date(t).toISOString() };
}

function prune(cache: Map<string, CacheEntry>, at: number, ttlMs: number): void {
  for (const [k, e] of cache) if (at - e.at >= ttlMs) cache.delete(k);
  // Still full of live entries: drop the oldest half rather than grow without bound.
  if (cache.size >= MAX_CACHE)
    [...cache.keys()].slice(0, MAX_CACHE / 2).forEach((k) => cache.delete(k));
}

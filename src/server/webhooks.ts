import { refusalOf } from '../api/hosts.js';
import type { InconclusiveReason, Observation } from '../api/signals.js';
import { readCapped, type QueryAnswer } from './prometheus.js';
import { fairSlots, type FairSlots } from './slots.js';

/**
 * The webhook client of the hook server (spec.rollout.webhooks, docs/progressive-delivery.md):
 * a POST of the body the core wrote, only to hosts the operator allows, under the same bounds
 * as a Prometheus answer — one deadline for the whole exchange, a byte cap on the answer (read
 * and dropped: only the status counts), fair slots between parents, a short cache. It never
 * rejects, never follows a redirect (a redirect could leave the allowed hosts) and never passes
 * on raw error text: an answer is the HTTP status at the time it came, or a fixed reason.
 */

export interface WebhookOptions {
  /** Allowed hosts: `host`, `host:port`, or `*.suffix`; case-insensitive. Empty: none. */
  allowedHosts: readonly string[];
  /** The most any call may take, whatever its own timeoutSeconds. */
  timeoutMs: number;
  maxAnswerBytes: number;
  concurrency: number;
  /** Longest a call waits for a free slot before it counts as not asked. */
  slotWaitMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
  /** Told the outcome of every call actually made (refusals and cache hits are not calls). */
  onCall?: (outcome: 'ok' | 'error') => void;
}

/** One webhook call to make. */
export interface WebhookCall {
  url: string;
  timeoutSeconds: number;
  body: string;
  /** An answer is reused at most this long (0: never). */
  maxAgeSeconds: number;
  /** Whose call it is (namespace/name): slots are shared fairly between these. */
  owner: string;
}

export type WebhookClient = (c: WebhookCall) => { fresh: boolean; answer: Promise<QueryAnswer> };

const MAX_CACHE = 10000;

/** createWebhookClient makes the client; with no allowed hosts every call is refused (NotAllowed). */
export function createWebhookClient(opts: WebhookOptions): WebhookClient {
  const now = opts.now ?? Date.now;
  const slots = fairSlots(opts.concurrency);
  const cache = new Map<string, { at: number; value: Promise<QueryAnswer> }>();
  return (c) => {
    const refused = refusal(c.url, opts.allowedHosts);
    if (refused) return { fresh: false, answer: Promise.resolve(refused) };
    const key = `${c.url} ${c.body}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < c.maxAgeSeconds * 1000) return { fresh: false, answer: hit.value };
    if (cache.size >= MAX_CACHE) cache.clear();
    const value = callOnce(opts, slots, now, c).then((a) => {
      if (a === undefined || c.maxAgeSeconds === 0) cache.delete(key);
      return a;
    });
    cache.set(key, { at: now(), value });
    return { fresh: true, answer: value };
  };
}

/** refusal: why a URL is never called, as an inconclusive answer naming only its host. */
function refusal(url: string, allowed: readonly string[]): Observation | undefined {
  const r = refusalOf(url, allowed);
  return r && { inconclusive: 'NotAllowed', detail: r.detail };
}

async function callOnce(
  opts: WebhookOptions,
  slots: FairSlots,
  now: () => number,
  c: WebhookCall,
): Promise<QueryAnswer> {
  const timeoutMs = Math.min(c.timeoutSeconds * 1000, opts.timeoutMs);
  const release = await slots.acquire(c.owner, opts.slotWaitMs ?? timeoutMs);
  if (!release) return undefined;
  try {
    const answer = await exchange(opts, c, timeoutMs, now);
    opts.onCall?.('value' in answer ? 'ok' : 'error');
    return answer;
  } finally {
    release();
  }
}

async function exchange(
  opts: WebhookOptions,
  c: WebhookCall,
  timeoutMs: number,
  now: () => number,
): Promise<Observation> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await (opts.fetch ?? fetch)(c.url, {
      method: 'POST',
      signal,
      redirect: 'manual',
      headers: { 'content-type': 'application/json' },
      body: c.body,
    });
    // The status is the answer; the body is read under the cap only to finish the exchange.
    const text = await readCapped(res, opts.maxAnswerBytes);
    if (text === undefined)
      return inconclusive('AnswerTooLarge', `over ${opts.maxAnswerBytes} bytes`);
    return { value: res.status, sampleAt: new Date(now()).toISOString() };
  } catch (err) {
    if (signal.aborted) return inconclusive('Timeout');
    const code = (err as { cause?: { code?: unknown } })?.cause?.code;
    return inconclusive(
      'Unreachable',
      typeof code === 'string' && /^[A-Z_]+$/.test(code) ? code : undefined,
    );
  }
}

function inconclusive(reason: InconclusiveReason, detail?: string): Observation {
  return detail === undefined ? { inconclusive: reason } : { inconclusive: reason, detail };
}

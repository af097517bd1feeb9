import type { Observation } from '../api/signals.js';
import type { Controller } from '../hooks/controllers.js';
import type { HookName, Observations } from '../hooks/types.js';
import type { Needed } from '../timescape/observations.js';
import type { PrometheusClient, QueryAnswer } from './prometheus.js';
import type { WebhookClient } from './webhooks.js';

/** The few logger methods the observer uses (pino and Fastify loggers both fit). */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Observe gathers external observations for one hook call: it runs the list the core says is
 * due (`observations` of the controller table) and holds no rule of its own. It never rejects:
 * a query that fails is an inconclusive observation with a fixed reason, one that was not asked
 * (over the per-call cap, or no slot in time) is absent — "not yet" to the hook. It answers
 * synchronously when there is nothing to ask (most calls), so those calls stay synchronous.
 */
export type Observe = (
  controller: Controller,
  hook: HookName,
  request: unknown,
  log: WarnLogger,
  now: Date,
) => Observations | Promise<Observations>;

/** How the observer bounds its work. */
export interface ObserverOptions {
  /** Most queries one hook call sends; the rest wait for a later call (the list is ordered). */
  maxQueriesPerCall: number;
  /** Where Prometheus is, for logs (host only: never a URL that could carry credentials). */
  host?: string;
  /** Calls the webhooks of spec.rollout.webhooks; absent: every webhook is NotAllowed. */
  webhooks?: WebhookClient;
}

const NOT_CONFIGURED: Observation = { inconclusive: 'NotConfigured' };

/**
 * createObserver asks Prometheus what the core says a call needs. Without a Prometheus URL
 * every needed observation is NotConfigured: analysis pauses as inconclusive, drains go by
 * timer, and the status says why.
 */
export function createObserver(
  client: PrometheusClient | undefined,
  opts: ObserverOptions,
): Observe {
  return (controller, hook, request, log, now) => {
    if (hook === 'customize' || !controller.observations) return {};
    const needed = controller.observations(request, now);
    if (needed.length === 0) return {};
    const asked = capped(needed, opts.maxQueriesPerCall);
    if (!client && asked.every((n) => n.purpose !== 'webhook'))
      return collect(
        asked,
        asked.map(() => NOT_CONFIGURED),
      );
    const owner = ownerOf(request);
    const calls = asked.map((n) => ask(n, client, opts.webhooks, owner));
    return Promise.all(calls.map((c) => c.answer)).then((answers) => {
      answers.forEach((a, i) => {
        if (a && 'inconclusive' in a && calls[i]!.fresh) warn(log, asked[i]!, a, opts.host);
      });
      return collect(asked, answers);
    });
  };
}

/**
 * capped keeps the per-call cap without ever splitting a check: the gate parts of the move
 * (its metrics, baselines and webhooks, bounded by the schema) are asked together — a check
 * missing one part could never count — and drain, then demand checks fill what is left of the cap.
 */
function capped(needed: Needed[], max: number): Needed[] {
  const later = (n: Needed) => n.purpose === 'drain' || n.purpose === 'demand';
  const gates = needed.filter((n) => !later(n));
  const rest = needed.filter(later);
  return [...gates, ...rest.slice(0, Math.max(0, max - gates.length))];
}

const REFUSED: QueryAnswer = { inconclusive: 'NotAllowed', detail: 'no webhook client' };

/** ask sends one needed observation to the client it belongs to. */
function ask(
  n: Needed,
  client: PrometheusClient | undefined,
  webhooks: WebhookClient | undefined,
  owner: string,
): { fresh: boolean; answer: Promise<QueryAnswer> } {
  if (n.purpose === 'webhook') {
    if (!webhooks) return { fresh: false, answer: Promise.resolve(REFUSED) };
    const { url, timeoutSeconds, body, maxAgeSeconds } = n;
    return webhooks({ url, timeoutSeconds, body, maxAgeSeconds, owner });
  }
  if (!client) return { fresh: false, answer: Promise.resolve(NOT_CONFIGURED) };
  return client({ promql: n.promql, empty: n.empty, maxAgeSeconds: n.maxAgeSeconds, owner });
}

/** collect files each answer under its key; a query not asked leaves its key absent. */
function collect(needed: Needed[], answers: QueryAnswer[]): Observations {
  const out: Observations = {};
  needed.forEach((n, i) => {
    const a = answers[i];
    if (a === undefined) return;
    if (n.purpose === 'drain') (out.requestRates ??= {})[n.key] = a;
    else if (n.purpose === 'demand') (out.demand ??= {})[n.key] = a;
    else (out.analysis ??= {})[n.key] = a;
  });
  return out;
}

/** warn logs a failed query once per cache window: the key, the host and the fixed reason. */
function warn(
  log: WarnLogger,
  n: Needed,
  a: Extract<Observation, { inconclusive: unknown }>,
  host: string | undefined,
): void {
  const fields = { key: n.key, purpose: n.purpose, host, reason: a.inconclusive, detail: a.detail };
  if (n.purpose === 'webhook')
    log.warn(
      { ...fields, host: a.inconclusive === 'NotAllowed' ? a.detail : hostOf(n.url) },
      `webhook of ${n.key} unavailable (${a.inconclusive}); it counts as inconclusive`,
    );
  else if (n.purpose === 'analysis')
    log.warn(
      fields,
      `rollout analysis of ${n.key} unavailable (${a.inconclusive}); the check counts as inconclusive`,
    );
  else if (n.purpose === 'demand')
    log.warn(
      fields,
      `demand of ${n.key} unavailable (${a.inconclusive}); the version is kept until it is measured`,
    );
  else
    log.warn(
      fields,
      `drain evidence of ${n.key} unavailable (${a.inconclusive}); the drain falls back to its timer`,
    );
}

/** ownerOf names the parent whose queries these are, for fair slots. */
function ownerOf(request: unknown): string {
  const m = (request as { parent?: { metadata?: { namespace?: unknown; name?: unknown } } })?.parent
    ?.metadata;
  return `${String(m?.namespace ?? '')}/${String(m?.name ?? '')}`;
}

/** hostOf: a URL's host for logs (never the URL: its path or query may carry a token). */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

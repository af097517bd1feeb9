import type { SyncRequest } from '../api/metacontroller.js';
import {
  versionKey,
  type ControllerName,
  type HookName,
  type Observations,
} from '../hooks/types.js';
import { versionName } from '../resources/names.js';
import { promqlString, substitute } from '../resources/template.js';
import type { EmptyMeans, PrometheusClient, QueryAnswer } from './prometheus.js';

/** The few logger methods the observer uses (pino and Fastify loggers both fit). */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/**
 * Observe gathers external observations for one hook call. It never rejects: anything it
 * cannot learn is absent (drain evidence: the hook falls back to its timer) or an error
 * (rollout analysis: the hook counts it inconclusive). It answers synchronously when there is
 * nothing to ask (most calls), so those calls stay synchronous.
 */
export type Observe = (
  controller: ControllerName,
  hook: HookName,
  request: unknown,
  log: WarnLogger,
) => Observations | Promise<Observations>;

/** One query to run: what it is for, the observation key it answers and the PromQL. */
export interface Query {
  purpose: 'drain' | 'analysis';
  key: string;
  promql: string;
}

/** noObservations is the Observe used when nothing external is configured. */
export const noObservations: Observe = () => ({});

type Rec = Record<string, unknown>;

function vars(request: SyncRequest, versionId: string, service?: unknown) {
  const namespace = request.parent.metadata.namespace ?? '';
  const handler = request.parent.metadata.name;
  return {
    namespace,
    handler,
    version: versionId,
    service: typeof service === 'string' ? service : versionName(handler, versionId),
  };
}

/** drainQueries: one query per version whose drain is under way, when spec.drain.metricQuery is set. */
export function drainQueries(request: SyncRequest): Query[] {
  const template = (request.parent.spec as { drain?: { metricQuery?: unknown } } | undefined)?.drain
    ?.metricQuery;
  const versions = (request.parent.status as { versions?: unknown } | undefined)?.versions;
  if (typeof template !== 'string' || !Array.isArray(versions)) return [];
  return (versions as Rec[])
    .filter(
      (v) =>
        typeof v?.versionId === 'string' &&
        (v.phase === 'Draining' || (v.drainStartedAt !== undefined && v.drainedAt === undefined)),
    )
    .map((v) => {
      const x = vars(request, v.versionId as string, v.service);
      return {
        purpose: 'drain',
        key: versionKey(x.namespace, x.handler, x.version),
        promql: substitute(template, x, promqlString),
      };
    });
}

/**
 * analysisQuery: the rollout target's analysis query, while a step of a rollout holds (status
 * says Progressing and the step started) and spec.rollout.analysis is set.
 */
export function analysisQuery(request: SyncRequest): Query | undefined {
  const template = (
    request.parent.spec as { rollout?: { analysis?: { metricQuery?: unknown } } } | undefined
  )?.rollout?.analysis?.metricQuery;
  const rollout = (request.parent.status as { rollout?: Rec } | undefined)?.rollout;
  if (typeof template !== 'string' || rollout?.phase !== 'Progressing') return undefined;
  if (!rollout.previousVersionId || !rollout.stepStartedAt || typeof rollout.versionId !== 'string')
    return undefined;
  const x = vars(request, rollout.versionId);
  return {
    purpose: 'analysis',
    key: versionKey(x.namespace, x.handler, x.version),
    promql: substitute(template, x, promqlString),
  };
}

const EMPTY: Record<Query['purpose'], EmptyMeans> = { drain: 'zero', analysis: 'nothing' };

/**
 * createObserver asks Prometheus what a handler's sync needs: the request rate of each draining
 * version and the rollout target's analysis metric. Without a Prometheus URL, analysis gets an
 * error saying so (the hook then pauses the rollout as inconclusive) and drains go by timer.
 */
export function createObserver(client: PrometheusClient | undefined): Observe {
  return (controller, hook, request, log) => {
    if (controller !== 'gatihandler' || hook === 'customize') return {};
    // Observers run before callHook checks the envelope: a malformed body asks for nothing.
    const req = request as SyncRequest;
    if (typeof req?.parent?.metadata?.name !== 'string') return {};
    const analysis = analysisQuery(req);
    const queries = [...(client ? drainQueries(req) : []), ...(analysis ? [analysis] : [])];
    if (queries.length === 0) return {};
    if (!client)
      return {
        analysis: { [analysis!.key]: { error: 'PROMETHEUS_URL is not set on the hook server' } },
      };
    const asked = queries.map((q) => client(q.promql, EMPTY[q.purpose]));
    return Promise.all(asked.map((a) => a.answer)).then((answers) =>
      collect(queries, answers, (i) => asked[i]!.fresh, log),
    );
  };
}

/** collect files each answer under its key; a failure is logged when its query was sent now. */
function collect(
  queries: Query[],
  answers: QueryAnswer[],
  fresh: (i: number) => boolean,
  log: WarnLogger,
): Observations {
  const out: Observations = {};
  queries.forEach((q, i) => {
    const a = answers[i]!;
    if (q.purpose === 'analysis') (out.analysis ??= {})[q.key] = a;
    else if ('value' in a) (out.requestRates ??= {})[q.key] = a.value;
    if (!('error' in a) || !fresh(i)) return;
    if (q.purpose === 'analysis')
      log.warn(
        { analysisKey: q.key, err: a.error },
        'rollout analysis unavailable; the check counts as inconclusive',
      );
    else
      log.warn(
        { drainKey: q.key, err: a.error },
        'drain evidence unavailable; the hook falls back to its timer',
      );
  });
  return out;
}

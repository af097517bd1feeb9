import type { Webhook } from '../api/analysis.js';
import type { GatiHandlerSpec, GatiHandlerStatus, VersionStatus } from '../api/gatihandler.js';
import type { KubeObject } from '../api/metacontroller.js';
import { canonical } from '../kube/canonical.js';
import { elapsed, rfc3339 } from '../kube/time.js';
import { RETIREMENT_REASONS } from '../api/cost.js';
import { versionName } from '../resources/names.js';
import { promqlString, substitute } from '../resources/template.js';
import { readAction } from './actions.js';
import { analysisDue } from './analysis.js';
import { CHECK_INTERVAL_SECONDS } from './drain.js';
import {
  advance,
  fromRecord,
  type EngineContext,
  type RolloutEvent,
  type RolloutRecord,
} from './engine.js';
import { confirmDue, hooksOf, limitsOf, postRolloutPending, stepPlan } from './gates.js';
import { baselineOf, metricKey, webhookKey, type CheckPlan, type MetricSpec } from './metrics.js';
import { inFlight } from './records.js';
import { gatewayBehind } from './route-status.js';

/**
 * What the server must observe for one handler sync, computed by the same rules that consume
 * the answers (DESIGN §4b): the server only executes the list. Only checks that are due are
 * asked for, so a handler costs Prometheus one query per interval, not one per sync.
 */
export type Needed = QueryNeeded | WebhookNeeded;

/** A Prometheus query: an analysis metric (of the target or its baseline), drain evidence or
 * a superseded version's demand (spec.retirement). */
interface QueryNeeded {
  purpose: 'analysis' | 'drain' | 'demand';
  versionId: string;
  /**
   * Where the answer goes in Observations: versionKey(namespace, handler, <local key>), the
   * local key being the versionId, or metrics.ts metricKey() for a named metric.
   */
  key: string;
  promql: string;
  /** An answer older than this cannot be counted as a new sample: it is not reused. */
  maxAgeSeconds: number;
  /** Analysis: an empty answer is no answer. Drain and demand: no series means no requests. */
  empty: 'nothing' | 'zero';
}

/** A webhook call (gates.ts): its answer goes in Observations.analysis under `key`. */
interface WebhookNeeded {
  purpose: 'webhook';
  versionId: string;
  key: string;
  url: string;
  timeoutSeconds: number;
  /** The JSON body, in canonical key order. */
  body: string;
  /** An answer is reused at most this long (0: never). */
  maxAgeSeconds: number;
}

/** versionKey is the key of one handler version in Observations (requestRates and analysis). */
export function versionKey(namespace: string, handler: string, versionId: string): string {
  return `${namespace}/${handler}/${versionId}`;
}

/** What observationsNeeded reads: the validated spec and the last status. */
export interface NeedsInput {
  namespace: string;
  name: string;
  spec: GatiHandlerSpec;
  status?: GatiHandlerStatus;
  /** The handler's annotations: the rollout action decides whether a step runs this sync. */
  annotations: Record<string, string>;
  /** The observed HTTPRoute: a step the gateway has not applied yet is not checked. */
  route?: KubeObject;
  now: Date;
}

/**
 * observationsNeeded lists the queries and webhook calls due now, most urgent first: the move's
 * gates (its analysis check, its webhooks), then drain checks, then demand checks of superseded
 * versions (spec.retirement) — each kind the one checked longest ago first (never-checked before
 * all), so a cap per call serves every version in turn.
 */
export function observationsNeeded(input: NeedsInput): Needed[] {
  return [...gatesNeeded(input), ...drainsNeeded(input), ...demandNeeded(input)];
}

function vars(input: NeedsInput, versionId: string, service?: string) {
  return {
    namespace: input.namespace,
    handler: input.name,
    version: versionId,
    service: service ?? versionName(input.name, versionId),
  };
}

/**
 * gatesNeeded: what the move's gates ask this sync — after this sync's action, computed by the
 * same engine the hook runs, so the sync that resumes a paused move asks for its check.
 */
function gatesNeeded(input: NeedsInput): Needed[] {
  const prev = input.status?.rollout;
  const { analysis, webhooks, steps } = input.spec.rollout;
  if (!prev || (!analysis && !webhooks?.length)) return [];
  const action = readAction(input.annotations, prev.lastAction);
  const events: RolloutEvent[] = [
    ...(action.kind === 'one-shot' && action.fresh
      ? [{ kind: 'Action' as const, action: action.action, value: action.value }]
      : []),
    action.kind === 'pause' ? { kind: 'Pause' } : { kind: 'PauseLifted' },
  ];
  const versions = input.status?.versions ?? [];
  const ctx = {
    now: input.now,
    steps,
    analysis,
    webhooks,
    baseline: baselineOf(prev.versionId, prev.previousVersionId, versions),
    targetReady: true,
    over: false,
  };
  const post = postRolloutPending(prev, ctx).map((w) => webhookNeeded(input, prev, w, 0));
  const { state } = advance(fromRecord(prev), events, ctx);
  if ((state.kind !== 'Stepping' && state.kind !== 'WaitingForTarget') || !inFlight(state.record))
    return post;
  const r = state.record;
  const half = Math.floor(limitsOf(ctx).intervalSeconds / 2);
  const hook = (w: Webhook) => webhookNeeded(input, r, w, half);
  const out: Needed[] = [];
  if (state.kind === 'WaitingForTarget') {
    // Its Deployment was Available at the last sync: a smoke test would fail on a missing target.
    const ready = versions.some((v) => v.versionId === r.versionId && v.phase === 'Active');
    if (ready && preRolloutDue(r, ctx)) out.push(...hooksOf(ctx, 'pre-rollout').map(hook));
  } else if (!gatewayBehind(input.route, input.spec)) {
    // As the engine: a step the gateway was seen behind on starts over now (forGateway).
    const since = r.routeBehindSince ? rfc3339(input.now) : r.stepStartedAt!;
    const plan = stepPlan(r, ctx);
    if (plan && analysisDue(limitsOf(ctx), r.analysis, r.step, since, input.now))
      out.push(...checkNeeded(input, plan, half, versions), ...plan.webhooks.map(hook));
  }
  if (confirmDue(r, ctx)) out.push(...hooksOf(ctx, 'confirm-promotion').map(hook));
  return out;
}

/** preRolloutDue: the pre-rollout check has not passed and is due (at once, then per interval). */
function preRolloutDue(r: RolloutRecord, ctx: EngineContext): boolean {
  if (hooksOf(ctx, 'pre-rollout').length === 0 || r.preRollout?.lastResult === 'Passed')
    return false;
  const last = r.preRollout?.lastCheckAt;
  return !last || elapsed(last, ctx.now) >= limitsOf(ctx).intervalSeconds;
}

/** checkNeeded: the metric queries of one check, for the target and, for baselines, the incumbent. */
function checkNeeded(
  input: NeedsInput,
  plan: CheckPlan,
  maxAgeSeconds: number,
  versions: VersionStatus[],
): Needed[] {
  const service = (id: string) => versions.find((v) => v.versionId === id)?.service;
  const query = (m: MetricSpec, id: string): Needed => ({
    purpose: 'analysis',
    versionId: id,
    key: versionKey(input.namespace, input.name, metricKey(id, m.name)),
    promql: substitute(m.query, vars(input, id, service(id)), promqlString),
    maxAgeSeconds,
    empty: 'nothing',
  });
  return plan.metrics.flatMap((m) => [
    query(m, plan.target),
    ...(m.baseline && plan.baseline ? [query(m, plan.baseline)] : []),
  ]);
}

/** webhookNeeded: one call of a webhook about the move `r`, with its JSON body. */
function webhookNeeded(
  input: NeedsInput,
  r: RolloutRecord,
  w: Webhook,
  maxAgeSeconds: number,
): Needed {
  return {
    purpose: 'webhook',
    versionId: r.versionId,
    key: versionKey(input.namespace, input.name, webhookKey(r.versionId, w.name)),
    url: w.url,
    timeoutSeconds: w.timeoutSeconds,
    body: webhookBody(input, r, w),
    maxAgeSeconds,
  };
}

/**
 * webhookBody is what a webhook is told (Flagger's fields, plus the versions): no timestamps,
 * so the same question is the same body and a short cache can answer it.
 */
function webhookBody(
  input: Pick<NeedsInput, 'namespace' | 'name'>,
  r: RolloutRecord,
  w: Webhook,
): string {
  const body: Record<string, unknown> = {
    handler: input.name,
    metadata: w.metadata ?? {},
    name: w.name,
    namespace: input.namespace,
    ...(r.previousVersionId ? { incumbentVersion: r.previousVersionId } : {}),
    phase: r.phase,
    ...(r.reason ? { reason: r.reason } : {}),
    step: r.step + 1,
    targetVersion: r.versionId,
    type: w.type,
  };
  return JSON.stringify(canonical(body));
}

/** drainsNeeded: draining versions past their minimum wait whose next quiet check is due. */
function drainsNeeded(input: NeedsInput): Needed[] {
  const { drain } = input.spec;
  if (!drain.metricQuery) return [];
  const template = drain.metricQuery;
  return (input.status?.versions ?? [])
    .filter((v) => checkDue(v, drain.minSeconds, input.now))
    .sort(
      (a, b) =>
        cmp(a.lastCheckAt ?? '', b.lastCheckAt ?? '') ||
        cmp(a.drainStartedAt ?? '', b.drainStartedAt ?? '') ||
        cmp(a.versionId, b.versionId),
    )
    .map((v) => ({
      purpose: 'drain' as const,
      versionId: v.versionId,
      key: versionKey(input.namespace, input.name, v.versionId),
      promql: substitute(template, vars(input, v.versionId, v.service), promqlString),
      maxAgeSeconds: Math.floor(CHECK_INTERVAL_SECONDS / 2),
      empty: 'zero' as const,
    }));
}

/**
 * demandNeeded: superseded versions kept for their clients (reason Deprecated) whose next
 * demand check is due, by the interval stepRetirement counts them with.
 */
function demandNeeded(input: NeedsInput): Needed[] {
  const policy = input.spec.retirement;
  if (!policy) return [];
  const due = (v: VersionStatus) =>
    v.phase === 'Active' &&
    v.reason === RETIREMENT_REASONS.Deprecated &&
    (!v.demand?.checkedAt || elapsed(v.demand.checkedAt, input.now) >= policy.intervalSeconds);
  return (input.status?.versions ?? [])
    .filter(due)
    .sort(
      (a, b) =>
        cmp(a.demand?.checkedAt ?? '', b.demand?.checkedAt ?? '') || cmp(a.versionId, b.versionId),
    )
    .map((v) => ({
      purpose: 'demand' as const,
      versionId: v.versionId,
      key: versionKey(input.namespace, input.name, v.versionId),
      promql: substitute(policy.demandQuery, vars(input, v.versionId, v.service), promqlString),
      maxAgeSeconds: Math.floor(policy.intervalSeconds / 2),
      empty: 'zero' as const,
    }));
}

function checkDue(v: VersionStatus, minSeconds: number, now: Date): boolean {
  if (!v.drainStartedAt || v.drainedAt || !v.trafficRemovedAt) return false;
  if (v.phase === 'Active' || v.phase === 'Pending') return false;
  if (elapsed(v.trafficRemovedAt, now) < minSeconds) return false;
  return !v.lastCheckAt || elapsed(v.lastCheckAt, now) >= CHECK_INTERVAL_SECONDS;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

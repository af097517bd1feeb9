import { Analysis, type Webhook, type WebhookType } from '../api/analysis.js';
import type { WebhookStatus } from '../api/analysis-status.js';
import { defaultsOf } from '../api/defaults.js';
import type { Observation } from '../api/signals.js';
import { elapsed, rfc3339 } from '../kube/time.js';
import { runCheck, type CheckOutcome } from './analysis.js';
import { metricsOf, webhookKey, webhookStatus, type CheckPlan } from './metrics.js';
import { inFlight } from './records.js';
import type { EngineContext, RolloutRecord } from './state.js';

/**
 * The gates of a move besides its steps' waits (docs/progressive-delivery.md): the metrics and
 * `step` webhooks checked at every step, the `pre-rollout` webhooks before the first step, the
 * `confirm-promotion` webhooks that hold the last step, and the `post-rollout` webhooks told
 * once when the move ends. The engine (engine.ts) asks these; the server calls the webhooks
 * as observations (observations.ts says which are due).
 */

/** The limits webhooks-only gates use: the analysis schema's defaults. */
const DEFAULT_LIMITS = defaultsOf(Analysis);

/** limitsOf: the interval and the limits of every check of the move. */
export function limitsOf(ctx: Pick<EngineContext, 'analysis'>): Analysis {
  return ctx.analysis ?? DEFAULT_LIMITS;
}

/** hooksOf: the move's webhooks of one type, in spec order. */
export function hooksOf(ctx: Pick<EngineContext, 'webhooks'>, type: WebhookType): Webhook[] {
  return (ctx.webhooks ?? []).filter((w) => w.type === type);
}

/** stepPlan is what every step check asks for; undefined when a step has no gate. */
export function stepPlan(
  r: RolloutRecord,
  ctx: Pick<EngineContext, 'analysis' | 'webhooks' | 'baseline'>,
): CheckPlan | undefined {
  const metrics = metricsOf(ctx.analysis);
  const webhooks = hooksOf(ctx, 'step');
  if (metrics.length === 0 && webhooks.length === 0) return undefined;
  return { target: r.versionId, baseline: ctx.baseline, metrics, webhooks };
}

/** stepCheck runs the step's check: its metrics and step webhooks, one interval apart. */
export function stepCheck(
  r: RolloutRecord,
  plan: CheckPlan,
  obs: Record<string, Observation>,
  ctx: EngineContext,
): { record: RolloutRecord; check: CheckOutcome } {
  const check = runCheck({
    config: limitsOf(ctx),
    plan,
    record: r.analysis,
    webhooks: r.webhooks,
    observations: obs,
    step: r.step,
    stepStartedAt: r.stepStartedAt!,
    now: ctx.now,
  });
  return {
    record: { ...r, analysis: check.record, webhooks: answered(r.webhooks, check.webhooks) },
    check,
  };
}

/**
 * preRolloutCheck: before the first step, every pre-rollout webhook must answer 2xx; the first
 * check is due at once, then one per interval, counted like a step's (a failure streak of
 * failureLimit fails the move). Undefined when there is none or it passed already.
 */
export function preRolloutCheck(
  r: RolloutRecord,
  obs: Record<string, Observation>,
  ctx: EngineContext,
): { record: RolloutRecord; check: CheckOutcome } | undefined {
  const webhooks = hooksOf(ctx, 'pre-rollout');
  if (webhooks.length === 0 || r.preRollout?.lastResult === 'Passed') return undefined;
  const check = runCheck({
    config: limitsOf(ctx),
    plan: { target: r.versionId, metrics: [], webhooks },
    record: r.preRollout,
    webhooks: r.webhooks,
    observations: obs,
    step: r.step,
    stepStartedAt: r.startedAt ?? rfc3339(ctx.now),
    now: ctx.now,
    immediate: true,
  });
  return {
    record: { ...r, preRollout: check.record, webhooks: answered(r.webhooks, check.webhooks) },
    check,
  };
}

/**
 * confirmation: the confirm-promotion webhooks all answered 2xx (a human or a pipeline
 * approved), or the record says which one holds the last step. Any answer is taken as it is:
 * an approval is not a vote that could count twice.
 */
export function confirmation(
  r: RolloutRecord,
  obs: Record<string, Observation>,
  ctx: EngineContext,
): { approved: true } | { approved: false; record: RolloutRecord } {
  const webhooks = hooksOf(ctx, 'confirm-promotion');
  if (webhooks.length === 0) return { approved: true };
  const at = rfc3339(ctx.now);
  const answers = webhooks.map((w) => {
    const o = obs[webhookKey(r.versionId, w.name)];
    return o === undefined ? waiting(w, r.webhooks) : webhookStatus(w, o, at);
  });
  const held = answers.filter((a) => a.result !== 'Passed');
  if (held.length === 0) return { approved: true };
  const message = `step ${r.step + 1} done: waiting for confirm-promotion (${held.map((h) => h.message).join('; ')})`;
  return { approved: false, record: { ...r, message, webhooks: answered(r.webhooks, answers) } };
}

/** waiting is a confirm-promotion webhook not answered this call: its last answer, or Waiting. */
function waiting(w: Webhook, last: WebhookStatus[] | undefined): WebhookStatus {
  const prev = last?.find((h) => h.name === w.name);
  if (prev && prev.result !== 'Passed') return prev;
  return {
    name: w.name,
    type: w.type,
    result: 'Waiting',
    message: `webhook ${w.name} not asked yet`,
  };
}

/**
 * postRollout records the post-rollout webhooks' answers once the move has ended (they are
 * informational: any answer, even none in time, is recorded and never asked again).
 */
export function postRollout(
  r: RolloutRecord,
  obs: Record<string, Observation>,
  ctx: Pick<EngineContext, 'webhooks' | 'now'>,
): RolloutRecord {
  const pending = postRolloutPending(r, ctx);
  if (pending.length === 0) return r;
  const at = rfc3339(ctx.now);
  const told = pending.flatMap((w) => {
    const o = obs[webhookKey(r.versionId, w.name)];
    return o === undefined ? [] : [webhookStatus(w, o, at)];
  });
  return told.length ? { ...r, webhooks: answered(r.webhooks, told) } : r;
}

/** postRolloutPending: post-rollout webhooks of an ended, stepped move not told yet. */
export function postRolloutPending(
  r: RolloutRecord | undefined,
  ctx: Pick<EngineContext, 'webhooks'>,
): Webhook[] {
  if (!r || (r.phase !== 'Succeeded' && r.phase !== 'Aborted')) return [];
  if (!inFlight({ ...r, phase: 'Progressing' })) return [];
  return hooksOf(ctx, 'post-rollout').filter(
    (w) => !r.webhooks?.some((h) => h.name === w.name && h.type === 'post-rollout'),
  );
}

/** confirmDue: the last step's wait is over and its checks passed, so promotion waits for a confirmation. */
export function confirmDue(r: RolloutRecord, ctx: EngineContext): boolean {
  if (hooksOf(ctx, 'confirm-promotion').length === 0) return false;
  if (!r.stepStartedAt) {
    // A move without steps switches at once: its confirmation comes after the pre-rollout.
    const first = ctx.steps[r.step];
    const pre = hooksOf(ctx, 'pre-rollout').length === 0 || r.preRollout?.lastResult === 'Passed';
    return pre && (!first || first.weight >= 100);
  }
  const next = ctx.steps[r.step + 1];
  if (next && next.weight < 100) return false;
  const wait = ctx.steps[r.step]?.pauseSeconds ?? 0;
  if (elapsed(r.stepStartedAt, ctx.now) < wait) return false;
  return (
    stepPlan(r, ctx) === undefined ||
    (r.analysis?.lastCheckStep === r.step && r.analysis.lastResult === 'Passed')
  );
}

/** answered merges the webhook answers of this sync into the move's list, by name. */
function answered(
  prev: WebhookStatus[] | undefined,
  now: WebhookStatus[],
): WebhookStatus[] | undefined {
  if (now.length === 0) return prev;
  const byName = new Map((prev ?? []).map((w) => [w.name, w]));
  for (const w of now) byName.set(w.name, w);
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

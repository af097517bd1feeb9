import type { Analysis } from '../api/gatihandler.js';
import type { WebhookStatus } from '../api/analysis-status.js';
import type { AnalysisStatus } from '../api/gatihandler-status.js';
import type { Observation } from '../api/signals.js';
import { elapsed, rfc3339 } from '../kube/time.js';
import { judge, metricsOf, metricStatus, type CheckPlan, type Judged } from './metrics.js';

/** What one sync's look at the analysis of a step found. */
export interface CheckOutcome {
  record: AnalysisStatus;
  /** A check was counted this sync. */
  checked: boolean;
  /** failureLimit failed checks in a row. */
  failed: boolean;
  /** inconclusiveLimit inconclusive checks in a row. */
  inconclusive: boolean;
  /** The last check of this step passed: the step may advance once its wait is over. */
  stepPassed: boolean;
  /** Seconds until the next check is due (or, when one is due but had no new sample, soon). */
  dueInSeconds: number;
  /** The webhooks this check counted, answered now. */
  webhooks: WebhookStatus[];
}

const EMPTY: AnalysisStatus = {
  passes: 0,
  failures: 0,
  inconclusive: 0,
  failuresInARow: 0,
  inconclusiveInARow: 0,
};

/** A check due without a new sample is retried this soon: the server asks on the next call. */
const NOT_YET_SECONDS = 2;

/** verdictOf judges one observation against the one-metric shorthand's threshold. */
export function verdictOf(
  config: Analysis,
  obs: Observation,
): { result: 'Passed' | 'Failed' | 'Inconclusive'; value?: number; message: string } {
  const [m] = metricsOf(config);
  const s = metricStatus(m!, obs);
  return {
    result: s.result,
    ...(s.value !== undefined ? { value: s.value } : {}),
    message: s.message!,
  };
}

/** checkDue: seconds since the last check of this step (or since the step started). */
function sinceLastCheck(prev: AnalysisStatus, step: number, stepStartedAt: string, now: Date) {
  const sameStep = prev.lastCheckStep === step && prev.lastCheckAt !== undefined;
  return sameStep ? elapsed(prev.lastCheckAt!, now) : elapsed(stepStartedAt, now);
}

/** analysisDue: a check of this step is due now (the server then asks for a sample). */
export function analysisDue(
  config: Analysis,
  record: AnalysisStatus | undefined,
  step: number,
  stepStartedAt: string,
  now: Date,
): boolean {
  return sinceLastCheck(record ?? EMPTY, step, stepStartedAt, now) >= config.intervalSeconds;
}

/**
 * runCheck counts an analysis check when one is due — the first one interval after the step
 * started, then one per interval — and a new sample (or a reason there is none) is at hand.
 * Everything is counted in status, so checks survive a restart of the hook server and a
 * replayed request counts nothing twice (the check and sample times are in status).
 */
export function runCheck(input: CheckInput): CheckOutcome {
  const { config, now, step } = input;
  const prev = input.record ?? EMPTY;
  const since =
    input.immediate && prev.lastCheckAt === undefined
      ? config.intervalSeconds
      : sinceLastCheck(prev, step, input.stepStartedAt, now);
  const due = since >= config.intervalSeconds;
  const plan = input.plan ?? { target: '', metrics: metricsOf(config), webhooks: [] };
  const observations = input.observations ?? (input.obs ? { '': input.obs } : {});
  const judged = due
    ? judge(plan, observations, prev, input.webhooks ?? [], rfc3339(now))
    : undefined;
  const checked = judged !== undefined;
  const record = judged ? counted(prev, judged, step, now) : prev;
  return {
    record,
    webhooks: judged?.webhooks ?? [],
    checked,
    failed: record.failuresInARow >= config.failureLimit,
    inconclusive: record.inconclusiveInARow >= config.inconclusiveLimit,
    stepPassed: record.lastCheckStep === step && record.lastResult === 'Passed',
    dueInSeconds: checked
      ? config.intervalSeconds
      : due
        ? NOT_YET_SECONDS
        : Math.max(1, config.intervalSeconds - since),
  };
}

/** What runCheck reads. */
export interface CheckInput {
  /** The limits (interval, failureLimit, inconclusiveLimit) and, without `plan`, the metrics. */
  config: Analysis;
  /** What the check asks for; default: the analysis's metrics of the one version in `obs`. */
  plan?: CheckPlan;
  record?: AnalysisStatus;
  /** The last answers of the move's webhooks (a webhook answer counts once too). */
  webhooks?: WebhookStatus[];
  /** The handler's gate observations by key (metrics.ts metricKey / webhookKey). */
  observations?: Record<string, Observation>;
  /** The shorthand's answer, for a plan-less check. */
  obs?: Observation;
  step: number;
  stepStartedAt: string;
  now: Date;
  /** The first check is due at once (pre-rollout), not one interval after stepStartedAt. */
  immediate?: boolean;
}

function counted(prev: AnalysisStatus, v: Judged, step: number, now: Date): AnalysisStatus {
  const record: AnalysisStatus = {
    ...prev,
    lastValue: v.value,
    lastCheckAt: rfc3339(now),
    lastResult: v.result,
    lastCheckStep: step,
    message: v.message,
    passes: prev.passes + (v.result === 'Passed' ? 1 : 0),
    failures: prev.failures + (v.result === 'Failed' ? 1 : 0),
    inconclusive: prev.inconclusive + (v.result === 'Inconclusive' ? 1 : 0),
    failuresInARow: v.result === 'Failed' ? prev.failuresInARow + 1 : 0,
    inconclusiveInARow: v.result === 'Inconclusive' ? prev.inconclusiveInARow + 1 : 0,
  };
  if (v.sampleAt !== undefined) record.lastSampleAt = v.sampleAt;
  if (v.reason !== undefined) record.lastReason = v.reason;
  else delete record.lastReason;
  if (v.metrics.length > 0) record.metrics = v.metrics;
  return record;
}

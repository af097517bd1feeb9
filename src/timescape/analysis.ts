import type { Analysis } from '../api/gatihandler.js';
import type { AnalysisStatus } from '../api/gatihandler-status.js';
import { describeObservation, isNewer, type Observation } from '../api/signals.js';
import { elapsed, rfc3339 } from '../kube/time.js';

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

/** verdictOf judges one observation against the analysis threshold. */
export function verdictOf(
  config: Analysis,
  obs: Observation,
): { result: 'Passed' | 'Failed' | 'Inconclusive'; value?: number; message: string } {
  if ('inconclusive' in obs)
    return { result: 'Inconclusive', message: `metric unavailable: ${describeObservation(obs)}` };
  const pass =
    config.comparison === '>=' ? obs.value >= config.threshold : obs.value <= config.threshold;
  const words = `value ${obs.value} ${pass ? '' : 'not '}${config.comparison} threshold ${config.threshold}`;
  return { result: pass ? 'Passed' : 'Failed', value: obs.value, message: words };
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
 * usable: the observation may be counted. An absent one (the server could not ask) and a
 * sample not newer than the last one counted (a cache, another replica or a replayed request
 * handing the same sample again) are "not yet" — never a vote.
 */
function usable(obs: Observation | undefined, prev: AnalysisStatus): obs is Observation {
  if (obs === undefined) return false;
  return 'inconclusive' in obs || isNewer(obs.sampleAt, prev.lastSampleAt);
}

/**
 * runCheck counts an analysis check when one is due — the first one interval after the step
 * started, then one per interval — and a new sample (or a reason there is none) is at hand.
 * Everything is counted in status, so checks survive a restart of the hook server and a
 * replayed request counts nothing twice (the check and sample times are in status).
 */
export function runCheck(input: {
  config: Analysis;
  record?: AnalysisStatus;
  obs?: Observation;
  step: number;
  stepStartedAt: string;
  now: Date;
}): CheckOutcome {
  const { config, now, step } = input;
  const prev = input.record ?? EMPTY;
  const since = sinceLastCheck(prev, step, input.stepStartedAt, now);
  const due = since >= config.intervalSeconds;
  const obs = input.obs;
  const checked = due && usable(obs, prev);
  const record = checked ? counted(prev, verdictOf(config, obs!), obs!, step, now) : prev;
  return {
    record,
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

function counted(
  prev: AnalysisStatus,
  v: ReturnType<typeof verdictOf>,
  obs: Observation,
  step: number,
  now: Date,
): AnalysisStatus {
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
  if ('sampleAt' in obs) record.lastSampleAt = obs.sampleAt;
  if ('inconclusive' in obs) record.lastReason = obs.inconclusive;
  else delete record.lastReason;
  return record;
}

import type { Analysis } from '../api/gatihandler.js';
import type { AnalysisStatus } from '../api/gatihandler-status.js';
import { elapsed, rfc3339 } from '../kube/time.js';

/**
 * What the server learnt from the analysis query of the new version, passed in as an
 * observation: a number, or why there is none (query failed, empty result, NaN, no Prometheus).
 */
export type AnalysisObservation = { value: number } | { error: string };

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
  /** Seconds until the next check is due. */
  dueInSeconds: number;
}

const EMPTY: AnalysisStatus = {
  passes: 0,
  failures: 0,
  inconclusive: 0,
  failuresInARow: 0,
  inconclusiveInARow: 0,
};

/** verdictOf judges one observation against the analysis threshold. */
export function verdictOf(
  config: Analysis,
  obs: AnalysisObservation | undefined,
): { result: 'Passed' | 'Failed' | 'Inconclusive'; value?: number; message: string } {
  if (obs === undefined)
    return { result: 'Inconclusive', message: 'no analysis result reached the hook' };
  if ('error' in obs)
    return { result: 'Inconclusive', message: `metric unavailable: ${obs.error}` };
  const pass =
    config.comparison === '>=' ? obs.value >= config.threshold : obs.value <= config.threshold;
  const words = `value ${obs.value} ${pass ? '' : 'not '}${config.comparison} threshold ${config.threshold}`;
  return { result: pass ? 'Passed' : 'Failed', value: obs.value, message: words };
}

/**
 * runCheck counts an analysis check when one is due: the first one interval after the step
 * started, then one per interval. Everything is counted in status, so checks survive a restart
 * of the hook server and a replayed request counts nothing twice (the check time is in status).
 */
export function runCheck(input: {
  config: Analysis;
  record?: AnalysisStatus;
  obs?: AnalysisObservation;
  step: number;
  stepStartedAt: string;
  now: Date;
}): CheckOutcome {
  const { config, now, step } = input;
  const prev = input.record ?? EMPTY;
  const sameStep = prev.lastCheckStep === step && prev.lastCheckAt !== undefined;
  const since = sameStep ? elapsed(prev.lastCheckAt!, now) : elapsed(input.stepStartedAt, now);
  let record = prev;
  let checked = false;
  if (since >= config.intervalSeconds) {
    const v = verdictOf(config, input.obs);
    checked = true;
    record = {
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
  }
  return {
    record,
    checked,
    failed: record.failuresInARow >= config.failureLimit,
    inconclusive: record.inconclusiveInARow >= config.inconclusiveLimit,
    stepPassed: record.lastCheckStep === step && record.lastResult === 'Passed',
    dueInSeconds: checked ? config.intervalSeconds : Math.max(1, config.intervalSeconds - since),
  };
}

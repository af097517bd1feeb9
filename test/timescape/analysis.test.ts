import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { Analysis } from '../../src/api/gatihandler.js';
import { runCheck, verdictOf } from '../../src/timescape/analysis.js';
import { at, Driver, spec } from './lib.js';
import { sampled, unavailable } from '../helpers/observations.js';

// Metric analysis (spec.rollout.analysis): checks one interval apart, counted in status,
// failureLimit failures in a row → onFailure, inconclusiveLimit inconclusive → Paused.

const ANALYSIS = {
  metricQuery: 'error_ratio{version="{{version}}"}',
  threshold: 0.05,
  intervalSeconds: 30,
};
/** ANALYSIS as the hooks see it: the schema's defaults (comparison <=, limits 2 and 3, Abort). */
const CONFIG = Value.Default(Analysis, structuredClone(ANALYSIS)) as Analysis;
const withAnalysis = (version: string, extra: Record<string, unknown> = {}) =>
  spec(version, {
    rollout: {
      steps: [
        { weight: 10, pauseSeconds: 60 },
        { weight: 50, pauseSeconds: 60 },
      ],
      analysis: { ...ANALYSIS, ...extra },
    },
  });

/** A handler rolling v1 → v2 with analysis; step 1 started at t=11. */
function analysing(extra: Record<string, unknown> = {}): Driver {
  const d = new Driver();
  d.sync(0, withAnalysis('v1', extra));
  d.sync(1, withAnalysis('v1', extra));
  d.sync(10, withAnalysis('v2', extra));
  d.sync(11, withAnalysis('v2', extra));
  return d;
}

const good = { value: 0.01 };
const bad = { value: 0.2 };

t.test('verdictOf', async (t) => {
  const config = CONFIG;
  t.match(
    config,
    { comparison: '<=', failureLimit: 2, inconclusiveLimit: 3, onFailure: 'Abort' },
    'the schema defaults these rows rely on',
  );
  const rows = [
    { reason: 'at the threshold passes', obs: sampled(0.05, 0), want: 'Passed' },
    { reason: 'above fails', obs: sampled(0.06, 0), want: 'Failed' },
    { reason: 'no series is inconclusive', obs: unavailable('NoSeries'), want: 'Inconclusive' },
    {
      reason: 'several series are inconclusive',
      obs: unavailable('ManySeries', '3 series'),
      want: 'Inconclusive',
    },
  ];
  for (const r of rows) t.equal(verdictOf(config, r.obs).result, r.want, r.reason);
  t.equal(
    verdictOf({ ...config, comparison: '>=' }, sampled(0.06, 0)).result,
    'Passed',
    '>= flips it',
  );
  t.match(verdictOf(config, sampled(0.06, 0)).message, 'value 0.06 not <= threshold 0.05');
  t.match(
    verdictOf(config, unavailable('ManySeries', '3 series')).message,
    'metric unavailable: ManySeries: the query returned more than one series',
  );
});

t.test(
  'runCheck counts one check per interval, the first one interval after the step starts',
  async (t) => {
    const config = CONFIG;
    const base = { config, obs: sampled(0.01, 30), step: 0, stepStartedAt: '2026-01-01T00:00:00Z' };
    const early = runCheck({ ...base, now: at(29) });
    t.equal(early.checked, false);
    t.equal(early.dueInSeconds, 1);
    const first = runCheck({ ...base, now: at(30) });
    t.match(first, { checked: true, stepPassed: true, dueInSeconds: 30 });
    t.equal(first.record.lastSampleAt, '2026-01-01T00:00:30.000Z', 'the sample time is recorded');
    const replay = runCheck({ ...base, record: first.record, now: at(30) });
    t.equal(replay.checked, false, 'a replayed request counts nothing twice');
    t.equal(replay.record.passes, 1);
    const cached = runCheck({ ...base, record: first.record, now: at(60) });
    t.match(
      cached,
      { checked: false, dueInSeconds: 2 },
      'the same sample a check later (a cache, another replica): not counted, asked again soon',
    );
    const notAsked = runCheck({ ...base, obs: undefined, record: first.record, now: at(60) });
    t.match(
      notAsked,
      { checked: false, dueInSeconds: 2 },
      'no answer this call: not yet, not a vote',
    );
    t.equal(notAsked.record.inconclusive, 0);
    const next = runCheck({ ...base, obs: sampled(0.2, 60), record: first.record, now: at(60) });
    t.match(next, {
      checked: true,
      record: { failuresInARow: 1, lastSampleAt: '2026-01-01T00:01:00.000Z' },
    });
  },
);

t.test('a failing metric rolls back within failureLimit × intervalSeconds', async (t) => {
  const d = analysing();
  d.sync(40, withAnalysis('v2'), bad);
  t.match(d.plan!.rollout.analysis, { failuresInARow: 0 }, 'no check before one interval');
  d.sync(41, withAnalysis('v2'), bad);
  t.match(d.plan!.rollout, {
    phase: 'Progressing',
    analysis: { lastResult: 'Failed', failuresInARow: 1 },
  });
  t.same(d.weights(), { v1: 90, v2: 10 }, 'one failure holds the step');
  d.sync(71, withAnalysis('v2'), bad);
  t.match(d.plan!.rollout, {
    phase: 'Aborted',
    reason: 'AnalysisFailed',
    message: /value 0.2 not <= threshold 0.05/,
  });
  t.same(d.weights(), { v1: 100, v2: 0 }, 'rolled back at 60 s = failureLimit × intervalSeconds');
  t.match(d.version('v2'), { phase: 'Failed', reason: 'Aborted' });
});

t.test('onFailure Pause holds the step instead', async (t) => {
  const d = analysing({ onFailure: 'Pause' });
  d.sync(41, withAnalysis('v2', { onFailure: 'Pause' }), bad);
  d.sync(71, withAnalysis('v2', { onFailure: 'Pause' }), bad);
  t.match(d.plan!.rollout, { phase: 'Paused', reason: 'AnalysisFailed' });
  t.same(d.weights(), { v1: 90, v2: 10 });
});

t.test('a monitoring outage pauses the rollout: never passed, never aborted', async (t) => {
  const d = analysing();
  for (const s of [41, 71]) d.sync(s, withAnalysis('v2'), unavailable('HTTPError', 'HTTP 503'));
  t.match(
    d.plan!.rollout,
    { phase: 'Progressing', step: 0 },
    'two inconclusive: still waiting, not advanced',
  );
  d.sync(101, withAnalysis('v2'), unavailable('HTTPError', 'HTTP 503'));
  t.match(d.plan!.rollout, {
    phase: 'Paused',
    reason: 'AnalysisInconclusive',
    message:
      /inconclusive 3 times in a row \(metric unavailable: HTTPError: Prometheus answered with an HTTP error \(HTTP 503\)\)/,
  });
  for (const s of [200, 400]) d.sync(s, withAnalysis('v2'), good);
  t.same(d.weights(), { v1: 90, v2: 10 }, 'stays paused when the metric returns: a person resumes');
  d.action('resume');
  d.sync(500, withAnalysis('v2'), good);
  t.match(d.plan!.rollout, { phase: 'Progressing', analysis: { inconclusiveInARow: 0 } });
});

t.test(
  'a flapping metric never aborts with failureLimit 2; a step advances only after a pass',
  async (t) => {
    const d = analysing();
    const story: Array<[number, { value: number }, number, string]> = [
      [41, bad, 0, 'a failed check holds step 1'],
      [71, good, 1, 'the wait is over and the last check passed: step 2'],
      [101, bad, 1, 'a failure in step 2 holds it'],
    ];
    for (const [s, o, step, why] of story) {
      d.sync(s, withAnalysis('v2'), o);
      t.equal(d.plan!.rollout.step, step, `t=${s}: ${why}`);
      t.not(d.plan!.rollout.phase, 'Aborted', `t=${s}`);
    }
    d.sync(131, withAnalysis('v2'), good);
    t.match(d.plan!.rollout, { phase: 'Succeeded' }, 'fail, pass, fail, pass: never two in a row');
    t.match(d.plan!.rollout.analysis, { passes: 2, failures: 2, failuresInARow: 0 });
  },
);

t.test('passing checks let the steps advance on time', async (t) => {
  const d = analysing();
  d.sync(41, withAnalysis('v2'), good);
  d.sync(71, withAnalysis('v2'), good);
  t.match(d.plan!.rollout, { step: 1, stepWeight: 50 });
  t.equal(d.plan!.resyncAfterSeconds, 30, 'the next check is the next timer');
});

import t from 'tap';
import { at, Driver, spec } from './lib.js';
import { unavailable } from '../helpers/observations.js';
import { observationsNeeded } from '../../src/timescape/observations.js';
import { overBaseline } from '../../src/timescape/metrics.js';
import { rfc3339 } from '../../src/kube/time.js';

// The gates of a move (issue #24): several metrics, each against a threshold or against the
// incumbent (the baseline), and webhooks before the first step, at every step, before the
// last step's promotion and after the move. Driven through planVersions with a clock.

const ERRORS =
  'sum(rate(errors{service="{{service}}"}[1m])) / sum(rate(requests{service="{{service}}"}[1m]))';
const LATENCY = 'histogram_quantile(0.99, latency{service="{{service}}"})';

/** A handler rolling v1 → v2 with these gates (and `extra` spec fields); step 1 (10 %) started at t=11. */
function rolling(
  rollout: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): {
  d: Driver;
  sp: (v: string) => ReturnType<typeof spec>;
} {
  const sp = (v: string) =>
    spec(v, {
      rollout: {
        steps: [
          { weight: 10, pauseSeconds: 20 },
          { weight: 50, pauseSeconds: 20 },
        ],
        rollbackWindowSeconds: 0,
        ...rollout,
      },
      ...extra,
    });
  const d = new Driver();
  d.sync(0, sp('v1'));
  d.sync(1, sp('v1'));
  d.sync(10, sp('v2'));
  return { d, sp };
}

/** What the server must observe before the driver's next v2 sync at second `s` (its route too). */
function neededAt(d: Driver, sp: (v: string) => ReturnType<typeof spec>, s: number) {
  return observationsNeeded({
    namespace: 'shop',
    name: 'users',
    spec: sp('v2'),
    status: d.status,
    annotations: {},
    route: d.route,
    now: at(s),
  });
}

const BASELINE = {
  analysis: {
    intervalSeconds: 10,
    metrics: [{ name: 'errors', query: ERRORS, baseline: { maxRatio: 1.5, maxIncrease: 0.02 } }],
  },
};

t.test('overBaseline: either bound exceeded fails; each bound only when set', async (t) => {
  const rows = [
    { reason: 'equal passes', v: 0.01, b: 0.01, bounds: { maxRatio: 1.5 }, over: false },
    { reason: '3× fails maxRatio 1.5', v: 0.03, b: 0.01, bounds: { maxRatio: 1.5 }, over: true },
    { reason: 'within the increase', v: 0.02, b: 0.01, bounds: { maxIncrease: 0.02 }, over: false },
    { reason: 'over the increase', v: 0.05, b: 0.01, bounds: { maxIncrease: 0.02 }, over: true },
    {
      reason: 'both set: the ratio alone fails it',
      v: 0.03,
      b: 0.01,
      bounds: { maxRatio: 1.5, maxIncrease: 0.05 },
      over: true,
    },
    { reason: 'a zero baseline and zero passes', v: 0, b: 0, bounds: { maxRatio: 2 }, over: false },
  ];
  for (const r of rows) t.equal(overBaseline(r.v, r.b, r.bounds) !== undefined, r.over, r.reason);
  t.equal(overBaseline(0.03, 0.01, { maxRatio: 1.5 }), 'over maxRatio 1.5 (at most 0.015)');
});

t.test('baseline: 3× the incumbent aborts; equal completes, at the same bounds', async (t) => {
  const bad = rolling(BASELINE);
  bad.d.sync(11, bad.sp('v2'));
  t.same(bad.d.weights(), { v1: 90, v2: 10 });
  for (const s of [21, 31])
    bad.d.syncWith(s, bad.sp('v2'), {
      'v2#m:errors': { value: 0.03 },
      'v1#m:errors': { value: 0.01 },
    });
  t.match(bad.d.plan!.rollout, {
    phase: 'Aborted',
    reason: 'AnalysisFailed',
    message: /errors: value 0.03 against baseline 0.01: over maxRatio 1.5/,
    analysis: {
      failuresInARow: 2,
      metrics: [{ name: 'errors', value: 0.03, baselineValue: 0.01, result: 'Failed' }],
    },
  });
  t.same(bad.d.weights(), { v1: 100, v2: 0 });

  const good = rolling(BASELINE);
  good.d.sync(11, good.sp('v2'));
  for (let s = 21; s <= 80; s += 10)
    good.d.syncWith(s, good.sp('v2'), {
      'v2#m:errors': { value: 0.01 },
      'v1#m:errors': { value: 0.01 },
    });
  t.match(good.d.plan!.rollout, { phase: 'Succeeded', analysis: { failures: 0 } });
  t.same(good.d.weights(), { v1: 0, v2: 100 });
});

t.test('a check counts only when every answer is new; a stale baseline is "not yet"', async (t) => {
  const fast = { analysis: { ...BASELINE.analysis, intervalSeconds: 5 } };
  const { d, sp } = rolling(fast);
  d.sync(11, sp('v2'));
  d.syncWith(16, sp('v2'), { 'v2#m:errors': { value: 0.01 }, 'v1#m:errors': { value: 0.01 } });
  t.match(d.plan!.rollout.analysis, { passes: 1 });
  const stale = { value: 0.01, sampleAt: at(16).toISOString() };
  d.syncWith(21, sp('v2'), { 'v2#m:errors': { value: 0.5 }, 'v1#m:errors': stale });
  t.match(d.plan!.rollout.analysis, { passes: 1, failures: 0 }, 'nothing counted');
  t.ok(d.plan!.resyncAfterSeconds! <= 2, 'asked again soon');
  d.syncWith(22, sp('v2'), { 'v2#m:errors': { value: 0.5 } });
  t.match(d.plan!.rollout.analysis, { failures: 0 }, 'a missing baseline is not a vote either');
  d.syncWith(23, sp('v2'), { 'v2#m:errors': { value: 0.5 }, 'v1#m:errors': { value: 0.01 } });
  t.match(d.plan!.rollout.analysis, { failures: 1 }, 'both new: counted');
});

t.test('several metrics: the failing one is named; each keeps its own value', async (t) => {
  const { d, sp } = rolling({
    analysis: {
      intervalSeconds: 10,
      failureLimit: 1,
      metrics: [
        { name: 'errors', query: ERRORS, threshold: 0.05 },
        { name: 'latency', query: LATENCY, threshold: 0.5 },
      ],
    },
  });
  d.sync(11, sp('v2'));
  d.syncWith(21, sp('v2'), { 'v2#m:errors': { value: 0.01 }, 'v2#m:latency': { value: 0.9 } });
  t.match(d.plan!.rollout, {
    phase: 'Aborted',
    message: /analysis failed 1 checks in a row \(latency: value 0.9 not <= threshold 0.5\)/,
    analysis: {
      lastValue: 0.01,
      metrics: [
        { name: 'errors', result: 'Passed', value: 0.01 },
        { name: 'latency', result: 'Failed', value: 0.9 },
      ],
    },
  });
});

t.test(
  'the shorthand and named metrics together: the shorthand keeps its old key and words',
  async (t) => {
    const { d, sp } = rolling({
      analysis: {
        intervalSeconds: 10,
        failureLimit: 1,
        metricQuery: ERRORS,
        threshold: 0.05,
        metrics: [{ name: 'latency', query: LATENCY, threshold: 0.5 }],
      },
    });
    d.sync(11, sp('v2'));
    d.syncWith(21, sp('v2'), { v2: { value: 0.2 }, 'v2#m:latency': { value: 0.1 } });
    t.match(d.plan!.rollout, {
      phase: 'Aborted',
      message: /\(value 0.2 not <= threshold 0.05\)/,
      analysis: { lastValue: 0.2, metrics: [{ name: 'latency', result: 'Passed' }] },
    });
  },
);

const hook = (name: string, type: string) => ({ name, type, url: `http://hooks.test/${name}` });

t.test('a failing pre-rollout webhook aborts before any traffic moves', async (t) => {
  const { d, sp } = rolling({
    analysis: { intervalSeconds: 5 },
    webhooks: [hook('smoke', 'pre-rollout')],
  });
  for (const s of [11, 16, 21]) {
    d.syncWith(s, sp('v2'), { 'v2#w:smoke': { value: 500 } });
    t.same(d.weights(), { v1: 100, v2: 0 }, `no traffic at ${s}s`);
  }
  t.match(d.plan!.rollout, {
    phase: 'Aborted',
    reason: 'AnalysisFailed',
    message: /pre-rollout failed 2 checks in a row \(webhook smoke answered 500\)/,
    webhooks: [{ name: 'smoke', type: 'pre-rollout', result: 'Failed', code: 500 }],
  });
  t.match(d.version('v2'), { phase: 'Failed', reason: 'Aborted' });
});

t.test('a passing pre-rollout webhook starts the first step', async (t) => {
  const { d, sp } = rolling({ webhooks: [hook('smoke', 'pre-rollout')] });
  d.sync(11, sp('v2'));
  t.same(d.weights(), { v1: 100, v2: 0 }, 'not asked yet: waits');
  t.equal(d.plan!.resyncAfterSeconds, 2, 'not asked yet: asked again at once');
  d.syncWith(12, sp('v2'), { 'v2#w:smoke': { value: 200 } });
  t.same(d.weights(), { v1: 90, v2: 10 });
  t.match(d.plan!.rollout, { preRollout: { lastResult: 'Passed' }, phase: 'Progressing' });
});

t.test('a webhook on a host not allowed is inconclusive: paused, never passed', async (t) => {
  const { d, sp } = rolling({
    analysis: { intervalSeconds: 5, inconclusiveLimit: 2 },
    webhooks: [hook('smoke', 'pre-rollout')],
  });
  const refused = unavailable('NotAllowed', 'hooks.test');
  for (const s of [11, 16]) d.syncWith(s, sp('v2'), { 'v2#w:smoke': refused });
  t.match(d.plan!.rollout, {
    phase: 'Paused',
    reason: 'AnalysisInconclusive',
    message:
      /webhook smoke: NotAllowed: the host is not in WEBHOOK_ALLOWED_HOSTS .* \(hooks\.test\)/,
  });
  t.same(d.weights(), { v1: 100, v2: 0 });
});

t.test('confirm-promotion holds the last step until it answers 2xx', async (t) => {
  const { d, sp } = rolling({ webhooks: [hook('approve', 'confirm-promotion')] });
  d.sync(11, sp('v2'));
  d.sync(31, sp('v2'));
  t.same(d.weights(), { v1: 50, v2: 50 }, 'step 2');
  for (const s of [51, 61, 91]) {
    d.syncWith(s, sp('v2'), { 'v2#w:approve': { value: 403 } });
    t.same(d.weights(), { v1: 50, v2: 50 }, `held at ${s}s`);
  }
  t.match(d.plan!.rollout, {
    phase: 'Progressing',
    step: 1,
    message: /waiting for confirm-promotion \(webhook approve answered 403\)/,
    webhooks: [{ name: 'approve', result: 'Failed', code: 403 }],
  });
  d.syncWith(100, sp('v2'), { 'v2#w:approve': { value: 200 } });
  t.match(d.plan!.rollout, { phase: 'Succeeded' });
  t.same(d.weights(), { v1: 0, v2: 100 });
});

t.test('post-rollout is told once when the move ends', async (t) => {
  const { d, sp } = rolling({ webhooks: [hook('told', 'post-rollout')] });
  d.sync(11, sp('v2'));
  d.sync(31, sp('v2'));
  d.sync(51, sp('v2'));
  t.match(d.plan!.rollout, { phase: 'Succeeded' });
  t.equal(d.plan!.resyncAfterSeconds! <= 2, true, 'asks for the post-rollout call soon');
  d.syncWith(52, sp('v2'), { 'v2#w:told': { value: 204 } });
  t.match(d.plan!.rollout.webhooks, [{ name: 'told', type: 'post-rollout', result: 'Passed' }]);
  const needed = neededAt(d, sp, 53);
  t.same(needed, [], 'never asked again');
});

t.test(
  'observationsNeeded: metric queries for the target and the incumbent, webhook bodies',
  async (t) => {
    const { d, sp } = rolling({
      ...BASELINE,
      webhooks: [{ ...hook('load', 'step'), metadata: { suite: 'smoke' } }],
    });
    d.sync(11, sp('v2'));
    const needed = neededAt(d, sp, 21);
    t.match(needed, [
      { purpose: 'analysis', key: 'shop/users/v2#m:errors', promql: /service="users-v2-/ },
      { purpose: 'analysis', key: 'shop/users/v1#m:errors', promql: /service="users-v1-/ },
      {
        purpose: 'webhook',
        key: 'shop/users/v2#w:load',
        url: 'http://hooks.test/load',
        maxAgeSeconds: 5,
      },
    ]);
    t.same(JSON.parse((needed[2] as { body: string }).body), {
      handler: 'users',
      incumbentVersion: 'v1',
      metadata: { suite: 'smoke' },
      name: 'load',
      namespace: 'shop',
      phase: 'Progressing',
      reason: 'Started',
      step: 1,
      targetVersion: 'v2',
      type: 'step',
    });
    t.same(neededAt(d, sp, 15), [], 'nothing before the check is due');
  },
);

t.test(
  'a gateway slow to apply a step: nothing is checked or advanced until it has, then the step starts over',
  async (t) => {
    // Behind a Gateway: the route attaches to one, which reports on it.
    const { d, sp } = rolling(BASELINE, { routing: { parentRefs: [{ name: 'public' }] } });
    const good = { 'v2#m:errors': { value: 0.01 }, 'v1#m:errors': { value: 0.01 } };
    d.gateway = true;
    d.gatewayHolds = true;
    d.sync(11, sp('v2'));
    t.same(d.weights(), { v1: 90, v2: 10 }, 'step 1 written at t=11');
    t.same(neededAt(d, sp, 21), [], 'the gateway has not applied it: no check is asked for');
    d.syncWith(21, sp('v2'), good);
    t.match(d.plan!.rollout, {
      step: 0,
      routeBehindSince: rfc3339(at(21)),
      message: /held: the gateway has applied the route only at generation 0 of 1/,
    });
    t.notOk(d.plan!.rollout.analysis?.lastCheckAt, 'answers given anyway are not counted');
    d.gatewayHolds = false;
    d.syncWith(35, sp('v2'), good);
    t.match(d.plan!.rollout, { step: 0 }, 'its 20 s wait is over at t=31, but it is still held');
    t.same(d.weights(), { v1: 90, v2: 10 }, 'the step’s weights stay written meanwhile');
    t.same(
      neededAt(d, sp, 40),
      [],
      'applied at t=40: the step starts over, its first check one interval on',
    );
    d.syncWith(40, sp('v2'), good);
    t.match(d.plan!.rollout, {
      step: 0,
      stepStartedAt: rfc3339(at(40)),
      stepEndsAt: rfc3339(at(60)),
      routeBehindSince: undefined,
    });
    t.match(
      neededAt(d, sp, 50),
      [{ purpose: 'analysis' }, { purpose: 'analysis' }],
      'then asked for',
    );
    d.syncWith(50, sp('v2'), good);
    t.match(d.plan!.rollout, { step: 0, analysis: { passes: 1 } });
    d.syncWith(60, sp('v2'), good);
    t.match(d.plan!.rollout, { step: 1 }, 'the next step once the restarted wait is over');
    t.same(d.weights(), { v1: 50, v2: 50 });
  },
);

import t from 'tap';
import { handlerStatus, rolloutWords } from '../../src/status/handler.js';
import { checkOf, transitionsOf } from '../../src/status/transitions.js';
import { rollingV2, spec, type Driver } from '../timescape/lib.js';

// What people read about a rollout: the handler's conditions and phase, and the transitions the
// server logs and counts.

const NOW = new Date('2026-01-01T01:00:00Z');

function statusOf(d: Driver, action?: string) {
  return handlerStatus({
    name: 'users',
    previousConditions: undefined,
    deployments: [],
    plan: d.plan!,
    version: d.status!.version!,
    routed: true,
    provider: 'gateway-api',
    invalidVersions: [],
    action,
    now: NOW,
  });
}

const cond = (s: ReturnType<typeof statusOf>, type: string) =>
  s.conditions?.find((c) => c.type === type);

t.test('a rollout in flight: Ready=False RollingOut, Reconciling, phase Progressing', async (t) => {
  const s = statusOf(rollingV2());
  t.match(cond(s, 'Ready'), {
    status: 'False',
    reason: 'RollingOut',
    message:
      'v1 → v2: Progressing, step 1, 10% of the move, 10% of traffic (step 1: 10% of the move)',
  });
  t.match(cond(s, 'Reconciling'), { status: 'True', reason: 'RollingOut' });
  t.equal(s.phase, 'Progressing');
  t.match(s.rollout, { phase: 'Progressing', trafficPercent: 10 });
});

t.test('a manual pause reconciles; an analysis pause is Stalled and names the value', async (t) => {
  const d = rollingV2();
  d.action('pause');
  d.sync(20, spec('v2'));
  const manual = statusOf(d, 'pause');
  t.match(cond(manual, 'Ready'), { reason: 'RolloutPaused' });
  t.match(cond(manual, 'Reconciling'), { reason: 'RolloutPaused' });
  t.notOk(cond(manual, 'Stalled'));
  t.match(cond(manual, 'RolloutAction'), { status: 'True', reason: 'Paused' });

  const a = rollingV2();
  const sp = spec('v2', {
    rollout: {
      steps: [{ weight: 10, pauseSeconds: 60 }],
      analysis: { metricQuery: 'q', threshold: 0.05, onFailure: 'Pause' },
    },
  });
  a.sync(41, sp, { value: 0.3 });
  a.sync(71, sp, { value: 0.3 });
  const stalled = statusOf(a);
  t.match(cond(stalled, 'Stalled'), {
    status: 'True',
    reason: 'AnalysisFailed',
    message:
      /v1 → v2: Paused.*analysis failed 2 checks in a row \(value 0.3 not <= threshold 0.05\)/,
  });
  t.equal(stalled.phase, 'Degraded');
});

t.test('an abort: Ready=False and Stalled=True RolloutAborted, the incumbent serves', async (t) => {
  const d = rollingV2();
  d.action('abort');
  d.sync(20, spec('v2'));
  const s = statusOf(d, 'abort');
  t.match(cond(s, 'Ready'), {
    status: 'False',
    reason: 'RolloutAborted',
    message: /v1 → v2: Aborted/,
  });
  t.match(cond(s, 'Stalled'), { status: 'True', reason: 'Aborted' });
  t.match(cond(s, 'Available'), { status: 'True', message: 'serving: v1 100%' });
  t.match(cond(s, 'RolloutAction'), { reason: 'Applied', message: 'abort (abort): aborted' });
  t.equal(s.phase, 'Degraded');
});

t.test('after a revert the handler is Ready: spec.version serves', async (t) => {
  const d = rollingV2();
  d.sync(20, spec('v1'));
  d.sync(21, spec('v1'));
  const s = statusOf(d);
  t.notOk(cond(s, 'Stalled'));
  t.match(s.rollout, { phase: 'Aborted', reason: 'Reverted' });
});

t.test('an unknown rollout action is reported and changes nothing', async (t) => {
  const d = rollingV2();
  d.action('yolo');
  d.sync(20, spec('v2'));
  t.match(cond(statusOf(d, 'yolo'), 'RolloutAction'), {
    status: 'False',
    reason: 'UnknownRolloutAction',
    message: /"yolo" is not one of pause, promote, promote-full, abort, retry, resume/,
  });
  t.notOk(cond(statusOf(d), 'RolloutAction'), 'no annotation, no condition');
});

t.test('transitionsOf names each real change once; identical statuses give none', async (t) => {
  const d = rollingV2();
  const s1 = structuredClone(d.status!);
  d.sync(71, spec('v2'));
  const s2 = structuredClone(d.status!);
  t.same(
    transitionsOf(s1, s2).map((x) => `${x.transition} ${x.versionId} ${x.reason}`),
    ['StepAdvanced v2 StepCompleted'],
  );
  t.same(transitionsOf(s2, s2), [], 'a resync logs nothing');
  d.action('promote-full');
  d.sync(80, spec('v2'));
  const s3 = structuredClone(d.status!);
  t.same(
    transitionsOf(s2, s3).map((x) => x.transition),
    ['PromotedFull', 'RolloutSucceeded', 'DrainStarted'],
    'the incumbent starts draining in the same sync',
  );
  d.sync(111, spec('v2'));
  t.same(
    transitionsOf(s3, d.status!).map((x) => `${x.transition} ${x.versionId}`),
    ['Decommissioned v1'],
  );
  t.same(
    transitionsOf(undefined, rollingV2().status).map((x) => x.transition),
    ['RolloutStarted'],
  );
  t.match(rolloutWords(s3.rollout!), /^v1 → v2: Succeeded/);
});

t.test('checkOf reports the check a sync counted', async (t) => {
  const d = rollingV2();
  const sp = spec('v2', {
    rollout: {
      steps: [{ weight: 10, pauseSeconds: 600 }],
      analysis: { metricQuery: 'q', threshold: 1 },
    },
  });
  const before = structuredClone(d.status);
  d.sync(41, sp, { value: 0 });
  t.match(checkOf(before, d.status), { versionId: 'v2', result: 'Passed' });
  t.equal(checkOf(d.status, d.status), undefined);
});

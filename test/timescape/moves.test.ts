import t from 'tap';
import { observationsNeeded } from '../../src/timescape/observations.js';
import { sampled, unavailable } from '../helpers/observations.js';
import { at, Driver, spec } from './lib.js';

// Every traffic move is a rollout (issue #23): a GatiVersion created beside a serving version,
// a raised routingWeight, a breaking version made routable walk spec.rollout.steps (10 % for
// 60 s, 50 % for 60 s here), obey the action annotation and the analysis; lowering is at once;
// one move at a time; a rollback inside the window is one step.

/** v2 serves alone (spec.version), then GatiVersion v3 asks for `weight` beside it. */
function withV3(weight = 100, extra: Record<string, unknown> = {}): Driver {
  const d = new Driver();
  d.sync(0, spec('v2', extra));
  d.sync(1, spec('v2', extra));
  d.gv('users-v3', { versionId: 'v3', routingWeight: weight });
  d.sync(10, spec('v2', extra)); // v3's Deployment is created
  d.sync(11, spec('v2', extra)); // v3 is Available: its move starts
  return d;
}

/** share: a version's percent of weighted traffic. */
const share = (d: Driver, id: string) => d.version(id)?.trafficPercent ?? 0;

t.test(
  'a GatiVersion created at weight 100 beside a serving version walks the steps',
  async (t) => {
    const d = withV3();
    t.same(d.weights(), { v2: 100, v3: 10 }, 'step 1: 10 % of the way from 0 to 100');
    t.ok(share(d, 'v3') <= 10, `its share (${share(d, 'v3')} %) never exceeds the step's`);
    t.match(d.plan!.rollout, {
      versionId: 'v3',
      phase: 'Progressing',
      step: 0,
      stepWeight: 10,
      move: { kind: 'Weight', fromWeight: 0, toWeight: 100 },
    });
    t.equal(d.version('v3')?.grantedWeight, 0, 'granted nothing yet');
    d.sync(71, spec('v2'));
    t.same(d.weights(), { v2: 100, v3: 50 }, 'step 2');
    t.ok(share(d, 'v3') <= 50);
    d.sync(131, spec('v2'));
    t.same(d.weights(), { v2: 100, v3: 100 }, 'done: its whole weight');
    t.match(d.plan!.rollout, { phase: 'Succeeded', reason: 'StepCompleted', versionId: 'v3' });
    t.equal(d.version('v3')?.grantedWeight, 100);
    t.equal(d.version('v2')?.phase, 'Active', 'the others keep serving: nothing was displaced');
    d.sync(500, spec('v2'));
    t.same(d.weights(), { v2: 100, v3: 100 }, 'and it stays');
  },
);

t.test('abort takes it back to 0, where it stays until retry', async (t) => {
  const d = withV3();
  d.action('abort');
  d.sync(20, spec('v2'));
  t.same(d.weights(), { v2: 100, v3: 0 }, 'at once');
  t.match(d.plan!.rollout, { phase: 'Aborted', reason: 'Aborted', versionId: 'v3' });
  t.match(d.plan!.rollout.lastAction, { action: 'abort', outcome: 'Applied' });
  t.match(d.version('v3'), { phase: 'Failed', reason: 'Aborted' });
  for (const s of [30, 60, 300]) {
    d.sync(s, spec('v2'));
    t.equal(d.weights().v3 ?? 0, 0, `t=${s}: never weighted again`);
  }
  t.equal(d.plan!.rollout.queue, undefined, 'not queued again either');
});

t.test('failing analysis aborts the move', async (t) => {
  const analysis = { metricQuery: 'q', threshold: 0.05, intervalSeconds: 30 };
  const extra = {
    rollout: {
      steps: [
        { weight: 10, pauseSeconds: 60 },
        { weight: 50, pauseSeconds: 60 },
      ],
      analysis,
    },
  };
  const d = withV3(100, extra);
  d.sync(41, spec('v2', extra), { value: 0.3 });
  d.sync(71, spec('v2', extra), { value: 0.3 });
  t.match(d.plan!.rollout, { phase: 'Aborted', reason: 'AnalysisFailed', versionId: 'v3' });
  t.match(d.plan!.rollout.message, /rolled back to weight 0/);
  t.same(d.weights(), { v2: 100, v3: 0 });
});

t.test('a raised routingWeight walks from the old weight to the new', async (t) => {
  const d = withV3(50);
  d.sync(71, spec('v2'));
  d.sync(131, spec('v2'));
  t.same(d.weights(), { v2: 100, v3: 50 }, 'v3 granted 50');
  d.gv('users-v3', { versionId: 'v3', routingWeight: 100 });
  d.sync(140, spec('v2'));
  t.same(d.weights(), { v2: 100, v3: 55 }, 'step 1: 10 % of the way from 50 to 100');
  t.match(d.plan!.rollout.move, { kind: 'Weight', fromWeight: 50, toWeight: 100 });
  d.action('abort');
  d.sync(150, spec('v2'));
  t.same(d.weights(), { v2: 100, v3: 50 }, 'abort: back to 50, still serving');
  t.equal(d.version('v3')?.phase, 'Active');
});

t.test('lowering a weight applies at once', async (t) => {
  const d = withV3();
  d.sync(71, spec('v2'));
  d.sync(131, spec('v2'));
  d.gv('users-v3', { versionId: 'v3', routingWeight: 20 });
  d.sync(140, spec('v2'));
  t.same(d.weights(), { v2: 100, v3: 20 });
  t.equal(d.plan!.rollout.phase, 'Succeeded', 'no move for it');
});

t.test('rollout: Immediate jumps', async (t) => {
  const d = new Driver();
  d.sync(0, spec('v2'));
  d.sync(1, spec('v2'));
  d.gv('users-v3', { versionId: 'v3', routingWeight: 100, rollout: 'Immediate' });
  d.sync(10, spec('v2'));
  d.sync(11, spec('v2'));
  t.same(d.weights(), { v2: 100, v3: 100 }, 'its whole weight as soon as it is Available');
  t.equal(d.version('v3')?.grantedWeight, 100);
});

t.test('a second move waits for the first, in order, and status lists it', async (t) => {
  const d = withV3();
  d.gv('users-v4', { versionId: 'v4', routingWeight: 100 });
  d.sync(20, spec('v2'));
  d.sync(21, spec('v2'));
  t.equal(d.weights().v4 ?? 0, 0, 'v4 gets nothing while v3 moves');
  t.match(d.plan!.rollout.queue, [{ versionId: 'v4', kind: 'Weight', toWeight: 100 }]);
  d.sync(71, spec('v2'));
  d.sync(131, spec('v2'));
  t.match(d.plan!.rollout, { versionId: 'v3', phase: 'Succeeded' });
  d.sync(132, spec('v2'));
  t.match(d.plan!.rollout, { versionId: 'v4', phase: 'Progressing', step: 0 }, 'then v4 moves');
  t.equal(d.plan!.rollout.queue, undefined);
  t.same(d.weights(), { v2: 100, v3: 100, v4: 10 });
});

t.test('a new spec.version waits behind a weight move in flight', async (t) => {
  const d = withV3();
  d.sync(20, spec('v5'));
  t.match(d.plan!.rollout, { versionId: 'v3', phase: 'Progressing' }, 'the weight move goes on');
  t.match(d.plan!.rollout.queue, [{ versionId: 'v5', kind: 'Version' }]);
  d.sync(21, spec('v5'));
  d.sync(71, spec('v5'));
  d.sync(131, spec('v5'));
  d.sync(132, spec('v5'));
  t.match(d.plan!.rollout, { versionId: 'v5', move: { kind: 'Version' }, phase: 'Progressing' });
});

t.test('a move back inside the rollback window is one step, pods never scaled down', async (t) => {
  const window = {
    rollout: { steps: [{ weight: 10, pauseSeconds: 60 }], rollbackWindowSeconds: 300 },
  };
  const d = new Driver();
  for (const s of [0, 1]) d.sync(s, spec('v1', window));
  for (const s of [10, 11, 71]) d.sync(s, spec('v2', window));
  t.match(d.plan!.rollout, { versionId: 'v2', phase: 'Succeeded' });
  t.match(d.version('v1'), { phase: 'Draining', reason: 'RollbackWindow', effectiveWeight: 0 });
  const v1 = () => d.plan!.versions.find((v) => v.status.versionId === 'v1')?.workload;
  t.match(v1(), { state: 'serve', replicas: 2 }, 'v1 keeps its pods in the window');
  t.ok(d.plan!.versions.find((v) => v.status.versionId === 'v1')?.pin, 'and its pin rule');
  d.sync(200, spec('v1', window));
  t.same(d.weights(), { v1: 100, v2: 0 }, '100 % in one sync');
  t.match(d.plan!.rollout, {
    versionId: 'v1',
    previousVersionId: 'v2',
    phase: 'Succeeded',
    reason: 'Rollback',
    move: { kind: 'Rollback' },
  });
  t.equal(d.plan!.rollout.analysis, undefined, 'no analysis');
  t.match(v1(), { state: 'serve', replicas: 2 });
  t.match(d.version('v2'), { reason: 'RollbackWindow' }, 'v2 is now the one kept warm');

  const late = new Driver();
  for (const s of [0, 1]) late.sync(s, spec('v1', window));
  for (const s of [10, 11, 71]) late.sync(s, spec('v2', window));
  late.sync(371, spec('v2', window)); // the window closed at 371: v1 drains
  late.sync(500, spec('v2', window));
  late.sync(600, spec('v1', window));
  t.match(late.plan!.rollout, { versionId: 'v1', move: { kind: 'Version' }, phase: 'Progressing' });
  t.notSame(late.weights(), { v1: 100, v2: 0 }, 'outside the window: a normal stepped rollout');
});

t.test('resume with inconclusiveLimit 1 and a healthy metric completes', async (t) => {
  const analysis = { metricQuery: 'q', threshold: 0.05, intervalSeconds: 30, inconclusiveLimit: 1 };
  const sp = spec('v2', { rollout: { steps: [{ weight: 10, pauseSeconds: 60 }], analysis } });
  const d = new Driver();
  d.sync(0, spec('v1', { rollout: { steps: [{ weight: 10, pauseSeconds: 60 }], analysis } }));
  d.sync(1, spec('v1', { rollout: { steps: [{ weight: 10, pauseSeconds: 60 }], analysis } }));
  d.sync(10, sp);
  d.sync(11, sp);
  d.sync(41, sp, unavailable('Timeout'));
  t.match(d.plan!.rollout, { phase: 'Paused', reason: 'AnalysisInconclusive' });
  d.action('resume');
  const asked = observationsNeeded({
    namespace: 'shop',
    name: 'users',
    spec: sp,
    status: d.status,
    annotations: d.annotations,
    now: at(200),
  });
  t.match(
    asked,
    [{ purpose: 'analysis', versionId: 'v2' }],
    'the resuming sync asks for its check',
  );
  d.sync(200, sp, sampled(0.01, 200));
  t.match(d.plan!.rollout, { phase: 'Progressing', analysis: { lastResult: 'Passed' } });
  d.sync(300, sp, sampled(0.01, 300));
  t.match(d.plan!.rollout, { phase: 'Succeeded' }, 'completes');
});

import t from 'tap';
import { Driver, rollingV2, spec } from './lib.js';

// The rollout state machine through planVersions (docs/progressive-delivery.md): every row is
// a short story of syncs with the clock in seconds; steps are 10 % for 60 s, 50 % for 60 s.

t.test('a rollout walks its steps and supersedes the incumbent', async (t) => {
  const d = rollingV2();
  t.same(d.weights(), { v1: 90, v2: 10 }, 'step 1: 10% of the pair');
  t.match(d.plan!.rollout, { phase: 'Progressing', step: 0, stepWeight: 10, trafficPercent: 10 });
  t.equal(d.plan!.resyncAfterSeconds, 60, 'called again when the step ends');
  d.sync(71, spec('v2'));
  t.same(d.weights(), { v1: 50, v2: 50 }, 'step 2: 50%');
  d.sync(131, spec('v2'));
  t.match(d.plan!.rollout, { phase: 'Succeeded', reason: 'StepCompleted', stepWeight: 100 });
  t.same(d.weights(), { v1: 0, v2: 100 });
  t.match(d.version('v1'), { phase: 'Draining', supersededAt: '2026-01-01T00:02:11Z' });
});

t.test(
  'revert is an abort: the incumbent gets its full share at once, the target drains',
  async (t) => {
    const rows = [
      { reason: 'revert at step 1 (10%)', before: [] as number[], had: 10 },
      { reason: 'revert at step 2 (50%)', before: [71], had: 50 },
    ];
    for (const r of rows) {
      const d = rollingV2();
      for (const s of r.before) d.sync(s, spec('v2'));
      t.equal(d.weights().v2, r.had, `${r.reason}: v2 had ${r.had}`);
      d.sync(75, spec('v1'));
      t.same(d.weights(), { v1: 100, v2: 0 }, `${r.reason}: the very next sync`);
      t.match(d.plan!.rollout, { phase: 'Aborted', reason: 'Reverted', versionId: 'v2' }, r.reason);
      t.match(d.version('v2'), { phase: 'Draining' }, `${r.reason}: v2 drains`);
      for (const s of [76, 90, 200, 400]) {
        d.sync(s, spec('v1'));
        t.ok((d.weights().v2 ?? 0) === 0, `${r.reason}: v2 never gains weight (t=${s})`);
      }
      t.equal(d.version('v2'), undefined, `${r.reason}: drained and removed`);
      t.match(d.plan!.rollout, { phase: 'Aborted', reason: 'Reverted' }, 'the record stays');
    }
  },
);

t.test('revert before the new version was Available: it never takes traffic', async (t) => {
  const d = new Driver();
  d.sync(0, spec('v1'));
  d.sync(1, spec('v1'));
  d.unavailable.add('v2');
  d.sync(10, spec('v2'));
  d.sync(20, spec('v2'));
  t.same(d.weights(), { v1: 100, v2: 0 });
  d.sync(30, spec('v1'));
  t.same(d.weights(), { v1: 100, v2: 0 });
  t.match(d.version('v2'), { phase: 'Decommissioned', drainReason: 'NeverServed' });
});

t.test('revert after completion is a normal new rollout', async (t) => {
  const d = rollingV2();
  d.sync(71, spec('v2'));
  d.sync(131, spec('v2'));
  t.same(d.weights(), { v1: 0, v2: 100 });
  d.sync(161, spec('v2'));
  d.sync(162, spec('v2'));
  t.equal(d.version('v1'), undefined, 'v1 drained and its workloads are gone');
  d.sync(200, spec('v1'));
  t.match(d.plan!.rollout, { phase: 'Progressing', versionId: 'v1', previousVersionId: 'v2' });
  t.same(
    d.weights(),
    { v1: 0, v2: 100 },
    'v1 takes nothing until its Deployment is Available again',
  );
  d.sync(201, spec('v1'));
  t.same(d.weights(), { v1: 10, v2: 90 }, 'then it walks the steps from v2');
});

t.test('a version still draining can take its traffic back at once', async (t) => {
  const d = rollingV2();
  d.sync(71, spec('v2'));
  d.sync(131, spec('v2'));
  d.sync(140, spec('v1'));
  t.same(d.weights(), { v1: 10, v2: 90 }, 'v1 still runs: the new rollout starts at step 1 now');
});

t.test('two reverts in a row', async (t) => {
  const d = rollingV2();
  d.sync(71, spec('v2'));
  d.sync(80, spec('v1'));
  t.same(d.weights(), { v1: 100, v2: 0 });
  d.sync(90, spec('v2'));
  t.match(d.plan!.rollout, { phase: 'Progressing', previousVersionId: 'v1', step: 0 });
  t.same(d.weights(), { v1: 90, v2: 10 }, 'a fresh rollout from step 1, never where it was');
  d.sync(100, spec('v1'));
  t.same(d.weights(), { v1: 100, v2: 0 }, 'and back again');
  t.match(d.plan!.rollout, { phase: 'Aborted', reason: 'Reverted' });
});

t.test('a third version mid-rollout starts from the version that serves most', async (t) => {
  const low = rollingV2();
  low.sync(20, spec('v3'));
  t.match(low.plan!.rollout, { versionId: 'v3', previousVersionId: 'v1' }, 'at 10%: from v1');
  t.equal(low.weights().v2, 0, 'the abandoned target drains at once');
  t.match(low.version('v2'), { phase: 'Draining', supersededAt: '2026-01-01T00:00:20Z' });
  t.equal(low.weights().v1, 100);

  const high = new Driver();
  const steps = { rollout: { steps: [{ weight: 90, pauseSeconds: 60 }] } };
  high.sync(0, spec('v1', steps));
  high.sync(1, spec('v1', steps));
  high.sync(10, spec('v2', steps));
  high.sync(11, spec('v2', steps));
  t.same(high.weights(), { v1: 10, v2: 90 });
  high.sync(20, spec('v3', steps));
  t.match(high.plan!.rollout, { versionId: 'v3', previousVersionId: 'v2' }, 'at 90%: from v2');
  t.equal(high.weights().v1, 0, 'v1 drains');
  t.equal(high.weights().v2, 100);
});

t.test(
  'pause holds the step across resyncs; resume continues with the remaining time',
  async (t) => {
    const d = rollingV2(); // step 1 started at 11
    d.sync(41, spec('v2'));
    d.action('pause');
    d.sync(41, spec('v2'));
    t.match(d.plan!.rollout, {
      phase: 'Paused',
      reason: 'ManualPause',
      pausedAt: '2026-01-01T00:00:41Z',
    });
    for (const s of [100, 300, 1000]) {
      d.sync(s, spec('v2'));
      t.same(d.weights(), { v1: 90, v2: 10 }, `t=${s}: weights stay`);
    }
    t.equal(d.plan!.resyncAfterSeconds, undefined, 'no timer while paused');
    d.action(undefined);
    d.sync(1000, spec('v2'));
    t.match(d.plan!.rollout, {
      phase: 'Progressing',
      step: 0,
      stepStartedAt: '2026-01-01T00:16:10Z',
    });
    t.equal(d.plan!.resyncAfterSeconds, 30, 'the 30 s left of the step');
    d.sync(1029, spec('v2'));
    t.equal(d.weights().v2, 10);
    d.sync(1030, spec('v2'));
    t.equal(d.weights().v2, 50);
    d.action('pause');
    d.sync(1040, spec('v2'));
    d.action('resume');
    d.sync(1050, spec('v2'));
    t.match(d.plan!.rollout, {
      phase: 'Progressing',
      lastAction: { action: 'resume', outcome: 'Applied' },
    });
  },
);

t.test('promote ends the step now, once; a new token promotes again', async (t) => {
  const d = rollingV2();
  d.action('promote');
  d.sync(20, spec('v2'));
  t.same(d.weights(), { v1: 50, v2: 50 });
  t.match(d.plan!.rollout.lastAction, {
    action: 'promote',
    versionId: 'v2',
    step: 0,
    outcome: 'Applied',
  });
  for (const s of [21, 22, 50]) d.sync(s, spec('v2'));
  t.equal(d.plan!.rollout.step, 1, 'replays and resyncs do not promote again');
  d.action('promote@2');
  d.sync(60, spec('v2'));
  t.match(d.plan!.rollout, { phase: 'Succeeded', reason: 'Promoted' });
  t.same(d.weights(), { v1: 0, v2: 100 });
});

t.test('promote-full goes to 100% and the incumbent drains', async (t) => {
  const d = rollingV2();
  d.action('promote-full');
  d.sync(20, spec('v2'));
  t.same(d.weights(), { v1: 0, v2: 100 });
  t.match(d.plan!.rollout, { phase: 'Succeeded', reason: 'PromotedFull' });
  t.match(d.version('v1'), { phase: 'Draining' });
});

t.test(
  'abort: the target drains and is Failed (Aborted); leftovers never act on a later rollout',
  async (t) => {
    const d = rollingV2();
    d.sync(71, spec('v2'));
    d.action('abort');
    d.sync(80, spec('v2'));
    t.same(d.weights(), { v1: 100, v2: 0 });
    t.match(d.plan!.rollout, {
      phase: 'Aborted',
      reason: 'Aborted',
      lastAction: { action: 'abort', step: 1 },
    });
    t.match(d.version('v2'), { phase: 'Failed', reason: 'Aborted' });
    t.match(d.version('v1'), { reason: 'RolloutAborted' });
    for (const s of [90, 200]) d.sync(s, spec('v2'));
    t.same(d.weights(), { v1: 100, v2: 0 }, 'stays aborted while spec.version is unchanged');
    t.match(d.version('v2'), { phase: 'Failed', reason: 'Aborted', drainReason: 'DrainedByTimer' });
    d.sync(300, spec('v3'));
    d.sync(301, spec('v3'));
    t.match(d.plan!.rollout, { phase: 'Progressing', versionId: 'v3', previousVersionId: 'v1' });
    t.same(d.weights().v3, 10, 'the leftover abort did not act on the rollout of v3');
  },
);

t.test('retry rolls an aborted version out again from step 1', async (t) => {
  const d = rollingV2();
  d.action('abort');
  d.sync(20, spec('v2'));
  d.action('retry');
  d.sync(30, spec('v2'));
  t.match(d.plan!.rollout, {
    phase: 'Progressing',
    step: 0,
    lastAction: { action: 'retry', outcome: 'Applied' },
  });
  t.same(d.weights(), { v1: 90, v2: 10 });
  d.sync(31, spec('v2', { image: 'users:v2-fixed' }));
  t.equal(
    d.plan!.rollout.image,
    'users:v2-fixed',
    'an image change of the rollout in flight updates it',
  );
});

t.test('an aborted version is rolled out again when its image changes', async (t) => {
  const d = rollingV2();
  d.action('abort');
  d.sync(20, spec('v2'));
  d.sync(30, spec('v2', { image: 'users:v2-fixed' }));
  t.match(d.plan!.rollout, {
    phase: 'Progressing',
    image: 'users:v2-fixed',
    previousVersionId: 'v1',
  });
});

t.test('actions that cannot act are recorded Ignored; unknown values change nothing', async (t) => {
  const first = new Driver();
  first.action('promote');
  first.sync(0, spec('v1'));
  t.match(first.plan!.rollout.lastAction, { outcome: 'Ignored', message: /no rollout in flight/ });
  first.sync(1, spec('v1'));
  first.sync(10, spec('v2'));
  first.sync(11, spec('v2'));
  t.same(
    first.weights(),
    { v1: 90, v2: 10 },
    'the leftover promote did not act on the later rollout',
  );

  const d = rollingV2();
  const before = d.weights();
  d.action('jump');
  d.sync(20, spec('v2'));
  t.same(d.weights(), before);
  t.equal(d.plan!.unknownAction, 'jump');
  d.action('retry');
  d.sync(21, spec('v2'));
  t.match(d.plan!.rollout.lastAction, {
    action: 'retry',
    outcome: 'Ignored',
    message: 'the rollout is not aborted',
  });
  d.action(undefined);
  d.sync(22, spec('v2'));
  t.equal(
    d.plan!.rollout.lastAction?.cleared,
    true,
    'removal is remembered: the same value acts again',
  );
});

t.test('the same request gives the same plan', async (t) => {
  const d = rollingV2();
  const prev = structuredClone(d.status);
  const a = JSON.stringify(d.sync(40, spec('v2')));
  d.status = prev;
  t.equal(JSON.stringify(d.sync(40, spec('v2'))), a);
});

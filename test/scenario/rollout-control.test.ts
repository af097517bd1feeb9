import t, { type Test } from 'tap';
import { ROLLOUT_ACTION_ANNOTATION } from '../../src/api/keys.js';
import { versionKey, type HookRegistry } from '../../src/hooks/types.js';
import type { Observation } from '../../src/api/signals.js';
import { sampled, unavailable } from '../helpers/observations.js';
import { HOOKS } from '../helpers/hooks.js';
import { Cluster, type Obj } from './harness.js';

// Rollout control (docs/progressive-delivery.md) as whole stories through Metacontroller's
// loop (test/scenario/harness.ts): revert, pause across resyncs and a hook-server outage,
// promote, promote-full, abort and retry, and metric analysis that fails, is inconclusive, or
// flaps. Every story records each distinct weighted split it passes through, so "the abandoned
// version never gains traffic" is checked over the whole story, not only at its end.

const NS = 'shop';
const NAME = 'users';
const GATEWAY = [{ name: 'public', namespace: 'gateways' }];
/** Steps of every story: 25 % for 120 s, 50 % for 120 s, then 100 %. */
const STEPS = [
  { weight: 25, pauseSeconds: 120 },
  { weight: 50, pauseSeconds: 120 },
];
const RESYNC = 60;

interface Opts {
  version: string;
  action?: string;
  analysis?: Record<string, unknown>;
}

function handler({ version, action, analysis }: Opts): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: {
      name: NAME,
      namespace: NS,
      // Always given, so that a story without an action removes the annotation.
      annotations: action ? { [ROLLOUT_ACTION_ANNOTATION]: action } : {},
    },
    spec: {
      handlerPath: '/api/users',
      version,
      image: `users:${version}`,
      routing: { parentRefs: GATEWAY },
      // No rollback window: these stories are about control, the drain follows at once.
      rollout: { steps: STEPS, rollbackWindowSeconds: 0, ...(analysis ? { analysis } : {}) },
      drain: { minSeconds: 30 },
    },
  } as Obj;
}

type Split = Record<string, number>;
/** The analysis query's answer for v2 at one hook call: a bare `{ value }` is sampled then. */
type Metric = (s: Story) => Observation | { value: number };

/** A story: one Cluster with the product's hooks, and a recorder of every weighted split seen. */
class Story {
  readonly sim: Cluster;
  readonly seen: Split[] = [];
  /** The longest run of failed analysis checks in a row any sync recorded. */
  maxFailuresInARow = 0;
  /** While true every hook call fails, as if the hook server were down. */
  down = false;
  /** The analysis query's answer for v2, per call; undefined = no Prometheus configured. */
  metric: Metric | undefined;
  spec: Opts;

  constructor(spec: Opts, metric?: Metric) {
    this.spec = spec;
    this.metric = metric;
    const hooks = Object.fromEntries(
      Object.entries(HOOKS).map(([c, h]) => [
        c,
        Object.fromEntries(
          Object.entries(h).map(([name, fn]) => [
            name,
            (...args: unknown[]) => {
              if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:8080');
              return (fn as (...a: unknown[]) => unknown)(...args);
            },
          ]),
        ),
      ]),
    ) as unknown as HookRegistry;
    this.sim = new Cluster({
      hooks,
      deploymentReadyAfterSeconds: 10,
      resyncPeriodSeconds: RESYNC,
      rethrowHookErrors: false,
      observations: () =>
        this.metric ? { analysis: { [versionKey(NS, NAME, 'v2')]: this.sample() } } : undefined,
    });
    this.sim.apply(handler(spec));
    this.advance(30);
  }

  /** sample is the metric's answer now, as Prometheus would give it: a value sampled now. */
  sample(): Observation {
    const m = this.metric!(this);
    return 'value' in m && !('sampleAt' in m) ? sampled(m.value, this.sim.now) : (m as Observation);
  }

  /** set applies the handler with these changes to its spec or annotation. */
  set(changes: Partial<Opts>): void {
    this.spec = { ...this.spec, ...changes };
    this.sim.apply(handler(this.spec));
    this.record();
  }

  /** advance moves the clock one second at a time, recording every distinct split. */
  advance(seconds: number): void {
    for (let i = 0; i < seconds; i++) {
      this.sim.advance(1);
      this.record();
    }
  }

  /** until advances (at most `max` seconds) until `done` holds; returns the seconds it took. */
  until(t: Test, what: string, done: () => boolean, max: number): number {
    for (let i = 0; i <= max; i++) {
      if (done()) return i;
      this.advance(1);
    }
    t.fail(`${what}: not within ${max} s (rollout ${JSON.stringify(this.rollout())})`);
    return max;
  }

  private record(): void {
    this.sim.reconcile();
    const w = this.weights();
    const last = this.seen[this.seen.length - 1];
    if (!last || JSON.stringify(last) !== JSON.stringify(w)) this.seen.push(w);
    const a = this.rollout()?.analysis;
    if (a) this.maxFailuresInARow = Math.max(this.maxFailuresInARow, a.failuresInARow);
  }

  weights(): Split {
    return this.sim.weights(NS, NAME);
  }

  handler(): Obj {
    return this.sim.mustGet('GatiHandler', NS, NAME);
  }

  rollout(): Record<string, any> | undefined {
    return this.handler().status?.rollout;
  }

  condition(type: string): Record<string, any> | undefined {
    return (this.handler().status?.conditions ?? []).find((c: Obj) => c.type === type);
  }

  version(id: string): Record<string, any> | undefined {
    return (this.handler().status?.versions ?? []).find((v: Obj) => v.versionId === id);
  }

  /** The largest weight v2 ever had from index `from` of the recorded splits on. */
  maxV2(from = 0): number {
    return Math.max(0, ...this.seen.slice(from).map((w) => w.v2 ?? 0));
  }
}

/** A story at v1 that has just switched spec.version to v2 and reached the 25 % step. */
function at25(t: Test, extra: Partial<Opts> = {}, metric?: Metric) {
  const s = new Story({ version: 'v1', ...extra }, metric);
  t.strictSame(s.weights(), { v1: 100 }, 'v1 alone at first');
  s.set({ version: 'v2' });
  s.until(t, 'v2 at 25 %', () => s.weights().v2 === 25, 60);
  t.strictSame(s.weights(), { v1: 75, v2: 25 }, 'step 1: v2 at 25 % once Available');
  return s;
}

t.test('revert at 50 %: v1 gets its full share in the next sync, v2 drains and goes', async (t) => {
  const s = at25(t);
  s.until(t, 'v2 at 50 %', () => s.weights().v2 === 50, 130);
  t.strictSame(s.weights(), { v1: 50, v2: 50 }, 'step 2: 50 %');
  const mark = s.seen.length - 1;
  s.set({ version: 'v1' });
  t.strictSame(
    s.weights(),
    { v1: 100, v2: 0 },
    'the very next sync: v1 100, v2 a weight-0 backend',
  );
  t.match(s.rollout(), { phase: 'Aborted', reason: 'Reverted', versionId: 'v2' });
  t.equal(s.version('v2')?.phase, 'Draining', 'v2 drains');
  s.until(t, 'v2 decommissioned', () => s.version('v2') === undefined, 120);
  t.strictSame(s.weights(), { v1: 100 }, 'v1 alone once v2 drained');
  t.equal(s.maxV2(mark + 1), 0, 'v2 never had weight again after the revert');
  t.equal(s.maxV2(), 50, 'and never more than its 50 % before it');
  t.equal(s.condition('Ready')?.status, 'True', 'v1 is the spec.version and Ready');
  s.sim.assertDeterministic();
});

t.test('pause holds across two resyncs and a hook-server outage; resume continues', async (t) => {
  const s = at25(t);
  const r0 = s.rollout()!;
  s.advance(30);
  s.set({ action: 'pause' });
  t.match(s.rollout(), { phase: 'Paused', reason: 'ManualPause', stepWeight: 25 });
  t.match(s.condition('Ready'), { status: 'False', reason: 'RolloutPaused' });
  const syncs = () =>
    s.sim.responses.filter((c) => c.controller === 'gatihandler' && c.hook === 'sync').length;
  const before = syncs();
  s.advance(2 * RESYNC + 10);
  t.ok(syncs() - before >= 2, `synced ${syncs() - before} times while paused (resyncs)`);
  t.strictSame(s.weights(), { v1: 75, v2: 25 }, 'held at 25 % across two resyncs');
  s.down = true;
  s.advance(200);
  t.ok(s.sim.errors.length > 0, 'hook calls failed while the server was down');
  s.down = false;
  s.advance(RESYNC + 5);
  t.strictSame(
    s.weights(),
    { v1: 75, v2: 25 },
    'held at 25 % after the outage: the pause is state',
  );
  t.match(s.rollout(), { phase: 'Paused', step: 0 });
  s.set({ action: undefined });
  t.match(s.rollout(), { phase: 'Progressing', step: 0 }, 'removing the annotation resumes');
  // The step had 120 s; 30 s had passed before the pause, so about 90 s remain.
  const took = s.until(t, 'step 2 after resume', () => s.weights().v2 === 50, 120);
  t.ok(took >= 85 && took <= 95, `step 2 came ${took} s after resume (the step's remaining ~90 s)`);
  t.equal(s.rollout()!.startedAt, r0.startedAt, 'the same rollout, continued');
  s.until(t, 'v2 at 100 %', () => s.rollout()?.phase === 'Succeeded', 130);
  t.ok(
    s.seen.every((w, i) => i === 0 || (w.v2 ?? 0) >= (s.seen[i - 1]!.v2 ?? 0)),
    `v2's weight only grew (${JSON.stringify(s.seen)})`,
  );
});

t.test(
  'a gateway slow to apply a step: the step holds, then starts over once it has',
  async (t) => {
    const s = new Story({ version: 'v1' });
    // The gateway stops applying routes: it keeps reporting Accepted for the last generation it saw.
    s.sim.routeAccepts = false;
    s.set({ version: 'v2' });
    s.until(t, 'v2 at 25 %', () => s.weights().v2 === 25, 60);
    const written = Date.parse(s.rollout()!.stepStartedAt);
    s.advance(200);
    t.strictSame(s.weights(), { v1: 75, v2: 25 }, 'still 25 % well past the step’s 120 s');
    t.match(s.rollout(), {
      phase: 'Progressing',
      step: 0,
      routeBehindSince: String,
      message: /held: the gateway has applied the route only at generation \d+ of \d+/,
    });
    s.sim.routeAccepts = true;
    s.until(t, 'the gateway caught up', () => s.rollout()?.routeBehindSince === undefined, 10);
    const restarted = Date.parse(s.rollout()!.stepStartedAt);
    t.ok(
      restarted - written >= 200_000,
      `the step's clock restarted when the gateway applied it (${(restarted - written) / 1000} s after its weights were written)`,
    );
    const took = s.until(t, 'step 2', () => s.weights().v2 === 50, 130);
    t.ok(took >= 115 && took <= 125, `step 2 came ${took} s later: the step's whole 120 s`);
    s.until(t, 'v2 at 100 %', () => s.rollout()?.phase === 'Succeeded', 130);
    t.ok(
      s.seen.every((w, i) => i === 0 || (w.v2 ?? 0) >= (s.seen[i - 1]!.v2 ?? 0)),
      `v2's weight only grew (${JSON.stringify(s.seen)})`,
    );
  },
);

t.test('promote ends the step now; the leftover annotation never acts again', async (t) => {
  const s = at25(t);
  s.set({ action: 'promote' });
  t.strictSame(s.weights(), { v1: 50, v2: 50 }, 'promote: step 2 at once');
  t.match(s.rollout(), {
    step: 1,
    reason: 'Promoted',
    lastAction: { action: 'promote', versionId: 'v2', step: 0, outcome: 'Applied' },
  });
  s.advance(RESYNC + 10);
  t.equal(s.weights().v2, 50, 'replays and resyncs of the same annotation do not promote again');
  s.until(t, 'step 2 ends on its own timer', () => s.rollout()?.phase === 'Succeeded', 130);
  t.strictSame(s.weights(), { v1: 0, v2: 100 });
  // A later rollout to v3 with the annotation still set: it is not promoted by it.
  s.set({ version: 'v3' });
  s.until(t, 'v3 at 25 %', () => s.sim.weights(NS, NAME).v3 === 25, 60);
  s.advance(RESYNC);
  t.equal(s.weights().v3, 25, "v3 stays at its first step: the leftover promote was v2's");
});

t.test('promote-full goes to 100 % now; the incumbent drains as usual', async (t) => {
  const s = at25(t);
  s.set({ action: 'promote-full' });
  t.strictSame(s.weights(), { v1: 0, v2: 100 }, 'v2 carries everything at once');
  t.match(s.rollout(), { phase: 'Succeeded', lastAction: { action: 'promote-full' } });
  t.equal(s.version('v1')?.phase, 'Draining');
  s.until(t, 'v1 decommissioned', () => s.version('v1') === undefined, 90);
  t.strictSame(s.weights(), { v2: 100 });
});

t.test('abort: v2 to weight 0 at once and Failed (Aborted) until retry', async (t) => {
  const s = at25(t);
  s.set({ action: 'abort' });
  t.strictSame(s.weights(), { v1: 100, v2: 0 }, 'the very next sync');
  t.match(s.rollout(), { phase: 'Aborted', reason: 'Aborted', versionId: 'v2' });
  t.match(s.condition('Ready'), { status: 'False', reason: 'RolloutAborted' });
  const mark = s.seen.length - 1;
  s.until(t, 'v2 drained', () => s.version('v2')?.phase === 'Failed', 120);
  t.match(
    s.version('v2'),
    { phase: 'Failed', reason: 'Aborted' },
    'v2 is reported Failed (Aborted)',
  );
  s.advance(2 * RESYNC);
  t.equal(s.maxV2(mark + 1), 0, 'v2 never had weight again while aborted');
  s.set({ action: 'retry' });
  s.until(t, 'retried to 25 %', () => s.weights().v2 === 25, 60);
  t.match(s.rollout(), { phase: 'Progressing', step: 0, lastAction: { action: 'retry' } });
  s.advance(2 * RESYNC);
  t.equal(s.rollout()?.phase, 'Progressing', 'retry acts once: not aborted again by a leftover');
});

const ANALYSIS = { metricQuery: 'errors{{version}}', threshold: 0.05, intervalSeconds: 30 };

t.test(
  'analysis failing rolls back within failureLimit × intervalSeconds plus one resync',
  async (t) => {
    const s = at25(t, { analysis: ANALYSIS }, () => ({ value: 0.2 }));
    const started = Date.parse(s.rollout()!.stepStartedAt);
    s.until(t, 'aborted by analysis', () => s.rollout()?.phase === 'Aborted', 2 * 30 + RESYNC + 5);
    const seconds = (s.sim.now.getTime() - started) / 1000;
    t.ok(seconds <= 2 * 30 + RESYNC, `rolled back ${seconds} s after the step started`);
    t.match(s.rollout(), {
      reason: 'AnalysisFailed',
      analysis: { failuresInARow: 2, lastValue: 0.2, lastResult: 'Failed' },
    });
    t.match(s.rollout()!.message, /0\.2/, 'the message names the measured value');
    t.strictSame(s.weights(), { v1: 100, v2: 0 });
    s.advance(3 * RESYNC);
    t.equal(s.maxV2(), 25, 'v2 never had more than its first step');
  },
);

t.test('analysis inconclusive (Prometheus down): Paused, never passed', async (t) => {
  const s = at25(t, { analysis: ANALYSIS }, () => unavailable('Unreachable', 'ECONNREFUSED'));
  s.until(t, 'paused', () => s.rollout()?.phase === 'Paused', 3 * 30 + RESYNC + 5);
  t.match(s.rollout(), { reason: 'AnalysisInconclusive', analysis: { inconclusiveInARow: 3 } });
  t.match(s.condition('Stalled'), { status: 'True', reason: 'AnalysisInconclusive' });
  s.advance(600);
  t.strictSame(s.weights(), { v1: 75, v2: 25 }, 'held at 25 % long past the step: never passed');
  s.metric = () => ({ value: 0.01 });
  s.set({ action: 'resume' });
  s.until(t, 'completes after resume', () => s.rollout()?.phase === 'Succeeded', 400);
  t.strictSame(s.weights(), { v1: 0, v2: 100 }, 'once the metric is back and resumed');
});

t.test('a flapping metric (pass, fail, pass, …) never aborts with failureLimit 2', async (t) => {
  // Each check sees the opposite of the last counted result.
  const flap = (s: Story) =>
    s.rollout()?.analysis?.lastResult === 'Passed' ? { value: 0.2 } : { value: 0.01 };
  const s = at25(t, { analysis: { ...ANALYSIS, failureLimit: 2 } }, flap);
  s.until(t, 'completes', () => s.rollout()?.phase === 'Succeeded', 1200);
  t.equal(s.maxFailuresInARow, 1, 'failures came one at a time, never two in a row');
  t.ok(s.rollout()!.analysis!.failures >= 1, `${s.rollout()!.analysis!.failures} failed checks`);
  t.notOk(
    s.sim.list('GatiHandler', NS).some((h) => h.status?.rollout?.phase === 'Aborted'),
    'never aborted',
  );
  t.strictSame(s.weights(), { v1: 0, v2: 100 });
});

t.test('an unknown action is reported and changes nothing', async (t) => {
  const s = at25(t);
  s.set({ action: 'promte' });
  t.ok(
    (s.handler().status?.conditions ?? []).some(
      (c: Obj) => c.reason === 'UnknownRolloutAction' && /promte/.test(String(c.message)),
    ),
    'a condition with reason UnknownRolloutAction names the value',
  );
  s.advance(60);
  t.strictSame(s.weights(), { v1: 75, v2: 25 }, 'still at step 1');
});

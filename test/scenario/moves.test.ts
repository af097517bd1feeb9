import t, { type Test } from 'tap';
import { HOOKS } from '../helpers/hooks.js';
import { versionKey } from '../../src/hooks/types.js';
import { ROLLOUT_ACTION_ANNOTATION } from '../../src/api/keys.js';
import type { Observation } from '../../src/api/signals.js';
import { sampled } from '../helpers/observations.js';
import { Cluster, type Obj } from './harness.js';

// Every traffic move is a rollout (issue #23), replayed through Metacontroller's loop over the
// pure hooks of all three controllers: GatiVersions that gain weight walk the steps, obey the
// action annotation and the analysis; Immediate jumps; moves queue; a rollback inside the
// window is one sync with the old pods never scaled down. Each story records every distinct
// split of the weighted rule it passes through.

const NS = 'shop';
const NAME = 'users';
const GATEWAY = [{ name: 'public', namespace: 'gateways' }];
const STEPS = [
  { weight: 10, pauseSeconds: 60 },
  { weight: 50, pauseSeconds: 60 },
];
const ANALYSIS = { metricQuery: 'errors{{version}}', threshold: 0.05, intervalSeconds: 20 };

function handler(version: string, rollout: Record<string, unknown> = {}, action?: string): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: {
      name: NAME,
      namespace: NS,
      annotations: action ? { [ROLLOUT_ACTION_ANNOTATION]: action } : {},
    },
    spec: {
      handlerPath: '/api/users',
      version,
      image: `users:${version}`,
      replicas: 2,
      routing: { parentRefs: GATEWAY },
      rollout: { steps: STEPS, ...rollout },
      drain: { minSeconds: 30 },
    },
  } as Obj;
}

function gatiVersion(versionId: string, spec: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: { name: `${NAME}-${versionId}`, namespace: NS },
    spec: { versionId, image: `users:${versionId}`, handlerRef: { name: NAME }, ...spec },
  } as Obj;
}

type Split = Record<string, number>;

/** A cluster serving v2 alone, recording every split; `metric` answers v3's analysis query. */
class Story {
  readonly sim: Cluster;
  readonly seen: Split[] = [];
  metric?: (s: Story) => Observation;
  constructor(rollout: Record<string, unknown> = {}) {
    this.sim = new Cluster({
      hooks: HOOKS,
      deploymentReadyAfterSeconds: 5,
      observations: () =>
        this.metric ? { analysis: { [versionKey(NS, NAME, 'v3')]: this.metric(this) } } : undefined,
    });
    this.sim.apply(handler('v2', rollout));
    this.advance(20);
  }
  advance(seconds: number): void {
    for (let i = 0; i < seconds; i++) {
      this.sim.advance(1);
      this.sim.reconcile();
      const w = this.weights();
      if (JSON.stringify(this.seen.at(-1)) !== JSON.stringify(w)) this.seen.push(w);
    }
  }
  until(t: Test, what: string, done: () => boolean, max: number): void {
    for (let i = 0; i <= max; i++) {
      if (done()) return;
      this.advance(1);
    }
    t.fail(`${what}: not within ${max} s (rollout ${JSON.stringify(this.rollout())})`);
  }
  weights(): Split {
    return this.sim.weights(NS, NAME);
  }
  rollout(): Record<string, any> | undefined {
    return this.sim.mustGet('GatiHandler', NS, NAME).status?.rollout;
  }
  version(id: string): Record<string, any> | undefined {
    const vs = this.sim.mustGet('GatiHandler', NS, NAME).status?.versions ?? [];
    return (vs as Array<Record<string, any>>).find((v) => v.versionId === id);
  }
  /** The largest share of weighted traffic `id` had in any recorded split. */
  maxShare(id: string): number {
    const share = (w: Split) => {
      const total = Object.values(w).reduce((a, b) => a + b, 0);
      return total ? (100 * (w[id] ?? 0)) / total : 0;
    };
    return Math.max(0, ...this.seen.map(share));
  }
}

/** trail: the distinct weights `id` went through, in order. */
function trail(s: Story, id: string): number[] {
  return s.seen.map((w) => w[id] ?? 0).filter((w, i, all) => i === 0 || w !== all[i - 1]);
}

t.test('a GatiVersion created at weight 100 beside v2 walks 10 → 50 → 100 %', async (t) => {
  const s = new Story();
  t.strictSame(s.weights(), { v2: 100 });
  s.sim.apply(gatiVersion('v3', { routingWeight: 100 }));
  s.until(t, 'step 1', () => s.weights().v3 === 10, 30);
  t.match(s.rollout(), { versionId: 'v3', phase: 'Progressing', move: { kind: 'Weight' } });
  t.ok(
    s.maxShare('v3') <= 10,
    `its share never exceeded the step's (${s.maxShare('v3').toFixed(1)} %)`,
  );
  s.advance(55);
  t.equal(s.weights().v3, 10, 'held for the step');
  s.until(t, 'step 2', () => s.weights().v3 === 50, 10);
  t.ok(s.maxShare('v3') <= 50);
  s.until(t, 'done', () => s.rollout()?.phase === 'Succeeded', 70);
  t.strictSame(s.weights(), { v2: 100, v3: 100 });
  t.strictSame(trail(s, 'v3'), [0, 10, 50, 100], 'every weight it passed through');
});

t.test('abort takes it back to 0 at once; it is never weighted again', async (t) => {
  const s = new Story();
  s.sim.apply(gatiVersion('v3', { routingWeight: 100 }));
  s.until(t, 'step 1', () => s.weights().v3 === 10, 30);
  s.sim.apply(handler('v2', {}, 'abort'));
  s.advance(2);
  t.equal(s.weights().v3 ?? 0, 0);
  t.match(s.rollout(), { phase: 'Aborted', reason: 'Aborted', versionId: 'v3' });
  const mark = s.seen.length;
  s.advance(300);
  t.notOk(
    s.seen.slice(mark).some((w) => (w.v3 ?? 0) > 0),
    'never weighted again',
  );
});

t.test('failing analysis aborts the move', async (t) => {
  const s = new Story({ analysis: ANALYSIS });
  s.metric = (x) => sampled(0.3, x.sim.now);
  s.sim.apply(gatiVersion('v3', { routingWeight: 100 }));
  s.until(t, 'aborted', () => s.rollout()?.phase === 'Aborted', 120);
  t.match(s.rollout(), { reason: 'AnalysisFailed', versionId: 'v3' });
  t.equal(s.weights().v3 ?? 0, 0);
  t.ok(s.maxShare('v3') <= 10, 'it never got past its first step');
});

t.test('Immediate takes its weight in the next sync; a raised weight walks', async (t) => {
  const s = new Story();
  s.sim.apply(gatiVersion('v3', { routingWeight: 50, rollout: 'Immediate' }));
  s.until(t, 'v3 weighted', () => s.weights().v3 === 50, 20);
  t.strictSame(trail(s, 'v3'), [0, 50], 'straight to its weight');
  s.sim.apply(gatiVersion('v3', { routingWeight: 100 }));
  s.until(t, 'the raise walks', () => s.weights().v3 === 55, 10);
  t.match(s.rollout()?.move, { kind: 'Weight', fromWeight: 50, toWeight: 100 });
});

t.test('a second move waits for the first, then runs', async (t) => {
  const s = new Story();
  s.sim.apply(gatiVersion('v3', { routingWeight: 100 }));
  s.sim.apply(gatiVersion('v4', { routingWeight: 100 }));
  s.until(t, 'the first move', () => s.rollout()?.phase === 'Progressing', 30);
  s.advance(10);
  const [first, second] = [s.rollout()!.versionId, s.rollout()!.versionId === 'v3' ? 'v4' : 'v3'];
  t.match(s.rollout()!.queue, [{ versionId: second, kind: 'Weight' }], 'the other waits, listed');
  t.equal(s.weights()[second] ?? 0, 0);
  s.until(t, `${first} done`, () => s.version(first)?.grantedWeight === 100, 130);
  s.until(t, `${second} moves`, () => s.rollout()?.versionId === second, 10);
  s.until(t, 'both done', () => s.rollout()?.phase === 'Succeeded', 130);
  t.strictSame(s.weights(), { v2: 100, v3: 100, v4: 100 });
});

t.test('resume with inconclusiveLimit 1 and a healthy metric completes', async (t) => {
  const s = new Story({ analysis: { ...ANALYSIS, inconclusiveLimit: 1 } });
  s.metric = () => ({ inconclusive: 'Unreachable', detail: 'ECONNREFUSED' });
  s.sim.apply(gatiVersion('v3', { routingWeight: 100 }));
  s.until(t, 'paused', () => s.rollout()?.phase === 'Paused', 60);
  t.match(s.rollout(), { reason: 'AnalysisInconclusive' });
  s.metric = (x) => sampled(0.01, x.sim.now);
  s.sim.apply(handler('v2', { analysis: { ...ANALYSIS, inconclusiveLimit: 1 } }, 'resume'));
  s.until(t, 'completes', () => s.rollout()?.phase === 'Succeeded', 200);
  t.strictSame(s.weights(), { v2: 100, v3: 100 });
});

t.test(
  'the rollback window: back in one sync, pods never scaled down; later, stepped',
  async (t) => {
    const s = new Story({ rollbackWindowSeconds: 300 });
    s.sim.apply(handler('v3', { rollbackWindowSeconds: 300 }));
    s.until(
      t,
      'v3 rolled out',
      () => s.rollout()?.versionId === 'v3' && s.rollout()?.phase === 'Succeeded',
      200,
    );
    t.match(s.version('v2'), { reason: 'RollbackWindow' });
    const replicas: number[] = [];
    const v2 = () => s.sim.list('Deployment', NS).find((d) => d.metadata.name.includes('-v2-'));
    const mark = s.seen.length;
    s.sim.apply(handler('v2', { rollbackWindowSeconds: 300 }));
    for (let i = 0; i < 3; i++) {
      s.advance(1);
      replicas.push(v2()?.spec?.replicas);
    }
    t.strictSame(s.weights(), { v2: 100, v3: 0 }, 'v2 carries everything again');
    t.strictSame(s.seen.slice(mark), [{ v2: 100, v3: 0 }], 'in one step, nothing in between');
    t.match(s.rollout(), { reason: 'Rollback', move: { kind: 'Rollback' } });
    t.ok(
      replicas.every((r) => r === 2),
      `v2's Deployment kept 2 replicas (${replicas})`,
    );

    const late = new Story({ rollbackWindowSeconds: 30 });
    late.sim.apply(handler('v3', { rollbackWindowSeconds: 30 }));
    late.until(
      t,
      'v3 rolled out',
      () => late.rollout()?.versionId === 'v3' && late.rollout()?.phase === 'Succeeded',
      200,
    );
    late.advance(60);
    late.sim.apply(handler('v2', { rollbackWindowSeconds: 30 }));
    late.until(t, 'v2 at its first step', () => late.weights().v2 === 10, 60);
    t.match(
      late.rollout(),
      { move: { kind: 'Version' }, phase: 'Progressing' },
      'a normal stepped rollout',
    );
  },
);

/**
 * Loop stories of issues #21 and #23, against the real Metacontroller: hostile signals and
 * objects get a named answer and never take the hook server down (`hostile`); every traffic
 * move is a rollout (`moves`); going back inside the rollback window is one step
 * (`rollback-window`). Written once against the cluster driver, like stories.ts.
 */
import type { Obj } from './api.js';
import { use } from './driver.js';
import { conditionOf, same, versionEntry } from './read.js';
import {
  gatiVersion,
  handler,
  rolloutOf,
  world,
  type Story,
  type StoryContext,
} from './stories.js';
import { MINUTE, pending, SECOND } from './wait.js';

/** withKey puts `key: value` into the object at `path`, as a plain own key (as JSON carries it). */
function withKey(o: Obj, path: string[], key: string, value: unknown): Obj {
  let node = o;
  for (const p of path) node = (node[p] ??= {}) as Obj;
  Object.defineProperty(node, key, { value, enumerable: true, writable: true, configurable: true });
  return o;
}

/** readyOf: a Gati object's Ready condition, once its status says anything. */
async function readyOf(s: StoryContext, kind: 'GatiHandler' | 'GatiVersion', name: string) {
  return s.until(
    `${kind} ${s.ns}/${name}: a Ready condition`,
    async () => {
      const o = await s.api.get(kind, s.ns, name);
      const c = conditionOf(o, 'Ready');
      return c ?? pending(JSON.stringify(o?.status ?? null));
    },
    MINUTE,
  );
}

/** gone waits until the object is deleted for good (no finalizer left holding it). */
async function gone(s: StoryContext, kind: 'GatiHandler' | 'GatiVersion', name: string) {
  await s.api.delete(kind, s.ns, name);
  await s.until(
    `${kind} ${s.ns}/${name} deleted`,
    async () => {
      const o = await s.api.get(kind, s.ns, name);
      return o === undefined
        ? true
        : pending(`finalizers ${JSON.stringify(o.metadata?.finalizers)}`);
    },
    2 * MINUTE,
  );
}

const hostile: Story = {
  name: 'a 100 MB Prometheus answer leaves the hook server up and pauses the rollout; __proto__ keys are named and deletable',
  slug: 'hostile',
  needs: ['hostilePrometheus'],
  timeoutMs: 8 * MINUTE,
  async run(t, s) {
    const before = await s.driver.hookServer?.();
    await use(s.driver.knobs.hostilePrometheus, true);
    try {
      // 1. A rollout whose analysis query answers 100 MB of many series.
      const name = 'huge';
      const w = world(s, name, ['v1', 'v2']);
      const rollout = {
        steps: [{ weight: 50, pauseSeconds: 600 }],
        progressDeadlineSeconds: 300,
        rollbackWindowSeconds: 0,
        analysis: {
          metricQuery: 'hostile_error_ratio{version="{{version}}"}',
          threshold: 0.05,
          intervalSeconds: 5,
          inconclusiveLimit: 2,
        },
      };
      await s.api.apply(handler(s, name, 'v1', { rollout }));
      await w.settle({ v1: 100 }, ['v1']);
      await s.api.patch('GatiHandler', s.ns, name, {
        spec: { version: 'v2', image: s.driver.image('v2') },
      });
      const h = await s.until(
        `GatiHandler ${s.ns}/${name}: rollout Paused (AnalysisInconclusive)`,
        async () => {
          const x = await w.handlerNow();
          const r = rolloutOf(x);
          return r?.phase === 'Paused' ? x! : pending(JSON.stringify(r));
        },
        3 * MINUTE,
      );
      t.match(rolloutOf(h), {
        reason: 'AnalysisInconclusive',
        analysis: { lastResult: 'Inconclusive', lastReason: 'AnswerTooLarge', failures: 0 },
      });
      t.ok(same(await w.weights(), { v1: 50, v2: 50 }), 'held at its step, never passed');
      const after = await s.driver.hookServer?.();
      if (before && after) {
        t.equal(after.pid, before.pid, 'the same hook server process');
        t.ok(after.ready, '/readyz ok');
      }
    } finally {
      await use(s.driver.knobs.hostilePrometheus, false);
    }

    // 2. A handler with a __proto__ key in nodeSelector: InvalidSpec naming it, and deletable.
    const proto = withKey(handler(s, 'proto', 'v1'), ['spec', 'nodeSelector'], '__proto__', 'x');
    await s.api.apply(proto);
    const ready = await readyOf(s, 'GatiHandler', 'proto');
    t.match(ready, {
      status: 'False',
      reason: 'InvalidSpec',
      message: /spec\.nodeSelector\.__proto__/,
    });
    await gone(s, 'GatiHandler', 'proto');
    t.pass('the handler was deleted');

    // 3. A GatiVersion with one in podAnnotations beside a serving handler: deleted, no stuck finalizer.
    const w = world(s, 'host', ['v1']);
    await s.api.apply(handler(s, 'host', 'v1'));
    await w.settle({ v1: 100 }, ['v1']);
    const gv = withKey(gatiVersion(s, 'host', 'v2'), ['spec', 'podAnnotations'], '__proto__', 'x');
    await s.api.apply(gv);
    t.match(await readyOf(s, 'GatiVersion', 'host-v2'), {
      status: 'False',
      reason: 'InvalidSpec',
      message: /spec\.podAnnotations\.__proto__/,
    });
    await gone(s, 'GatiVersion', 'host-v2');
    t.pass('the GatiVersion was deleted: its finalizer was released');
    t.match(versionEntry(await w.handlerNow(), 'v1'), { phase: 'Active' }, 'v1 served throughout');
  },
};

const moves: Story = {
  name: 'a GatiVersion created at weight 100 beside a serving version walks the steps; abort takes the next one back to 0',
  slug: 'moves',
  timeoutMs: 8 * MINUTE,
  async run(t, s) {
    const name = 'moving';
    const ids = ['v2', 'v3', 'v4'];
    const w = world(s, name, ids);
    const rollout = {
      steps: [
        { weight: 10, pauseSeconds: 10 },
        { weight: 50, pauseSeconds: 10 },
      ],
      progressDeadlineSeconds: 300,
      rollbackWindowSeconds: 0,
    };
    await s.api.apply(handler(s, name, 'v2', { rollout }));
    await w.settle({ v2: 100 }, ['v2']);
    await s.api.apply(gatiVersion(s, name, 'v3', { routingWeight: 100 }));
    const seen: Array<Record<string, number>> = [];
    const watch = async (what: string, ok: (x: Record<string, number>, h: Obj) => boolean) =>
      s.until(
        `GatiHandler ${s.ns}/${name}: ${what}`,
        async () => {
          const x = await w.weights();
          if (!seen.length || !same(seen[seen.length - 1]!, x)) seen.push(x);
          const h = (await w.handlerNow())!;
          return ok(x, h)
            ? h
            : pending(`route=${JSON.stringify(x)} rollout=${JSON.stringify(rolloutOf(h))}`);
        },
        2 * MINUTE,
        500,
      );
    await watch('v3 at its first step', (x) => x.v3 === 10);
    await watch('v3 at its second step', (x) => x.v3 === 50);
    const done = await watch(
      'v3 at its whole weight',
      (x, h) => x.v3 === 100 && rolloutOf(h)?.phase === 'Succeeded',
    );
    t.match(rolloutOf(done), {
      versionId: 'v3',
      move: { kind: 'Weight', fromWeight: 0, toWeight: 100 },
    });
    const shares = seen.map((x) =>
      Math.round((100 * (x.v3 ?? 0)) / ((x.v2 ?? 0) + (x.v3 ?? 0) || 1)),
    );
    t.ok(
      seen.every((x) => [0, 10, 50, 100].includes(x.v3 ?? 0)),
      `v3's weight only ever took the steps' values (${JSON.stringify(seen)})`,
    );
    t.ok(Math.max(...shares) <= 50, `its share never above 50 % (${shares})`);

    await s.api.apply(gatiVersion(s, name, 'v4', { routingWeight: 100 }));
    await watch('v4 at its first step', (x) => x.v4 === 10);
    await s.api.patch('GatiHandler', s.ns, name, {
      metadata: { annotations: { 'gati.dev/rollout-action': 'abort' } },
    });
    const aborted = await watch(
      'v4 aborted back to 0',
      (x, h) => (x.v4 ?? 0) === 0 && rolloutOf(h)?.phase === 'Aborted',
    );
    t.match(rolloutOf(aborted), { versionId: 'v4', reason: 'Aborted' });
    await s.holds(
      `the route of ${s.ns}/${name} to give v4 nothing after its abort`,
      async () => ((await w.weights()).v4 ?? 0) === 0 || pending('v4 weighted again'),
      2 * (s.driver.resyncPeriodSeconds + 2) * SECOND,
    );
    t.pass('v4 stays at 0');
  },
};

const rollbackWindow: Story = {
  name: 'back to the displaced version inside its rollback window: 100 % in one step, its pods never scaled down',
  slug: 'rollback-window',
  timeoutMs: 6 * MINUTE,
  async run(t, s) {
    const name = 'undo';
    const w = world(s, name, ['v1', 'v2']);
    const rollout = {
      steps: [{ weight: 50, pauseSeconds: 5 }],
      progressDeadlineSeconds: 300,
      rollbackWindowSeconds: 300,
    };
    await s.api.apply(handler(s, name, 'v1', { rollout }));
    await w.settle({ v1: 100 }, ['v1']);
    await s.api.patch('GatiHandler', s.ns, name, {
      spec: { version: 'v2', image: s.driver.image('v2') },
    });
    await s.until(
      `GatiHandler ${s.ns}/${name}: v2 rolled out, v1 in its rollback window`,
      async () => {
        const h = await w.handlerNow();
        const ok =
          rolloutOf(h)?.versionId === 'v2' &&
          rolloutOf(h)?.phase === 'Succeeded' &&
          versionEntry(h, 'v1')?.reason === 'RollbackWindow';
        return ok || pending(JSON.stringify({ rollout: rolloutOf(h), v1: versionEntry(h, 'v1') }));
      },
      2 * MINUTE,
    );
    const replicas = async () => (await w.deployment('v1'))?.spec?.replicas;
    const before = await replicas();
    t.ok(before > 0, `v1 keeps ${before} replica(s) in its window`);
    const splits: Array<Record<string, number>> = [];
    const counts: number[] = [];
    await s.api.patch('GatiHandler', s.ns, name, {
      spec: { version: 'v1', image: s.driver.image('v1') },
    });
    const h = await s.until(
      `GatiHandler ${s.ns}/${name}: back on v1 (Rollback)`,
      async () => {
        const x = await w.weights();
        if (!splits.length || !same(splits[splits.length - 1]!, x)) splits.push(x);
        counts.push(await replicas());
        const h = await w.handlerNow();
        return rolloutOf(h)?.reason === 'Rollback' && same(x, { v1: 100, v2: 0 })
          ? h!
          : pending(`route=${JSON.stringify(x)} rollout=${JSON.stringify(rolloutOf(h))}`);
      },
      MINUTE,
      250,
    );
    t.match(rolloutOf(h), { versionId: 'v1', move: { kind: 'Rollback' }, phase: 'Succeeded' });
    t.ok(
      splits.every((x) => same(x, { v1: 0, v2: 100 }) || same(x, { v1: 100, v2: 0 })),
      `no split in between: one step (${JSON.stringify(splits)})`,
    );
    t.ok(
      counts.every((c) => c === before),
      `v1's replicas never changed (${counts})`,
    );
  },
};

/** The stories of this file, in the order the loop suite runs them. */
export const SIGNAL_STORIES: Story[] = [hostile, moves, rollbackWindow];

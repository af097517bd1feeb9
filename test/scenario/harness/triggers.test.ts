import t from 'tap';
import type { SyncResponse } from '../../../src/api/metacontroller.js';
import type { HookContext, SyncHook } from '../../../src/hooks/types.js';
import { sampled } from '../../helpers/observations.js';
import type { Controller } from '../../../src/hooks/controllers.js';
import { metacontrollerObject } from '../../../src/render/loop/request.js';
import { HookError, HotLoopError } from '../harness.js';
import {
  fakeCluster,
  caught,
  type AnyObj,
  moduleSync,
  module,
  moduleHooks,
  timescape,
  handler,
  version,
} from '../lib/fakes.js';

// When the harness syncs a parent (test/scenario/lib/triggers.ts): errors and backoff, hot
// loops, timers, the periodic resync, related-object watches and observations.

t.test(
  'a hook that throws aborts the sync, is recorded, re-thrown by default and retried with backoff otherwise',
  async (t) => {
    let fail = true;
    const sync: SyncHook = (req, ctx) => {
      if (fail) throw new Error('boom');
      return moduleSync(req, ctx);
    };
    const strict = fakeCluster({ hooks: moduleHooks(sync) });
    strict.apply(module('m1'));
    const err = caught(() => strict.reconcile());
    t.ok(err instanceof HookError, 'a HookError');
    t.match(err, {
      message: /gatimodule\.sync failed for ns\/m1: boom/,
      controller: 'gatimodule',
      hook: 'sync',
      parent: 'ns/m1',
    });
    t.equal(strict.list('Deployment').length, 0, 'no child created');
    t.equal(strict.mustGet('GatiModule', 'ns', 'm1').status, undefined, 'no status written');
    t.equal(strict.errors.length, 1);
    t.match(strict.errors[0], {
      controller: 'gatimodule',
      hook: 'sync',
      parent: 'ns/m1',
      error: 'Error: boom',
    });

    const lenient = fakeCluster({
      hooks: moduleHooks(sync),
      rethrowHookErrors: false,
      resyncPeriodSeconds: 0,
    });
    lenient.apply(module('m1'));
    lenient.reconcile();
    t.equal(lenient.errors.length, 1);
    lenient.advance(0.02);
    t.equal(lenient.errors.length, 3, 'retried at +5 ms and +15 ms');
    fail = false;
    lenient.advance(1);
    t.equal(
      lenient.mustGet('GatiModule', 'ns', 'm1').status!.phase,
      'Ready',
      'recovers on the next retry',
    );
    const n = lenient.responses.length;
    lenient.advance(100);
    t.equal(lenient.responses.length, n, 'backoff cleared after success: no more calls');
  },
);

t.test(
  'a status that never settles is reported as a hot loop naming the parent and the field',
  async (t) => {
    const sync: SyncHook = (req) => ({
      status: { count: (((req.parent as AnyObj).status?.count as number) ?? 0) + 1 },
      children: [],
    });
    for (const triggers of ['watch', 'all'] as const) {
      const sim = fakeCluster({ hooks: moduleHooks(sync), triggers, maxRounds: 10 });
      sim.apply(module('m1'));
      const err = caught(() => sim.reconcile());
      t.ok(err instanceof HotLoopError, `${triggers}: a HotLoopError`);
      t.match(
        err,
        {
          message: /after 10 rounds[^]*update GatiModule ns\/m1 status\.count by gatimodule:ns\/m1/,
        },
        triggers,
      );
      t.ok((err as HotLoopError).lastRound.length > 0);
    }
  },
);

t.test(
  'resyncAfterSeconds fires at its time; the periodic resync fires every resyncPeriodSeconds',
  async (t) => {
    // Phase flips 25 s after creation; the hook polls every 10 s.
    const sync: SyncHook = (req, ctx) => {
      const age =
        (ctx.now.getTime() - Date.parse(req.parent.metadata.creationTimestamp as string)) / 1000;
      return age >= 25
        ? { status: { phase: 'Old' }, children: [] }
        : { status: { phase: 'Young' }, children: [], resyncAfterSeconds: 10 };
    };
    const sim = fakeCluster({ hooks: moduleHooks(sync), resyncPeriodSeconds: 60 });
    sim.apply(module('m1'));
    const trace = sim.runFor(
      130,
      5,
      (s) => s.mustGet('GatiModule', 'ns', 'm1').status!.phase as string,
    );
    t.equal(
      trace.find((s) => s.snapshot === 'Old')!.at,
      '2026-01-01T00:00:30Z',
      'flips at the 10 s poll after 25 s',
    );
    const callTimes = [...new Set(sim.responses.map((c) => c.at))];
    t.strictSame(callTimes, [
      '2026-01-01T00:00:00Z',
      '2026-01-01T00:00:10Z',
      '2026-01-01T00:00:20Z',
      '2026-01-01T00:00:30Z',
      '2026-01-01T00:01:00Z',
      '2026-01-01T00:02:00Z',
    ]);
    t.equal(trace.length, 26);
    t.match(trace[5], {
      at: '2026-01-01T00:00:30Z',
      writes: ['update GatiModule ns/m1 status.phase by gatimodule:ns/m1'],
    });
  },
);

t.test(
  'watch triggers: a hook that forgets resyncAfterSeconds only sees time move at the periodic resync',
  async (t) => {
    const sync: SyncHook = (req, ctx) => ({
      status: {
        old:
          ctx.now.getTime() - Date.parse(req.parent.metadata.creationTimestamp as string) >= 25000,
      },
      children: [],
    });
    const sim = fakeCluster({ hooks: moduleHooks(sync) });
    sim.apply(module('m1'));
    sim.advance(59);
    t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.old, false);
    sim.advance(1);
    t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.old, true);
  },
);

t.test(
  'related watch: applying a GatiVersion resyncs its handler, which routes to it once Available',
  async (t) => {
    const sim = fakeCluster({ hooks: timescape, deploymentReadyAfterSeconds: 10 });
    sim.apply(handler('h'));
    sim.reconcile();
    t.equal(sim.route('ns', 'h'), undefined, 'no versions, no route');
    sim.apply(version('h', 'v1', 100));
    sim.reconcile();
    t.equal(sim.mustGet('GatiHandler', 'ns', 'h').status!.versions, 1);
    t.strictSame(sim.pins('ns', 'h'), { v1: 'h-v1' });
    t.strictSame(sim.pins('ns', 'h', 'version'), { v1: 'v1' });
    t.strictSame(sim.weights('ns', 'h'), {}, 'no weight before Available');
    sim.advance(10);
    t.strictSame(sim.weights('ns', 'h'), { v1: 100 });
    sim.apply(version('h', 'v2', 50));
    sim.advance(10);
    t.strictSame(sim.weights('ns', 'h'), { v1: 100, v2: 50 });
    t.strictSame(sim.weights('ns', 'h', 'service'), { 'h-v1': 100, 'h-v2': 50 });
    const route = sim.route('ns', 'h')!;
    t.equal(route.metadata.generation, 4, 'pins v1, weights v1, pins v2, weights v2');
    t.match(route.status, {
      parents: [
        {
          parentRef: { name: 'gw' },
          controllerName: 'gateway.gati.dev/simulated',
          conditions: [
            { type: 'Accepted', status: 'True', observedGeneration: 4 },
            { type: 'ResolvedRefs', status: 'True', observedGeneration: 4 },
          ],
        },
      ],
    });
    sim.assertDeterministic();
  },
);

t.test('observations reach the hooks and can change between steps', async (t) => {
  const seen: Array<number | undefined> = [];
  const rateOf = (ctx: HookContext) => {
    const o = ctx.observations?.requestRates?.['ns/h/v1'];
    return o && 'value' in o ? o.value : undefined;
  };
  const sync: SyncHook = (_req, ctx) => {
    seen.push(rateOf(ctx));
    return {
      status: { rate: rateOf(ctx) ?? -1 },
      children: [],
    } satisfies SyncResponse;
  };
  let rate = 5;
  const sim = fakeCluster({
    hooks: moduleHooks(sync),
    observations: (sim) => ({ requestRates: { 'ns/h/v1': sampled(rate, sim.now) } }),
  });
  sim.apply(module('m1'));
  sim.reconcile();
  t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.rate, 5);
  rate = 0;
  sim.advance(60);
  t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.rate, 0);
  t.strictSame(sim.lastCall('gatimodule', 'ns', 'm1')!.observations, {
    requestRates: { 'ns/h/v1': sampled(0, sim.now) },
  });
  sim.observations = undefined;
  sim.advance(60);
  t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.rate, -1);
  t.ok(seen.length > 0);
  t.throws(() => sim.advance(-1), /must be ≥ 0/);
  t.throws(() => sim.runFor(10, 0), /must be > 0/);
});

t.test(
  'ignoreStatusChanges on a CompositeController parent: a status patch alone does not sync',
  async (t) => {
    const ignoring = (c: Controller): Record<string, unknown> => {
      const o = metacontrollerObject(c) as AnyObj;
      return {
        ...o,
        spec: {
          ...o.spec,
          parentResource: { ...o.spec.parentResource, ignoreStatusChanges: true },
        },
      };
    };
    for (const [reason, controllerObject, syncs] of [
      ['watched', undefined, true],
      ['ignored', ignoring, false],
    ] as const) {
      const sim = fakeCluster({ hooks: moduleHooks(), resyncPeriodSeconds: 0, controllerObject });
      sim.apply(module('m1'));
      sim.reconcile();
      const before = sim.responses.length;
      sim.patchStatus('GatiModule', 'ns', 'm1', { phase: 'Hacked' });
      sim.reconcile();
      t.equal(sim.responses.length > before, syncs, reason);
    }
  },
);

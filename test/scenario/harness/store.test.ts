import t from 'tap';
import type { DecoratorRequest, KubeObject, SyncRequest } from '../../../src/api/metacontroller.js';
import type { SyncHook } from '../../../src/hooks/types.js';
import { StuckError, finalizerName, LAST_APPLIED, type Obj } from '../harness.js';
import {
  fakeCluster,
  caught,
  GV,
  moduleSync,
  module,
  moduleHooks,
  versionSync,
  timescape,
  handler,
  version,
} from '../lib/fakes.js';

// The simulated API server (test/scenario/lib/store.ts): ownership, generations, in-place
// updates, finalizers, garbage collection, and a trace that replays byte for byte.

t.test(
  'children are created with ownership, become Available, and the parent status converges',
  async (t) => {
    const sim = fakeCluster({ hooks: moduleHooks() });
    sim.apply(module('m1', 2));
    sim.reconcile();
    const m = sim.mustGet('GatiModule', 'ns', 'm1');
    const dep = sim.mustGet('Deployment', 'ns', 'm1');
    t.strictSame(dep.metadata.ownerReferences, [
      {
        apiVersion: GV,
        kind: 'GatiModule',
        name: 'm1',
        uid: m.metadata.uid!,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    t.equal(dep.metadata.labels!['controller-uid'], m.metadata.uid);
    t.equal(dep.metadata.labels!.app, 'm1');
    t.ok(dep.metadata.annotations![LAST_APPLIED], 'last-applied annotation written');
    t.equal(dep.metadata.generation, 1);
    t.match(dep.status, {
      observedGeneration: 1,
      replicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      updatedReplicas: 2,
    });
    t.match(dep.status!.conditions, [
      {
        type: 'Available',
        status: 'True',
        reason: 'MinimumReplicasAvailable',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);
    t.strictSame(m.status, { phase: 'Ready', observedGeneration: 1 });
    t.strictSame(
      sim.children('GatiModule', 'ns', 'm1').map((o) => o.kind),
      ['Deployment'],
    );
    sim.assertDeterministic();
  },
);

t.test(
  'a spec change bumps generation, updates the child in place and keeps its status',
  async (t) => {
    const sim = fakeCluster({ hooks: moduleHooks(), deploymentReadyAfterSeconds: 30 });
    sim.apply(module('m1', 1));
    sim.advance(30);
    t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.phase, 'Ready');
    const uid = sim.mustGet('Deployment', 'ns', 'm1').metadata.uid;
    sim.apply(module('m1', 1, 'img:2'));
    sim.reconcile();
    const m = sim.mustGet('GatiModule', 'ns', 'm1');
    t.equal(m.metadata.generation, 2);
    const dep = sim.mustGet('Deployment', 'ns', 'm1');
    t.equal(dep.metadata.uid, uid, 'same object: updated in place');
    t.equal(dep.metadata.generation, 2);
    t.equal(dep.spec!.template.spec.containers[0].image, 'img:2');
    t.match(
      dep.status,
      { observedGeneration: 2, availableReplicas: 1 },
      'old pods keep serving while the new ones start',
    );
    t.equal(
      m.status!.phase,
      'Ready',
      'a previously available Deployment stays Available during its rollout',
    );
    t.strictSame(m.status!.observedGeneration, 2);
    const before = sim.writes.length;
    sim.apply(module('m1', 1, 'img:2'));
    sim.reconcile();
    t.equal(sim.writes.length, before, 'applying the same spec writes nothing');
  },
);

t.test(
  'a child dropped from the response is deleted; deleting a parent without finalizer GCs everything',
  async (t) => {
    let emit = true;
    const sync: SyncHook = (req) => ({
      ...moduleSync(req, { now: new Date() }),
      children: emit ? moduleSync(req, { now: new Date() }).children : [],
    });
    const sim = fakeCluster({ hooks: moduleHooks(sync), checkDeterminism: false });
    sim.apply(module('m1'));
    sim.reconcile();
    t.ok(sim.get('Deployment', 'ns', 'm1'));
    emit = false;
    sim.apply({
      ...module('m1'),
      metadata: { name: 'm1', namespace: 'ns', labels: { poke: '1' } },
    });
    sim.reconcile();
    t.equal(sim.get('Deployment', 'ns', 'm1'), undefined, 'undesired child deleted');
    emit = true;
    sim.apply({
      ...module('m1'),
      metadata: { name: 'm1', namespace: 'ns', labels: { poke: '2' } },
    });
    sim.reconcile();
    t.ok(sim.get('Deployment', 'ns', 'm1'), 'recreated');
    sim.delete('GatiModule', 'ns', 'm1');
    t.equal(sim.get('GatiModule', 'ns', 'm1'), undefined);
    t.equal(sim.list('Deployment').length, 0, 'children garbage-collected with their parent');
    t.match(
      sim.writes.filter((w) => w.op === 'delete').map((w) => `${w.kind} ${w.by}`),
      ['Deployment gatimodule:ns/m1', 'GatiModule user', 'Deployment gc'],
    );
    t.throws(() => sim.delete('GatiModule', 'ns', 'm1'), /not found/);
  },
);

t.test(
  'finalizer: added on first sync, finalize holds deletion, releases, then the object goes',
  async (t) => {
    const sim = fakeCluster({ hooks: timescape });
    sim.apply(handler('h'));
    sim.apply(version('h', 'v1'));
    sim.reconcile();
    const v = sim.mustGet('GatiVersion', 'ns', 'h-v1');
    t.strictSame(v.metadata.finalizers, [finalizerName('gativersion')]);
    t.strictSame(v.status, { handlerFound: true }, 'a decorator status: no observedGeneration');
    const rel = (sim.lastCall('gativersion', 'ns', 'h-v1')!.request as SyncRequest).related!;
    t.strictSame(
      Object.keys(rel['GatiHandler.' + GV]!),
      ['ns/h'],
      'related built from the customize rule',
    );
    t.strictSame(
      sim.mustGet('GatiHandler', 'ns', 'h').metadata.finalizers,
      undefined,
      'no finalize hook, no finalizer',
    );

    sim.delete('GatiVersion', 'ns', 'h-v1');
    sim.reconcile();
    const held = sim.mustGet('GatiVersion', 'ns', 'h-v1');
    t.equal(held.metadata.deletionTimestamp, '2026-01-01T00:00:00Z');
    t.equal(held.status!.phase, 'Terminating');
    const call = sim.lastCall('gativersion', 'ns', 'h-v1')!;
    t.equal(call.hook, 'finalize');
    t.equal((call.request as DecoratorRequest).finalizing, true);

    sim.apply({
      ...version('h', 'v1'),
      metadata: { ...version('h', 'v1').metadata, annotations: { 'test/release': 'yes' } },
    });
    sim.reconcile();
    t.equal(
      sim.get('GatiVersion', 'ns', 'h-v1'),
      undefined,
      'finalized: true removed the finalizer and the object',
    );
    t.equal(
      sim.mustGet('GatiHandler', 'ns', 'h').status!.versions,
      0,
      'the handler saw its related version go',
    );
    t.throws(
      () =>
        sim.apply({ apiVersion: GV, kind: 'GatiVersion', metadata: {} } as unknown as KubeObject),
      /needs apiVersion, kind and metadata\.name/,
    );
  },
);

t.test(
  'deleteAll releases every finalizer when the handler goes too, and reports what is stuck',
  async (t) => {
    const sim = fakeCluster({ hooks: timescape });
    sim.apply(handler('h'));
    sim.apply(version('h', 'v1'));
    sim.apply(version('h', 'v2'));
    sim.advance(5);
    t.ok(sim.list('Deployment', 'ns').length === 2 && sim.list('HTTPRoute').length === 1);
    sim.deleteAll();
    t.strictSame(
      ['GatiHandler', 'GatiVersion', 'Deployment', 'Service', 'HTTPRoute'].flatMap((k) =>
        sim.list(k),
      ),
      [],
    );

    // A finalize that never releases stays stuck.
    const stuck = fakeCluster({
      hooks: {
        gativersion: {
          sync: versionSync,
          finalize: () => ({ status: {}, attachments: [], finalized: false }),
        },
      },
    });
    stuck.apply(handler('h'));
    stuck.apply(version('h', 'v1'));
    stuck.reconcile();
    const err = caught(() => stuck.deleteAll({ withinSeconds: 120, stepSeconds: 30 }));
    t.ok(err instanceof StuckError, 'a StuckError');
    t.match(err, {
      message:
        /GatiVersion ns\/h-v1 finalizers=\["metacontroller.io\/decoratorcontroller-gativersion-controller"\] deleting=2026-01-01T00:00:00Z/,
    });
    t.strictSame(
      (err as StuckError).stuck.map((o) => o.metadata.name),
      ['h-v1'],
    );
    t.equal(stuck.elapsedSeconds, 120);
    stuck.removeFinalizer('GatiVersion', 'ns', 'h-v1', finalizerName('gativersion'));
    t.equal(
      stuck.get('GatiVersion', 'ns', 'h-v1'),
      undefined,
      'removing the finalizer by hand lets it go',
    );
  },
);

t.test('same script, same trace (and uids, resourceVersions, timestamps)', async (t) => {
  const script = (): unknown => {
    const sim = fakeCluster({
      hooks: { ...timescape, ...moduleHooks() },
      deploymentReadyAfterSeconds: 15,
      uidPrefix: 'x',
    });
    sim.apply(handler('h'));
    sim.apply(version('h', 'v1'));
    sim.apply(module('m1'));
    const a = sim.runFor(60, 10, (s) => s.weights('ns', 'h'));
    sim.apply(version('h', 'v2', 10));
    const b = sim.runFor(60, 10, (s) => s.weights('ns', 'h'));
    sim.delete('GatiVersion', 'ns', 'h-v1');
    sim.reconcile();
    sim.assertDeterministic();
    return {
      a,
      b,
      objects: ['GatiHandler', 'GatiVersion', 'Deployment', 'HTTPRoute'].flatMap((k) =>
        sim.list(k),
      ),
    };
  };
  const one = JSON.stringify(script());
  t.equal(JSON.stringify(script()), one);
  t.match(one, /"uid":"x-0001"/);
});

t.test(
  'name collisions and patched status: what Metacontroller does silently is visible',
  async (t) => {
    const sim = fakeCluster({ hooks: moduleHooks() });
    const foreign: Obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'm1', namespace: 'ns' },
      spec: { replicas: 5 },
    };
    sim.apply(foreign);
    sim.apply(module('m1'));
    sim.reconcile();
    t.equal(
      sim.mustGet('Deployment', 'ns', 'm1').spec!.replicas,
      5,
      'the foreign object is not touched',
    );
    t.match(sim.warnings[0], /Deployment ns\/m1 exists and is not ours/);
    t.equal(sim.children('GatiModule', 'ns', 'm1').length, 0);
    sim.patchStatus('GatiModule', 'ns', 'm1', { phase: 'Hacked' });
    t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.phase, 'Hacked');
    sim.reconcile();
    t.equal(
      sim.mustGet('GatiModule', 'ns', 'm1').status!.phase,
      'Pending',
      'the next sync replaces status whole',
    );
  },
);

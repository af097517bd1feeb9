import t from 'tap';
import type { SyncRequest } from '../../../src/api/metacontroller.js';
import { type PartialRegistry } from '../harness.js';
import { fakeCluster, module, moduleHooks, timescape, handler, version } from '../lib/fakes.js';

// The fake kubelet and gateway (test/scenario/lib/kubelet.ts): Deployment readiness over time
// and HTTPRoute acceptance.

t.test(
  'readiness waits deploymentReadyAfterSeconds and the parent is synced at that exact time',
  async (t) => {
    const sim = fakeCluster({
      hooks: moduleHooks(),
      deploymentReadyAfterSeconds: 30,
      resyncPeriodSeconds: 0,
    });
    sim.apply(module('m1', 3));
    sim.reconcile();
    const dep = sim.mustGet('Deployment', 'ns', 'm1');
    t.match(dep.status, {
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      unavailableReplicas: 3,
    });
    t.notOk(
      'availableReplicas' in dep.status!,
      'zero counts are omitted, as the Deployment controller does',
    );
    t.match(dep.status!.conditions, [
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
      { type: 'Progressing', status: 'True' },
    ]);
    sim.advance(29);
    t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.phase, 'Pending');
    sim.advance(100);
    t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.phase, 'Ready');
    const readyWrite = sim.writes.find(
      (w) => w.kind === 'GatiModule' && w.paths.includes('status.phase'),
    )!;
    t.equal(readyWrite.at, '2026-01-01T00:00:30Z');
    t.equal(
      sim.mustGet('Deployment', 'ns', 'm1').status!.conditions[0].lastTransitionTime,
      '2026-01-01T00:00:30Z',
    );
    t.equal(sim.now.toISOString(), '2026-01-01T00:02:09.000Z');
  },
);

t.test(
  'neverReady keeps Available False and reports ProgressDeadlineExceeded after 600 s',
  async (t) => {
    const sim = fakeCluster({ hooks: moduleHooks(), neverReady: (d) => d.metadata.name === 'bad' });
    sim.apply(module('bad'));
    sim.apply(module('good'));
    sim.advance(599);
    const bad = sim.mustGet('Deployment', 'ns', 'bad');
    t.match(bad.status!.conditions, [
      { type: 'Available', status: 'False' },
      { type: 'Progressing', status: 'True' },
    ]);
    t.equal(sim.mustGet('GatiModule', 'ns', 'good').status!.phase, 'Ready');
    sim.advance(1);
    t.match(sim.mustGet('Deployment', 'ns', 'bad').status!.conditions, [
      { type: 'Available', status: 'False' },
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        lastTransitionTime: '2026-01-01T00:10:00Z',
      },
    ]);
    t.equal(sim.mustGet('GatiModule', 'ns', 'bad').status!.phase, 'Pending');
  },
);

t.test(
  'scaling to 0 empties the Deployment status at once, Available True like Kubernetes',
  async (t) => {
    const sim = fakeCluster({ hooks: moduleHooks(), deploymentReadyAfterSeconds: 30 });
    sim.apply(module('m1', 2));
    sim.advance(30);
    sim.apply(module('m1', 0));
    sim.reconcile();
    const dep = sim.mustGet('Deployment', 'ns', 'm1');
    t.equal(dep.spec!.replicas, 0);
    t.strictSame(Object.keys(dep.status!).sort(), ['conditions', 'observedGeneration']);
    t.equal(dep.status!.observedGeneration, 2);
    t.match(dep.status!.conditions, [{ type: 'Available', status: 'True' }]);
  },
);

t.test(
  'the gateway: routeAccepts false leaves status alone, no parentRefs leaves it empty, missing backends are reported',
  async (t) => {
    const sim = fakeCluster({ hooks: timescape, routeAccepts: false });
    sim.apply(handler('h'));
    sim.apply(version('h', 'v1'));
    sim.reconcile();
    t.equal(sim.route('ns', 'h')!.status, undefined);
    sim.routeAccepts = true;
    sim.advance(1);
    t.equal(
      sim.route('ns', 'h')!.status!.parents[0].conditions[0].status,
      'True',
      'accepted once the gateway runs',
    );

    const none = fakeCluster({ hooks: timescape });
    none.apply(handler('h', { noGateway: true }));
    none.apply(version('h', 'v1'));
    none.reconcile();
    t.equal(none.route('ns', 'h')!.status, undefined);

    const broken: PartialRegistry = {
      gatihandler: {
        sync: (req: SyncRequest) => ({
          status: {},
          children: [
            {
              apiVersion: 'gateway.networking.k8s.io/v1',
              kind: 'HTTPRoute',
              metadata: { name: req.parent.metadata.name },
              spec: {
                parentRefs: [{ name: 'gw' }],
                rules: [{ backendRefs: [{ name: 'nope', port: 80 }] }],
              },
            },
          ],
        }),
      },
    };
    const b = fakeCluster({ hooks: broken });
    b.apply(handler('h'));
    b.reconcile();
    t.match(b.route('ns', 'h')!.status!.parents[0].conditions[1], {
      type: 'ResolvedRefs',
      status: 'False',
      reason: 'BackendNotFound',
      message: /Service ns\/nope/,
    });
    t.strictSame(
      b.weights('ns', 'h'),
      { nope: 1 },
      'unset weight counts as the Gateway API default 1',
    );
  },
);

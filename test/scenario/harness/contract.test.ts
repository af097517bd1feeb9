import t from 'tap';
import type { SyncRequest } from '../../../src/api/metacontroller.js';
import type { SyncHook } from '../../../src/hooks/types.js';
import { canonical } from '../../../src/kube/canonical.js';
import { CONTROLLERS, type Controller } from '../../../src/hooks/controllers.js';
import { metacontrollerObject } from '../../../src/render/loop/request.js';
import { Cluster, ContractViolation, type PartialRegistry } from '../harness.js';
import {
  fakeCluster,
  caught,
  AnyObj,
  GV,
  moduleSync,
  module,
  moduleHooks,
  versionCustomize,
  versionSync,
  version,
} from '../lib/fakes.js';

// The contract checks (test/scenario/lib/contract.ts): what a request carries, and every answer
// Metacontroller would reject or the design forbids is a ContractViolation.

t.test(
  'a sync request carries every declared child group, v2 keys, empty related, finalizing false',
  async (t) => {
    const sim = fakeCluster({ hooks: moduleHooks() });
    sim.apply(module('m1', 2));
    sim.reconcile();
    const first = sim.responses.find((c) => c.hook === 'sync')!;
    const req = first.request as SyncRequest;
    t.strictSame(Object.keys(req.children!).sort(), [
      'Deployment.apps/v1',
      'HorizontalPodAutoscaler.autoscaling/v2',
      'NetworkPolicy.networking.k8s.io/v1',
      'PodDisruptionBudget.policy/v1',
      'ScaledObject.keda.sh/v1alpha1',
      'Service.v1',
    ]);
    t.strictSame(req.related, {});
    t.equal(req.finalizing, false);
    t.strictSame(
      req.controller,
      metacontrollerObject({
        ...CONTROLLERS.gatimodule,
        hooks: { sync: moduleSync },
      } as Controller),
      'the CompositeController as installed, as Metacontroller sends it',
    );
    t.match(req.controller, { kind: 'CompositeController', status: {} });
    t.equal(req.parent.metadata.uid, 'uid-0001');
    t.equal(req.parent.metadata.generation, 1);
    const later = sim.lastCall('gatimodule', 'ns', 'm1')!.request as SyncRequest;
    t.ok(later.children!['Deployment.apps/v1']!['ns/m1'], 'the child is keyed namespace/name');
  },
);

t.test('an answer that is not canonical JSON as it stands is a contract violation', async (t) => {
  const sim = new Cluster({ hooks: moduleHooks(), direct: true });
  sim.apply(module('m1'));
  t.throws(() => sim.reconcile(), /gatimodule\.sync for ns\/m1 .* answered non-canonical JSON/);
  const sorted: SyncHook = (req, ctx) => canonical(moduleSync(req, ctx));
  const ok = new Cluster({ hooks: moduleHooks(sorted), direct: true });
  ok.apply(module('m1'));
  ok.reconcile();
  t.ok(ok.get('Deployment', 'ns', 'm1'), 'the same answer, canonicalised, passes');
});

t.test(
  'responses Metacontroller would reject (or the design forbids) throw ContractViolation',
  async (t) => {
    const cases: Array<[string, (req: SyncRequest) => unknown, RegExp]> = [
      [
        'null status field',
        () => ({ status: { phase: null }, children: [] }),
        /null .* at status\.phase/,
      ],
      [
        'NaN becomes null on the wire',
        () => ({ status: { n: NaN }, children: [] }),
        /at status\.n/,
      ],
      [
        'undeclared kind',
        () => ({
          status: {},
          children: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }],
        }),
        /ConfigMap\.v1 is not a declared child type/,
      ],
      [
        'wrong apiVersion',
        () => ({
          status: {},
          children: [{ apiVersion: 'apps/v1beta1', kind: 'Deployment', metadata: { name: 'd' } }],
        }),
        /Deployment\.apps\/v1beta1 is not a declared/,
      ],
      [
        'unknown top-level key',
        () => ({ status: {}, children: [], Status: {} }),
        /unknown top-level key "Status"/,
      ],
      ['children not a list', () => ({ status: {}, children: {} }), /children must be a list/],
      [
        'finalized from sync',
        () => ({ status: {}, children: [], finalized: true }),
        /sync returned finalized: true/,
      ],
      [
        'missing name',
        () => ({ status: {}, children: [{ apiVersion: 'v1', kind: 'Service', metadata: {} }] }),
        /needs apiVersion, kind and metadata\.name/,
      ],
      [
        'other namespace',
        () => ({
          status: {},
          children: [
            { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'x' } },
          ],
        }),
        /namespace "x" differs/,
      ],
      [
        'ownerReferences',
        () => ({
          status: {},
          children: [
            { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', ownerReferences: [] } },
          ],
        }),
        /ownerReferences/,
      ],
      [
        'bad Service name',
        () => ({
          status: {},
          children: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a'.repeat(64) } }],
        }),
        /invalid name/,
      ],
      [
        'bad label value',
        () => ({
          status: {},
          children: [
            { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels: { a: 'b c' } } },
          ],
        }),
        /invalid value of label "a"/,
      ],
      [
        'duplicate child',
        () => ({
          status: {},
          children: [
            { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } },
            { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } },
          ],
        }),
        /duplicate child Service\.v1 ns\/s/,
      ],
      ['no body', () => undefined, /returned no JSON body/],
      [
        'mutating the request',
        (req) => {
          (req.parent as AnyObj).spec.replicas = 9;
          return { status: {}, children: [] };
        },
        /mutated its request at parent\.spec\.replicas/,
      ],
    ];
    for (const [reason, hook, re] of cases) {
      const sim = fakeCluster({ hooks: moduleHooks(hook as SyncHook) });
      sim.apply(module('m1'));
      const err = caught(() => sim.reconcile());
      t.ok(err instanceof ContractViolation, `${reason}: a ContractViolation`);
      t.match(err, { message: re }, reason);
    }
  },
);

t.test(
  'a nondeterministic hook is caught at the call, and by assertDeterministic when the check is off',
  async (t) => {
    let n = 0;
    const sync: SyncHook = () => ({ status: { n: n++ % 2 }, children: [] });
    const sim = fakeCluster({ hooks: moduleHooks(sync) });
    sim.apply(module('m1'));
    t.throws(
      () => sim.reconcile(),
      /not deterministic: a second identical call differs at status\.n/,
    );
    const unchecked = fakeCluster({
      hooks: moduleHooks(sync),
      checkDeterminism: false,
      maxRounds: 3,
    });
    unchecked.apply(module('m1'));
    try {
      unchecked.reconcile();
    } catch {
      // it may or may not settle; the replay below is what is tested
    }
    t.throws(
      () => unchecked.assertDeterministic(),
      /not deterministic: replaying call #\d+ differs at status\.n/,
    );
  },
);

t.test(
  'customize: undeclared related types and unsupported selectors are violations; results are cached per generation',
  async (t) => {
    const bad: PartialRegistry = {
      gativersion: {
        sync: versionSync,
        customize: () => ({ relatedResources: [{ apiVersion: 'v1', resource: 'configmaps' }] }),
      },
    };
    const sim = fakeCluster({ hooks: bad });
    sim.apply(version('h', 'v1'));
    t.throws(() => sim.reconcile(), /v1\/configmaps is not a declared related type/);

    const combo: PartialRegistry = {
      gativersion: {
        sync: versionSync,
        customize: () => ({
          relatedResources: [
            { apiVersion: GV, resource: 'gatihandlers', names: ['a'], labelSelector: {} },
          ],
        }),
      },
    };
    const sim2 = fakeCluster({ hooks: combo });
    sim2.apply(version('h', 'v1'));
    t.throws(() => sim2.reconcile(), /names cannot be combined with labelSelector/);

    const ok = fakeCluster({
      hooks: { gativersion: { sync: versionSync, customize: versionCustomize } },
    });
    ok.apply(version('h', 'v1'));
    ok.reconcile();
    const rel = (ok.lastCall('gativersion', 'ns', 'h-v1')!.request as SyncRequest).related!;
    t.strictSame(rel, { ['GatiHandler.' + GV]: {} }, 'the group key is present even when empty');
    ok.advance(200);
    t.equal(
      ok.responses.filter((c) => c.hook === 'customize').length,
      1,
      'customize cached for (uid, generation)',
    );
    ok.apply({
      ...version('h', 'v1'),
      spec: { ...(version('h', 'v1').spec as AnyObj), routingWeight: 5 },
    });
    ok.reconcile();
    t.equal(
      ok.responses.filter((c) => c.hook === 'customize').length,
      2,
      'called again for the new generation',
    );
  },
);

import t from 'tap';
import type { SyncRequest, SyncResponse, KubeObject } from '../../src/api/metacontroller.js';
import type { CustomizeHook, SyncHook } from '../../src/hooks/types.js';
import { canonical } from '../../src/kube/canonical.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import { metacontrollerObject } from '../../src/render/loop/request.js';
import {
  Cluster,
  ContractViolation,
  HookError,
  HotLoopError,
  StuckError,
  finalizerName,
  LAST_APPLIED,
  type ClusterOptions,
  type Obj,
  type PartialRegistry,
} from './harness.js';

/**
 * fakeCluster: a harness for the hand-written fake hooks below, which answer with JSON as it
 * comes rather than in canonical form (the real hooks are held to it in timescape.test.ts).
 */
function fakeCluster(opts: ClusterOptions): Cluster {
  return new Cluster({ checkCanonical: false, direct: true, ...opts });
}

/** caught runs fn and returns what it threw (tap's throws() cannot test instanceof and fields together). */
function caught(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

/* Small fake controllers: just enough behaviour to exercise the harness. */

type AnyObj = Record<string, any>;
const GV = 'gati.dev/v1alpha1';

function group(req: SyncRequest, key: string): AnyObj[] {
  return Object.values(req.children?.[key] ?? {}) as AnyObj[];
}

function available(dep: AnyObj | undefined): boolean {
  return Boolean(
    dep &&
    dep.status?.observedGeneration === dep.metadata.generation &&
    dep.status?.conditions?.some((c: AnyObj) => c.type === 'Available' && c.status === 'True'),
  );
}

/** A GatiModule sync: one Deployment with the spec's replicas, Ready once it is Available. */
const moduleSync: SyncHook = (req) => {
  const p = req.parent as AnyObj;
  const dep = group(req, 'Deployment.apps/v1')[0];
  return {
    status: { phase: available(dep) ? 'Ready' : 'Pending' },
    children: [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: p.metadata.name, labels: { app: p.metadata.name } },
        spec: {
          replicas: p.spec.replicas,
          template: { spec: { containers: [{ name: 'm', image: p.spec.image }] } },
        },
      },
    ],
  };
};

function module(name: string, replicas = 1, image = 'img:1'): KubeObject {
  return {
    apiVersion: GV,
    kind: 'GatiModule',
    metadata: { name, namespace: 'ns' },
    spec: { replicas, image },
  };
}

function moduleHooks(sync: SyncHook = moduleSync): PartialRegistry {
  return { gatimodule: { sync } };
}

/** A GatiVersion controller: relates its handler; finalize holds until released by annotation or the handler is gone. */
const versionCustomize: CustomizeHook = (req) => ({
  relatedResources: [
    {
      apiVersion: GV,
      resource: 'gatihandlers',
      namespace: req.parent.metadata.namespace!,
      names: [(req.parent as AnyObj).spec.handler],
    },
  ],
});
const versionSync: SyncHook = (req) => ({
  status: { handlerFound: Object.keys(req.related?.['GatiHandler.' + GV] ?? {}).length > 0 },
  children: [],
});
const versionFinalize: SyncHook = (req) => {
  const handlerGone = Object.keys(req.related?.['GatiHandler.' + GV] ?? {}).length === 0;
  const released =
    req.parent.metadata.annotations &&
    (req.parent.metadata.annotations as AnyObj)['test/release'] === 'yes';
  return {
    status: { phase: 'Terminating' },
    children: [],
    finalized: handlerGone || Boolean(released),
  };
};

/** A GatiHandler controller: per related GatiVersion a Deployment and Service, one HTTPRoute with pins and weights. */
const handlerCustomize: CustomizeHook = (req) => ({
  relatedResources: [
    {
      apiVersion: GV,
      resource: 'gativersions',
      labelSelector: { matchLabels: { 'gati.dev/handler': req.parent.metadata.name } },
    },
  ],
});
const handlerSync: SyncHook = (req) => {
  const h = req.parent as AnyObj;
  const versions = (Object.values(req.related?.['GatiVersion.' + GV] ?? {}) as AnyObj[]).filter(
    (v) => !v.metadata.deletionTimestamp,
  );
  const deps = new Map(group(req, 'Deployment.apps/v1').map((d) => [d.metadata.name, d]));
  const children: AnyObj[] = [];
  const pins: AnyObj[] = [];
  const weighted: AnyObj[] = [];
  for (const v of versions) {
    const id = v.spec.versionId;
    const name = `${h.metadata.name}-${id}`;
    const labels = { 'gati.dev/handler': h.metadata.name, 'gati.dev/version': id };
    children.push({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels },
      spec: { replicas: 1 },
    });
    children.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, labels },
      spec: { selector: labels },
    });
    const ref = { group: '', kind: 'Service', name, port: 80 };
    pins.push({
      matches: [{ headers: [{ type: 'Exact', name: 'x-gati-version', value: id }] }],
      backendRefs: [{ ...ref, weight: 1 }],
    });
    if (available(deps.get(name))) weighted.push({ ...ref, weight: v.spec.routingWeight });
  }
  const rules = [
    ...pins,
    ...(weighted.some((b) => b.weight > 0)
      ? [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: weighted }]
      : []),
  ];
  if (rules.length > 0) {
    const parentRefs = h.spec.noGateway
      ? []
      : [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }];
    children.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: h.metadata.name },
      spec: { parentRefs, rules },
    });
  }
  return { status: { versions: versions.length }, children: children as KubeObject[] };
};

const timescape: PartialRegistry = {
  gatihandler: { sync: handlerSync, customize: handlerCustomize },
  gativersion: { sync: versionSync, finalize: versionFinalize, customize: versionCustomize },
};

function handler(name: string, extra: AnyObj = {}): KubeObject {
  return {
    apiVersion: GV,
    kind: 'GatiHandler',
    metadata: { name, namespace: 'ns' },
    spec: { version: 'v1', ...extra },
  };
}

function version(handlerName: string, id: string, weight = 100): KubeObject {
  return {
    apiVersion: GV,
    kind: 'GatiVersion',
    metadata: {
      name: `${handlerName}-${id}`,
      namespace: 'ns',
      labels: { 'gati.dev/handler': handlerName },
    },
    spec: { versionId: id, routingWeight: weight, handler: handlerName },
  };
}

/* ------------------------------------------------------------------------------------ */

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
      metacontrollerObject({ ...CONTROLLERS.gatimodule, hooks: { sync: moduleSync } }),
      'the CompositeController as installed, as Metacontroller sends it',
    );
    t.match(req.controller, { kind: 'CompositeController', status: {} });
    t.equal(req.parent.metadata.uid, 'uid-0001');
    t.equal(req.parent.metadata.generation, 1);
    const later = sim.lastCall('gatimodule', 'ns', 'm1')!.request as SyncRequest;
    t.ok(later.children!['Deployment.apps/v1']!['ns/m1'], 'the child is keyed namespace/name');
  },
);

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
  'finalizer: added on first sync, finalize holds deletion, releases, then the object goes',
  async (t) => {
    const sim = fakeCluster({ hooks: timescape });
    sim.apply(handler('h'));
    sim.apply(version('h', 'v1'));
    sim.reconcile();
    const v = sim.mustGet('GatiVersion', 'ns', 'h-v1');
    t.strictSame(v.metadata.finalizers, [finalizerName('gativersion')]);
    t.strictSame(v.status, { handlerFound: true, observedGeneration: 1 });
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
    t.equal((call.request as SyncRequest).finalizing, true);

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
        sync: (req) => ({
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
          finalize: () => ({ status: {}, children: [], finalized: false }),
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
        /GatiVersion ns\/h-v1 finalizers=\["metacontroller.io\/compositecontroller-gativersion-controller"\] deleting=2026-01-01T00:00:00Z/,
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

t.test('observations reach the hooks and can change between steps', async (t) => {
  const seen: Array<number | undefined> = [];
  const sync: SyncHook = (_req, ctx) => {
    seen.push(ctx.observations?.requestRates?.['ns/h/v1']);
    return {
      status: { rate: ctx.observations?.requestRates?.['ns/h/v1'] ?? -1 },
      children: [],
    } satisfies SyncResponse;
  };
  let rate = 5;
  const sim = fakeCluster({
    hooks: moduleHooks(sync),
    observations: () => ({ requestRates: { 'ns/h/v1': rate } }),
  });
  sim.apply(module('m1'));
  sim.reconcile();
  t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.rate, 5);
  rate = 0;
  sim.advance(60);
  t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.rate, 0);
  t.strictSame(sim.lastCall('gatimodule', 'ns', 'm1')!.observations, {
    requestRates: { 'ns/h/v1': 0 },
  });
  sim.observations = undefined;
  sim.advance(60);
  t.equal(sim.mustGet('GatiModule', 'ns', 'm1').status!.rate, -1);
  t.ok(seen.length > 0);
  t.throws(() => sim.advance(-1), /must be ≥ 0/);
  t.throws(() => sim.runFor(10, 0), /must be > 0/);
});

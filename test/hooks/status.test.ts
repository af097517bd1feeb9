import t from 'tap';
import { HOOKS } from '../helpers/hooks.js';
import { routeName, versionName } from '../../src/resources/names.js';
import { conditions, condition } from '../../src/status/conditions.js';
import { deploymentFacts } from '../../src/kube/deployment.js';
import { workloadVerdicts } from '../../src/status/module.js';
import {
  asStored,
  deploymentStatus,
  handler,
  module,
  syncRequest,
  withStatusConditions,
} from '../helpers/builders.js';

const NOW = { now: new Date('2026-01-01T00:00:00Z') };

function observedDeployment(
  name: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  generation = 1,
): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'shop', generation },
    spec,
    status,
  };
}

t.test('workload verdicts from an observed Deployment', async (t) => {
  const rows = [
    {
      reason: 'not created yet',
      d: undefined,
      phase: 'Pending',
      ready: 'DeploymentNotFound',
      extra: 'Reconciling',
    },
    {
      reason: 'all replicas available on the current generation',
      d: observedDeployment('d', { replicas: 2 }, deploymentStatus(2)),
      phase: 'Running',
      ready: 'AllReplicasReady',
      extra: undefined,
    },
    {
      reason: 'starting: none available yet',
      d: observedDeployment('d', { replicas: 2 }, deploymentStatus(2, 0)),
      phase: 'Pending',
      ready: 'RolloutInProgress',
      extra: 'Reconciling',
    },
    {
      reason: 'rolling out: old pods still serving',
      d: observedDeployment(
        'd',
        { replicas: 2 },
        {
          observedGeneration: 1,
          replicas: 3,
          updatedReplicas: 1,
          readyReplicas: 3,
          availableReplicas: 3,
        },
      ),
      phase: 'Running',
      ready: 'RolloutInProgress',
      extra: 'Reconciling',
    },
    {
      reason: 'the Deployment controller has not seen the new spec',
      d: observedDeployment('d', { replicas: 2 }, deploymentStatus(2), 2),
      phase: 'Running',
      ready: 'RolloutInProgress',
      extra: 'Reconciling',
    },
    {
      reason: 'scaled to zero counts as ready',
      d: observedDeployment('d', { replicas: 0 }, { observedGeneration: 1 }),
      phase: 'Running',
      ready: 'AllReplicasReady',
      extra: undefined,
    },
    {
      reason: 'progress deadline exceeded',
      d: observedDeployment(
        'd',
        { replicas: 2 },
        deploymentStatus(2, 1, {
          conditions: [
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
            'junk',
          ],
        }),
      ),
      phase: 'Degraded',
      ready: 'ProgressDeadlineExceeded',
      extra: 'Stalled',
    },
  ];
  for (const r of rows) {
    const { phase, verdicts } = workloadVerdicts(deploymentFacts('d', r.d));
    t.equal(phase, r.phase, `${r.reason}: phase`);
    t.equal(verdicts.find((v) => v.type === 'Ready')?.reason, r.ready, `${r.reason}: Ready reason`);
    t.same(
      verdicts.filter((v) => v.type !== 'Ready' && v.type !== 'Available').map((v) => v.type),
      r.extra ? [r.extra] : [],
      `${r.reason}: kstatus extras`,
    );
  }
  t.same(
    deploymentFacts('d', observedDeployment('d', {}, { replicas: 'x' })).replicas,
    0,
    'non-numbers read as 0',
  );
});

t.test('conditions: stable transition times and generation', async (t) => {
  const prev = [
    {
      type: 'Ready',
      status: 'False',
      reason: 'A',
      message: 'm',
      lastTransitionTime: '2025-01-01T00:00:00Z',
    },
  ];
  const rows = [
    {
      reason: 'same status: time copied',
      v: condition('Ready', false, 'A', 'x'),
      want: '2025-01-01T00:00:00Z',
    },
    {
      reason: 'same status, new reason: still copied (not a transition)',
      v: condition('Ready', false, 'B', 'x'),
      want: '2025-01-01T00:00:00Z',
    },
    {
      reason: 'status changed: now',
      v: condition('Ready', true, 'A', 'x'),
      want: '2026-01-01T00:00:00Z',
    },
    {
      reason: 'no previous condition of that type: now',
      v: condition('Available', true, 'A', 'x'),
      want: '2026-01-01T00:00:00Z',
    },
  ];
  for (const r of rows)
    t.equal(conditions([r.v], prev, NOW.now)[0]?.lastTransitionTime, r.want, r.reason);
  t.equal(
    conditions([condition('Ready', true, 'A', 'x')], 'garbage', NOW.now, 7)[0]?.observedGeneration,
    7,
    'observedGeneration is the parent generation',
  );
  t.notOk(
    'observedGeneration' in
      conditions([condition('Ready', true, 'A', 'x')], undefined, NOW.now)[0]!,
    'no generation: no observedGeneration',
  );
  t.same(
    conditions([condition('Z', true, 'r', 'm'), condition('A', true, 'r', 'm')], [], NOW.now).map(
      (c) => c.type,
    ),
    ['A', 'Z'],
    'sorted by type',
  );
});

t.test('handler status', async (t) => {
  const p = handler(
    withStatusConditions([
      {
        type: 'Ready',
        status: 'True',
        reason: 'AllReplicasReady',
        message: 'old',
        lastTransitionTime: '2025-06-01T00:00:00Z',
      },
    ]),
  );
  const name = versionName('orders', 'v1');
  const old = observedDeployment(versionName('orders', 'v0'), { replicas: 1 }, deploymentStatus(1));
  const res = HOOKS.gatihandler.sync(
    syncRequest('gatihandler', p, [
      asStored(observedDeployment(name, { replicas: 2 }, {}), deploymentStatus(2)),
      old,
    ]),
    NOW,
  );
  t.match(
    res.status,
    {
      phase: 'Running',
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      version: 'v1',
      service: 'orders',
    },
    'counts sum every observed Deployment; readiness is spec.version’s',
  );
  t.notOk(
    'observedGeneration' in res.status,
    'status.observedGeneration is left to Metacontroller',
  );
  t.match(
    res.status.conditions,
    [
      { type: 'Available', observedGeneration: 1 },
      { type: 'Ready', status: 'True', lastTransitionTime: '2025-06-01T00:00:00Z' },
    ],
    'unchanged Ready keeps its time',
  );
});

t.test('module status names its Service', async (t) => {
  const res = HOOKS.gatimodule.sync(syncRequest('gatimodule', module()), NOW);
  t.match(res.status, { phase: 'Pending', service: 'db', replicas: 0 });
});

t.test('gatihandler customize', async (t) => {
  const customize = HOOKS.gatihandler.customize!;
  const p = handler();
  const want = {
    relatedResources: [
      {
        apiVersion: 'gati.dev/v1alpha1',
        labelSelector: { matchLabels: { 'gati.dev/handler': 'orders' } },
        namespace: 'shop',
        resource: 'gativersions',
      },
      {
        apiVersion: 'gati.dev/v1alpha1',
        names: ['orders'],
        namespace: 'shop',
        resource: 'gatimodules',
      },
    ],
  };
  t.same(
    customize({ parent: p }),
    want,
    'only the GatiVersions labelled with its name and the GatiModule of its name (the same Service name): no rival handlers, nothing else of the namespace',
  );
  t.same(
    customize({
      parent: { ...p, metadata: { ...p.metadata, labels: { a: 'b' }, annotations: { c: 'd' } } },
    }),
    want,
    'labels and annotations do not change it',
  );
  t.same(
    customize({ parent: { metadata: { name: 'x' } } as any }),
    {
      relatedResources: [
        {
          apiVersion: 'gati.dev/v1alpha1',
          labelSelector: { matchLabels: { 'gati.dev/handler': 'x' } },
          resource: 'gativersions',
        },
        { apiVersion: 'gati.dev/v1alpha1', names: ['x'], resource: 'gatimodules' },
      ],
    },
    'no namespace: no namespace in the rule',
  );
  t.throws(() => customize({} as any), { statusCode: 400 } as any, 'no parent: 400');
});

t.test('gatimodule customize: only the GatiHandler of its own name', async (t) => {
  const customize = HOOKS.gatimodule.customize!;
  const p = { metadata: { name: 'ledger', namespace: 'shop', labels: { a: 'b' } }, spec: {} };
  t.same(customize({ parent: p } as any), {
    relatedResources: [
      {
        apiVersion: 'gati.dev/v1alpha1',
        names: ['ledger'],
        namespace: 'shop',
        resource: 'gatihandlers',
      },
    ],
  });
  t.throws(() => customize({} as any), { statusCode: 400 } as any, 'no parent: 400');
});

t.test(
  'handler status: an accepted route whose backends do not resolve is not Ready',
  async (t) => {
    const p = handler();
    p.spec.routing = { parentRefs: [{ name: 'public', namespace: 'gateways' }] };
    const route = (resolvedRefs: Record<string, unknown>) => ({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: routeName('orders'), namespace: 'shop', generation: 1 },
      spec: {},
      status: {
        parents: [
          {
            parentRef: { name: 'public', namespace: 'gateways' },
            conditions: [
              { type: 'Accepted', status: 'True', observedGeneration: 1 },
              { ...resolvedRefs, type: 'ResolvedRefs', observedGeneration: 1 },
            ],
          },
        ],
      },
    });
    const deployment = asStored(
      observedDeployment(versionName('orders', 'v1'), { replicas: 2 }, {}),
      deploymentStatus(2),
    );
    const sync = (r: unknown) =>
      HOOKS.gatihandler.sync(syncRequest('gatihandler', p, [deployment, r]), NOW);
    const byType = (res: any) =>
      Object.fromEntries(res.status.conditions.map((c: any) => [c.type, c]));
    const broken = byType(
      sync(
        route({
          status: 'False',
          reason: 'BackendNotFound',
          message: 'service shop/orders-v1 not found',
        }),
      ),
    );
    for (const type of ['Ready', 'TrafficRouted'])
      t.match(
        broken[type],
        {
          status: 'False',
          reason: 'BackendRefsUnresolved',
          message:
            /cannot resolve some of its backends \(BackendNotFound: service shop\/orders-v1 not found\)/,
        },
        `${type} says which backend and why`,
      );
    const fine = byType(sync(route({ status: 'True' })));
    t.match(fine.Ready, { status: 'True' }, 'resolved: Ready');
    t.match(fine.TrafficRouted, { status: 'True', reason: 'Accepted' });
  },
);

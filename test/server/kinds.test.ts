import t, { type Test } from 'tap';
import { ALL_KINDS_INSTALL, DEFAULT_INSTALL, type InstallOptions } from '../../src/api/switches.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import type { ControllerName } from '../../src/hooks/types.js';
import { metacontrollerObject } from '../../src/install/controllers.js';
import { makeApp } from './helpers.js';

// Optional child kinds (issue #15.3), through the server with the controller objects the
// install generates: a spec that needs a kind the calling controller does not declare gets
// a 200 without that child and Ready=False reason KindNotInstalled naming the kind and the
// switch — never a child Metacontroller would reject, never a 500 it would retry forever.

const NOW = '2030-01-01T00:00:00Z';

function handler(spec: Record<string, unknown>) {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: 'orders', namespace: 'shop', uid: 'u-1', generation: 1 },
    spec: { handlerPath: '/api/orders', version: 'v1', image: 'orders:v1', ...spec },
  };
}

function module(spec: Record<string, unknown>) {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiModule',
    metadata: { name: 'ledger', namespace: 'shop', uid: 'u-2', generation: 1 },
    spec: {
      moduleName: 'ledger',
      moduleType: 'node',
      runtime: 'node:20',
      image: 'ledger:v1',
      ...spec,
    },
  };
}

const KEDA = {
  autoscaling: {
    mode: 'keda',
    minReplicas: 1,
    maxReplicas: 5,
    keda: { triggers: [{ type: 'cpu', metadata: { value: '60' } }] },
  },
};

async function sync(
  t: Test,
  controller: ControllerName,
  parent: Record<string, unknown>,
  options: InstallOptions,
) {
  const { app } = makeApp(t, { hooks: {}, clock: () => new Date(NOW) });
  const res = await app.inject({
    method: 'POST',
    url: `/hooks/${controller}/sync`,
    payload: {
      controller: { ...metacontrollerObject(CONTROLLERS[controller], options), status: {} },
      parent,
      children: {},
      related: {},
      finalizing: false,
    },
  });
  return { code: res.statusCode, body: JSON.parse(res.body) };
}

const kinds = (body: any): string[] => body.children.map((c: any) => c.kind).sort();
const cond = (body: any, type: string) => body.status.conditions.find((c: any) => c.type === type);

t.test(
  'GatiHandler with autoscaling keda: the default install leaves the ScaledObject out',
  async (t) => {
    const { code, body } = await sync(t, 'gatihandler', handler(KEDA), DEFAULT_INSTALL);
    t.equal(code, 200, 'answered, not failed: Metacontroller applies the rest');
    t.notOk(kinds(body).includes('ScaledObject'), 'no ScaledObject');
    t.strictSame(
      kinds(body),
      ['Deployment', 'PodDisruptionBudget', 'Service', 'Service'],
      'the rest is emitted (the route waits for an Available version)',
    );
    t.match(cond(body, 'Ready'), {
      status: 'False',
      reason: 'KindNotInstalled',
      message:
        /^spec\.autoscaling\.mode keda needs ScaledObject \(keda\.sh\/v1alpha1\), which gatihandler-controller does not declare: install the KEDA CRDs, then add the kustomize component manifests\/components\/keda \(Helm: keda\.enabled=true\); or set spec\.autoscaling\.mode hpa or none$/,
    });
    t.match(cond(body, 'Stalled'), { status: 'True', reason: 'KindNotInstalled' });

    const on = await sync(t, 'gatihandler', handler(KEDA), { ...DEFAULT_INSTALL, keda: true });
    t.ok(kinds(on.body).includes('ScaledObject'), 'with the keda switch: the ScaledObject');
    t.notOk(
      on.body.status.conditions.some((c: any) => c.reason === 'KindNotInstalled'),
      'and no KindNotInstalled',
    );
  },
);

t.test('GatiHandler routed by gateway-api on an install without Gateway API', async (t) => {
  const { code, body } = await sync(t, 'gatihandler', handler({}), {
    ...DEFAULT_INSTALL,
    gatewayApi: false,
  });
  t.equal(code, 200);
  t.notOk(kinds(body).includes('HTTPRoute'), 'no HTTPRoute');
  t.match(cond(body, 'TrafficRouted'), {
    status: 'False',
    reason: 'KindNotInstalled',
    message:
      /leave out the kustomize component manifests\/components\/no-gateway-api \(Helm: gatewayApi\.enabled=true\); or set spec\.routing\.provider none$/,
  });
  t.equal(cond(body, 'Ready').reason, 'KindNotInstalled');
  t.notOk('route' in body.status, 'status names no route');

  const none = await sync(t, 'gatihandler', handler({ routing: { provider: 'none' } }), {
    ...DEFAULT_INSTALL,
    gatewayApi: false,
  });
  t.notOk(
    none.body.status.conditions.some((c: any) => c.reason === 'KindNotInstalled'),
    'provider none needs no HTTPRoute: nothing to report',
  );
});

t.test('GatiModule with autoscaling keda', async (t) => {
  const { code, body } = await sync(t, 'gatimodule', module(KEDA), DEFAULT_INSTALL);
  t.equal(code, 200);
  t.strictSame(kinds(body), ['Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service']);
  t.match(cond(body, 'Ready'), {
    status: 'False',
    reason: 'KindNotInstalled',
    message: /needs ScaledObject .*which gatimodule-controller does not declare/,
  });
  const all = await sync(t, 'gatimodule', module(KEDA), ALL_KINDS_INSTALL);
  t.ok(kinds(all.body).includes('ScaledObject'));
  t.equal(cond(all.body, 'Ready').reason === 'KindNotInstalled', false);
});

t.test('a request without childResources (CLI, hand-made) declares every kind', async (t) => {
  const { app } = makeApp(t, { hooks: {}, clock: () => new Date(NOW) });
  const res = await app.inject({
    method: 'POST',
    url: '/hooks/gatihandler/sync',
    payload: { parent: handler(KEDA), children: {}, related: {} },
  });
  t.equal(res.statusCode, 200);
  t.ok(kinds(JSON.parse(res.body)).includes('ScaledObject'));
});

import t from 'tap';
import { DEFAULT_INSTALL } from '../../src/api/switches.js';
import { metacontrollerObject } from '../../src/render/loop/request.js';
import { HOOKS } from '../helpers/hooks.js';
import { Cluster, type Obj } from './harness.js';

// The install's switches through Metacontroller's loop (issue #15.3): with the default
// install (HTTPRoute declared, ScaledObject not), a handler that asks for KEDA runs, routes
// and settles — no ScaledObject, Ready=False KindNotInstalled, no hot loop, no error.

const NS = 'shop';

function handler(spec: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: 'orders', namespace: NS },
    spec: {
      handlerPath: '/api/orders',
      version: 'v1',
      image: 'orders:v1',
      routing: { parentRefs: [{ name: 'public', namespace: 'gateways' }] },
      ...spec,
    },
  } as Obj;
}

const KEDA = {
  autoscaling: {
    mode: 'keda',
    minReplicas: 1,
    maxReplicas: 4,
    keda: { triggers: [{ type: 'cpu', metadata: { value: '60' } }] },
  },
};

t.test(
  'the default install: a KEDA handler runs without its ScaledObject and says why',
  async (t) => {
    const sim = new Cluster({
      hooks: HOOKS,
      controllerObject: (c) => metacontrollerObject(c, DEFAULT_INSTALL),
    });
    sim.apply(handler(KEDA));
    sim.advance(120);
    t.strictSame(sim.list('ScaledObject', NS), [], 'no ScaledObject');
    t.strictSame(sim.weights(NS, 'orders'), { v1: 100 }, 'routed all the same');
    const h = sim.mustGet('GatiHandler', NS, 'orders');
    const ready = (h.status?.conditions as any[]).find((c) => c.type === 'Ready');
    t.match(ready, { status: 'False', reason: 'KindNotInstalled', message: /keda\.enabled=true/ });
    t.equal(h.status?.phase, 'Degraded', 'serving, but not as asked');
    t.equal(sim.errors.length, 0, 'no hook call failed');
    const before = sim.responses.length;
    sim.advance(600);
    t.ok(sim.responses.length - before <= 12, 'settled: only the periodic resyncs follow');

    sim.apply(handler({ autoscaling: { mode: 'hpa', minReplicas: 1, maxReplicas: 4 } }));
    sim.advance(30);
    const fixed = sim.mustGet('GatiHandler', NS, 'orders');
    t.match(
      (fixed.status?.conditions as any[]).find((c) => c.type === 'Ready'),
      { status: 'True' },
      'an HPA spec clears it',
    );
    t.equal(sim.list('HorizontalPodAutoscaler', NS).length, 1);
  },
);

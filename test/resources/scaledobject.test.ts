import t from 'tap';
import { makeScaledObject, moduleWorkload, versionName } from '../../src/resources/index.js';
import { handlerVersion, moduleParent, withKeda } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/scaledobject.ts

t.test('makeScaledObject: triggers with placeholders substituted per workload', async (t) => {
  const name = versionName('orders', 'v1');
  const so = makeScaledObject(handlerVersion(withKeda()));
  validateBuilt(so);
  t.equal(
    so.spec!.triggers[0]!.metadata!.query,
    `sum(rate(x{ns="shop",svc="${name}",v="v1",d="${name}"}[1m]))`,
    'namespace, service, version and deployment substituted',
  );
  t.equal(so.spec!.pollingInterval, 15, 'pollingInterval passes through');
  t.same(
    so.spec!.scaleTargetRef,
    { apiVersion: 'apps/v1', kind: 'Deployment', name },
    'targets the version Deployment',
  );
  const db = makeScaledObject(moduleWorkload(moduleParent(withKeda())));
  t.match(
    db.spec!.triggers[0]!.metadata!.query,
    /svc="db",v="{{version}}",d="db"/,
    'a module has no version',
  );
});

t.test('makeScaledObject: replica bounds', async (t) => {
  const rows = [
    {
      reason: 'a serving handler version never scales to zero (floor 1)',
      w: handlerVersion(withKeda({ minReplicas: 0 })),
      min: 1,
      max: 20,
    },
    {
      reason: 'a module may scale to zero with KEDA',
      w: moduleWorkload(moduleParent(withKeda({ minReplicas: 0 }))),
      min: 0,
      max: 20,
    },
    {
      reason: 'minReplicas defaults to 1',
      w: moduleWorkload(moduleParent(withKeda({ minReplicas: undefined }))),
      min: 1,
      max: 20,
    },
  ];
  for (const r of rows) {
    const o = makeScaledObject(r.w);
    validateBuilt(o);
    t.same([o.spec!.minReplicaCount, o.spec!.maxReplicaCount], [r.min, r.max], r.reason);
  }
});

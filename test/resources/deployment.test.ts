import t from 'tap';
import {
  handlerVersionSelector,
  makeDeployment,
  moduleWorkload,
  podTemplate,
  REVISION_HISTORY_LIMIT,
} from '../../src/resources/index.js';
import { handlerVersion, moduleParent, withHpa, withKeda, withSpec } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/deployment.ts

t.test('makeDeployment: replicas only when no autoscaler owns them', async (t) => {
  const rows = [
    { reason: 'fixed replicas are written', w: handlerVersion(), replicas: 2 },
    { reason: 'HPA owns replicas: omitted', w: handlerVersion(withHpa()), replicas: undefined },
    { reason: 'KEDA owns replicas: omitted', w: handlerVersion(withKeda()), replicas: undefined },
    {
      reason: 'zero replicas are written, not dropped',
      w: handlerVersion(withSpec({ replicas: 0 })),
      replicas: 0,
    },
    { reason: 'a module with fixed replicas', w: moduleWorkload(moduleParent()), replicas: 1 },
  ];
  for (const r of rows) {
    const d = makeDeployment(r.w);
    validateBuilt(d);
    t.equal(d.spec!.replicas, r.replicas, r.reason);
  }
});

t.test('makeDeployment: identity, selector, strategy and template', async (t) => {
  const w = handlerVersion();
  const d = makeDeployment(w);
  t.same(
    d.metadata,
    { name: w.name, namespace: 'shop', labels: w.labels, annotations: w.annotations },
    'named and labelled as the workload',
  );
  t.same(
    d.spec!.selector.matchLabels,
    handlerVersionSelector('orders', 'v1'),
    'selector is the stable version selector',
  );
  t.same(
    d.spec!.strategy,
    { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
    'never drops below desired capacity',
  );
  t.equal(d.spec!.revisionHistoryLimit, REVISION_HISTORY_LIMIT);
  t.same(d.spec!.template, podTemplate(w), 'the pod template of the workload');
  t.notOk(
    JSON.stringify(d.spec!.selector).includes('orders:'),
    'the image never appears in the selector',
  );
});

import t from 'tap';
import { makeAutoscaler, moduleWorkload } from '../../src/resources/index.js';
import { handlerVersion, moduleParent, withHpa, withKeda } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/autoscaler.ts: one autoscaler per Deployment, or none.

t.test('makeAutoscaler', async (t) => {
  const rows = [
    { reason: 'none: no autoscaler', w: handlerVersion(), kinds: [] },
    {
      reason: 'hpa: exactly an HPA',
      w: handlerVersion(withHpa()),
      kinds: ['HorizontalPodAutoscaler'],
    },
    {
      reason: 'keda: exactly a ScaledObject',
      w: handlerVersion(withKeda()),
      kinds: ['ScaledObject'],
    },
    {
      reason: 'a module the same way',
      w: moduleWorkload(moduleParent(withHpa())),
      kinds: ['HorizontalPodAutoscaler'],
    },
  ];
  for (const r of rows) {
    const out = makeAutoscaler(r.w);
    out.forEach(validateBuilt);
    t.same(
      out.map((o) => o.kind),
      r.kinds,
      r.reason,
    );
  }
});

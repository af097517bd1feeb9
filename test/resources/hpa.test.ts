import t from 'tap';
import { makeHPA } from '../../src/resources/index.js';
import { handlerVersion, withHpa } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/hpa.ts

t.test('makeHPA', async (t) => {
  const rows = [
    {
      reason: 'CPU target from the spec',
      w: handlerVersion(withHpa()),
      metrics: [['cpu', 70]],
      min: 2,
      max: 10,
    },
    {
      reason: 'CPU default 80 when unset',
      w: handlerVersion(withHpa({ targetCPUUtilization: undefined })),
      metrics: [['cpu', 80]],
      min: 2,
      max: 10,
    },
    {
      reason: 'memory metric when asked, after CPU',
      w: handlerVersion(withHpa({ targetMemoryUtilization: 75 })),
      metrics: [
        ['cpu', 70],
        ['memory', 75],
      ],
      min: 2,
      max: 10,
    },
    {
      reason: 'minReplicas defaults to 1',
      w: handlerVersion(withHpa({ minReplicas: undefined })),
      metrics: [['cpu', 70]],
      min: 1,
      max: 10,
    },
  ];
  for (const r of rows) {
    const h = makeHPA(r.w);
    validateBuilt(h);
    t.same(
      h.spec!.metrics!.map((m) => [m.resource!.name, m.resource!.target.averageUtilization]),
      r.metrics,
      r.reason,
    );
    t.same([h.spec!.minReplicas, h.spec!.maxReplicas], [r.min, r.max], `${r.reason}: bounds`);
    t.same(
      h.spec!.scaleTargetRef,
      { apiVersion: 'apps/v1', kind: 'Deployment', name: r.w.name },
      `${r.reason}: targets the Deployment`,
    );
  }
});

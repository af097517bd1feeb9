import t from 'tap';
import { makePodDisruptionBudget, moduleWorkload } from '../../src/resources/index.js';
import { handlerVersion, moduleParent, withSpec } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/pdb.ts

t.test('makePodDisruptionBudget', async (t) => {
  const rows = [
    { reason: 'handler version', w: handlerVersion() },
    {
      reason: 'a single replica still never blocks a node drain',
      w: handlerVersion(withSpec({ replicas: 1 })),
    },
    { reason: 'module', w: moduleWorkload(moduleParent()) },
  ];
  for (const r of rows) {
    const pdb = makePodDisruptionBudget(r.w);
    validateBuilt(pdb);
    t.equal(pdb.spec!.maxUnavailable, 1, `${r.reason}: one voluntary eviction at a time`);
    t.equal(
      pdb.spec!.unhealthyPodEvictionPolicy,
      'AlwaysAllow',
      `${r.reason}: crash-looping pods never block drains`,
    );
    t.same(
      pdb.spec!.selector,
      { matchLabels: r.w.selector },
      `${r.reason}: selects the workload's pods`,
    );
    t.equal(pdb.metadata!.name, r.w.name, `${r.reason}: named as the workload`);
  }
});

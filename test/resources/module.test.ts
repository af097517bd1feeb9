import t from 'tap';
import { RUNTIME_ANNOTATION } from '../../src/api/keys.js';
import { moduleChildren, moduleName, moduleWorkload } from '../../src/resources/index.js';
import { moduleParent, withCapabilities, withHpa } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/module.ts: a GatiModule as a workload and its children; capabilities become
// least privilege, never Linux capabilities.

t.test('moduleChildren', async (t) => {
  const rows = [
    {
      reason: 'no capabilities: egress limited to DNS, no data volume',
      caps: [],
      kinds: ['Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy'],
      data: false,
    },
    {
      reason: 'network: no NetworkPolicy',
      caps: ['network'],
      kinds: ['Deployment', 'Service', 'PodDisruptionBudget'],
      data: false,
    },
    {
      reason: 'network:egress: no NetworkPolicy',
      caps: ['network:egress'],
      kinds: ['Deployment', 'Service', 'PodDisruptionBudget'],
      data: false,
    },
    {
      reason: 'storage: writable /data, egress limited',
      caps: ['storage'],
      kinds: ['Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy'],
      data: true,
    },
    {
      reason: 'filesystem:write: writable /data',
      caps: ['filesystem:write'],
      kinds: ['Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy'],
      data: true,
    },
    {
      reason: 'seed: network and storage',
      caps: ['network', 'storage'],
      kinds: ['Deployment', 'Service', 'PodDisruptionBudget'],
      data: true,
    },
  ];
  for (const r of rows) {
    const out: any[] = moduleChildren(moduleParent(withCapabilities(...r.caps)));
    out.forEach(validateBuilt);
    t.same(
      out.map((o) => o.kind),
      r.kinds,
      r.reason,
    );
    const c = out[0].spec.template.spec.containers[0];
    t.equal(
      c.volumeMounts.some((m: any) => m.mountPath === '/data'),
      r.data,
      `${r.reason}: /data`,
    );
    t.same(
      c.securityContext.capabilities,
      { drop: ['ALL'] },
      `${r.reason}: never Linux capabilities`,
    );
  }
  t.same(
    moduleChildren(moduleParent(withHpa(), withCapabilities('network'))).map((o) => o.kind),
    ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'],
    'an autoscaler when configured, after the Service',
  );
});

t.test('moduleWorkload', async (t) => {
  const w = moduleWorkload(moduleParent());
  t.equal(w.name, moduleName('db'));
  t.same(w.annotations, { [RUNTIME_ANNOTATION]: 'node:20' }, 'runtime recorded as an annotation');
  t.equal(w.protocol, 'grpc', 'modules speak gRPC (TCP probes)');
  t.equal(w.port, 50051, 'the default module port');
  t.equal(w.minReplicasFloor, 0, 'a module takes no weighted traffic: KEDA may scale it to zero');
});

import t from 'tap';
import { DEPLOYMENT, SERVICE } from '../../src/api/kinds.js';
import { keepObserved, observedGroup, observedNamed, sanitise } from '../../src/kube/observed.js';

t.test('observedGroup', async (t) => {
  const groups: any = {
    'Deployment.apps/v1': {
      'ns/b': { metadata: { name: 'b' } },
      a: { metadata: { name: 'a' } },
      'ns/c': { metadata: {} },
      broken: null,
      'ns/d': { metadata: 'junk' },
    },
  };
  const rows = [
    {
      reason:
        'sorted by name; v1 and v2 keys; name from the key when metadata lacks one; malformed skipped',
      type: DEPLOYMENT,
      want: ['a', 'b', 'c', 'd'],
    },
    { reason: 'a missing group is empty', type: SERVICE, want: [] },
  ];
  for (const r of rows)
    t.same(
      observedGroup(groups, r.type).map((o) => o.metadata.name),
      r.want,
      r.reason,
    );
  t.same(
    observedGroup({ 'Deployment.apps/v1': 'x' } as any, DEPLOYMENT),
    [],
    'a malformed group is empty',
  );
  t.same(observedGroup(undefined, DEPLOYMENT), [], 'no children at all');
  t.equal(
    observedNamed(groups, DEPLOYMENT, 'b')?.metadata.name,
    'b',
    'found by name under a v2 key',
  );
  t.equal(observedNamed(groups, DEPLOYMENT, 'z'), undefined, 'absent');
});

t.test('sanitise and keepObserved', async (t) => {
  const stored: any = {
    metadata: {
      name: 's',
      namespace: 'ns',
      uid: 'u',
      resourceVersion: '1',
      generation: 2,
      creationTimestamp: 't',
      managedFields: [],
      ownerReferences: [],
      selfLink: '/x',
      deletionTimestamp: 't',
      deletionGracePeriodSeconds: 30,
      labels: { a: 'b' },
      annotations: { 'metacontroller.k8s.io/last-applied-configuration': '{}', keep: 'me' },
    },
    spec: { clusterIP: '10.0.0.1' },
    status: { loadBalancer: {} },
  };
  const rows = [
    {
      reason: 'system fields, status and last-applied go; our fields stay',
      obj: stored,
      want: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 's', namespace: 'ns', labels: { a: 'b' }, annotations: { keep: 'me' } },
        spec: { clusterIP: '10.0.0.1' },
      },
    },
    {
      reason: 'annotations emptied by stripping are dropped',
      obj: {
        metadata: {
          name: 's',
          annotations: { 'metacontroller.k8s.io/last-applied-configuration': '{}' },
        },
      },
      want: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } },
    },
  ];
  for (const r of rows) t.same(sanitise(r.obj, SERVICE), r.want, r.reason);
  t.ok(stored.metadata.uid, 'the observed object is not mutated');
  const kept = keepObserved({
    'Service.v1': { 'ns/s': stored },
    'Deployment.apps/v1': { 'ns/d': { metadata: { name: 'd' } } },
    'not-a-group': { 'ns/x': { metadata: { name: 'x' } } },
  });
  t.same(
    kept.map((o) => `${o.apiVersion}/${o.kind}/${o.metadata.name}`),
    ['apps/v1/Deployment/d', 'v1/Service/s'],
    'every group Metacontroller sent, by group key then name; a key that names no kind is skipped',
  );
});

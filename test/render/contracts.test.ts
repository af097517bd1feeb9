import t from 'tap';
import type {
  HandlerSpec,
  IManifestGenerator,
  ModuleSpec,
} from '@gati-framework/contracts/deployment';
import { GatiManifestGenerator } from '../../src/render/contracts.js';
import { validateObject } from './lib.js';

// The compiler proves the adapter satisfies the published contract.
const g: IManifestGenerator = new GatiManifestGenerator({ namespace: 'shop' });
const handler: HandlerSpec = {
  handlerPath: '/api/users/',
  version: 'v1.0.0',
  replicas: 2,
  image: 'users:1',
  port: 3000,
  env: { B: '2', A: '1', PORT: '9' },
};
const module: ModuleSpec = {
  moduleName: 'Database',
  moduleType: 'node',
  runtime: 'node:20',
  replicas: 1,
  image: 'db:1',
  port: 50051,
  capabilities: ['network'],
};

t.test('handler: the operator Deployment and apex Service in the contract shape', async (t) => {
  const d = g.generateDeployment(handler);
  t.equal(d.replicas, 2);
  const c = d.template.spec.containers[0];
  t.equal(c?.image, 'users:1');
  t.same(
    c?.env?.slice(0, 3).map((e) => e.name),
    ['PORT', 'HOST', 'NODE_ENV'],
  );
  t.ok(c?.env?.some((e) => e.name === 'A' && e.value === '1'));
  t.equal(c?.readinessProbe?.httpGet?.port, 3000, 'named port resolved');
  t.same(
    d.selector.matchLabels,
    d.template.metadata.labels && Object.fromEntries(Object.entries(d.selector.matchLabels)),
  );
  validateObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: d });
  const s = g.generateService(handler);
  t.same(
    s.ports.map((p) => [p.port, p.targetPort]),
    [[3000, 3000]],
  );
  t.equal(s.type, 'ClusterIP');
  t.same(
    g.generateConfigMap(handler),
    { data: { A: '1', B: '2' } },
    "reserved variables are the operator's",
  );
  t.equal(new GatiManifestGenerator().nameOf(handler), 'api-users');
  t.equal(new GatiManifestGenerator().nameOf({ ...handler, handlerPath: '/' }), 'root');
  t.equal(new GatiManifestGenerator().namespace, 'default');
});

t.test('module: tcp probes carry no httpGet; autoscaled has replicas from the spec', async (t) => {
  const d = g.generateDeployment(module);
  const c = d.template.spec.containers[0];
  t.equal(c?.readinessProbe?.httpGet, undefined);
  t.equal(c?.readinessProbe?.periodSeconds, 10);
  t.equal(g.generateService(module).ports[0]?.targetPort, 50051);
  t.same(g.generateConfigMap(module), { data: {} });
  t.equal(
    new GatiManifestGenerator().nameOf(module),
    new GatiManifestGenerator().nameOf(module),
    'stable',
  );
});

t.test('invalid specs throw naming the field', async (t) => {
  t.throws(() => g.generateDeployment({ ...handler, port: 70000 }), /HandlerSpec: spec\.port/);
  t.throws(
    () => g.generateService({ ...module, capabilities: ['root'] }),
    /ModuleSpec: spec\.capabilities/,
  );
});

import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { defaultsOf, PROBE_DEFAULTS } from '../../src/api/defaults.js';
import { Drain, Probes, Rollout } from '../../src/api/gatihandler.js';
import { validateHandlerSpec, validateModuleSpec } from '../../src/api/index.js';

// Defaults come from the schemas alone (src/api), applied by TypeBox's Value.Default in
// validate(); code never repeats one as a constant. These tests pin what the schemas say, so a
// changed default shows up here and in the generated CRDs together.

const seed = {
  handlerPath: '/api/users',
  version: 'v1.0.0',
  image: 'my-app:v1.0.0',
};

t.test('a bare handler spec comes back with every policy object filled in', async (t) => {
  const v = validateHandlerSpec(seed);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  const s = v.value;
  t.same(s.resources, {
    requests: { cpu: '100m', memory: '128Mi' },
    limits: { cpu: '500m', memory: '512Mi' },
  });
  t.same(s.timescape, { breaking: false, routingWeight: 100 });
  t.same(s.autoscaling, { mode: 'none', minReplicas: 1, targetCPUUtilization: 80 });
  t.same(s.routing, {
    provider: 'gateway-api',
    pinHeaders: ['x-gati-version', 'x-api-version'],
    pinQueryParams: [],
  });
  t.same(s.rollout.steps, [
    { weight: 10, pauseSeconds: 300 },
    { weight: 50, pauseSeconds: 600 },
  ]);
  t.equal(s.rollout.progressDeadlineSeconds, 600);
  t.same(s.drain, {
    minSeconds: 30,
    timeoutSeconds: 600,
    onTimeout: 'Proceed',
    threshold: 0,
    consecutiveChecks: 3,
  });
  t.same(s.probes, PROBE_DEFAULTS);
  t.equal(s.port, 3000);
  t.equal(s.replicas, 1);
});

t.test('each unset resource key falls back on its own', async (t) => {
  const v = validateHandlerSpec({ ...seed, resources: { requests: { cpu: '250m' } } });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  t.same(v.value.resources, {
    requests: { cpu: '250m', memory: '128Mi' },
    limits: { cpu: '500m', memory: '512Mi' },
  });
});

t.test('an empty steps list stays empty: it means switch at once', async (t) => {
  const v = validateHandlerSpec({ ...seed, rollout: { steps: [] } });
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  t.same(v.value.rollout.steps, []);
});

t.test(
  'defaultsOf is Value.Default over an empty object, and never shares the input',
  async (t) => {
    for (const schema of [Probes, Drain, Rollout])
      t.same(defaultsOf(schema), Value.Default(schema, {}), schema.description ?? '');
    t.same(PROBE_DEFAULTS, {
      path: '/health',
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
      preStopSeconds: 10,
    });
    const input = { moduleName: 'db', moduleType: 'node', runtime: 'node:20', image: 'db:1' };
    const frozen = Object.freeze({ ...input });
    const v = validateModuleSpec(frozen);
    t.ok(v.ok, 'a frozen request is defaulted on a copy');
    t.same(frozen, input, 'the input is untouched');
  },
);

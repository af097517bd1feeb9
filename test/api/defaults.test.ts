import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { defaultsOf, PROBE_DEFAULTS, withDefaults } from '../../src/api/defaults.js';
import { Drain, GatiHandlerSpec, Probes, Rollout } from '../../src/api/gatihandler.js';
import {
  isGatiKind,
  SPEC_SCHEMAS,
  validateHandlerSpec,
  validateModuleSpec,
  type GatiKind,
} from '../../src/api/index.js';
import { invalidObjects, validObjects } from '../helpers/fixtures.js';

// Defaults come from the schemas alone (src/api), applied in validate() by withDefaults, which
// gives what TypeBox's Value.Default gives; code never repeats one as a constant. These tests
// pin what the schemas say, so a changed default shows up here and in the generated CRDs
// together.

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

/** A spec with one field removed, replaced or emptied at a path picked by fast-check. */
function mutate(spec: unknown, picks: number[], replacement: unknown): unknown {
  const copy = structuredClone(spec);
  let node: unknown = copy;
  for (const p of picks) {
    if (typeof node !== 'object' || node === null) break;
    const keys = Object.keys(node);
    if (keys.length === 0) break;
    const k = keys[p % keys.length]!;
    const child = (node as Record<string, unknown>)[k];
    if (p % 3 === 0 || typeof child !== 'object' || child === null) {
      // JSON has no holes: a list item is taken out, a field deleted.
      if (replacement === undefined && Array.isArray(node)) node.splice(Number(k), 1);
      else if (replacement === undefined) delete (node as Record<string, unknown>)[k];
      else (node as Record<string, unknown>)[k] = structuredClone(replacement);
      break;
    }
    node = child;
  }
  return copy;
}

t.test(
  'withDefaults gives what Value.Default gives on a copy, and never touches its input',
  async (t) => {
    const specs = [...validObjects(), ...invalidObjects()]
      .filter((d) => isGatiKind(d.object.kind))
      .map((d) => ({ schema: SPEC_SCHEMAS[d.object.kind as GatiKind], spec: d.object.spec }));
    t.ok(specs.length >= 19, 'fixtures were found');
    const replacement = fc.constantFrom(undefined, null, {}, [], [{}], 'x', 0, { a: 1 });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: specs.length - 1 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
        replacement,
        (i, picks, r) => {
          const { schema, spec } = specs[i]!;
          const input = mutate(spec, picks, r);
          const before = JSON.stringify(input);
          const got = withDefaults(schema, input);
          if (!isDeepStrictEqual(got, Value.Default(schema, structuredClone(input))))
            throw new Error(`differs from Value.Default for ${before}`);
          if (JSON.stringify(input) !== before) throw new Error(`input changed: ${before}`);
        },
      ),
      { seed: 20261206, numRuns: 3000 },
    );
    t.pass('3000 specs with a field removed or replaced');
    const full = withDefaults(GatiHandlerSpec, validateOk(seed));
    t.equal(full, withDefaults(GatiHandlerSpec, full), 'a defaulted spec comes back as it is');
  },
);

function validateOk(spec: unknown): unknown {
  const v = validateHandlerSpec(spec);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return v.value;
}

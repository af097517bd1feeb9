import t, { type Test } from 'tap';
import fc from 'fast-check';
import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { withDefaults } from '../../src/api/defaults.js';
import { SPEC_SCHEMAS } from '../../src/api/index.js';
import { invalidObjects, validObjects } from '../helpers/fixtures.js';

// withDefaults must return exactly what validate() used to compute,
// Value.Default(schema, structuredClone(value)), without touching its input. Fixed seeds keep
// the generated cases reproducible; a failure prints the counterexample.

const RUNS = 300;
const SEED = 20260101;

/* ------------------------------------------------------------------ comparison */

/** outcome runs f and captures its result or its error message, so throws compare too. */
function outcome(f: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: f() };
  } catch (e) {
    return { error: String(e) };
  }
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * same: equal own keys (all of them, arrays' too) in the same order with equal values, and
 * equal prototypes. Prototypes compare by shape: JSON's `"__proto__": …` can end up as one.
 */
function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (!same(Object.getPrototypeOf(a), Object.getPrototypeOf(b))) return false;
  const [ka, kb] = [Reflect.ownKeys(a), Reflect.ownKeys(b)];
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as any)[k], (b as any)[k]));
}

/**
 * difference: why withDefaults disagrees with TypeBox on this value, or undefined. The input
 * is frozen, so a write to it throws, and it must also compare unchanged afterwards.
 */
function difference(schema: TSchema, value: unknown): string | undefined {
  const before = structuredClone(value);
  const want = outcome(() => Value.Default(schema, structuredClone(value)));
  deepFreeze(value);
  const got = outcome(() => withDefaults(schema, value));
  const show = (o: object) => JSON.stringify(o);
  if ('error' in want || 'error' in got)
    return same(want, got) ? undefined : `want ${show(want)}, got ${show(got)}`;
  if (!same(got.value, want.value)) return `want ${show(want)}, got ${show(got)}`;
  if (!same(value, before)) return 'input was changed';
  if (typeof value === 'object' && value !== null && got.value === value)
    return 'result is the input itself';
  return undefined;
}

/* ------------------------------------------------------------------ arbitraries */

/** Values of the wrong type for any field: scalars, empty and filled containers. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 3 }),
  fc.string({ maxLength: 4 }),
  fc.constant({}),
  fc.constant([]),
  fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

/** Unknown keys to mix into objects. */
const extraKeys = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'length')),
  fc.jsonValue({ maxDepth: 1 }),
  { maxKeys: 2 },
);

/**
 * arb generates values shaped by the schema: every object field optional, unknown keys mixed
 * in, and at every level a one-in-five chance of a value of the wrong type.
 */
function arb(schema: unknown): fc.Arbitrary<unknown> {
  const s = schema as Record<PropertyKey, any>;
  let typed: fc.Arbitrary<unknown>;
  switch (s[Kind]) {
    case 'Object': {
      const props = Object.fromEntries(
        Object.entries(s.properties as Record<string, unknown>).map(([k, v]) => [k, arb(v)]),
      );
      typed = fc
        .tuple(fc.record(props, { requiredKeys: [] }), extraKeys)
        .map(([known, extra]) => ({ ...extra, ...known }));
      break;
    }
    case 'Array':
      typed = fc.array(arb(s.items), { maxLength: 3 });
      break;
    case 'Record':
      typed = fc.dictionary(
        fc.string({ maxLength: 4 }),
        arb(Object.values(s.patternProperties)[0]),
        {
          maxKeys: 3,
        },
      );
      break;
    case 'Union':
      typed = fc.oneof(...(s.anyOf as unknown[]).map(arb));
      break;
    case 'Intersect':
      typed = fc
        .tuple(...(s.allOf as unknown[]).map(arb))
        .map((parts) => Object.assign({}, ...parts.filter((p) => typeof p === 'object')));
      break;
    case 'Tuple':
      typed = fc.tuple(...(s.items as unknown[]).map(arb));
      break;
    case 'Literal':
      typed = fc.constant(s.const);
      break;
    case 'Integer':
      typed = fc.integer({ min: -2, max: 70000 });
      break;
    case 'Number':
      typed = fc.double({ noNaN: true, noDefaultInfinity: true, min: -10, max: 10 });
      break;
    case 'String':
      typed = fc.string({ maxLength: 6 });
      break;
    case 'Boolean':
      typed = fc.boolean();
      break;
    default:
      typed = fc.jsonValue({ maxDepth: 2 });
  }
  return fc.oneof({ arbitrary: typed, weight: 4 }, { arbitrary: junk, weight: 1 });
}

/** JSON data, as a parsed request body is (no undefined, no null prototypes). */
function asJson(arbitrary: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return arbitrary.map((v) => JSON.parse(JSON.stringify(v)) as unknown);
}

/** agreesOn checks `difference` over generated values of the schema. */
function agreesOn(t: Test, schema: TSchema, runs = RUNS): void {
  let checked = 0;
  fc.assert(
    fc.property(asJson(arb(schema)), (v) => {
      const why = difference(schema, v);
      if (why) throw new Error(why);
      checked++;
    }),
    { numRuns: runs, seed: SEED },
  );
  t.equal(checked, runs, `${runs} generated values agree with Value.Default`);
}

/* ------------------------------------------------------------------ schemas beyond ours */

const Inner = Type.Object({ n: Type.Integer({ default: 7 }), s: Type.Optional(Type.String()) });
const Both = Type.Intersect([
  Type.Object({ p: Type.Integer({ default: 1 }) }),
  Type.Object({ q: Type.String({ default: 'q' }) }),
]);

/** Every construct Value.Default knows, compiled or fallen back, nested in both positions. */
const Exotic = Type.Object({
  objDefault: Type.Object(
    { a: Type.Integer({ default: 1 }), b: Type.Optional(Type.String({ default: 'b' })) },
    { default: {} },
  ),
  objDefaultFull: Type.Object({ a: Type.Integer({ default: 1 }) }, { default: { a: 2, c: [1] } }),
  arrDefault: Type.Array(Inner, { default: [{}] }),
  arrOnlyDefault: Type.Array(Type.String(), { default: ['x'] }),
  arrPlain: Type.Optional(Type.Array(Inner)),
  rec: Type.Record(
    Type.String(),
    Type.Object({ n: Type.Integer({ default: 3 }) }, { default: {} }),
  ),
  recUnvisited: Type.Record(Type.String(), Inner),
  recDefault: Type.Record(Type.String(), Type.String(), { default: { k: 'v' } }),
  recExtra: {
    ...Type.Record(Type.Integer(), Type.Integer({ default: 0 })),
    additionalProperties: Type.Object({ z: Type.Integer({ default: 9 }) }, { default: {} }),
  },
  extra: Type.Object(
    { k: Type.Integer({ default: 1 }) },
    { additionalProperties: Type.Object({ e: Type.Boolean({ default: true }) }, { default: {} }) },
  ),
  scalarUnion: Type.Union([Type.Literal('a'), Type.Literal('b')], { default: 'a' }),
  objDefaultLeaf: Type.Any({ default: { z: [1] } }),
  objectUnion: Type.Union([
    Type.Object({ kind: Type.Literal('x'), a: Type.Integer({ default: 1 }) }),
    Type.Object({ b: Type.String({ default: 'y' }) }),
  ]),
  defaultedVariant: Type.Union([Type.Null(), Type.Integer({ default: 3 })]),
  formatted: Type.Union([Type.String({ format: 'date-time' }), Type.Integer()]),
  deep: Type.Object({ inner: Type.Object({ both: Both }) }),
  list: Type.Array(Type.Object({ both: Both })),
  listOfLists: Type.Array(Type.Array(Both)),
  tuple: Type.Tuple([Type.Integer({ default: 0 }), Type.String({ default: '' })]),
  when: Type.Optional(Type.Date({ default: new Date(0) })),
  odd: Type.Object({
    constructor: Type.Optional(Type.String()),
    values: Type.Integer({ default: 1 }),
  }),
});

/** Function defaults, compiled around (no object default, which would make it fall back whole). */
const Called = Type.Object({
  made: Type.Object({ x: Type.Integer() }, { default: () => ({ x: 1 }) }),
  deep: Type.Object({ b: Type.Integer({ default: () => 2 }) }),
  list: Type.Array(Type.Integer({ default: () => 3 })),
  plain: Type.Integer({ default: 4 }),
});

/** A union whose second visit can pick another variant: TypeBox's double property visit shows. */
const Revisited = Type.Object({
  outer: Type.Object({
    u: Type.Union([
      Type.Object({ b: Type.String(), c: Type.String({ default: 'c' }) }),
      Type.Object({ a: Type.String(), b: Type.String({ default: 'b' }) }),
    ]),
  }),
});

/* ------------------------------------------------------------------ tests */

const FIXTURES = [...validObjects(), ...invalidObjects()];

t.test('fixtures and examples: same result as Value.Default under every spec schema', async (t) => {
  t.ok(FIXTURES.length >= 20, 'fixtures were found');
  for (const [kind, schema] of Object.entries(SPEC_SCHEMAS)) {
    for (const d of FIXTURES) {
      const why = difference(schema, structuredClone(d.object.spec));
      t.notOk(why, `${kind} over ${d.file}#${d.index}${why ? `: ${why}` : ''}`);
    }
  }
});

t.test('a spec that needs no default is shared, not copied, below the top level', async (t) => {
  // Also shows the spec schemas compile without fallbacks: a fallback deep-clones its subtree.
  for (const [kind, schema] of Object.entries(SPEC_SCHEMAS)) {
    for (const d of FIXTURES) {
      const once = withDefaults(schema, d.object.spec) as Record<string, unknown>;
      const twice = withDefaults(schema, once) as Record<string, unknown>;
      t.not(twice, once, `${kind} ${d.file}: fresh top level`);
      t.ok(
        Object.keys(once).every((k) => twice[k] === once[k]),
        `${kind} ${d.file}: every field shared`,
      );
    }
  }
});

for (const [kind, schema] of Object.entries(SPEC_SCHEMAS)) {
  t.test(`${kind}Spec: generated values agree with Value.Default`, async (t) => {
    agreesOn(t, schema);
  });
}

t.test('generated values agree on every other construct, compiled or fallen back', async (t) => {
  agreesOn(t, Exotic);
  agreesOn(t, Called, 100);
  agreesOn(t, Revisited, 100);
});

t.test('TypeBox visits each property twice; so do fallbacks under a property', async (t) => {
  const v = { outer: { u: { a: 'x' } } };
  t.same(Value.Default(Revisited, structuredClone(v)), {
    outer: { u: { a: 'x', b: 'b', c: 'c' } },
  });
  t.notOk(difference(Revisited, v));
});

t.test('defaults go in as fresh copies, never the schema default itself', async (t) => {
  const first = withDefaults(Exotic, {}) as Record<string, any>;
  first.arrDefault[0].n = 99;
  first.objDefaultFull.c.push(2);
  first.objDefaultLeaf.z.push(2);
  const second = withDefaults(Exotic, {}) as Record<string, any>;
  t.same(second.arrDefault, [{ n: 7 }]);
  t.same(second.objDefaultFull, { a: 2, c: [1] });
  t.same(second.objDefaultLeaf, { z: [1] });
  t.notOk(difference(Exotic, {}));
});

t.test('function defaults run as often as TypeBox runs them', async (t) => {
  let calls = 0;
  const count = () => ++calls;
  const Counted = Type.Object({
    a: Type.Object({ b: Type.Integer({ default: count }) }),
    c: Type.Array(Type.Integer({ default: count })),
    d: Type.Integer({ default: count }),
  });
  // An object default as well: the whole schema falls back.
  const Whole = Type.Object({
    a: Type.Object({ b: Type.Integer({ default: count }) }, { default: {} }),
  });
  for (const schema of [Counted, Whole]) {
    for (const v of [{}, { a: {} }, { a: { b: 1 }, c: [null, 2], d: 0 }]) {
      calls = 0;
      const want = Value.Default(schema, structuredClone(v));
      const wantCalls = calls;
      calls = 0;
      t.same(withDefaults(schema, v), want, JSON.stringify(v));
      t.equal(calls, wantCalls, `${JSON.stringify(v)}: ${wantCalls} calls`);
    }
  }
});

t.test('a `__proto__` key over an object default: TypeBox itself decides', async (t) => {
  for (const text of [
    '{"objDefault": {"__proto__": {"a": 5}}}',
    '{"rec": {"k": {"__proto__": {}}}}',
    '{"objDefaultLeaf": {"__proto__": [1], "y": 2}}',
  ])
    t.notOk(difference(Exotic, JSON.parse(text)), text);
});

t.test('an own `__proto__` key in JSON stays an own key of the copy', async (t) => {
  const spec = JSON.parse('{"__proto__": {"port": 1}, "handlerPath": "/a"}') as object;
  const out = withDefaults(SPEC_SCHEMAS.GatiHandler, spec) as Record<string, unknown>;
  t.ok(Object.hasOwn(out, '__proto__'), 'own key kept');
  t.equal(Object.getPrototypeOf(out), Object.prototype, 'prototype untouched');
  t.equal(out.port, 3000, 'defaults still go in');
  t.notOk(difference(SPEC_SCHEMAS.GatiHandler, spec));
});

t.test('schemas resolving references fall back whole', async (t) => {
  const Tree = Type.Recursive(
    (This) =>
      Type.Object({ v: Type.Integer({ default: 0 }), kids: Type.Optional(Type.Array(This)) }),
    { $id: 'Tree' },
  );
  const M = Type.Module({
    A: Type.Object({ n: Type.Integer({ default: 1 }), b: Type.Optional(Type.Ref('B')) }),
    B: Type.Object({ m: Type.String({ default: 'm' }) }),
  });
  const Dangling = Type.Object({ r: Type.Ref('Nowhere') });
  for (const [schema, v] of [
    [Tree, { kids: [{}, { kids: [{ v: 3 }] }] }],
    [M.Import('A'), { b: {} }],
    [Dangling, {}],
  ] as const) {
    t.notOk(difference(schema, structuredClone(v)), JSON.stringify(v));
  }
  t.throws(() => withDefaults(Dangling, {}), /dereference/, 'a dangling Ref throws as in TypeBox');
});

t.test('malformed schemas behave as TypeBox does: same result or same error', async (t) => {
  const schemas = [
    { [Kind]: 'Object' },
    { [Kind]: 'Array', default: [1] },
    { [Kind]: 'Record', patternProperties: {} },
    Type.Object({ a: true as unknown as TSchema }),
    Type.Union([Type.String({ pattern: '(' }), Type.Integer()]),
  ] as unknown as TSchema[];
  for (const [i, schema] of schemas.entries()) {
    for (const v of [undefined, {}, [], 'x', { a: 1 }])
      t.notOk(difference(schema, structuredClone(v)), `schema ${i}, value ${JSON.stringify(v)}`);
  }
});

t.test('scalars and undefined pass through or take the default, as in TypeBox', async (t) => {
  const Root = Type.Integer({ default: 4 });
  t.equal(withDefaults(Root, undefined), 4);
  t.equal(withDefaults(Root, 'x'), 'x');
  t.equal(withDefaults(Type.String(), undefined), undefined);
  t.same(withDefaults(Type.String(), ['a']), ['a'], 'an inert schema still copies the top level');
  t.equal(withDefaults(SPEC_SCHEMAS.GatiHandler, null), null);
  t.notOk(difference(Type.Array(Inner, { default: [{}] }), { 0: { s: 'a' } }));
  t.notOk(difference(Exotic, { odd: [], extra: [1], recExtra: [{}], objDefaultFull: [3] }));
});

import fc from 'fast-check';
import t from 'tap';
import { canonical, toJson } from '../../src/kube/canonical.js';

/** The reference: the plain definition (sorted copy, nulls dropped, Kubernetes keys first). */
const FIRST = ['apiVersion', 'kind', 'metadata', 'spec'];
function reference(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== null && x !== undefined).map(reference);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const rank = (k: string) => (o.apiVersion != null && FIRST.includes(k) ? FIRST.indexOf(k) : 4);
  const keys = Object.keys(o).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const k of keys) if (o[k] !== null && o[k] !== undefined) out[k] = reference(o[k]);
  return out;
}

const key = fc.constantFrom(
  'apiVersion',
  'kind',
  'metadata',
  'spec',
  'status',
  'a',
  'B',
  'z',
  '_x',
  'é',
  '10',
  '2',
);
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, undefined, 0, 'v', true),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(key, tie('node'), { maxKeys: 6 }),
  ),
})).node;

t.test('canonical equals the reference definition, is idempotent and copies', async (t) => {
  fc.assert(
    fc.property(value, (v) => {
      const c = canonical(v);
      if (JSON.stringify(c) !== JSON.stringify(reference(v)))
        throw new Error('differs from reference');
      if (JSON.stringify(canonical(c)) !== JSON.stringify(c)) throw new Error('not idempotent');
      if (typeof v === 'object' && v !== null && c === v) throw new Error('not a copy');
    }),
    { seed: 20261126, numRuns: 2000 },
  );
  t.pass('2000 generated values');
});

t.test(
  'Kubernetes objects lead with apiVersion, kind, metadata, spec; others are sorted',
  async (t) => {
    t.equal(
      toJson({
        status: 1,
        spec: 2,
        kind: 'K',
        metadata: { b: 1, a: 2 },
        apiVersion: 'v1',
        data: 3,
      }),
      '{"apiVersion":"v1","kind":"K","metadata":{"a":2,"b":1},"spec":2,"data":3,"status":1}',
    );
    t.equal(toJson({ spec: 1, kind: 2 }), '{"kind":2,"spec":1}', 'without apiVersion: plain sort');
    t.equal(
      toJson({ a: [1, null, undefined, { c: null, b: 2 }] }),
      '{"a":[1,{"b":2}]}',
      'nulls dropped',
    );
  },
);

t.test('a long map is put in the same order as a short one', async (t) => {
  const keys = Array.from({ length: 40 }, (_, i) => `k${(i * 7) % 40}`);
  const o = Object.fromEntries(keys.map((k) => [k, k]));
  t.equal(JSON.stringify(canonical(o)), JSON.stringify(reference(o)));
  const k8s = { ...o, spec: 1, apiVersion: 'v1', kind: 'K', metadata: {} };
  t.equal(JSON.stringify(canonical(k8s)), JSON.stringify(reference(k8s)), 'Kubernetes keys first');
});

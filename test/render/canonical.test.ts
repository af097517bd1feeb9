import fc from 'fast-check';
import t from 'tap';
import {
  canonical,
  canonicalShared,
  isCanonical,
  madeCanonical,
  nonCanonicalPath,
  toJson,
} from '../../src/render/canonical.js';

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

t.test(
  'canonical equals the reference definition, is idempotent and passes isCanonical',
  async (t) => {
    fc.assert(
      fc.property(value, (v) => {
        const c = canonical(v);
        if (JSON.stringify(c) !== JSON.stringify(reference(v)))
          throw new Error('differs from reference');
        if (JSON.stringify(canonical(c)) !== JSON.stringify(c)) throw new Error('not idempotent');
        if (c !== null && c !== undefined && !isCanonical(c)) throw new Error(nonCanonicalPath(c));
      }),
      { seed: 20261126, numRuns: 2000 },
    );
    t.pass('2000 generated values');
  },
);

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

t.test(
  'results are branded and shared, not copied again; canonicalShared freezes deeply',
  async (t) => {
    const part = canonical({ b: 1, a: { d: [1], c: 2 } });
    t.ok(madeCanonical(part));
    t.notOk(madeCanonical({ a: 1 }), 'a literal is not branded');
    t.notOk(madeCanonical('x'));
    const whole = canonical({ z: part, y: 1 }) as { z: unknown };
    t.equal(whole.z, part, 'a branded part is shared');
    const shared = canonicalShared({ b: { c: [{ d: 1 }] } }) as { b: { c: Array<{ d: number }> } };
    t.ok(Object.isFrozen(shared) && Object.isFrozen(shared.b.c[0]), 'frozen to the leaves');
    t.throws(() => {
      shared.b.c[0]!.d = 2;
    }, TypeError);
  },
);

t.test('isCanonical and nonCanonicalPath name the first offence', async (t) => {
  const rows: Array<[unknown, string | undefined]> = [
    [{ a: 1, b: [{ c: 1 }] }, undefined],
    [{ b: 1, a: 1 }, ': keys not in canonical order (b, a)'],
    [{ a: { x: [1, null] } }, '.a.x[1]: null or undefined'],
    [{ a: undefined }, '.a: null or undefined'],
    [{ kind: 'K', apiVersion: 'v1' }, ': keys not in canonical order (kind, apiVersion)'],
    [
      { apiVersion: 'v1', kind: 'K', data: 1, metadata: {} },
      ': keys not in canonical order (apiVersion, kind, data, metadata)',
    ],
    [{ apiVersion: 'v1', metadata: {}, a: 1, b: 2 }, undefined],
    // Array-index keys always come first in JavaScript, whatever the insertion order.
    [
      { b: 1, '10': 1, apiVersion: 'v1', '2': 1 },
      ': keys not in canonical order (2, 10, b, apiVersion)',
    ],
    [canonical({ b: 1, '10': 1, apiVersion: 'v1', '2': 1, '4294967295': 1 }), undefined],
    [null, ': null or undefined'],
    ['text', undefined],
  ];
  for (const [v, want] of rows) {
    t.equal(nonCanonicalPath(v), want, JSON.stringify(v) ?? String(v));
    t.equal(isCanonical(v), want === undefined);
  }
});

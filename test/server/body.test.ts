import t from 'tap';
import { MAX_DEPTH, parseJsonBody, tooDeep } from '../../src/server/body.js';

/** nest wraps 0 in `depth` objects (or lists). */
function nest(depth: number, list = false): unknown {
  let v: unknown = 0;
  for (let i = 0; i < depth; i++) v = list ? [v] : { k: v };
  return v;
}

t.test('tooDeep: exactly at the limit passes, one more is named', async (t) => {
  const rows = [
    { reason: 'a scalar has no depth', value: 0, max: 0, want: undefined },
    { reason: 'an empty object is one level', value: { a: {} }, max: 1, want: '.a' },
    { reason: 'max objects deep passes', value: nest(3), max: 3, want: undefined },
    { reason: 'max + 1 objects deep is named', value: nest(4), max: 3, want: '.k.k.k' },
    { reason: 'lists count as levels', value: nest(4, true), max: 3, want: '[0][0][0]' },
    {
      reason: 'found beside shallow siblings',
      value: { a: 1, b: [2, nest(2)] },
      max: 3,
      want: '.b[1].k',
    },
  ];
  for (const r of rows) t.equal(tooDeep(r.value, r.max), r.want, r.reason);
});

t.test('parseJsonBody refuses a body past MAX_DEPTH by where it gets too deep', async (t) => {
  t.same(parseJsonBody(JSON.stringify(nest(MAX_DEPTH))), nest(MAX_DEPTH));
  t.throws(() => parseJsonBody(JSON.stringify(nest(MAX_DEPTH + 1))), {
    message: `request nests deeper than ${MAX_DEPTH} levels (at ${'.k'.repeat(MAX_DEPTH).slice(0, 117)}...)`,
  });
});

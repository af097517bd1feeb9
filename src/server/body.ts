import { badRequest } from '../api/errors.js';

/**
 * Deepest nesting a hook request may have. Kubernetes objects under our CRDs and child kinds
 * nest about 25 levels at most (a Deployment's managedFields inside a request); the limit
 * leaves room and keeps every recursive step after parsing (copying, validation, serialising)
 * far from the stack's end, where a 10,000-deep object would throw RangeError — a 500.
 */
export const MAX_DEPTH = 100;

/**
 * parseJsonBody parses a hook request. JSON.parse keeps `__proto__`, `constructor` and
 * `prototype` as plain own keys (it never sets a prototype), so they are let through here and
 * refused by the hooks' validation, which names the field: refusing the whole request would
 * leave the parent unreconciled and a GatiVersion's finalizer unreleased. Too deep a body is a
 * 400 naming where it gets too deep.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw badRequest('request body is empty; expected a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  const deep = tooDeep(value, MAX_DEPTH);
  if (deep !== undefined)
    throw badRequest(`request nests deeper than ${MAX_DEPTH} levels (at ${deep})`);
  return value;
}

/**
 * tooDeep: the path (shortened) where `value` first nests deeper than `max`, if it does. The
 * walk is iterative and allocates nothing per node but its stack slots: it runs on every body.
 */
export function tooDeep(value: unknown, max: number): string | undefined {
  const values: unknown[] = [value];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop();
    const depth = depths.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return pathTo(value, max) ?? '.';
    const children = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) {
      values.push(child);
      depths.push(depth + 1);
    }
  }
  return undefined;
}

/** pathTo names the first object found at depth `max` (only called once one exists). */
function pathTo(v: unknown, max: number, path = ''): string | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  if (max === 0) return path.length > 120 ? `${path.slice(0, 117)}...` : path;
  for (const [k, child] of Object.entries(v)) {
    const found = pathTo(child, max - 1, Array.isArray(v) ? `${path}[${k}]` : `${path}.${k}`);
    if (found !== undefined) return found;
  }
  return undefined;
}

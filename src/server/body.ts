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
 * tooDeep: the path (shortened) where `value` first nests deeper than `max`, if it does. It
 * runs on every body, so it only counts: the recursion stops at `max` levels, so it never
 * goes deeper than that itself, and it allocates nothing per node.
 */
export function tooDeep(value: unknown, max: number): string | undefined {
  return nestsBeyond(value, max) ? (pathTo(value, max) ?? '.') : undefined;
}

function nestsBeyond(v: unknown, levelsLeft: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (levelsLeft === 0) return true;
  if (Array.isArray(v)) {
    for (const child of v) if (nestsBeyond(child, levelsLeft - 1)) return true;
    return false;
  }
  // A parsed body's objects are plain: for…in sees exactly their own keys, without a key list.
  for (const k in v)
    if (nestsBeyond((v as Record<string, unknown>)[k], levelsLeft - 1)) return true;
  return false;
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

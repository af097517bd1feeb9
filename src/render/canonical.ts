import { stringify } from 'yaml';

/** Keys written first, in this order, in Kubernetes objects; every other key follows sorted. */
const FIRST = ['apiVersion', 'kind', 'metadata', 'spec'];

/**
 * canonical returns a deep copy with `null`/`undefined` dropped and object keys sorted
 * (apiVersion, kind, metadata, spec first in Kubernetes objects). Arrays keep their order:
 * builders sort the lists they make from maps. Same input, same bytes. The one exception to
 * "copy": a part that is itself a result of canonical() is shared, not copied (see
 * madeCanonical).
 */
export function canonical<T>(value: T): T {
  const out = canon(value);
  if (typeof out === 'object' && out !== null) made.add(out);
  return out as T;
}

/** Results of canonical(), so a check of a builder's output needs no second walk. */
const made = new WeakSet<object>();

/**
 * canonicalShared is canonical(value), deeply frozen: for a part many objects share (a
 * constant fragment, a memoised label set). canonical() shares it instead of copying it, and
 * freezing makes a mutation through any one sharer throw rather than leak into the others.
 */
export function canonicalShared<T>(value: T): T {
  return deepFreeze(canonical(value));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * madeCanonical: `value` is an object that canonical() returned. Such objects are treated as
 * immutable (canonical() shares them rather than copying them again): a hook's children are
 * never touched after their builder returns them, and memoised fragments are frozen.
 */
export function madeCanonical(value: unknown): boolean {
  return typeof value === 'object' && value !== null && made.has(value);
}

// Hot path: every child of every sync passes through here once. Plain loops, the engine's
// default string sort (UTF-16 code-unit order, as `<`), and no sort at all when the keys
// already come in order, which builders' literals mostly do. A part that is itself a result
// of canonical() (a memoised label set, a constant fragment) is shared, not copied again.
function canon(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || made.has(value)) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) if (v !== null && v !== undefined) out.push(canon(v));
    return out;
  }
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of orderedKeys(src)) {
    const v = src[k];
    if (v !== null && v !== undefined) out[k] = canon(v);
  }
  return out;
}

/** orderedKeys: the object's own keys in canonical order (the very array when already so). */
function orderedKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o);
  if (!isObjectLike(o)) return inOrder(keys) ? keys : keys.sort();
  if (inObjectOrder(keys)) return keys;
  const first = FIRST.filter((k) => o[k] !== null && o[k] !== undefined && Object.hasOwn(o, k));
  const rest = keys.filter((k) => !FIRST.includes(k));
  return [...first, ...rest.sort()];
}

/** isObjectLike: a Kubernetes object (or reference) — it has an apiVersion that will be kept. */
function isObjectLike(o: Record<string, unknown>): boolean {
  return o.apiVersion !== null && o.apiVersion !== undefined && Object.hasOwn(o, 'apiVersion');
}

/** inObjectOrder: the FIRST keys present lead, in FIRST's order, and the rest are sorted. */
function inObjectOrder(keys: string[]): boolean {
  let i = 0;
  for (let f = 0; i < keys.length; i++) {
    const at = FIRST.indexOf(keys[i]!, f);
    if (at === -1) break;
    f = at + 1;
  }
  for (let j = i; j < keys.length; j++) {
    if (FIRST.includes(keys[j]!)) return false;
    if (j > i && keys[j - 1]! > keys[j]!) return false;
  }
  return true;
}

function inOrder(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return false;
  return true;
}

/**
 * isCanonical: `value` is already what canonical() would return — no null or undefined
 * anywhere, keys in canonical order — so JSON.stringify of it is canonical JSON. A walk that
 * copies nothing; nonCanonicalPath names the first offence once this has said no.
 */
export function isCanonical(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value !== 'object') return true;
  if (Array.isArray(value)) {
    for (const v of value) if (!isCanonical(v)) return false;
    return true;
  }
  const o = value as Record<string, unknown>;
  if (!hasCanonicalKeys(o)) return false;
  for (const k in o) if (!isCanonical(o[k])) return false;
  return true;
}

/** nonCanonicalPath is the path of the first null, undefined or misordered object in `value`. */
export function nonCanonicalPath(value: unknown, path = ''): string | undefined {
  if (value === null || value === undefined) return `${path}: null or undefined`;
  if (typeof value !== 'object') return undefined;
  const o = value as Record<string, unknown>;
  if (!Array.isArray(value) && !hasCanonicalKeys(o))
    return `${path}: keys not in canonical order (${Object.keys(o).join(', ')})`;
  for (const [k, v] of Object.entries(o)) {
    const hit = nonCanonicalPath(v, Array.isArray(value) ? `${path}[${k}]` : `${path}.${k}`);
    if (hit) return hit;
  }
  return undefined;
}

function hasCanonicalKeys(o: Record<string, unknown>): boolean {
  // JavaScript lists array-index keys ("2", "10") first, in numeric order, whatever order they
  // were added in; so does every object canonical() builds. Only the keys after them can be
  // out of order.
  let keys = Object.keys(o);
  if (keys.length > 0 && isIndex(keys[0]!)) keys = keys.filter((k) => !isIndex(k));
  return isObjectLike(o) ? inObjectOrder(keys) : inOrder(keys);
}

function isIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  return c >= 48 && c <= 57 && /^(?:0|[1-9]\d{0,9})$/.test(k) && Number(k) < 2 ** 32 - 1;
}

/** toYaml renders objects as canonical multi-document YAML (`---` between documents). */
export function toYaml(objects: unknown[], header?: string): string {
  const docs = objects.map((o) =>
    stringify(canonical(o), { lineWidth: 0, aliasDuplicateObjects: false }),
  );
  return (header ?? '') + docs.join('---\n');
}

/** toJson renders one value as canonical JSON (no trailing newline). */
export function toJson(value: unknown): string {
  return JSON.stringify(canonical(value));
}

import { stringify } from 'yaml';

/**
 * canonical returns a deep copy with `null`/`undefined` dropped and object keys sorted
 * (apiVersion, kind, metadata, spec first in Kubernetes objects; the rest by UTF-16 code unit).
 * Arrays keep their order: builders sort the lists they make from maps. Same input, same bytes.
 *
 * One caveat of JavaScript: keys that are array indices ("2", "10") are always listed first,
 * in numeric order, whatever order they are added in — in every object, so in every
 * serialisation alike. Canonical order therefore puts them first too.
 */
export function canonical<T>(value: T): T {
  return canon(value) as T;
}

function canon(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const v of value) if (v !== null && v !== undefined) out.push(canon(v));
    return out;
  }
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const k8s = src.apiVersion !== null && src.apiVersion !== undefined;
  // Most objects are built in canonical order already: copied in one pass, with no key list.
  if (inOrder(src, k8s)) for (const k in src) copyField(src, out, k);
  else for (const k of sortKeys(Object.keys(src), k8s)) copyField(src, out, k);
  return out;
}

function copyField(src: Record<string, unknown>, out: Record<string, unknown>, k: string): void {
  const v = src[k];
  if (v === null || v === undefined) return;
  // Assigning "__proto__" would replace the copy's prototype instead of copying the key.
  if (k === '__proto__')
    Object.defineProperty(out, k, {
      value: canon(v),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else out[k] = canon(v);
}

/** Rank of the keys written first in Kubernetes objects; every other key ranks after them. */
const FIRST: Record<string, number> = { apiVersion: 1, kind: 2, metadata: 3, spec: 4 };
const rank = (k: string) => FIRST[k] ?? 5;

/** before: key `a` comes strictly before key `b` in canonical order. */
function before(a: string, b: string, k8s: boolean): boolean {
  if (k8s && rank(a) !== rank(b)) return rank(a) < rank(b);
  return a < b;
}

/** inOrder: an object's own keys already come in canonical order. */
function inOrder(o: Record<string, unknown>, k8s: boolean): boolean {
  let prev: string | undefined;
  for (const k in o) {
    if (prev !== undefined && !before(prev, k, k8s)) return false;
    prev = k;
  }
  return true;
}

/**
 * sortKeys puts keys in canonical order, in place. Objects have a handful of keys, where an
 * insertion sort costs a fraction of Array.prototype.sort; a long map gets the real sort.
 */
function sortKeys(keys: string[], k8s: boolean): string[] {
  if (keys.length > 16) return keys.sort((a, b) => (before(a, b, k8s) ? -1 : 1));
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && before(k, keys[j]!, k8s); j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = k;
  }
  return keys;
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

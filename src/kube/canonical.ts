import { stringify } from 'yaml';

/** Keys written first, in this order, in Kubernetes objects; every other key follows sorted. */
const FIRST = ['apiVersion', 'kind', 'metadata', 'spec'];

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
  for (const k of orderedKeys(src)) {
    const v = src[k];
    if (v === null || v === undefined) continue;
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
  return out;
}

/** orderedKeys: an object's own keys in canonical order. */
function orderedKeys(o: Record<string, unknown>): string[] {
  const keys = Object.keys(o).sort();
  if (o.apiVersion === null || o.apiVersion === undefined) return keys;
  const first = FIRST.filter((k) => Object.hasOwn(o, k));
  return [...first, ...keys.filter((k) => !FIRST.includes(k))];
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

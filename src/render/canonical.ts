import { stringify } from 'yaml';

/** Keys written first, in this order; every other key follows sorted. */
const FIRST = ['apiVersion', 'kind', 'metadata', 'spec'];

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Kubernetes objects (those with apiVersion) put apiVersion, kind, metadata, spec first. */
function byObjectOrder(a: string, b: string): number {
  const ia = FIRST.indexOf(a);
  const ib = FIRST.indexOf(b);
  if (ia !== -1 || ib !== -1)
    return (ia === -1 ? FIRST.length : ia) - (ib === -1 ? FIRST.length : ib);
  return byName(a, b);
}

/**
 * canonical returns a deep copy with `null`/`undefined` dropped and object keys sorted
 * (apiVersion, kind, metadata, spec first in Kubernetes objects). Arrays keep their order: builders sort the
 * lists they make from maps. Same input, same bytes.
 */
export function canonical<T>(value: T): T {
  return canon(value) as T;
}

function canon(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null && v !== undefined).map(canon);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    const order = Object.hasOwn(value, 'apiVersion') ? byObjectOrder : byName;
    for (const k of Object.keys(value).sort(order)) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== null && v !== undefined) out[k] = canon(v);
    }
    return out;
  }
  return value;
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

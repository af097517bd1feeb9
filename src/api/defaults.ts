import { Kind, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Probes } from './gatihandler.js';

/**
 * defaultsOf is what an empty object becomes under a schema's defaults: the one way code gets
 * a default, so no constant ever repeats what the schema says.
 */
export function defaultsOf<T extends TSchema>(schema: T): Static<T> {
  return Value.Default(schema, {}) as Static<T>;
}

/** Probe and shutdown timing of workloads without spec.probes (modules). */
export const PROBE_DEFAULTS = defaultsOf(Probes);

/**
 * Fills in one value's defaults, giving `Value.Default`'s result without touching the input:
 * the input itself when nothing was missing, else a copy of the path down to what was added,
 * sharing everything else.
 */
type Fill = (value: unknown) => unknown;

const fills = new WeakMap<TSchema, Fill | null>();

/**
 * withDefaults is `Value.Default(schema, structuredClone(value))` without the clone and the
 * walk over fields that have no default below them: a spec's env, volumes and the like are
 * never visited, and a spec the API server has already defaulted comes back as it is. The
 * input is never mutated; the result shares what it did not change with it. The walk is
 * planned once per schema; anything but plain objects, lists and leaves (unions with defaults
 * inside, intersections, records, references) is handed to `Value.Default` on a copy, and
 * test/api/defaults.test.ts holds the two equal over thousands of altered specs.
 */
export function withDefaults(schema: TSchema, value: unknown): unknown {
  const fill = fillPlan(schema);
  return fill ? fill(value) : value;
}

function fillPlan(schema: TSchema): Fill | null {
  let plan = fills.get(schema);
  if (plan === undefined) fills.set(schema, (plan = hasDefault(schema) ? planNode(schema) : null));
  return plan;
}

type Node = TSchema & Record<string, unknown>;

function planNode(s: Node): Fill {
  // References resolve through ancestors' ids, and a default may be a function: TypeBox's own business.
  if (referencing(s) || typeof s.default === 'function') return typeBox(s);
  const own = 'default' in s;
  if (s[Kind] === 'Object' && !hasDefault(s.additionalProperties)) return object(s, own);
  if (s[Kind] === 'Array' && !Array.isArray(s.items)) return list(s, own);
  return nestedDefault(s) ? typeBox(s) : leaf(s);
}

/** Value.Default itself, on a copy. */
function typeBox(s: Node): Fill {
  return (v) => Value.Default(s, structuredClone(v));
}

/** A node with no default below it: Value.Default gives its own default when the value is missing. */
function leaf(s: Node): Fill {
  const d = s.default;
  // An object value under an object default is merged into it (Value.Default's rule).
  const merge = isObjectLike(d) ? typeBox(s) : undefined;
  return (v) => (v === undefined ? copyOf(d) : merge && isObjectLike(v) ? merge(v) : v);
}

/** An object: its own default when missing, then each field that has a default below it. */
function object(s: Node, own: boolean): Fill {
  const props = Object.entries(s.properties as Record<string, TSchema>)
    .map(([k, sub]) => [k, fillPlan(sub)] as const)
    .filter((e): e is [string, Fill] => e[1] !== null);
  const d = s.default;
  const emptyDefault = isPlain(d) && Object.keys(d).length === 0;
  const odd = typeBox(s);
  return (v) => {
    if (v === undefined && !own) return undefined;
    // A list or a scalar where an object belongs (or as its default): Value.Default's own
    // handling, whose result the schema check then refuses, naming that value.
    if (!isPlain(v === undefined ? d : v)) return odd(v);
    let out: Record<string, unknown>;
    let copied = true;
    if (v === undefined) out = copyOf(d) as Record<string, unknown>;
    // A present object is merged into a non-empty default (Value.Default's rule).
    else if (own && !emptyDefault) out = Object.assign(copyOf(d) as object, v) as typeof out;
    else [out, copied] = [v as Record<string, unknown>, false];
    for (const [k, fill] of props) {
      const before = out[k];
      const after = fill(before);
      if (after === undefined || after === before) continue;
      if (!copied) [out, copied] = [{ ...out }, true];
      out[k] = after;
    }
    return out;
  };
}

/** A list: its own default when missing, then each item. */
function list(s: Node, own: boolean): Fill {
  const item = fillPlan(s.items as TSchema);
  const odd = typeBox(s);
  return (v) => {
    if (v === undefined && !own) return undefined;
    if (v !== undefined && !Array.isArray(v)) return odd(v);
    const src = (v === undefined ? copyOf(s.default) : v) as unknown[];
    if (!Array.isArray(src) || !item) return src;
    let out = src;
    for (let i = 0; i < src.length; i++) {
      const after = item(src[i]);
      if (after === src[i]) continue;
      if (out === src && v !== undefined) out = [...src];
      out[i] = after;
    }
    return out;
  };
}

/** copyOf: a default's own copy (scalars are their own). */
function copyOf(d: unknown): unknown {
  return isObjectLike(d) ? Value.Clone(d) : d;
}

function isObjectLike(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

function isPlain(v: unknown): v is Record<string, unknown> {
  return isObjectLike(v) && !Array.isArray(v);
}

/** Whether any node of a schema, itself included, carries a default. */
function hasDefault(s: unknown): boolean {
  return isObjectLike(s) && ('default' in s || nestedDefault(s));
}

function nestedDefault(s: object): boolean {
  return someBelow(s, (n) => 'default' in n);
}

/** Whether a schema resolves references, which Value.Default follows through ancestors' ids. */
function referencing(s: object): boolean {
  const refers = (n: object) => {
    const k = (n as Record<PropertyKey, unknown>)[Kind];
    return k === 'Ref' || k === 'This' || k === 'Import' || '$id' in n;
  };
  return refers(s) || someBelow(s, refers);
}

/** someBelow: whether `test` holds for any schema node below `s` that Value.Default visits. */
function someBelow(s: object, test: (n: object) => boolean, seen = new Set<object>()): boolean {
  for (const n of subSchemas(s)) {
    if (seen.has(n)) continue;
    seen.add(n);
    if (test(n) || someBelow(n, test, seen)) return true;
  }
  return false;
}

/** The keywords under which Value.Default looks for more schemas. */
function subSchemas(s: object): object[] {
  const n = s as Record<string, unknown>;
  const out: unknown[] = [];
  for (const k of ['properties', 'patternProperties', '$defs'])
    if (isObjectLike(n[k])) out.push(...Object.values(n[k]));
  for (const k of ['items', 'anyOf', 'allOf', 'additionalProperties'])
    if (Array.isArray(n[k])) out.push(...n[k]);
    else out.push(n[k]);
  return out.filter(isObjectLike);
}

import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/*
 * A compiled twin of TypeBox's `Value.Default(schema, structuredClone(value))` (0.34,
 * value/default/default.mjs). Every webhook call defaults a spec; the interpreted walk plus
 * the deep clone were most of validate()'s cost, although only a handful of fields carry a
 * default. The plan built here visits only subtrees that can change, and copies on write:
 * objects and arrays along a path where a default goes in are fresh, everything else is
 * shared with the input, which is never mutated. Inputs are JSON data (a parsed request body).
 *
 * TypeBox quirks matched on purpose:
 * - ValueOrDefault: `undefined` becomes a clone of the default; an object over an object
 *   default is `Object.assign(clone, value)`, which then gets its nested defaults too.
 * - An object property whose result is `undefined` is not added.
 * - A union tries each variant on a clone and keeps the first that checks. When every variant
 *   is a scalar without a default, whichever wins is deep-equal to the value, so the union
 *   reduces to its own default.
 * - Record values (and additionalProperties) are visited only when their schema has a
 *   `default` keyword of its own.
 * - Each object property is visited twice, the second time on what the first left behind.
 *   For what is compiled here a second visit changes nothing; for the rest it may, so a
 *   fallback under an object property runs TypeBox twice on one private clone, and any
 *   compiled node holding a fallback falls back whole when it is itself an object property.
 * Everything else (Date, Intersect, Tuple, unions of non-scalars, function defaults, odd
 * property names, malformed schemas) falls back to TypeBox on a clone of that subtree, and a
 * schema using Ref/This/Import (whose meaning depends on the enclosing schemas) falls back whole,
 * as does a value with a `__proto__` key meeting an object default (see REDO).
 */

/** One compiled schema node: `run` returns the defaulted value, or its input when nothing changes. */
interface Plan {
  run: (value: unknown) => unknown;
  /** It contains a fallback, so visiting its own output again may differ from one visit. */
  unstable: boolean;
}

type Node = Record<PropertyKey, unknown>;

const plans = new WeakMap<TSchema, (value: unknown) => unknown>();

/**
 * withDefaults returns `value` with the schema's defaults applied, deep-equal to what
 * `Value.Default(schema, structuredClone(value))` returns, without cloning what needs no
 * default and without touching `value`. The result may share unchanged parts with `value`:
 * treat it as read-only. The plan is built once per schema object.
 */
export function withDefaults(schema: TSchema, value: unknown): unknown {
  let run = plans.get(schema);
  if (!run) plans.set(schema, (run = planFor(schema)));
  let out: unknown;
  try {
    out = run(value);
  } catch (e) {
    if (e !== REDO) throw e;
    out = Value.Default(schema, structuredClone(value));
  }
  // A fresh top level, so a caller writing to the result never writes to the request.
  return out === value && isObject(out) ? shallowCopy(out) : out;
}

function planFor(schema: TSchema): (value: unknown) => unknown {
  const found = scan(schema, new Set(), { references: false, objectDefault: false, call: false });
  // With both, a REDO could run a function default that the compiled part already ran.
  if (found.references || (found.objectDefault && found.call)) return fallback(schema, false).run;
  return compile(schema, false)?.run ?? ((value) => value);
}

/**
 * compile builds the plan of one node; `undefined` means the node never changes a value.
 * `twice`: the node is an object property, which TypeBox visits twice.
 */
function compile(schema: unknown, twice: boolean): Plan | undefined {
  if (!isObject(schema) || !supported(schema)) return fallback(schema, twice);
  const plan =
    schema[Kind] === 'Object'
      ? objectPlan(schema)
      : schema[Kind] === 'Array'
        ? arrayPlan(schema)
        : schema[Kind] === 'Record'
          ? recordPlan(schema)
          : leafPlan(schema);
  return plan?.unstable && twice ? fallback(schema, true) : plan;
}

/** Kinds TypeBox's Check can decide for a union variant without throwing or calling out. */
const SCALARS = new Set(['Literal', 'String', 'Integer', 'Number', 'Boolean', 'Null']);

/** An object property name that a plain object or an array already inherits. */
function inherited(key: string): boolean {
  return key in Object.prototype || key in Array.prototype;
}

/** supported tells whether compile() reproduces TypeBox for this node (children are judged on their own). */
function supported(s: Node): boolean {
  if (typeof s.default === 'function') return false;
  switch (s[Kind]) {
    case 'Object':
      return isObject(s.properties) && !Object.getOwnPropertyNames(s.properties).some(inherited);
    case 'Array':
      return isObject(s.items);
    case 'Record':
      return isObject(s.patternProperties) && Object.keys(s.patternProperties).length > 0;
    case 'Union':
      return Array.isArray(s.anyOf) && s.anyOf.every(scalarVariant);
    case 'Date':
    case 'Intersect':
    case 'Tuple':
      return false;
    default:
      return true;
  }
}

function scalarVariant(v: unknown): boolean {
  if (!isObject(v) || !SCALARS.has(v[Kind] as string) || v.default !== undefined) return false;
  if (v.format !== undefined) return false;
  try {
    if (v.pattern !== undefined) new RegExp(v.pattern as string);
    return true;
  } catch {
    return false;
  }
}

/** fallback runs TypeBox itself on a private clone; as a property, twice on one clone, as TypeBox does. */
function fallback(node: unknown, twice: boolean): Plan {
  const schema = node as TSchema;
  const run = twice
    ? (value: unknown) => {
        const copy = structuredClone(value);
        return Value.Default(schema, copy) === undefined ? undefined : Value.Default(schema, copy);
      }
    : (value: unknown) => Value.Default(schema, structuredClone(value));
  return { run, unstable: true };
}

/**
 * orDefault is TypeBox's ValueOrDefault for a static default: `undefined` takes a fresh copy,
 * an object is laid over an object default, anything else stays. `undefined` when no default.
 */
function orDefault(d: unknown): ((value: unknown) => unknown) | undefined {
  if (d === undefined) return undefined;
  if (!isObject(d)) return (value) => (value === undefined ? d : value);
  return (value) => {
    if (value === undefined) return Value.Clone(d);
    if (!isObject(value)) return value;
    if (Object.hasOwn(value, '__proto__')) throw REDO;
    return Object.assign(Value.Clone(d), value);
  };
}

/**
 * REDO: thrown when an object over an object default has an own `__proto__` key (JSON allows
 * it). Object.assign makes that the copy's prototype, and TypeBox's second visit of a property
 * drops it again, leaving a result that depends on how often each node is visited.
 * withDefaults then runs TypeBox itself on the whole value.
 */
const REDO = new Error('withDefaults: redo with Value.Default');

function leafPlan(s: Node): Plan | undefined {
  const run = orDefault(s.default);
  return run && { run, unstable: false };
}

function objectPlan(s: Node): Plan | undefined {
  const own = orDefault(s.default);
  const properties = s.properties as Node;
  const known = new Set(Object.getOwnPropertyNames(properties));
  const props: Array<[string, Plan]> = [];
  for (const key of known) {
    const plan = compile(properties[key], true);
    if (plan) props.push([key, plan]);
  }
  const extra = hasDefault(s.additionalProperties)
    ? compile(s.additionalProperties, false)
    : undefined;
  if (!own && props.length === 0 && !extra) return undefined;
  const run = (value: unknown): unknown => {
    const start = own ? own(value) : value;
    if (!isObject(start)) return start;
    let [out, owned] = [start, start !== value];
    for (const [key, plan] of props) {
      const cur = out[key];
      const next = plan.run(cur);
      if (next === undefined || next === cur) continue;
      if (!owned) [out, owned] = [shallowCopy(out), true];
      out[key] = next;
    }
    if (extra) {
      for (const key of Object.getOwnPropertyNames(out)) {
        if (known.has(key)) continue;
        const cur = out[key];
        const next = extra.run(cur);
        if (next === cur) continue;
        if (!owned) [out, owned] = [shallowCopy(out), true];
        out[key] = next;
      }
    }
    return out;
  };
  return { run, unstable: props.some(([, p]) => p.unstable) || Boolean(extra?.unstable) };
}

function arrayPlan(s: Node): Plan | undefined {
  const own = orDefault(s.default);
  const items = compile(s.items, false);
  if (!own && !items) return undefined;
  // TypeBox assigns every index; only a fresh array (from the default) may have holes to fill.
  const walk = (start: unknown[], fresh: boolean): unknown[] => {
    let [out, owned] = [start, fresh];
    for (let i = 0; i < out.length; i++) {
      const cur = out[i];
      const next = items ? items.run(cur) : cur;
      if (next === cur && !fresh) continue;
      if (!owned) [out, owned] = [out.slice(), true];
      out[i] = next;
    }
    return out;
  };
  const run = (value: unknown): unknown => {
    if (Array.isArray(value)) return items ? walk(value, false) : value;
    const start = own ? own(value) : value;
    return Array.isArray(start) ? walk(start, true) : start;
  };
  return { run, unstable: Boolean(items?.unstable) };
}

function recordPlan(s: Node): Plan | undefined {
  const own = orDefault(s.default);
  const [pattern, valueSchema] = Object.entries(s.patternProperties as Node)[0]!;
  const matches = new RegExp(pattern);
  const values = hasDefault(valueSchema) ? compile(valueSchema, false) : undefined;
  const extra = hasDefault(s.additionalProperties)
    ? compile(s.additionalProperties, false)
    : undefined;
  if (!own && !values && !extra) return undefined;
  const run = (value: unknown): unknown => {
    const start = own ? own(value) : value;
    if (!isObject(start)) return start;
    let [out, owned] = [start, start !== value];
    for (const key of Object.getOwnPropertyNames(out)) {
      const plan = matches.test(key) ? values : extra;
      if (!plan) continue;
      const cur = out[key];
      const next = plan.run(cur);
      if (next === cur) continue;
      if (!owned) [out, owned] = [shallowCopy(out), true];
      out[key] = next;
    }
    return out;
  };
  return { run, unstable: Boolean(values?.unstable) || Boolean(extra?.unstable) };
}

/** TypeBox's HasDefaultProperty: a schema (it has a Kind) with a `default` keyword. */
function hasDefault(s: unknown): boolean {
  return isObject(s) && typeof s[Kind] === 'string' && 'default' in s;
}

interface Found {
  /** Some node is a Ref, This or Import, resolved against enclosing schemas. */
  references: boolean;
  /** Some node has an object default. */
  objectDefault: boolean;
  /** Some node has a function default. */
  call: boolean;
}

/** scan looks through every object reachable from the schema (cycles allowed). */
function scan(node: unknown, seen: Set<unknown>, found: Found): Found {
  if (!isObject(node) || seen.has(node)) return found;
  seen.add(node);
  const kind = node[Kind];
  if (kind === 'Ref' || kind === 'This' || kind === 'Import') found.references = true;
  if (isObject(node.default)) found.objectDefault = true;
  if (typeof node.default === 'function') found.call = true;
  for (const v of Object.values(node)) scan(v, seen, found);
  return found;
}

function isObject(v: unknown): v is Node {
  return typeof v === 'object' && v !== null;
}

/**
 * shallowCopy copies an object or array before a write. Object.assign, not a spread: V8 gives a
 * spread copy a map that makes each property added afterwards some 20 times slower. A spread
 * only for an own `__proto__` key, which Object.assign would turn into the copy's prototype.
 */
function shallowCopy(v: Node): Node {
  if (Array.isArray(v)) return v.slice() as unknown as Node;
  return Object.hasOwn(v, '__proto__') ? { ...v } : Object.assign({}, v);
}

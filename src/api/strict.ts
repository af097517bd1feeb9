import type { TSchema } from '@sinclair/typebox';
import type { FieldError } from './field-error.js';

/**
 * The checks that keep hostile or stray input out of the hooks (issue #21), run by validate()
 * beside the schema: keys JavaScript gives a meaning of its own, and fields a schema does not
 * have. Both walk without recursion limits of their own (iteratively, or along the schema).
 */

/**
 * Keys that JavaScript gives a meaning of its own: assigning `__proto__` replaces an object's
 * prototype, reading `constructor` of a plain object finds a function. No Kubernetes field or
 * map key of ours needs them, so a spec carrying one anywhere is refused before it is used.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_REPORTED = 10;

/**
 * forbiddenKeys lists where `value` carries a forbidden key (iteratively: any depth is fine).
 * Fields are named only when there is one to report: the common case walks without them.
 */
export function forbiddenKeys(value: unknown, prefix: string): FieldError[] {
  return hasForbiddenKey(value) ? namedForbiddenKeys(value, prefix) : [];
}

function hasForbiddenKey(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
      continue;
    }
    for (const k of Object.keys(v)) {
      if (FORBIDDEN_KEYS.has(k)) return true;
      stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
}

function namedForbiddenKeys(value: unknown, prefix: string): FieldError[] {
  const out: FieldError[] = [];
  const stack: Array<[unknown, string]> = [[value, prefix]];
  while (stack.length > 0 && out.length < MAX_REPORTED) {
    const [v, field] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${field}[${i}]`]);
      continue;
    }
    for (const k of Object.keys(v).reverse()) {
      const at = field === '' ? k : `${field}.${k}`;
      if (FORBIDDEN_KEYS.has(k))
        out.push({
          field: at,
          message: `key ${JSON.stringify(k)} is not allowed anywhere (__proto__, constructor and prototype are refused)`,
        });
      else stack.push([(v as Record<string, unknown>)[k], at]);
    }
  }
  return out;
}

/** Checks one value for fields its schema does not have; with `field` undefined, only whether any. */
type UnknownCheck = (value: unknown, field: string | undefined, out: FieldError[]) => void;
const unknownPlans = new WeakMap<TSchema, UnknownCheck | null>();

/**
 * unknownFields: object fields the schema does not know. The API server prunes them from a
 * Gati object before we see it, so only a caller that bypasses it (a file given to `render`,
 * a hand-made request) can send one; refusing it keeps what the CRD intends — e.g. a
 * `hostPath` volume, a source the schema leaves out, never reaches a pod.
 */
export function unknownFields(
  schema: TSchema,
  value: unknown,
  field: string,
  out: FieldError[],
): void {
  const plan = unknownPlan(schema);
  if (!plan) return;
  // Fields are named only when there is one to report: the common case walks without them.
  const found: FieldError[] = [];
  plan(value, undefined, found);
  if (found.length > 0) plan(value, field, out);
}

/** fieldAt names a field below `field`, or nothing while only looking. */
export function fieldAt(field: string | undefined, key: string | number): string | undefined {
  if (field === undefined) return undefined;
  return typeof key === 'number' ? `${field}[${key}]` : `${field}.${key}`;
}

function unknownPlan(schema: TSchema): UnknownCheck | null {
  let plan = unknownPlans.get(schema);
  if (plan !== undefined) return plan;
  unknownPlans.set(schema, null); // recursive schemas: a cycle checks nothing more
  const s = schema as Record<string, unknown>;
  const props = s.properties as Record<string, TSchema> | undefined;
  const closed =
    props !== undefined &&
    s.additionalProperties === undefined &&
    s.patternProperties === undefined &&
    s['x-kubernetes-preserve-unknown-fields'] !== true;
  const subs: Array<[string, UnknownCheck]> = [];
  for (const [k, sub] of Object.entries(props ?? {})) {
    const p = unknownPlan(sub);
    if (p) subs.push([k, p]);
  }
  const items = s.items ? unknownPlan(s.items as TSchema) : null;
  plan =
    !closed && subs.length === 0 && !items
      ? null
      : (value, field, out) => {
          if (typeof value !== 'object' || value === null) return;
          if (Array.isArray(value)) {
            if (items)
              for (let i = 0; i < value.length; i++) items(value[i], fieldAt(field, i), out);
            return;
          }
          const o = value as Record<string, unknown>;
          if (closed)
            for (const k of Object.keys(o))
              if (!Object.hasOwn(props, k))
                out.push({
                  field: fieldAt(field, k) ?? '',
                  message: 'is not a field of this object (unknown fields are refused)',
                });
          for (const [k, p] of subs) if (o[k] !== undefined) p(o[k], fieldAt(field, k), out);
        };
  unknownPlans.set(schema, plan);
  return plan;
}

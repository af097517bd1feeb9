import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { celPredicate, type CelRule } from './cel.js';
import { withDefaults } from './defaults.js';
import { fieldAt, forbiddenKeys, unknownFields } from './strict.js';

export type { FieldError } from './field-error.js';
import type { FieldError } from './field-error.js';

/** Result of validating (and defaulting) a spec. */
export type Validated<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** formatErrors renders field errors as one stable line each: `spec.port: must be ≤ 65535 (got 70000)`. */
export function formatErrors(errors: FieldError[]): string {
  return errors
    .map(
      (e) => `${e.field}: ${e.message}${e.value === undefined ? '' : ` (got ${short(e.value)})`}`,
    )
    .join('; ');
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function pointerToField(prefix: string, pointer: string): string {
  let out = prefix;
  for (const seg of pointer.split('/').slice(1)) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(key) ? `[${key}]` : out === '' ? key : `.${key}`;
  }
  return out || '.';
}

function enumValues(schema: TSchema): string[] | undefined {
  const anyOf = (schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
  if (!anyOf || !anyOf.every((s) => typeof s.const === 'string')) return undefined;
  return anyOf.map((s) => s.const as string);
}

function schemaMessage(schema: TSchema, fallback: string): string {
  const values = enumValues(schema);
  if (values) return `must be one of: ${values.join(', ')}`;
  const s = schema as Record<string, unknown>;
  // Our quantities refuse an empty string; upstream int-or-string fields (ports) take any.
  // A node may say in words what it takes (a string-or-object union: src/api/cost.ts).
  if (typeof s.errorMessage === 'string') return s.errorMessage;
  if (s.anyOf)
    return (s.anyOf as Array<{ minLength?: number }>)[1]?.minLength === 1
      ? 'must be an integer or a quantity string'
      : 'must be an integer or a string';
  return REWRITES.reduce((m, [re, to]) => m.replace(re, to), fallback);
}

/** TypeBox's messages, reworded to read as `field: must …`. */
const REWRITES: Array<[RegExp, string]> = [
  [/^Expected required property$/, 'is required'],
  [/^Expected (?:integer|number) to be greater or equal to/, 'must be at least'],
  [/^Expected (?:integer|number) to be less or equal to/, 'must be at most'],
  [/^Expected string length greater or equal to (\d+)$/, 'must have at least $1 characters'],
  [/^Expected string length less or equal to (\d+)$/, 'must have at most $1 characters'],
  [/^Expected string to match '(.*)'$/, 'must match $1'],
  [/^Expected array length to be greater or equal to (\d+)$/, 'must have at least $1 items'],
  [/^Expected array length to be less or equal to (\d+)$/, 'must have at most $1 items'],
  [/^Expected /, 'must be '],
];

// Status times are RFC 3339 (the API server checks `format: date-time` on the CRD too).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
if (!FormatRegistry.Has('date-time'))
  FormatRegistry.Set('date-time', (v) => RFC3339.test(v) && !Number.isNaN(Date.parse(v)));

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** check is the schema's compiled checker (built once per schema): hooks validate a spec on every sync. */
export function check(schema: TSchema, value: unknown): boolean {
  let c = compiled.get(schema);
  if (!c) compiled.set(schema, (c = TypeCompiler.Compile(schema)));
  return c.Check(value);
}

/**
 * schemaErrors lists schema violations, one per field (the first per path wins); no
 * defaults are applied. Fields are named under `prefix` ('' for the value's own fields).
 */
export function schemaErrors(schema: TSchema, value: unknown, prefix: string): FieldError[] {
  // The interpreted error walk is several times slower than the compiled check; run it only on a failure.
  if (check(schema, value)) return [];
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of Value.Errors(schema, value)) {
    if (seen.has(e.path)) continue;
    // A union's own error repeats its members' errors at the same path; keep the union's.
    seen.add(e.path);
    const err: FieldError = {
      field: pointerToField(prefix, e.path),
      message: schemaMessage(e.schema, e.message),
    };
    if (e.value !== undefined) err.value = e.value;
    out.push(err);
  }
  return out;
}

/**
 * Checks one value against the cross-field rules at and below one schema node; with `field`
 * undefined, only whether any fails.
 */
type CelCheck = (value: unknown, field: string | undefined, out: FieldError[]) => void;

const celPlans = new WeakMap<TSchema, CelCheck | null>();

/**
 * celErrors evaluates every registered cross-field rule, and the uniqueness of list maps and
 * sets, on present values. The walk is planned once per schema and visits only the nodes with
 * a rule at or below them: resources and most fields have none. Fields are named only when a
 * rule fails: the common case walks without them.
 */
function celErrors(schema: TSchema, value: unknown, field: string, out: FieldError[]): void {
  const plan = celPlan(schema);
  if (!plan) return;
  const found: FieldError[] = [];
  plan(value, undefined, found);
  if (found.length > 0) plan(value, field, out);
}

function celPlan(schema: TSchema): CelCheck | null {
  let plan = celPlans.get(schema);
  if (plan !== undefined) return plan;
  const s = schema as Record<string, unknown>;
  const rules = ((s['x-kubernetes-validations'] as CelRule[] | undefined) ?? []).map((r) => {
    const check = celPredicate(r.rule);
    if (!check) throw new Error(`CEL rule without a TypeScript twin: ${r.rule}`);
    return { check, field: r.fieldPath ?? '', message: r.message };
  });
  const props: Array<[string, CelCheck]> = [];
  for (const [k, sub] of Object.entries((s.properties as Record<string, TSchema>) ?? {})) {
    const p = celPlan(sub);
    if (p) props.push([k, p]);
  }
  const items = s.items ? celPlan(s.items as TSchema) : null;
  const unique = uniqueness(s);
  plan =
    rules.length === 0 && props.length === 0 && !items && !unique
      ? null
      : (value, field, out) => {
          if (value === undefined || value === null) return;
          if (unique && Array.isArray(value)) unique(value, field, out);
          for (const r of rules)
            if (!r.check(value as Record<string, unknown>))
              out.push({ field: (field ?? '') + r.field, message: r.message });
          if (typeof value !== 'object') return;
          for (const [k, p] of props)
            p((value as Record<string, unknown>)[k], fieldAt(field, k), out);
          if (items && Array.isArray(value))
            for (let i = 0; i < value.length; i++) items(value[i], fieldAt(field, i), out);
        };
  celPlans.set(schema, plan);
  return plan;
}

/**
 * uniqueness checks what the API server enforces on `x-kubernetes-list-type` map and set
 * lists (Kubernetes' own env, volumes, mounts…): no two entries with the same key.
 */
function uniqueness(s: Record<string, unknown>): CelCheck | null {
  const type = s['x-kubernetes-list-type'];
  if (type !== 'map' && type !== 'set') return null;
  const keys = (s['x-kubernetes-list-map-keys'] as string[] | undefined) ?? [];
  const one = keys.length === 1 ? keys[0]! : undefined;
  // A string key (env and volume names, most sets) is its own identity; anything else is
  // compared as JSON. The prefixes keep the two apart.
  const keyOf = (v: unknown): string => {
    const id = type === 'set' ? v : one !== undefined ? (v as Record<string, unknown>)?.[one] : v;
    if (typeof id === 'string') return `s${id}`;
    return `j${JSON.stringify(type === 'set' ? v : keys.map((k) => (v as Record<string, unknown>)?.[k]))}`;
  };
  return (value, field, out) => {
    const seen = new Set<string>();
    (value as unknown[]).forEach((v, i) => {
      const key = keyOf(v);
      if (seen.has(key))
        out.push({
          field: fieldAt(field, i) ?? '',
          message:
            type === 'set'
              ? 'duplicates an earlier entry'
              : `duplicates an earlier entry with the same ${keys.join(' and ')}`,
          value:
            type === 'set'
              ? v
              : Object.fromEntries(keys.map((k) => [k, (v as Record<string, unknown>)[k]])),
        });
      seen.add(key);
    });
  };
}

/**
 * validate applies the schema's defaults to `value` without touching it (the result shares
 * what was already there), then checks the result against the schema and its cross-field
 * rules. Errors name fields under `prefix` (e.g. `spec`). A forbidden key anywhere is refused
 * first, before anything defaults the value.
 */
export function validate<T>(schema: TSchema, value: unknown, prefix: string): Validated<T> {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      ok: false,
      errors: [{ field: prefix, message: 'must be an object', value: value ?? null }],
    };
  }
  const hostile = forbiddenKeys(value, prefix);
  if (hostile.length > 0) return { ok: false, errors: hostile };
  const copy = withDefaults(schema, value);
  const errors = schemaErrors(schema, copy, prefix);
  if (errors.length === 0) celErrors(schema, copy, prefix, errors);
  if (errors.length === 0) unknownFields(schema, copy, prefix, errors);
  return errors.length === 0 ? { ok: true, value: copy as T } : { ok: false, errors };
}

/**
 * readStatus checks a status the hooks wrote earlier against its schema, without defaults:
 * absent is fine (a new object); anything else must match, or the errors name each field.
 */
export function readStatus<T>(schema: TSchema, status: unknown): Validated<T | undefined> {
  if (status === undefined || status === null) return { ok: true, value: undefined };
  const errors = schemaErrors(schema, status, 'status');
  return errors.length === 0 ? { ok: true, value: status as T } : { ok: false, errors };
}

/**
 * Cross-field rules. Each rule is written once as CEL (placed in the CRD as
 * `x-kubernetes-validations`, enforced by the API server) and once as a TypeScript
 * predicate (enforced by the hooks and the offline renderer). They are registered
 * together here so the two can never drift apart unnoticed: the validator refuses a
 * CEL rule that has no twin, and the API-server suite checks both agree.
 */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
}

type Predicate = (self: Record<string, unknown>) => boolean;

const predicates = new Map<string, Predicate>();

/** cel registers a CEL rule with its TypeScript twin and returns the CRD entry. */
export function cel(rule: string, message: string, check: Predicate, fieldPath?: string): CelRule {
  if (predicates.has(rule) && predicates.get(rule) !== check) {
    // The same rule text must always mean the same predicate.
    throw new Error(`CEL rule registered twice with different predicates: ${rule}`);
  }
  predicates.set(rule, check);
  return fieldPath ? { rule, message, fieldPath } : { rule, message };
}

/** celPredicate returns the TypeScript twin of a CEL rule, or undefined. */
export function celPredicate(rule: string): Predicate | undefined {
  return predicates.get(rule);
}

/** has is CEL's has(): the key is present (and not null). */
export function has(obj: Record<string, unknown>, key: string): boolean {
  return obj[key] !== undefined && obj[key] !== null;
}

/** celStrings writes a list of strings as a CEL list literal: `['a', 'b']`. */
export function celStrings(values: readonly string[]): string {
  return `[${values.map((v) => `'${v}'`).join(', ')}]`;
}

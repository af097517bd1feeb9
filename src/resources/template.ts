/**
 * substitute replaces each `{{key}}` (spaces allowed inside the braces) with `escape(vars[key])`;
 * unknown placeholders are left as written. KEDA trigger metadata takes values as they are;
 * PromQL queries escape them for string literals.
 */
export function substitute(
  text: string,
  vars: Record<string, string>,
  escape: (value: string) => string = (v) => v,
): string {
  return text.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) =>
    Object.hasOwn(vars, key) ? escape(vars[key] as string) : whole,
  );
}

/** promqlString escapes a value for use inside a PromQL string literal. */
export function promqlString(value: string): string {
  return value.replace(/[\\"']/g, '\\$&');
}

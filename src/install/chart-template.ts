import { stringify } from 'yaml';

/**
 * A small YAML writer for Helm templates. A template is an install object (plain JSON) in
 * which some nodes are template constructs; everything else is written as YAML literally, so
 * with default values the template renders back the object it was made from.
 */

/** A scalar computed by Helm: `key: {{ expr }}`. */
export class Expr {
  constructor(readonly expr: string) {}
}

/** A map or list value Helm writes with toYaml: `key:` then `{{- toYaml expr | nindent n }}`. */
export class Block {
  constructor(readonly expr: string) {}
}

/** A map entry or list item present only when `cond` holds: `{{- if cond }}` … `{{- end }}`. */
export class When {
  constructor(
    readonly cond: string,
    readonly value: unknown,
  ) {}
}

/** expr, block and when build the three constructs. */
export const expr = (e: string): Expr => new Expr(e);
export const block = (e: string): Block => new Block(e);
export const when = (cond: string, value: unknown): When => new When(cond, value);
/** quoted: a string Helm computes, quoted (`{{ expr | quote }}`). */
export const quoted = (e: string): Expr => expr(`${e} | quote`);

/** scalar writes one literal the way YAML reads it back; refuses what would break a template. */
function scalar(v: unknown): string {
  if (typeof v === 'string') {
    if (v.includes('{{') || v.includes('\n'))
      throw new Error(`template literal ${JSON.stringify(v)}: no "{{" or newlines in literals`);
    return stringify(v, { lineWidth: 0, singleQuote: true }).trimEnd();
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`template literal ${JSON.stringify(v)}: not a scalar`);
}

const pad = (n: number): string => ' '.repeat(n);
const isConstruct = (v: unknown): boolean =>
  v instanceof Expr || v instanceof Block || v instanceof When;
const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !isConstruct(v);

function entry(key: string, v: unknown, indent: number): string[] {
  const head = `${pad(indent)}${scalar(key)}:`;
  if (v instanceof Expr) return [`${head} {{ ${v.expr} }}`];
  if (v instanceof Block)
    return [head, `${pad(indent + 2)}{{- toYaml ${v.expr} | nindent ${indent + 2} }}`];
  if (Array.isArray(v)) return v.length === 0 ? [`${head} []`] : [head, ...list(v, indent + 2)];
  if (isMap(v)) return Object.keys(v).length === 0 ? [`${head} {}`] : [head, ...map(v, indent + 2)];
  return [`${head} ${scalar(v)}`];
}

function guarded(cond: string, indent: number, lines: string[]): string[] {
  return [`${pad(indent)}{{- if ${cond} }}`, ...lines, `${pad(indent)}{{- end }}`];
}

/** map writes the entries of an object at `indent`. */
function map(o: Record<string, unknown>, indent: number): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v instanceof When ? guarded(v.cond, indent, entry(k, v.value, indent)) : entry(k, v, indent),
  );
}

function item(v: unknown, indent: number): string[] {
  if (v instanceof Expr) return [`${pad(indent)}- {{ ${v.expr} }}`];
  if (Array.isArray(v)) return [`${pad(indent)}-`, ...list(v, indent + 2)];
  if (!isMap(v)) return [`${pad(indent)}- ${scalar(v)}`];
  const lines = map(v, indent + 2);
  // "- key: value" when the first line is a plain entry; a leading construct gets its own line.
  const first = lines[0] ?? '';
  if (first.trimStart().startsWith('{{') || lines.length === 0)
    return [`${pad(indent)}-${lines.length ? '' : ' {}'}`, ...lines];
  return [`${pad(indent)}- ${first.slice(indent + 2)}`, ...lines.slice(1)];
}

/** list writes the items of an array at `indent`. */
function list(a: unknown[], indent: number): string[] {
  return a.flatMap((v) =>
    v instanceof When ? guarded(v.cond, indent, item(v.value, indent)) : item(v, indent),
  );
}

/** templateText writes one object as a template, optionally rendered only when `cond` holds. */
export function templateText(o: Record<string, unknown>, header: string, cond?: string): string {
  const body = map(o, 0);
  return `${header}${(cond ? guarded(cond, 0, body) : body).join('\n')}\n`;
}

/**
 * substitute replaces every string equal to a key of `exprs` (anywhere in `o`) by its Expr,
 * and returns the copy. Used for values that name one thing wherever they appear, such as
 * the install namespace.
 */
export function substitute<T>(o: T, exprs: Record<string, Expr>): T {
  if (typeof o === 'string' && Object.hasOwn(exprs, o)) return exprs[o] as T;
  if (Array.isArray(o)) return o.map((v) => substitute(v, exprs)) as T;
  if (isMap(o))
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, substitute(v, exprs)])) as T;
  if (o instanceof When) return new When(o.cond, substitute(o.value, exprs)) as T;
  return o;
}

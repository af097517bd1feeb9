import { stringify } from 'yaml';
import { alignedTable } from '../api/docs.js';
import { ChartValuesSchema, type ChartValues } from './chart-values.js';

/** The chart's files written from its values schema: values.yaml, values.schema.json, the README table. */

type Schema = Record<string, unknown> & { properties?: Record<string, Schema> };
const root = ChartValuesSchema as unknown as Schema;

function defaultsOf(s: Schema): unknown {
  if (!s.properties) return s.default;
  return Object.fromEntries(Object.entries(s.properties).map(([k, p]) => [k, defaultsOf(p)]));
}

/** defaultValues is every value at its default: what values.yaml holds. */
export function defaultValues(): ChartValues {
  return defaultsOf(root) as ChartValues;
}

/** valuesSchemaJson is values.schema.json (the schema as plain JSON, with a do-not-edit note). */
export function valuesSchemaJson(note: string): string {
  const schema = { $schema: 'http://json-schema.org/draft-07/schema#', $comment: note, ...root };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

/** comment wraps a description into `# ` lines of at most 100 characters. */
function comment(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && indent.length + 2 + line.length + word.length > 100) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].map((l) => `${indent}# ${l}`);
}

function valuesLines(s: Schema, indent: string): string[] {
  return Object.entries(s.properties ?? {}).flatMap(([key, p]) => {
    const head = comment(String(p.description), indent);
    if (p.properties) return [...head, `${indent}${key}:`, ...valuesLines(p, `${indent}  `)];
    const value = stringify({ [key]: p.default }, { lineWidth: 0, singleQuote: true }).trimEnd();
    return [...head, ...value.split('\n').map((l) => `${indent}${l}`)];
  });
}

/** valuesYaml is values.yaml: every default with its description above it. */
export function valuesYaml(header: string): string {
  return `${header}${valuesLines(root, '').join('\n')}\n`;
}

function typeOf(p: Schema): string {
  const consts = (p.anyOf as Schema[] | undefined)?.map((a) => a.const);
  if (consts) return consts.map((c) => `\`${String(c)}\``).join(' \\| ');
  return p.patternProperties ? 'map' : String(p.type);
}

function rows(s: Schema, prefix: string): string[][] {
  return Object.entries(s.properties ?? {}).flatMap(([key, p]) =>
    p.properties
      ? rows(p, `${prefix}${key}.`)
      : [
          [
            `\`${prefix}${key}\``,
            typeOf(p),
            `\`${JSON.stringify(p.default)}\``,
            String(p.description).replaceAll('|', '\\|'),
          ],
        ],
  );
}

/** valuesTable is the README's table of every value: key, type, default, description. */
export function valuesTable(): string {
  return alignedTable(['Value', 'Type', 'Default', 'Description'], rows(root, ''));
}

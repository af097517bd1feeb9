import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, EXIT } from './errors.js';

/** UsageError is a mistake in the command line; main() prints it with the usage and exits 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
  }
}

/** The options of one command, as node:util parseArgs takes them. */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs returns for `options`: typed values and the positionals. */
export type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
>;

/**
 * parseCommandLine is node:util parseArgs (options anywhere, positionals kept) whose mistakes
 * are UsageErrors naming the option: an unknown one, a flag given a value, or an option whose
 * value is missing, empty or looks like another option (`-n --watch`). `needs` says what a
 * value should be, for that last message (default "a value").
 */
export function parseCommandLine<const O extends Options>(
  args: string[],
  options: O,
  needs: { [K in keyof O]?: string } = {},
): Parsed<O> {
  const mistake = firstMistake(args, options, needs);
  if (mistake) throw new UsageError(mistake);
  return parseArgs({ args, options, strict: true, allowPositionals: true });
}

/** firstMistake reads the tokens leniently and names the first one strict parsing would refuse. */
function firstMistake(
  args: string[],
  options: Options,
  needs: Record<string, string | undefined>,
): string | undefined {
  const { tokens } = parseArgs({
    args,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const t of tokens) {
    if (t.kind !== 'option') continue;
    const type = Object.hasOwn(options, t.name) ? options[t.name]!.type : undefined;
    if (type === undefined) return `unknown argument "${t.rawName}"`;
    if (type === 'boolean' && t.value !== undefined) return `${t.rawName} takes no value`;
    const v = t.value;
    if (type === 'string' && (!v || (!t.inlineValue && v.startsWith('-'))))
      return `${t.rawName} needs ${needs[t.name] ?? 'a value'} (got ${v || 'nothing'})`;
  }
  return undefined;
}

/** parseOptionsOnly is parseCommandLine for a command that takes options and no other argument. */
export function parseOptionsOnly<const O extends Options>(
  args: string[],
  options: O,
): Parsed<O>['values'] {
  const { values, positionals } = parseCommandLine(args, options);
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  return values;
}

import { callHook } from '../hooks/call.js';
import { CONTROLLERS, HOOK_NAMES, hookNames, isControllerName } from '../hooks/controllers.js';
import type { ControllerName, HookName } from '../hooks/types.js';
import { parseCommandLine, UsageError } from './usage.js';

/** The parsed command line of `hook`. */
export interface HookArgs {
  controller: ControllerName;
  hook: HookName;
  now?: Date;
}

/** parseHookArgs reads `<controller> <hook> [--now <RFC3339>]`; mistakes are UsageErrors. */
export function parseHookArgs(args: string[]): HookArgs {
  const needs = 'an RFC3339 time';
  const { values, positionals } = parseCommandLine(
    args,
    { now: { type: 'string' } },
    { now: needs },
  );
  if (values.now !== undefined && Number.isNaN(Date.parse(values.now)))
    throw new UsageError(`--now needs ${needs} (got ${values.now})`);
  const now = values.now === undefined ? undefined : new Date(values.now);
  const [controller, hook, ...extra] = positionals;
  if (!controller || !isControllerName(controller))
    throw new UsageError(`unknown controller "${controller ?? ''}"`);
  if (!(HOOK_NAMES as readonly string[]).includes(hook ?? ''))
    throw new UsageError(`unknown hook "${hook ?? ''}"`);
  if (!hookNames(CONTROLLERS[controller]).includes(hook as HookName))
    throw new UsageError(`${controller} has no ${hook} hook`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  return now ? { controller, hook: hook as HookName, now } : { controller, hook: hook as HookName };
}

/**
 * runHook calls one hook on a request body exactly as the server does (callHook: the same
 * envelope checks, output checks and errors) and returns the canonical response JSON.
 */
export function runHook(a: HookArgs, body: string): string {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch (err) {
    throw new Error(`stdin is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return JSON.stringify(callHook(a.controller, a.hook, request, { now: a.now ?? new Date() }));
}

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** hookCommand is `gati-operator hook`: users unit-test the hooks as pure JSON functions with it. */
export async function hookCommand(
  args: string[],
  stdin: NodeJS.ReadableStream = process.stdin,
  stdout: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const parsed = parseHookArgs(args);
  stdout.write(`${runHook(parsed, await readStdin(stdin))}\n`);
  return 0;
}

import type { CustomizeRequest, SyncRequest } from '../api/metacontroller.js';
import { HOOKS } from '../hooks/index.js';
import type { ControllerName, HookName, HookRegistry } from '../hooks/types.js';
import { toJson } from '../render/canonical.js';
import { UsageError } from './main.js';

/** The parsed command line of `hook`. */
export interface HookArgs {
  controller: ControllerName;
  hook: HookName;
  now?: Date;
}

/** parseHookArgs reads `<controller> <hook> [--now <RFC3339>]`; mistakes are UsageErrors. */
export function parseHookArgs(args: string[], registry: HookRegistry = HOOKS): HookArgs {
  const rest = [...args];
  let now: Date | undefined;
  const i = rest.indexOf('--now');
  if (i !== -1) {
    const value = rest[i + 1];
    if (value === undefined || Number.isNaN(Date.parse(value)))
      throw new UsageError(`--now needs an RFC3339 time (got ${value ?? 'nothing'})`);
    now = new Date(value);
    rest.splice(i, 2);
  }
  const [controller, hook, ...extra] = rest;
  if (!controller || !Object.hasOwn(registry, controller))
    throw new UsageError(`unknown controller "${controller ?? ''}"`);
  if (hook !== 'sync' && hook !== 'finalize' && hook !== 'customize')
    throw new UsageError(`unknown hook "${hook ?? ''}"`);
  if (!registry[controller as ControllerName][hook])
    throw new UsageError(`${controller} has no ${hook} hook`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  return now
    ? { controller: controller as ControllerName, hook, now }
    : { controller: controller as ControllerName, hook };
}

/** runHook calls one hook on a request body and returns the canonical response JSON. */
export function runHook(a: HookArgs, body: string, registry: HookRegistry = HOOKS): string {
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch (err) {
    throw new Error(`stdin is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const hooks = registry[a.controller];
  const now = a.now ?? new Date();
  if (a.hook === 'customize') return toJson(hooks.customize?.(request as CustomizeRequest));
  const fn = a.hook === 'sync' ? hooks.sync : hooks.finalize;
  return toJson(fn?.(request as SyncRequest, { now }));
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

/**
 * Bounded waits for the stories: poll until a check passes or fail with what was awaited, the
 * last observation and the cluster's diagnostics.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A progress line on stderr (tap keeps stdout for TAP). */
export function log(scope: string, message: string): void {
  process.stderr.write(`[${scope} ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Pending is what a wait's check returns while not done: why, for the failure message. */
export class Pending {
  constructor(readonly why: string) {}
}
export const pending = (why: string): Pending => new Pending(why);

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
}

/** What a wait needs from its cluster: a scale for slow machines and a diagnostics dump. */
export interface WaitContext {
  scope: string;
  waitScale: number;
  diagnose(what: string): Promise<string>;
}

/**
 * until polls `check` until it returns a value other than undefined/false, or fails after a
 * bounded time with what it waited for, the last observation and the cluster's diagnostics.
 * `check` may return `pending(why)` to record why it is not done yet.
 */
export async function until<T>(
  ctx: WaitContext,
  what: string,
  check: () => Promise<T | undefined | false | Pending>,
  opts: WaitOptions,
): Promise<T> {
  const timeoutMs = Math.round(opts.timeoutMs * ctx.waitScale);
  const deadline = Date.now() + timeoutMs;
  let last = 'nothing observed yet';
  log(ctx.scope, `waiting (≤ ${Math.round(timeoutMs / SECOND)}s) for ${what}`);
  for (;;) {
    try {
      const v = await check();
      if (v instanceof Pending) last = v.why;
      else if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = `error: ${String(err)}`;
    }
    if (Date.now() >= deadline) break;
    await sleep(opts.intervalMs ?? SECOND);
  }
  const diagnostics = await ctx.diagnose(what).catch((e) => `diagnostics failed: ${String(e)}`);
  throw new Error(
    `timed out after ${Math.round(timeoutMs / SECOND)}s waiting for ${what}\nlast observation: ${last}\n${diagnostics}`,
  );
}

/**
 * holds checks that `check` keeps passing for `forMs` (polling), and fails at the first
 * observation that breaks it, naming what broke. For "nothing changes while ..." assertions.
 */
export async function holds(
  ctx: WaitContext,
  what: string,
  check: () => Promise<true | Pending>,
  opts: { forMs: number; intervalMs?: number },
): Promise<void> {
  const deadline = Date.now() + opts.forMs;
  log(ctx.scope, `checking for ${Math.round(opts.forMs / SECOND)}s that ${what}`);
  for (;;) {
    const v = await check();
    if (v instanceof Pending) {
      const diagnostics = await ctx.diagnose(what).catch((e) => `diagnostics failed: ${e}`);
      throw new Error(`${what} stopped holding: ${v.why}\n${diagnostics}`);
    }
    if (Date.now() >= deadline) return;
    await sleep(opts.intervalMs ?? SECOND);
  }
}

/**
 * saveDiagnostics writes a failure's diagnostics to `<dir>/<label>.txt` and returns what the
 * failure message carries: the file's name and the text's last `capChars` characters.
 */
export function saveDiagnostics(
  dir: string,
  label: string,
  text: string,
  capChars: number,
): string {
  const file = join(dir, `${label.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 80)}.txt`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
  } catch (err) {
    log('diagnostics', `could not write ${file}: ${String(err)}`);
  }
  const shown = text.length > capChars ? `…${text.slice(-capChars)}` : text;
  return `full diagnostics: ${file}\n${shown}`;
}

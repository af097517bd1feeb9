// The real hook server as a child process, for the tests that need one (process, hostile
// Prometheus): its JSON log lines collected, killed at teardown if still alive.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Test } from 'tap';

const ROOT = join(import.meta.dirname, '..', '..', '..');

export interface Running {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  waitFor(msg: RegExp): Promise<Record<string, unknown>>;
}

/** start runs a TypeScript entry with tsx, collecting its JSON log lines; killed at teardown if still alive. */
export function start(t: Test, args: string[], env: Record<string, string>): Running {
  // Through `env -u`: keeps tap's coverage hooks out of the tsx-compiled children, whose
  // offsets would not match tap's own (ts-node) coverage of the same files.
  const child = spawn(
    'env',
    ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', ...args],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      lines.push({ msg: l });
    }
    waiters.splice(0).forEach((w) => w());
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  const waitFor = (msg: RegExp) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `no log line matching ${msg} in 60s: ${JSON.stringify(lines)}; stderr: ${stderr}`,
            ),
          ),
        60000,
      );
      const check = () => {
        const hit = lines.find((l) => msg.test(String(l.msg)));
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(check);
      };
      check();
    });
  return { child, lines, exited, waitFor };
}

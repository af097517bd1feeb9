/** Shared by bench/run.ts and bench/soak.ts: start the bench server, machine facts, result files. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SERVER_NODE_FLAGS, SERVER_NODE_OPTIONS } from '../src/install/manifests.js';

/** The node flags of a bench server as shipped: the image's, then the Deployment's NODE_OPTIONS. */
export const SERVER_NODE_ARGS = [...SERVER_NODE_FLAGS, SERVER_NODE_OPTIONS].join(' ');
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** Clock the hooks run at in the benches: two minutes after the fixtures' scenario started. */
export const NOW = new Date('2026-01-01T00:02:00Z');

export interface BenchServer {
  child: ChildProcess;
  base: string;
  pid: number;
  stop(): Promise<number | null>;
}

/**
 * startServer runs bench/server.ts in its own node process (one core for the server, one for
 * the load generator), with the V8 flags the shipped Deployment and image set
 * (SERVER_NODE_OPTIONS, SERVER_NODE_FLAGS).
 * BENCH_NODE_ARGS adds node flags, e.g. `--cpu-prof --cpu-prof-dir=prof`.
 */
export async function startServer(env: Record<string, string> = {}): Promise<BenchServer> {
  const extra = `${SERVER_NODE_ARGS} ${process.env.BENCH_NODE_ARGS ?? ''}`
    .split(' ')
    .filter(Boolean);
  const child = spawn(
    process.execPath,
    [...extra, '--import', 'tsx', join(ROOT, 'bench', 'server.ts')],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('bench server did not start in 30 s')), 30_000);
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once('exit', (code) =>
      reject(new Error(`bench server exited with ${code} before listening`)),
    );
  });
  const { listening } = JSON.parse(line) as { listening: string };
  return {
    child,
    base: listening,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** rssBytes reads a process's resident set size from /proc (Linux). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** machine describes where and on what the figures were measured. */
export function machine(): Record<string, unknown> {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  return {
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    memoryBytes: totalmem(),
    commit: git('rev-parse', 'HEAD'),
    dirty: git('status', '--porcelain', '--', 'src').length > 0,
  };
}

/** today is the local date as YYYY-MM-DD. */
/** median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** writeResult writes pretty JSON under bench/results (or at an absolute path) and returns the path. */
export function writeResult(file: string, data: unknown): string {
  const path = isAbsolute(file) ? file : join(ROOT, 'bench', 'results', file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(data, null, 2) + '\n');
  return path;
}

/**
 * Long-running test processes (etcd, kube-apiserver, kube-controller-manager, Metacontroller,
 * the hook server) that never outlive the test: each runs in its own process group under a
 * small bash watchdog that kills it when this Node process goes away, even on SIGKILL.
 *
 * Also reads a process's CPU time from /proc, for the loop benchmark.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';

/** One process started by startProcess. */
export interface ManagedProcess {
  name: string;
  logPath: string;
  readonly exited: boolean;
  readonly exitCode: number | null;
  /** The pid of the program itself (not of its watchdog), once known. */
  pid(): number | undefined;
  /** Sends a signal to the program only (its watchdog keeps watching), e.g. SIGTERM for a graceful stop. */
  signal(sig: NodeJS.Signals): void;
  /** Waits until the process has exited, at most `ms`; resolves whether it did. */
  waitExit(ms: number): Promise<boolean>;
  /** SIGKILLs the whole group and waits for it (throw-away data: no graceful shutdown). */
  kill(waitMs?: number): Promise<void>;
  /** Last lines of its log. */
  tail(lines?: number): string;
}

export interface ProcessOptions {
  /** Environment of the program. Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** A directory the watchdog removes if this Node process dies first. */
  cleanupDir?: string;
}

interface Entry {
  child: ChildProcess;
  exited: boolean;
}

const live = new Set<Entry>();
const liveDirs = new Set<string>();
let hooksInstalled = false;

function killGroup(e: Entry, signal: NodeJS.Signals): void {
  if (e.child.pid === undefined) return;
  try {
    process.kill(-e.child.pid, signal);
  } catch {
    /* already gone */
  }
}

function emergencyCleanup(): void {
  for (const e of live) killGroup(e, 'SIGKILL');
  live.clear();
  for (const d of liveDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* best effort */
    }
  }
  liveDirs.clear();
}

/** Kills every managed process and removes registered dirs when this process exits or is signalled. */
function installCleanupHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', emergencyCleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      emergencyCleanup();
      process.removeListener(sig, handler);
      // Re-raise with the default behaviour if nobody else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/** Registers a temp dir removed on emergency cleanup; returns a function that unregisters it. */
export function registerTempDir(dir: string): () => void {
  installCleanupHooks();
  liveDirs.add(dir);
  return () => liveDirs.delete(dir);
}

/**
 * bash watchdog: runs "$@" in the background, kills it (TERM, then KILL after 5 s) as soon
 * as the parent Node process ($1) is gone and then removes the directory $2 (if not empty),
 * and exits with the child's status when it exits by itself.
 */
const WATCHDOG = `
p=$1; d=$2; shift 2
"$@" & c=$!
trap 'kill -TERM "$c" 2>/dev/null' TERM INT
while kill -0 "$c" 2>/dev/null; do
  if ! kill -0 "$p" 2>/dev/null; then
    kill -TERM "$c" 2>/dev/null; sleep 5; kill -KILL "$c" 2>/dev/null
    [ -n "$d" ] && rm -rf "$d"
    break
  fi
  sleep 1
done
wait "$c"
`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Starts `bin args` under the watchdog, stdout and stderr appended to logPath. */
export function startProcess(
  name: string,
  bin: string,
  args: string[],
  logPath: string,
  opts: ProcessOptions = {},
): ManagedProcess {
  installCleanupHooks();
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(
      'bash',
      ['-c', WATCHDOG, 'watchdog', String(process.pid), opts.cleanupDir ?? '', bin, ...args],
      { detached: true, stdio: ['ignore', fd, fd], env: opts.env, cwd: opts.cwd },
    );
  } finally {
    closeSync(fd);
  }
  const entry: Entry = { child, exited: false };
  let exitCode: number | null = null;
  child.on('exit', (code) => {
    entry.exited = true;
    exitCode = code;
    live.delete(entry);
  });
  child.on('error', () => {
    entry.exited = true;
  });
  child.unref(); // never keeps the event loop alive by itself
  live.add(entry);
  let programPid: number | undefined;
  const pid = (): number | undefined => {
    if (programPid === undefined && child.pid !== undefined && !entry.exited)
      programPid = childrenOf(child.pid)[0];
    return programPid;
  };
  const waitExit = async (ms: number): Promise<boolean> => {
    const deadline = Date.now() + ms;
    while (!entry.exited && Date.now() < deadline) await sleep(20);
    return entry.exited;
  };
  return {
    name,
    logPath,
    get exited() {
      return entry.exited;
    },
    get exitCode() {
      return exitCode;
    },
    pid,
    signal(sig) {
      const p = pid();
      if (p === undefined) return;
      try {
        process.kill(p, sig);
      } catch {
        /* already gone */
      }
    },
    waitExit,
    async kill(waitMs = 5000) {
      killGroup(entry, 'SIGKILL');
      await waitExit(waitMs);
      live.delete(entry);
    },
    tail: (lines = 40) => tailFile(logPath, lines),
  };
}

/** The last `lines` lines of a file ('' when unreadable). */
export function tailFile(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Direct children of a pid, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) =>
      readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

let clockTicks: number | undefined;
/** USER_HZ, the unit of /proc/<pid>/stat times; 100 on every Linux this runs on. */
function ticksPerSecond(): number {
  clockTicks ??= Number(process.env.CLK_TCK ?? 100);
  return clockTicks;
}

/**
 * CPU seconds (user + system) a process and its reaped children used so far, from
 * /proc/<pid>/stat; undefined when the process is gone.
 */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; fields after the closing paren are plain.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: fields 14-17 of stat(5), counted from field 3 here.
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return ticks / ticksPerSecond();
  } catch {
    return undefined;
  }
}

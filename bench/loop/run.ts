/**
 * The loop benchmark (`npm run bench:loop`): N GatiHandlers with two versions each applied at
 * once to the real loop (test/loop/lib/loop.ts: kube-apiserver, etcd, kube-controller-manager,
 * the real Metacontroller, our hook server as a child process, the kubelet and Gateway
 * stand-ins), timed until every handler is Ready and routed. CPU of each process from /proc,
 * hook calls per handler, request and response bytes per call, hook CPU per call.
 *
 * Beside each real run, in the same invocation, the same loop against the replay floor
 * (./replay-server.ts): answers recorded from our hooks, replayed by request fingerprint, so
 * the ratio shows what our hook logic costs the loop. The recording comes from a first run
 * with the recording server (every call a miss, answered by the real hooks in-process).
 *
 *   npm run bench:loop -- --n 25,100 --limits tuned,defaults [--timeout 1500] [--hook dist|tsx]
 *     [--repeat k] [--servers real,floor] [--log-level info] [--append] [--out loop-<date>.json]
 *     [--policy]   (every handler names one GatiRolloutPolicy)
 *   npm run bench:loop -- --report-only --append [--out …]   (recompute the ratios of a file)
 *   npm run bench:loop -- --traffic [--repeat k] [--out …]   (the end-to-end figure: ./traffic.ts)
 *
 * Metacontroller's defaults: --client-go-qps 5, burst 10, 5 workers; tuned: 100, 200, 10.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuSeconds } from '../../test/apiserver/lib/process.js';
import type { Obj } from '../../test/e2e/lib/api.js';
import {
  hookServerCommand,
  replayServerCommand,
  type HookEntry,
} from '../../test/loop/lib/hook-server.js';
import { startLoop, type Loop } from '../../test/loop/lib/loop.js';
import { watch } from '../../test/loop/lib/watch.js';
import { machine, median, ROOT, today, writeResult } from '../lib.js';
import { converged, handlerObjects } from './objects.js';
import { parseHookMetrics, type HookCounters, subtract } from './metrics.js';
import { benchTraffic, defaultOut } from './traffic.js';

const LIMITS: Record<string, { qps?: number; burst?: number; workers?: number }> = {
  defaults: {},
  tuned: { qps: 100, burst: 200, workers: 10 },
};
const NS = 'bench';
const PROCESSES = [
  'kube-apiserver',
  'etcd',
  'kube-controller-manager',
  'metacontroller',
  'hook-server',
] as const;

/** real: our hook server; floor: the replay floor; record: makes the floor's recording; verify: the floor checking every hit against the real hooks (untimed). */
type ServerKind = 'real' | 'floor' | 'record' | 'verify';

interface RunResult {
  n: number;
  limits: string;
  server: ServerKind;
  converged: boolean;
  seconds: number;
  readyHandlers: number;
  cpuSeconds: Record<string, number>;
  /** Seconds the loop sat idle after the warm-up handler was applied, before the clock started. */
  settleSeconds?: number;
  /** CPU seconds per second each process used while idle, just before the clock started. */
  idleCpuPerSecond?: Record<string, number>;
  controlPlaneCpuSeconds: number;
  hookServerShare: number;
  calls: {
    total: number;
    perHandler: number;
    byHook: Record<
      string,
      HookCounters & { perHandler: number; requestBytesAvg: number; responseBytesAvg: number }
    >;
  };
  hookCpuPerCallMs: number;
  replay?: { hits: number; misses: number; hitRate: number; verified: number; mismatches: number };
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const log = (line: string) =>
  process.stderr.write(`[bench:loop ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Creates objects with a bounded number of requests in flight. */
async function applyAll(loop: Loop, objs: Obj[], concurrency = 16): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < objs.length) await loop.api.apply(objs[next++]!);
    }),
  );
}

/** Resolves when every handler is converged (objects.ts), or at the deadline with how many were. */
function waitConverged(
  loop: Loop,
  n: number,
  deadline: number,
): Promise<{ ok: boolean; ready: number }> {
  const state = {
    handlers: new Map<string, Obj>(),
    routes: new Map<string, Obj>(),
    versions: new Map<string, Obj>(),
  };
  const ready = new Set<string>();
  return new Promise((resolve) => {
    const check = (name: string) => {
      if (converged(name, state)) ready.add(name);
      else ready.delete(name);
      if (ready.size === n) finish(true);
    };
    const base = `/apis`;
    const watches = [
      watch(loop.cluster, `${base}/gati.dev/v1alpha1/namespaces/${NS}/gatihandlers`, (type, o) => {
        state.handlers.set(o.metadata.name, o);
        if (type !== 'DELETED') check(o.metadata.name);
      }),
      watch(
        loop.cluster,
        `${base}/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`,
        (type, o) => {
          state.routes.set(o.metadata.name, o);
          const h = o.metadata.labels?.['gati.dev/handler'];
          if (h && type !== 'DELETED') check(h);
        },
      ),
      watch(loop.cluster, `${base}/gati.dev/v1alpha1/namespaces/${NS}/gativersions`, (type, o) => {
        state.versions.set(o.metadata.name, o);
        const h = o.spec?.handlerRef?.name;
        if (h && type !== 'DELETED') check(h);
      }),
    ];
    const timer = setTimeout(() => finish(false), Math.max(0, deadline - Date.now()));
    let done = false;
    function finish(ok: boolean) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const w of watches) w.stop();
      resolve({ ok, ready: ready.size });
    }
  });
}

function cpuOf(loop: Loop): Record<string, number> {
  const pids = loop.pids();
  const out: Record<string, number> = {};
  for (const p of PROCESSES) out[p] = cpuSeconds(pids[p] ?? -1) ?? NaN;
  const u = process.cpuUsage();
  out.harness = (u.user + u.system) / 1e6;
  return out;
}

/** Hook counters of the server under test: Prometheus metrics (real) or /stats (floor, record). */
interface Counters {
  byHook: Record<string, HookCounters>;
  hits: number;
  misses: number;
  verified: number;
  mismatches: number;
}

/** Hook counters of the server under test: Prometheus metrics (real) or /stats (the replay servers). */
async function countersOf(loop: Loop, server: ServerKind): Promise<Counters> {
  const out: Counters = { byHook: {}, hits: 0, misses: 0, verified: 0, mismatches: 0 };
  if (server === 'real') return { ...out, byHook: parseHookMetrics(await loop.hook.metrics()) };
  const r = await fetch(`${loop.hook.url}/stats`);
  type Stats = HookCounters & {
    hits: number;
    misses: number;
    verified: number;
    mismatches: number;
  };
  const body = (await r.json()) as { hooks: Record<string, Stats> };
  for (const [k, v] of Object.entries(body.hooks)) {
    out.hits += v.hits;
    out.misses += v.misses;
    out.verified += v.verified;
    out.mismatches += v.mismatches;
    out.byHook[k] = {
      calls: v.calls,
      requestBytes: v.requestBytes,
      responseBytes: v.responseBytes,
    };
  }
  return out;
}

interface RunOptions {
  hook: HookEntry;
  recording: string;
  timeoutMs: number;
  /** LOG_LEVEL of the real hook server (production default: info). */
  logLevel: string;
  /** Extra node flags for both hook servers (real and replay), from BENCH_NODE_ARGS (e.g. --cpu-prof). */
  nodeArgs: string[];
  /** --policy: every handler names one GatiRolloutPolicy (#24). */
  policy?: boolean;
}

async function runOnce(
  n: number,
  limits: string,
  server: ServerKind,
  opts: RunOptions,
): Promise<RunResult> {
  const floorCommand = replayServerCommand(opts.nodeArgs);
  const env: Record<string, string> = {
    real: { LOG_LEVEL: opts.logLevel },
    // Every replay run adds its misses to the recording, so later runs replay more.
    record: { RECORD_OUT: opts.recording },
    floor: { RECORDING: opts.recording, RECORD_OUT: opts.recording },
    verify: { RECORDING: opts.recording, RECORD_OUT: opts.recording, VERIFY_EVERY: '1' },
  }[server];
  const started = await startLoop({
    hookServer: {
      command: server === 'real' ? hookServerCommand(opts.hook, opts.nodeArgs) : floorCommand,
      env,
      name: server,
    },
    metacontroller: { ...LIMITS[limits], discoveryInterval: '2s' },
  });
  if ('skip' in started) throw new Error(`the loop cannot run: ${started.skip}`);
  const loop = started;
  try {
    await loop.api.ensureNamespace(NS);
    // Warm-up: one handler in its own namespace, so the JIT, the informers and Metacontroller's
    // controllers are running before the clock starts.
    await loop.api.ensureNamespace('warmup');
    await applyAll(loop, handlerObjects('warmup', 1, 'warm', opts.policy));
    await sleep(5000);
    // What each process burns doing nothing (timers, probes, metrics), over 10 s of idle.
    const idle0 = cpuOf(loop);
    await sleep(10_000);
    const cpu0 = cpuOf(loop);
    const idleCpuPerSecond = Object.fromEntries(
      Object.keys(cpu0).map((k) => [k, round((cpu0[k]! - idle0[k]!) / 10, 4)]),
    );
    const c0 = await countersOf(loop, server);
    const t0 = Date.now();
    const waiting = waitConverged(loop, n, t0 + opts.timeoutMs);
    await applyAll(loop, handlerObjects(NS, n, 'h', opts.policy));
    const result = await waiting;
    const seconds = (Date.now() - t0) / 1000;
    const cpu1 = cpuOf(loop);
    const c1 = await countersOf(loop, server);
    if (server !== 'real') await fetch(`${loop.hook.url}/recording`, { method: 'POST' });
    const cpu = Object.fromEntries(
      Object.keys(cpu1).map((k) => [k, round(cpu1[k]! - cpu0[k]!, 2)]),
    );
    const controlPlane = PROCESSES.reduce((s, p) => s + (cpu[p] ?? 0), 0);
    const byHook = subtract(c1.byHook, c0.byHook);
    const total = Object.values(byHook).reduce((s, h) => s + h.calls, 0);
    const hits = c1.hits - c0.hits;
    const misses = c1.misses - c0.misses;
    const verified = c1.verified - c0.verified;
    const mismatches = c1.mismatches - c0.mismatches;
    const run: RunResult = {
      n,
      limits,
      server,
      converged: result.ok,
      seconds: round(seconds, 1),
      readyHandlers: result.ready,
      cpuSeconds: cpu,
      settleSeconds: 15,
      idleCpuPerSecond,
      controlPlaneCpuSeconds: round(controlPlane, 2),
      hookServerShare: round((cpu['hook-server'] ?? 0) / controlPlane, 4),
      calls: {
        total,
        perHandler: round(total / n, 2),
        byHook: Object.fromEntries(
          Object.entries(byHook).map(([k, h]) => [
            k,
            {
              ...h,
              perHandler: round(h.calls / n, 2),
              requestBytesAvg: Math.round(h.requestBytes / Math.max(1, h.calls)),
              responseBytesAvg: Math.round(h.responseBytes / Math.max(1, h.calls)),
            },
          ]),
        ),
      },
      hookCpuPerCallMs: round(((cpu['hook-server'] ?? 0) * 1000) / Math.max(1, total), 3),
      ...(server === 'real'
        ? {}
        : {
            replay: {
              hits,
              misses,
              hitRate: round(hits / Math.max(1, hits + misses), 4),
              verified,
              mismatches,
            },
          }),
    };
    log(
      `N=${n} ${limits} ${server}: ${result.ok ? 'converged' : `NOT converged (${result.ready}/${n})`} in ${run.seconds}s; hook server ${(run.hookServerShare * 100).toFixed(1)}% of ${run.controlPlaneCpuSeconds} CPU-s; ${total} calls (${run.calls.perHandler}/handler), ${run.hookCpuPerCallMs} ms CPU/call${run.replay ? `; replay hit rate ${(run.replay.hitRate * 100).toFixed(1)}%, ${run.replay.mismatches}/${run.replay.verified} verified hits differed` : ''}`,
    );
    return run;
  } finally {
    await loop.stop();
  }
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

async function main(): Promise<void> {
  const ns = arg('n', '25,100').split(',').map(Number);
  const limitSets = arg('limits', 'tuned,defaults').split(',');
  const hook = arg('hook', 'dist') as HookEntry;
  const timeoutMs = Number(arg('timeout', '1500')) * 1000;
  const out = arg('out', `loop-${today()}.json`);
  const logLevel = arg('log-level', 'info');
  // --servers real: only our hook server (for profiling); the floor needs its recording run.
  const servers = arg('servers', 'real,floor').split(',') as Array<'real' | 'floor'>;
  const repeat = Number(arg('repeat', '1'));
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  for (const l of limitSets)
    if (!LIMITS[l]) throw new Error(`unknown --limits ${l} (defaults, tuned)`);
  // --append adds these runs to an existing results file (e.g. N = 250 in a second invocation).
  const path = join(ROOT, 'bench', 'results', out);
  const before =
    process.argv.includes('--append') && existsSync(path)
      ? (JSON.parse(readFileSync(path, 'utf8')) as {
          runs?: RunResult[];
          commands?: string[];
          date?: string;
        })
      : {};
  const previous = before.runs ?? [];
  const commands = [
    ...(before.commands ?? []),
    `npm run bench:loop -- ${process.argv.slice(2).join(' ')}`.trim(),
  ];
  if (process.argv.includes('--report-only')) {
    // Recompute the ratios of an existing results file (after runs were merged into it).
    writeResult(
      out,
      report(
        new Date(before.date ?? Date.now()),
        previous,
        { hook, timeoutMs, logLevel, nodeArgs },
        before.commands ?? [],
      ),
    );
    return;
  }
  if (hook === 'dist') {
    log('building dist/ (npm run build) so the hook server runs as shipped');
    execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  }
  if (process.argv.includes('--traffic')) {
    // The end-to-end figure (./traffic.ts): spec.version change to 99 % of requests on v2.
    await benchTraffic({ repeat: Number(arg('repeat', '3')), out: arg('out', defaultOut()), hook });
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'gati-bench-loop-'));
  const runs: RunResult[] = [...previous];
  const started = new Date();
  const settings = { hook, timeoutMs, logLevel, nodeArgs };
  try {
    for (const n of ns) {
      const recording = join(work, `recording-${n}.json`);
      const policy = process.argv.includes('--policy');
      const opts: RunOptions = { hook, recording, timeoutMs, logLevel, nodeArgs, policy };
      if (servers.includes('floor')) {
        log(`N=${n}: recording run (every call answered by the real hooks in-process)`);
        runs.push(await runOnce(n, 'tuned', 'record', opts));
        // Once, at the first N: is replaying by fingerprint faithful? Every hit is checked.
        if (n === ns[0]) runs.push(await runOnce(n, 'tuned', 'verify', opts));
      }
      // Real and floor alternate, `repeat` times each, so drift on a shared machine hits both.
      for (const limits of limitSets)
        for (let i = 0; i < repeat; i++)
          for (const server of servers) runs.push(await runOnce(n, limits, server, opts));
      writeResult(out, report(started, runs, settings, commands));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`results: bench/results/${out}`);
}

function report(
  started: Date,
  runs: RunResult[],
  settings: Record<string, unknown>,
  commands: string[],
): Record<string, unknown> {
  // One row per N and limit set: medians over the repeated real and floor runs.
  const cells = new Map<
    string,
    { n: number; limits: string; real: RunResult[]; floor: RunResult[] }
  >();
  for (const r of runs) {
    if (r.server !== 'real' && r.server !== 'floor') continue;
    const key = `${r.n} ${r.limits}`;
    const cell = cells.get(key) ?? { n: r.n, limits: r.limits, real: [], floor: [] };
    cell[r.server].push(r);
    cells.set(key, cell);
  }
  const med = (rs: RunResult[], f: (r: RunResult) => number) =>
    rs.length ? median(rs.map(f)) : NaN;
  const ratios = [...cells.values()].map(({ n, limits, real, floor }) => {
    const seconds = med(real, (r) => r.seconds);
    const floorSeconds = med(floor, (r) => r.seconds);
    return {
      n,
      limits,
      runs: { real: real.length, floor: floor.length },
      convergenceSecondsReal: real.map((r) => r.seconds),
      convergenceSecondsFloor: floor.map((r) => r.seconds),
      convergenceRatio: round(seconds / floorSeconds, 3),
      controlPlaneCpuRatio: round(
        med(real, (r) => r.controlPlaneCpuSeconds) / med(floor, (r) => r.controlPlaneCpuSeconds),
        3,
      ),
      hookServerShare: round(
        med(real, (r) => r.hookServerShare),
        4,
      ),
      floorServerShare: round(
        med(floor, (r) => r.hookServerShare),
        4,
      ),
      hookCpuPerCallMs: round(
        med(real, (r) => r.hookCpuPerCallMs),
        3,
      ),
      floorCpuPerCallMs: round(
        med(floor, (r) => r.hookCpuPerCallMs),
        3,
      ),
      floorHitRate: round(
        med(floor, (r) => r.replay?.hitRate ?? NaN),
        4,
      ),
      allConverged: [...real, ...floor].every((r) => r.converged),
    };
  });
  return {
    date: started.toISOString(),
    commands,
    machine: machine(),
    settings: {
      ...settings,
      limits: LIMITS,
      perHandler:
        'a GatiHandler at v2 plus GatiVersions v1 and v2 (routingWeight 50 each), replicas 1, parentRefs to a Gateway the stand-in accepts',
      converged:
        'handler Ready=True at its generation, its HTTPRoute weighting v1 50 / v2 50, both GatiVersions Ready',
      resyncPeriodSeconds: 'as generated (60)',
      hookServer:
        'real: gati-operator serve (LOG_LEVEL info, the Deployment’s NODE_OPTIONS and the image’s node flags); floor: bench/loop/replay-server.ts with the same flags',
      cpu: 'user+system seconds from /proc/<pid>/stat between the first apply and convergence; controlPlane = apiserver + etcd + controller-manager + metacontroller + hook server; harness = this process (applies, watches, stand-ins)',
    },
    ratios,
    runs,
  };
}

await main();

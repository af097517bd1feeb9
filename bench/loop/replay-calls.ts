/**
 * `npx tsx bench/loop/replay-calls.ts <capture.jsonl> [rounds]`: the hook server's CPU per call
 * on the loop's own requests, without the loop. A capture (`CAPTURE_OUT=calls.jsonl npm run
 * bench:loop -- --n 100 --limits tuned --servers floor`: the replay server appends every call
 * Metacontroller sent it, with its time; the first run, the recording one, is used) — this
 * sends them again, at their original pace and up to 10 at once (Metacontroller's tuned
 * workers), to our server (`dist/`, the image's and the Deployment's V8 flags, LOG_LEVEL info, its log to a
 * file) and to the replay floor, alternately `rounds` times each, and prints each one's CPU per
 * call from /proc. The floor is warmed with one untimed pass, so it replays every call (its hit
 * rate in the loop is lower: there, misses cost it a real hook call). Both answer on loopback
 * with nothing else running, so a change to the server's own per-call work shows in a minute
 * instead of a loop run; the loop (`npm run bench:loop`) stays the figure of record.
 * REPLAY_OUT names a results file under bench/results/ (every round and the medians).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { cpuSeconds } from '../../test/apiserver/lib/process.js';
import { SERVER_NODE_FLAGS } from '../../src/install/manifests.js';
import { HookServer, replayServerCommand } from '../../test/loop/lib/hook-server.js';
import { machine, median, writeResult } from '../lib.js';

interface Call {
  ms: number;
  path: string;
  body: string;
}

/**
 * REPLAY_SERVERS: which servers take turns (default real,floor): real (dist/), floor, record
 * (the floor answering every call with the real hooks), alt (the build in ALT_DIST, e.g. a
 * copy of dist/ with a change, to compare two builds of ours; ALT_NODE_ARGS adds node flags to
 * it alone, e.g. to compare V8 flags on one build; ALT_ENV, space-separated NAME=value pairs,
 * adds to its environment alone). REPLAY_TOGETHER=1 plays to all of them at once in each round
 * instead of in turn, so the machine's drift hits them alike (for A/B of two builds of ours; the
 * floor's figure is then not the loop's). REPLAY_NOTE is written as the results file's `note`
 * (say there what ALT_DIST was).
 */
type Kind = 'real' | 'floor' | 'record' | 'alt';
const KINDS = (process.env.REPLAY_SERVERS ?? 'real,floor').split(',') as Kind[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const together = Boolean(process.env.REPLAY_TOGETHER);

/** start runs one server of `kind` through the loop suite's HookServer (free port, /readyz, the image's and the Deployment's V8 flags). */
async function start(kind: Kind, work: string, recording: string): Promise<HookServer> {
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const command =
    kind === 'floor' || kind === 'record'
      ? replayServerCommand(nodeArgs)
      : [
          process.execPath,
          ...SERVER_NODE_FLAGS,
          ...nodeArgs,
          ...(kind === 'alt' ? (process.env.ALT_NODE_ARGS ?? '').split(' ').filter(Boolean) : []),
          join(kind === 'alt' ? (process.env.ALT_DIST ?? 'dist') : 'dist', 'cli', 'main.js'),
          'serve',
        ];
  const server = new HookServer({
    command,
    logDir: work,
    name: kind,
    env: {
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
      ...(kind === 'alt' ? altEnv() : {}),
      // Only the floor replays; `record` answers every call with the real hooks.
      ...(existsSync(recording) && kind === 'floor' ? { RECORDING: recording } : {}),
      RECORD_OUT: recording,
      CAPTURE_OUT: '',
    },
  });
  await server.start();
  return server;
}

/** altEnv: ALT_ENV's NAME=value pairs, for the alt server alone. */
function altEnv(): Record<string, string> {
  const pairs = (process.env.ALT_ENV ?? '').split(' ').filter(Boolean);
  return Object.fromEntries(
    pairs.map((p) => {
      const at = p.indexOf('=');
      if (at < 1) throw new Error(`ALT_ENV: expected NAME=value, got ${JSON.stringify(p)}`);
      return [p.slice(0, at), p.slice(at + 1)];
    }),
  );
}

/** altSettings: how the alt server differed, for the results file's command. */
function altSettings(): string {
  if (!KINDS.includes('alt')) return '';
  return ['ALT_DIST', 'ALT_NODE_ARGS', 'ALT_ENV']
    .filter((k) => process.env[k])
    .map((k) => `${k}=${JSON.stringify(process.env[k])} `)
    .join('');
}

/** play sends every call at its captured offset (10 connections) and returns the non-2xx count. */
async function play(base: string, calls: Call[]): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const t0 = Date.now();
  let failed = 0;
  const post = (c: Call) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        `${base}${c.path}`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 0) >= 300) failed++;
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(c.body);
    });
  await Promise.all(
    calls.map(async (c) => {
      await sleep(c.ms - (Date.now() - t0));
      await post(c);
    }),
  );
  agent.destroy();
  return failed;
}

/**
 * measure runs one round of the servers in `kinds` at once (one of them when taking turns):
 * starts them, sends each a few calls so none is measured compiling its code, then every call
 * of the capture to all of them, and returns each one's CPU from /proc and resident memory.
 */
async function measure(kinds: Kind[], calls: Call[], work: string, recording: string) {
  const servers = await Promise.all(kinds.map((kind) => start(kind, work, recording)));
  for (const s of servers)
    await play(
      s.url,
      calls.slice(0, 50).map((c) => ({ ...c, ms: 0 })),
    );
  await sleep(2000);
  const cpu0 = servers.map((s) => cpuSeconds(s.pid() ?? -1) ?? NaN);
  const failed = await Promise.all(servers.map((s) => play(s.url, calls)));
  const out = servers.map((s, i) => {
    const cpu = (cpuSeconds(s.pid() ?? -1) ?? NaN) - cpu0[i]!;
    return {
      kind: kinds[i]!,
      failed: failed[i]!,
      cpu,
      perCall: (cpu * 1000) / calls.length,
      rss: residentMiB(s.pid() ?? -1),
    };
  });
  await Promise.all(servers.map((s) => s.stop()));
  return out;
}

/** residentMiB: a process's resident memory (VmRSS), for comparing flags that trade memory for CPU. */
function residentMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

/**
 * firstRun: the timed calls of the capture's first run. A `bench:loop` invocation appends each
 * of its runs in turn (the time restarts at 0 with each server process); a run starts with its
 * warm-up handler, then 15 s of quiet, then the timed apply — whatever follows the first pause
 * over 5 s, with times counted from there.
 */
function firstRun(all: Call[]): Call[] {
  const end = all.findIndex((c, i) => i > 0 && c.ms < all[i - 1]!.ms);
  const run = end < 0 ? all : all.slice(0, end);
  const start = run.findIndex((c, i) => i > 0 && c.ms - run[i - 1]!.ms > 5000);
  const timed = start < 0 ? run : run.slice(start);
  const t0 = timed[0]?.ms ?? 0;
  return timed.map((c) => ({ ...c, ms: c.ms - t0 }));
}

async function main(): Promise<void> {
  const [file, roundsArg = '3'] = process.argv.slice(2);
  if (!file) throw new Error('usage: npx tsx bench/loop/replay-calls.ts <capture.jsonl> [rounds]');
  const calls = firstRun(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Call),
  );
  const work = mkdtempSync(join(tmpdir(), 'gati-replay-calls-'));
  const recording = join(work, 'recording.json');
  const results: Record<Kind, number[]> = { real: [], floor: [], record: [], alt: [] };
  try {
    // The floor's untimed pass: every answer recorded, so the timed passes only replay.
    if (KINDS.includes('floor')) {
      const s = await start('floor', work, recording);
      await play(s.url, calls);
      await fetch(`${s.url}/recording`, { method: 'POST' });
      await s.stop();
    }
    // Taking turns, one server at a time; REPLAY_TOGETHER: all of them at once, each sent every
    // call at the same moment, so drift on a shared machine (the bench VM's ±10 % from minute to
    // minute) hits them alike.
    const groups = together ? [KINDS] : KINDS.map((k) => [k]);
    for (let round = 0; round < Number(roundsArg); round++)
      for (const group of groups)
        for (const m of await measure(group, calls, work, recording)) {
          results[m.kind].push(m.perCall);
          console.log(
            `${m.kind}: ${calls.length} calls, ${m.failed} not 2xx, ${m.cpu.toFixed(2)} CPU-s, ${m.perCall.toFixed(3)} ms CPU/call, ${m.rss} MiB resident${together ? ' (together)' : ''}`,
          );
        }
    const medians = Object.fromEntries(KINDS.map((k) => [k, median(results[k])]));
    // Each other server against ours (when ours took part).
    for (const kind of KINDS.includes('real') ? KINDS.filter((k) => k !== 'real') : [])
      console.log(
        `median: real ${medians.real!.toFixed(3)} ms, ${kind} ${medians[kind]!.toFixed(3)} ms a call: real is ${(medians.real! / medians[kind]!).toFixed(2)}× ${kind}`,
      );
    if (process.env.REPLAY_OUT)
      writeResult(process.env.REPLAY_OUT, {
        ...(process.env.REPLAY_NOTE ? { note: process.env.REPLAY_NOTE } : {}),
        date: new Date().toISOString(),
        command: `${together ? 'REPLAY_TOGETHER=1 ' : ''}${altSettings()}REPLAY_SERVERS=${KINDS.join(',')} npx tsx bench/loop/replay-calls.ts <capture> ${roundsArg}`,
        together,
        machine: machine(),
        capture: { calls: calls.length, seconds: (calls.at(-1)?.ms ?? 0) / 1000 },
        cpuMsPerCall: results,
        medians,
      });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();

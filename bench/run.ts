/**
 * `npm run bench`: hook throughput and latency against two floors, in the same run and the
 * same server process, for three realistic request sets; then the hook alone (callHook, as the
 * server calls it) against JSON.parse of its own request. Prints a table and writes
 * bench/results/<date>.json. The floors (bench/server.ts): `parse` only parses the request and
 * answers `{}`; `answer` parses it and serialises a precomputed answer of the hook's size.
 *
 * The routes are measured in alternating rounds (hook, parse, answer, hook, …), so a change in
 * the machine's load during the run weighs on all alike; req/s is the total over all rounds,
 * latencies the median round's (and the worst round's p99).
 *
 * Environment: BENCH_SECONDS (per route, over all rounds, default 10), BENCH_ROUNDS (default 5),
 * BENCH_WARMUP_SECONDS (default 3),
 * BENCH_SETS (comma list, default small,medium,large), BENCH_OUT (file name under
 * bench/results or an absolute path, default <date>.json), BENCH_NODE_ARGS (extra flags for the
 * server process),
 * BENCH_HTTP (0: the pure hooks only), BENCH_PURE_ROUNDS (default 15) and BENCH_PURE_ROUND_MS
 * (default 200) for the pure hooks' alternating rounds.
 */
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { callHook } from '../src/hooks/call.js';
import { requestSets, type RequestSet } from './fixtures.js';
import { machine, median, NOW, SERVER_NODE_ARGS, startServer, today, writeResult } from './lib.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
const ONLY = (process.env.BENCH_SETS ?? 'small,medium,large').split(',');
const HTTP = process.env.BENCH_HTTP !== '0';
const PURE_ROUNDS = Math.max(1, Number(process.env.BENCH_PURE_ROUNDS ?? 15));
const PURE_ROUND_MS = Number(process.env.BENCH_PURE_ROUND_MS ?? 200);
/** Concurrent connections per set. Large bodies use 2: Metacontroller rarely has two 5 MiB parents in flight. */
const CONNECTIONS: Record<RequestSet['name'], number> = { small: 10, medium: 10, large: 2 };

interface Load {
  requestsPerSecond: number;
  total: number;
  /** Seconds measured. */
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** Rounds of one route summed: total req/s, median p50/p99, worst p99 and max. */
interface Loads extends Load {
  worstP99Ms: number;
  roundsPerSecond: number[];
}

function combine(rounds: Load[]): Loads {
  const sum = (f: (l: Load) => number) => rounds.reduce((n, l) => n + f(l), 0);
  const total = sum((l) => l.total);
  const seconds = sum((l) => l.seconds);
  return {
    requestsPerSecond: total / seconds,
    total,
    seconds,
    p50Ms: median(rounds.map((l) => l.p50Ms)),
    p99Ms: median(rounds.map((l) => l.p99Ms)),
    worstP99Ms: Math.max(...rounds.map((l) => l.p99Ms)),
    maxMs: Math.max(...rounds.map((l) => l.maxMs)),
    non2xx: sum((l) => l.non2xx),
    errors: sum((l) => l.errors),
    timeouts: sum((l) => l.timeouts),
    roundsPerSecond: rounds.map((l) => l.requestsPerSecond),
  };
}

async function load(
  base: string,
  path: string,
  body: string,
  connections: number,
  seconds: number,
): Promise<Load> {
  const r = await autocannon({
    url: `${base}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
    timeout: 30,
  });
  return {
    requestsPerSecond: r.requests.total / (r.duration || seconds),
    total: r.requests.total,
    seconds: r.duration || seconds,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/** check sends one request to each route and verifies the answer before timing anything. */
async function check(
  base: string,
  set: RequestSet,
): Promise<{ hookResponseBytes: number; children: number }> {
  const post = (path: string) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: set.text,
    });
  const hook = await post(set.path);
  const text = await hook.text();
  if (hook.status !== 200)
    throw new Error(`${set.name}: ${set.path} answered ${hook.status}: ${text.slice(0, 300)}`);
  const floor = await post('/floor');
  if (floor.status !== 200 || (await floor.text()) !== '{}')
    throw new Error(`${set.name}: /floor did not answer {}`);
  const answer = await post(`/floor-answer/${set.name}`);
  if (answer.status !== 200 || (await answer.text()) !== text)
    throw new Error(`${set.name}: /floor-answer/${set.name} did not answer the hook's answer`);
  return {
    hookResponseBytes: Buffer.byteLength(text),
    children: (JSON.parse(text) as { children: unknown[] }).children.length,
  };
}

/** perCall times fn over about `ms` milliseconds after a warm-up; returns µs per call. */
function perCall(fn: () => unknown, ms = 1000): { microseconds: number; iterations: number } {
  const until = (budgetMs: number) => {
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(budgetMs)) * 1_000_000n;
    let n = 0;
    let now = start;
    while (now < end) {
      fn();
      n++;
      now = process.hrtime.bigint();
    }
    return { n, ns: Number(now - start) };
  };
  until(ms / 3);
  const { n, ns } = until(ms);
  return { microseconds: ns / n / 1000, iterations: n };
}

/**
 * micro times the hook alone (callHook, as the server calls it) against JSON.parse of its own
 * request, in alternating rounds (parse, hook, parse, …) so a change in the machine's load
 * weighs on both alike: the medians of the per-round times and ratios, and the ratios' spread.
 */
function micro(set: RequestSet) {
  const request = JSON.parse(set.text) as unknown;
  const parse = () => JSON.parse(set.text);
  const hook = () => callHook(set.controller, 'sync', request, { now: NOW });
  perCall(parse, PURE_ROUND_MS * 2);
  perCall(hook, PURE_ROUND_MS * 2);
  const rounds = Array.from({ length: PURE_ROUNDS }, () => {
    const p = perCall(parse, PURE_ROUND_MS).microseconds;
    const h = perCall(hook, PURE_ROUND_MS).microseconds;
    return { parse: p, hook: h, ratio: h / p };
  });
  const ratios = rounds.map((r) => r.ratio);
  return {
    parseMicroseconds: median(rounds.map((r) => r.parse)),
    hookMicroseconds: median(rounds.map((r) => r.hook)),
    hookOverParse: median(ratios),
    hookOverParseRange: [Math.min(...ratios), Math.max(...ratios)],
    rounds,
  };
}

const fmt = (n: number, d = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** http drives each set's hook and the two floors with autocannon in alternating rounds. */
async function http(sets: RequestSet[], results: Record<string, unknown>[]): Promise<void> {
  const server = await startServer();
  try {
    for (const set of sets) {
      const connections = CONNECTIONS[set.name];
      const answer = await check(server.base, set);
      process.stderr.write(
        `${set.name}: ${fmt(Buffer.byteLength(set.text))} bytes, ${set.observedChildren} observed children → ${answer.children} desired; ${connections} connections\n`,
      );
      const answerPath = `/floor-answer/${set.name}`;
      for (const path of [set.path, '/floor', answerPath])
        await load(server.base, path, set.text, connections, WARMUP);
      const hookRounds: Load[] = [];
      const floorRounds: Load[] = [];
      const answerRounds: Load[] = [];
      const round = (path: string) =>
        load(server.base, path, set.text, connections, SECONDS / ROUNDS);
      for (let i = 0; i < ROUNDS; i++) {
        hookRounds.push(await round(set.path));
        floorRounds.push(await round('/floor'));
        answerRounds.push(await round(answerPath));
      }
      const hook = combine(hookRounds);
      const floor = combine(floorRounds);
      const answerFloor = combine(answerRounds);
      results.push({
        set: set.name,
        controller: set.controller,
        path: set.path,
        requestBytes: Buffer.byteLength(set.text),
        observedChildren: set.observedChildren,
        ...answer,
        connections,
        hook,
        floor,
        answerFloor,
        throughputRatio: hook.requestsPerSecond / floor.requestsPerSecond,
        answerRatio: hook.requestsPerSecond / answerFloor.requestsPerSecond,
        roundRatios: hookRounds.map(
          (h, i) => h.requestsPerSecond / floorRounds[i]!.requestsPerSecond,
        ),
        roundAnswerRatios: hookRounds.map(
          (h, i) => h.requestsPerSecond / answerRounds[i]!.requestsPerSecond,
        ),
      });
    }
  } finally {
    const code = await server.stop();
    if (code !== 0) process.stderr.write(`bench server exited with ${code}\n`);
  }
}

async function main() {
  const started = Date.now();
  const sets = requestSets().filter((s) => ONLY.includes(s.name));
  const results: Record<string, unknown>[] = [];
  if (HTTP) await http(sets, results);
  const microResults = sets.map((s) => ({
    set: s.name,
    controller: s.controller,
    requestBytes: Buffer.byteLength(s.text),
    ...micro(s),
  }));
  const out = {
    date: new Date().toISOString(),
    command: 'npm run bench',
    machine: machine(),
    settings: {
      secondsPerRoute: SECONDS,
      rounds: ROUNDS,
      warmupSeconds: WARMUP,
      connections: CONNECTIONS,
      loadGenerator: 'autocannon (same machine, own process)',
      serverNodeOptions: `${SERVER_NODE_ARGS} ${process.env.BENCH_NODE_ARGS ?? ''}`.trim(),
      serverLogLevel: 'info (to /dev/null)',
      overloadGuard: 'off in the bench server',
      pureRounds: PURE_ROUNDS,
      pureRoundMs: PURE_ROUND_MS,
      loadAverageAtStart: loadavg(),
    },
    http: results,
    pure: microResults,
    targets: {
      smallRatio: ratioOf(results, 'small'),
      mediumRatio: ratioOf(results, 'medium'),
      smallAnswerRatio: results.find((r) => r.set === 'small')?.answerRatio,
      mediumAnswerRatio: results.find((r) => r.set === 'medium')?.answerRatio,
      largeP99Ms: (results.find((r) => r.set === 'large')?.hook as Load | undefined)?.p99Ms,
      hookAtMostParse: microResults
        .filter((m) => m.set !== 'large')
        .every((m) => m.hookOverParse <= 1),
    },
    totalSeconds: (Date.now() - started) / 1000,
  };
  printTable(results, microResults);
  const path = writeResult(process.env.BENCH_OUT ?? `${today()}.json`, out);
  console.log(`\nwrote ${path} (${fmt(out.totalSeconds, 0)} s)`);
}

function ratioOf(results: Record<string, unknown>[], set: string): number | undefined {
  return results.find((r) => r.set === set)?.throughputRatio as number | undefined;
}

function printTable(
  results: Record<string, unknown>[],
  microResults: ReturnType<typeof micro>[] & { set: string }[],
) {
  console.log('\nHTTP (hook vs floor, same process)');
  console.log(
    ['set', 'bytes', 'conns', 'route', 'req/s', 'p50 ms', 'p99 ms', 'non2xx', 'hook÷it']
      .map((h) => h.padStart(10))
      .join(''),
  );
  for (const r of results) {
    for (const route of ['hook', 'floor', 'answerFloor'] as const) {
      const l = r[route] as Load;
      const cells = [
        r.set as string,
        fmt(r.requestBytes as number),
        String(r.connections),
        route === 'answerFloor' ? 'answer' : route === 'floor' ? 'parse' : route,
        fmt(l.requestsPerSecond, 1),
        fmt(l.p50Ms, 1),
        fmt(l.p99Ms, 1),
        String(l.non2xx + l.errors),
        route === 'floor'
          ? fmt(r.throughputRatio as number, 3)
          : route === 'answerFloor'
            ? fmt(r.answerRatio as number, 3)
            : '',
      ];
      console.log(cells.map((c) => c.padStart(10)).join(''));
      if (route === 'answerFloor')
        console.log(
          `${''.padStart(10)}rounds hook÷parse: ${(r.roundRatios as number[]).map((x) => fmt(x, 2)).join(' ')}; hook÷answer: ${(r.roundAnswerRatios as number[]).map((x) => fmt(x, 2)).join(' ')}`,
        );
    }
  }
  console.log(
    `\nPure hook vs JSON.parse of its own request (µs per call; medians of ${PURE_ROUNDS} alternating rounds)`,
  );
  console.log(
    ['set', 'parse µs', 'hook µs', 'hook÷parse', 'spread'].map((h) => h.padStart(12)).join(''),
  );
  for (const m of microResults)
    console.log(
      [
        m.set,
        fmt(m.parseMicroseconds, 1),
        fmt(m.hookMicroseconds, 1),
        fmt(m.hookOverParse, 3),
        m.hookOverParseRange.map((x) => fmt(x, 2)).join('–'),
      ]
        .map((c) => c.padStart(12))
        .join(''),
    );
}

await main();

/**
 * `npm run soak`: sustained loopback load on the bench server (small and medium hook calls,
 * with a large one every 20 calls) for SOAK_SECONDS (default 300). The server's RSS is sampled
 * every 10 s after a warm-up (SOAK_WARMUP_SECONDS, default 30). A 6.5 MB request in flight
 * moves RSS by ±30 MiB, so one sample against another says little: growth (target < 10%) is
 * the median of the last quarter of the samples over the median of the first quarter, minus
 * one. Also reported: last ÷ first sample − 1, and the least-squares slope in MiB per minute.
 * Writes bench/results/soak-<date>.json.
 */
import autocannon from 'autocannon';
import { requestSets } from './fixtures.js';
import {
  machine,
  median,
  rssBytes,
  SERVER_NODE_ARGS,
  startServer,
  today,
  writeResult,
} from './lib.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const WARMUP = Number(process.env.SOAK_WARMUP_SECONDS ?? Math.min(30, Math.floor(SECONDS / 5)));
const CONNECTIONS = 4;
const SAMPLE_MS = 10_000;

const [small, medium, large] = requestSets();
const call = (s: NonNullable<typeof small>) => ({
  method: 'POST',
  path: s.path,
  headers: { 'content-type': 'application/json' },
  body: s.text,
});
const mix = [
  ...Array.from({ length: 19 }, (_, i) => call(i % 2 === 0 ? small! : medium!)),
  call(large!),
];

const server = await startServer();
const samples: Array<{ atSeconds: number; rssBytes: number }> = [];
const started = Date.now();
const sampler = setInterval(() => {
  const at = (Date.now() - started) / 1000;
  if (at >= WARMUP) samples.push({ atSeconds: Math.round(at), rssBytes: rssBytes(server.pid) });
  process.stderr.write(
    `t=${Math.round(at)}s rss=${(rssBytes(server.pid) / 2 ** 20).toFixed(1)} MiB\n`,
  );
}, SAMPLE_MS);
const result = await autocannon({
  url: server.base,
  requests: mix,
  connections: CONNECTIONS,
  duration: SECONDS,
  timeout: 30,
});
clearInterval(sampler);
samples.push({
  atSeconds: Math.round((Date.now() - started) / 1000),
  rssBytes: rssBytes(server.pid),
});
const exitCode = await server.stop();

const rss = samples.map((s) => s.rssBytes);
const first = rss[0]!;
const last = rss[rss.length - 1]!;
const max = Math.max(...rss);
const quarter = Math.max(3, Math.floor(rss.length / 4));
const early = median(rss.slice(0, quarter));
const late = median(rss.slice(-quarter));
const slopeMiBPerMinute = (slope(samples.map((s) => [s.atSeconds, s.rssBytes])) * 60) / 2 ** 20;

/** slope is the least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}
const out = {
  date: new Date().toISOString(),
  command: `SOAK_SECONDS=${SECONDS} npm run soak`,
  machine: machine(),
  settings: {
    seconds: SECONDS,
    warmupSeconds: WARMUP,
    connections: CONNECTIONS,
    sampleEverySeconds: SAMPLE_MS / 1000,
    serverNodeOptions: `${SERVER_NODE_ARGS} ${process.env.BENCH_NODE_ARGS ?? ''}`.trim(),
    mix: '19 small/medium GatiModule/GatiHandler syncs, then one ≥ 5 MiB GatiHandler sync, repeated',
  },
  requests: {
    total: result.requests.total,
    perSecond: result.requests.total / result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    p99Ms: result.latency.p99,
  },
  rss: {
    samplesPerQuarter: quarter,
    firstQuarterMedianBytes: early,
    lastQuarterMedianBytes: late,
    growth: late / early - 1,
    firstBytes: first,
    lastBytes: last,
    lastOverFirst: last / first - 1,
    slopeMiBPerMinute,
    maxBytes: max,
    samples,
  },
  serverExitCode: exitCode,
};
const path = writeResult(`soak-${today()}.json`, out);
console.log(
  `soak ${SECONDS}s: ${out.requests.total} requests (${out.requests.perSecond.toFixed(1)}/s, non-2xx ${out.requests.non2xx}, errors ${out.requests.errors})`,
);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(
  `RSS median of first/last ${quarter} samples ${mib(early)} → ${mib(late)} MiB: growth ${(out.rss.growth * 100).toFixed(1)}% (target < 10%)`,
);
console.log(
  `   single samples ${mib(first)} → ${mib(last)} MiB (${(out.rss.lastOverFirst * 100).toFixed(1)}%), max ${mib(max)}, slope ${slopeMiBPerMinute.toFixed(2)} MiB/min`,
);
console.log(`wrote ${path}`);

/**
 * `npm run soak`: sustained loopback load on the bench server (small and medium hook calls,
 * with a large one every 20 calls) for SOAK_SECONDS (default 300). The server's RSS is sampled
 * every 10 s after a warm-up (SOAK_WARMUP_SECONDS, default 30); growth = last ÷ first sample − 1
 * (target < 10%). Writes bench/results/soak-<date>.json.
 */
import autocannon from 'autocannon';
import { requestSets } from './fixtures.js';
import { machine, rssBytes, SERVER_NODE_OPTIONS, startServer, today, writeResult } from './lib.js';

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

const first = samples[0]!.rssBytes;
const last = samples[samples.length - 1]!.rssBytes;
const max = Math.max(...samples.map((s) => s.rssBytes));
const out = {
  date: new Date().toISOString(),
  command: `SOAK_SECONDS=${SECONDS} npm run soak`,
  machine: machine(),
  settings: {
    seconds: SECONDS,
    warmupSeconds: WARMUP,
    connections: CONNECTIONS,
    sampleEverySeconds: SAMPLE_MS / 1000,
    serverNodeOptions: `${SERVER_NODE_OPTIONS} ${process.env.BENCH_NODE_ARGS ?? ''}`.trim(),
    mix: '19 small/medium GatiModule/GatiHandler syncs, then one ≥ 5 MiB GatiHandler sync, repeated',
  },
  requests: {
    total: result.requests.total,
    perSecond: result.requests.total / result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    p99Ms: result.latency.p99,
  },
  rss: { firstBytes: first, lastBytes: last, maxBytes: max, growth: last / first - 1, samples },
  serverExitCode: exitCode,
};
const path = writeResult(`soak-${today()}.json`, out);
console.log(
  `soak ${SECONDS}s: ${out.requests.total} requests (${out.requests.perSecond.toFixed(1)}/s, non-2xx ${out.requests.non2xx}, errors ${out.requests.errors})`,
);
console.log(
  `RSS ${(first / 2 ** 20).toFixed(1)} → ${(last / 2 ** 20).toFixed(1)} MiB (max ${(max / 2 ** 20).toFixed(1)}): growth ${(out.rss.growth * 100).toFixed(1)}% (target < 10%)`,
);
console.log(`wrote ${path}`);

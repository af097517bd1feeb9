/**
 * Profile helper for the HTTP path: starts the bench server under `--cpu-prof` and drives only
 * one set's hook route (or the floor with `floor` as third argument) for N seconds.
 * `tsx bench/profile-server.ts medium 8` then `tsx bench/top.ts <dir>/<file>.cpuprofile`.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { requestSets } from './fixtures.js';
import { startServer } from './lib.js';

const [name = 'medium', seconds = '8', route = 'hook'] = process.argv.slice(2);
const set = requestSets().find((s) => s.name === name);
if (!set) throw new Error(`no set ${name}`);
const dir = mkdtempSync(join(tmpdir(), 'gati-prof-'));
process.env.BENCH_NODE_ARGS = `${process.env.BENCH_NODE_ARGS ?? ''} --cpu-prof --cpu-prof-dir=${dir}`;
const server = await startServer();
const r = await autocannon({
  url: `${server.base}${route === 'floor' ? '/floor' : set.path}`,
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: set.text,
  connections: name === 'large' ? 2 : 10,
  duration: Number(seconds),
});
await server.stop();
console.log(
  `${name} ${route}: ${(r.requests.total / r.duration).toFixed(1)} req/s, non2xx ${r.non2xx}`,
);
// The main thread's profile is the first; later ones are worker threads (tsx's loader).
console.log(join(dir, readdirSync(dir).sort()[0] ?? '(no profile)'));

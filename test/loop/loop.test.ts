import t from 'tap';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ALL_STORIES } from '../e2e/lib/all-stories.js';
import { runStories } from '../e2e/lib/stories.js';
import { log, MINUTE } from '../e2e/lib/wait.js';
import { machine, today } from '../../bench/lib.js';
import { loopDriver } from './lib/driver.js';
import { startLoop } from './lib/loop.js';

// The loop suite (docs/testing.md, "Loop suite"): the stories of test/e2e/lib/stories.ts and
// traffic-stories.ts against the real Metacontroller and a real control plane on loopback, with
// our hook server as a child process, Traefik as the Gateway, the versions' servers and
// Prometheus (the data plane), and a stand-in for the kubelet (and for the Gateway where
// Traefik or Prometheus cannot be had: the traffic stories then skip).

const env = process.env;
/** Short resyncs keep the idle check quick; the generated controllers say 60. */
const RESYNC_SECONDS = Number(env.LOOP_RESYNC_SECONDS ?? 10);
const waitScale = Number(env.LOOP_WAIT_SCALE ?? 1) > 0 ? Number(env.LOOP_WAIT_SCALE ?? 1) : 1;
/** Stories side by side (runStories' lanes); 1 runs them one by one, as the kind suite does. */
const lanes = Math.max(1, Math.floor(Number(env.LOOP_LANES ?? 2)) || 1);

// Cold builds of the binaries can take 15+ minutes; .ci/run builds them before the suite.
t.setTimeout(60 * MINUTE * waitScale);

const started = await startLoop({
  front: true,
  dataPlane: env.LOOP_DATA_PLANE !== '0',
  resyncPeriodSeconds: RESYNC_SECONDS,
  hookServer: { env: { LOG_LEVEL: env.LOOP_HOOK_LOG_LEVEL ?? 'info' } },
  metacontroller: { qps: 100, burst: 200, workers: 10, discoveryInterval: '2s' },
  log: (line) => log('loop', line),
});

if ('skip' in started) {
  if (env.LOOP_REQUIRE === '1')
    t.fail(`loop suite required (LOOP_REQUIRE=1) but cannot run: ${started.skip}`);
  else t.plan(0, `loop suite: ${started.skip}`);
} else {
  const loop = started;
  t.teardown(() => loop.stop());
  const artifacts = env.LOOP_ARTIFACTS ?? mkdtempSync(join(tmpdir(), 'gati-loop-artifacts-'));
  const driver = loopDriver(loop, { waitScale, artifacts });
  const only = env.LOOP_STORIES?.split(',').filter(Boolean);
  const stories = only ? ALL_STORIES.filter((s) => only.includes(s.slug)) : ALL_STORIES;
  log(
    'loop',
    `${stories.length} stories, ${lanes} at a time; diagnostics on failure under ${artifacts}`,
  );
  const t0 = Date.now();
  await runStories(t, driver, stories, lanes);
  log('loop', `stories took ${((Date.now() - t0) / 1000).toFixed(0)}s`);
  if ('results' in loop.dataPlane && Object.keys(loop.dataPlane.results).length > 0) {
    // The traffic stories' measurements (bench/results/loop-traffic-*.json when named so).
    const file = env.LOOP_TRAFFIC_RESULTS ?? join(artifacts, `loop-traffic-${today()}.json`);
    const data = { date: today(), machine: machine(), stories: loop.dataPlane.results };
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
    log('loop', `traffic measurements: ${file}`);
  }
}

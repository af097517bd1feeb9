import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORIES, runStories } from '../e2e/lib/stories.js';
import { log, MINUTE } from '../e2e/lib/wait.js';
import { loopDriver } from './lib/driver.js';
import { startLoop } from './lib/loop.js';

// The loop suite (docs/testing.md, "Loop suite"): the stories of test/e2e/lib/stories.ts
// against the real Metacontroller and a real control plane on loopback, with our hook server
// as a child process and stand-ins only for the kubelet and the Gateway.

const env = process.env;
/** Short resyncs keep the idle check quick; the generated controllers say 60. */
const RESYNC_SECONDS = Number(env.LOOP_RESYNC_SECONDS ?? 10);
const waitScale = Number(env.LOOP_WAIT_SCALE ?? 1) > 0 ? Number(env.LOOP_WAIT_SCALE ?? 1) : 1;

// Cold builds of the binaries can take 15+ minutes; .ci/run builds them before the suite.
t.setTimeout(60 * MINUTE * waitScale);

const started = await startLoop({
  front: true,
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
  const stories = only ? STORIES.filter((s) => only.includes(s.slug)) : STORIES;
  log('loop', `${stories.length} stories; diagnostics on failure under ${artifacts}`);
  const t0 = Date.now();
  await runStories(t, driver, stories);
  log('loop', `stories took ${((Date.now() - t0) / 1000).toFixed(0)}s`);
}

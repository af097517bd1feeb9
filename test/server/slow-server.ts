// Entry point for process.test.ts: the real lifecycle code around an app whose hook calls are
// slow (the drain observation takes SLOW_MS), so SIGTERM can arrive while one is in flight.
// Under a plain `tap` run (no GATI_SLOW_SERVER) it does nothing and tap reports no tests.
import { loadConfig } from '../../src/server/config.js';
import { buildApp } from '../../src/server/app.js';
import { listenWithGrace } from '../../src/server/lifecycle.js';
import { fakeHooks } from './helpers.js';

if (process.env.GATI_SLOW_SERVER === '1') {
  const config = loadConfig(process.env);
  const readiness = { ready: true };
  const slowMs = Number(process.env.SLOW_MS ?? 1500);
  const observe = () =>
    new Promise<Record<string, never>>((resolve) => setTimeout(() => resolve({}), slowMs));
  const app = buildApp({ config, readiness, hooks: fakeHooks(), observe });
  await listenWithGrace({ app, config, readiness });
}

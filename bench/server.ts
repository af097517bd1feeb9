/**
 * Bench server: the production app (buildApp with the real hooks and the default config,
 * logging at info) plus a floor route, POST /floor, that only parses the same JSON body and
 * answers `{}`. Both live on the same Fastify instance, so they share the process, the body
 * parser, the body limit, the logger and the onSend hooks; the difference between them is
 * what the hook route adds: validation, the hook itself, canonical JSON, ETag and metrics.
 * Logs go to /dev/null (still serialised and written, as in production, not shown).
 * The overload guard is off (see below). Prints one JSON line {"listening": "<address>"} on stdout; exits on SIGTERM like `serve`.
 */
import { pino } from 'pino';
import { loadConfig } from '../src/server/config.js';
import { buildApp } from '../src/server/app.js';
import { listenWithGrace } from '../src/server/lifecycle.js';

// The overload guard stays off unless asked for: on a shared 2-core box it would turn a
// measurement of serving cost into a count of fast 429s (the floor route has no guard).
const config = loadConfig({
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
  OVERLOAD_MAX_HEAP_PERCENT: '0',
  ...process.env,
  HOST: '127.0.0.1',
  PORT: process.env.PORT ?? '0',
});
const readiness = { ready: true };
const app = buildApp({
  config,
  readiness,
  logStream: pino.destination({ dest: '/dev/null', sync: false }),
});
app.post('/floor', async (_req, reply) => reply.type('application/json; charset=utf-8').send('{}'));
const address = await listenWithGrace({ app, config, readiness });
process.stdout.write(
  `${JSON.stringify({ listening: address, pid: process.pid, logLevel: config.logLevel })}\n`,
);

/**
 * Bench server: the production app (buildApp with the real hooks and the default config,
 * logging at info) plus two floor routes on the same Fastify instance, so they share the
 * process, the body parser, the body limit, the logger and the onSend hooks:
 * - POST /floor parses the body and answers `{}`;
 * - POST /floor-answer/<set> parses the body and answers JSON.stringify of a precomputed
 *   object: the hook's own answer to that set's request, computed once at start. That is what
 *   any hook server must do (parse the request, serialise an answer of that size), so the
 *   hook route's ratio to it measures our own work: the envelope check, the hook, canonical()
 *   and metrics.
 * Logs go to /dev/null (still serialised and written, as in production, not shown).
 * The overload guard is off (see below). Prints one JSON line {"listening": "<address>"} on stdout; exits on SIGTERM like `serve`.
 */
import { pino } from 'pino';
import { loadConfig } from '../src/server/config.js';
import { buildApp } from '../src/server/app.js';
import { listenWithGrace } from '../src/server/lifecycle.js';
import { callHook } from '../src/hooks/call.js';
import { requestSets } from './fixtures.js';
import { NOW } from './lib.js';

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
// The answers are objects, serialised per call like the hook's: the cost being matched is
// JSON.stringify of an answer this size, not sending a string.
for (const set of requestSets()) {
  const answer = callHook(set.controller, 'sync', JSON.parse(set.text), { now: NOW });
  app.post(`/floor-answer/${set.name}`, async (_req, reply) =>
    reply.type('application/json; charset=utf-8').send(JSON.stringify(answer)),
  );
}
const address = await listenWithGrace({ app, config, readiness });
process.stdout.write(
  `${JSON.stringify({ listening: address, pid: process.pid, logLevel: config.logLevel })}\n`,
);

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { bearerMatches, tokenFromFile } from '../../src/server/auth.js';
import { pressureOptions, pressureReason } from '../../src/server/pressure.js';
import { makeApp, post, syncRequest } from './helpers.js';

function tokenFile(t: Test, token: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gati-auth-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'token');
  writeFileSync(file, `${token}\n`);
  return file;
}

t.test('auth off: hooks answer without a token', async (t) => {
  const { app } = makeApp(t);
  t.equal((await post(app, '/hooks/gatihandler/sync', syncRequest())).statusCode, 200);
});

t.test(
  'auth on: missing or wrong token is 401 with WWW-Authenticate; right token is 200; probes stay open',
  async (t) => {
    const file = tokenFile(t, 'right-token');
    const { app, sink } = makeApp(t, { env: { AUTH_TOKEN_FILE: file } });
    const missing = await post(app, '/hooks/gatihandler/sync', syncRequest());
    t.equal(missing.statusCode, 401);
    t.ok(missing.headers['x-request-id'], 'a 401 carries a request id');
    t.equal(missing.headers['www-authenticate'], 'Bearer');
    t.same(JSON.parse(missing.body), {
      error: { code: 'GATI_ERR_UNAUTHORIZED', message: 'missing or wrong bearer token' },
    });
    for (const authorization of [
      'Bearer wrong-token',
      'Bearer right-token-and-more',
      'Basic right-token',
      'Bearer ',
    ]) {
      t.equal(
        (await post(app, '/hooks/gatihandler/sync', syncRequest(), { authorization })).statusCode,
        401,
        authorization,
      );
    }
    const ok = await post(app, '/hooks/gatihandler/sync', syncRequest(), {
      authorization: 'Bearer right-token',
    });
    t.equal(ok.statusCode, 200);
    for (const url of ['/healthz', '/readyz', '/metrics'])
      t.equal((await app.inject(url)).statusCode, 200, `${url} needs no token`);
    t.notOk(sink.text().includes('right-token'), 'tokens never reach the logs');
    t.notOk(sink.text().includes('wrong-token'), 'nor wrong ones');
  },
);

t.test('a rotated token takes effect; an unreadable token file refuses everything', async (t) => {
  const file = tokenFile(t, 'old');
  const { app, sink } = makeApp(t, { env: { AUTH_TOKEN_FILE: file, AUTH_TOKEN_RELOAD_MS: '0' } });
  t.equal(
    (await post(app, '/hooks/gatihandler/sync', syncRequest(), { authorization: 'Bearer old' }))
      .statusCode,
    200,
  );
  writeFileSync(file, 'new');
  t.equal(
    (await post(app, '/hooks/gatihandler/sync', syncRequest(), { authorization: 'Bearer old' }))
      .statusCode,
    401,
  );
  t.equal(
    (await post(app, '/hooks/gatihandler/sync', syncRequest(), { authorization: 'Bearer new' }))
      .statusCode,
    200,
  );
  rmSync(file);
  t.equal(
    (await post(app, '/hooks/gatihandler/sync', syncRequest(), { authorization: 'Bearer new' }))
      .statusCode,
    401,
  );
  t.ok(sink.lines.some((l) => l.level === 50 && /unreadable or empty/.test(String(l.msg))));
});

t.test('tokenFromFile re-reads only once its interval has passed', async (t) => {
  const file = tokenFile(t, 'a');
  let now = 0;
  const source = tokenFromFile(file, 1000, () => now);
  t.equal(await source.current(), 'a');
  writeFileSync(file, 'b');
  now = 999;
  t.equal(await source.current(), 'a', 'cached within the interval');
  now = 1000;
  t.equal(await source.current(), 'b');
});

t.test('bearerMatches', async (t) => {
  t.ok(bearerMatches('Bearer abc', 'abc'));
  t.ok(bearerMatches('bearer abc', 'abc'), 'scheme is case-insensitive');
  t.notOk(bearerMatches(undefined, 'abc'));
  t.notOk(bearerMatches('Bearer abd', 'abc'));
  t.notOk(bearerMatches('Bearer ab', 'abc'), 'a different length is just a mismatch');
});

t.test(
  'overload: 429 with an integer Retry-After >= 1, probes still answer, recovers',
  async (t) => {
    const { app, pressure } = makeApp(t, { env: { OVERLOAD_RETRY_AFTER_SECONDS: '7' } });
    await pressure.set(app, 'event-loop delay 2000ms');
    const res = await post(app, '/hooks/gatihandler/sync', syncRequest());
    t.equal(res.statusCode, 429);
    t.equal(res.headers['retry-after'], '7');
    t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'a 429 carries a request id');
    t.equal(JSON.parse(res.body).error.code, 'GATI_ERR_OVERLOADED');
    t.equal((await app.inject('/healthz')).statusCode, 200);
    t.equal((await app.inject('/readyz')).statusCode, 200);
    t.equal((await app.inject('/metrics')).statusCode, 200);
    t.equal((await app.inject('/nope')).statusCode, 404, 'an unknown path is still a 404');
    await pressure.set(app, undefined);
    t.equal((await post(app, '/hooks/gatihandler/sync', syncRequest())).statusCode, 200);
  },
);

t.test('the thresholds come from config; 0 disables; the reason names the limit', async (t) => {
  const limits = { maxEventLoopDelayMs: 100, maxHeapPercent: 90, retryAfterSeconds: 5 };
  const o = pressureOptions(limits, 1000);
  t.equal(o.maxEventLoopDelay, 100, 'mean event-loop delay in ms');
  t.equal(o.maxHeapUsedBytes, 900, 'the percent of the heap limit, in bytes');
  const off = pressureOptions({ ...limits, maxEventLoopDelayMs: 0, maxHeapPercent: 0 }, 1000);
  t.equal(off.maxEventLoopDelay, 0, '0 disables (under-pressure skips a 0 limit)');
  t.equal(off.maxHeapUsedBytes, 0);
  t.equal(pressureReason('eventLoopDelay', 150.4, 1000), 'event-loop delay 150ms');
  t.equal(pressureReason('heapUsedBytes', 950, 1000), 'heap 95% of limit');
  t.equal(pressureReason('rssBytes', 1, 1000), 'rssBytes');
});

t.test('a real heap sample over the limit refuses hook calls only', async (t) => {
  // A 1-byte heap limit: under-pressure's first sample (10 ms) finds the heap over it. The
  // delay check is off: a 10 ms sample may hold no 10 ms tick, which under-pressure reads as an
  // endless delay.
  const { app } = makeApp(t, {
    pressure: { maxHeapUsedBytes: 1, maxEventLoopDelay: 0, sampleInterval: 10 },
  });
  await app.ready();
  for (let i = 0; !app.isUnderPressure(); i++) {
    if (i > 500) throw new Error('no heap sample');
    await new Promise((r) => setTimeout(r, 5));
  }
  const res = await post(app, '/hooks/gatimodule/sync', syncRequest());
  t.equal(res.statusCode, 429);
  t.match(JSON.parse(res.body).error.message, /^overloaded \(heap \d+% of limit\); retry later$/);
  t.equal((await app.inject('/healthz')).statusCode, 200);
  t.ok(app.memoryUsage().heapUsed > 0, 'the sample is the real heap');
});

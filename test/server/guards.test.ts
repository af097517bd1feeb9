import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { bearerMatches, tokenFromFile } from '../../src/server/auth.js';
import { createPressureProbe, judge, processSamples } from '../../src/server/pressure.js';
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
    pressure.reason = 'event-loop delay 2000ms';
    const res = await post(app, '/hooks/gatihandler/sync', syncRequest());
    t.equal(res.statusCode, 429);
    t.equal(res.headers['retry-after'], '7');
    t.equal(JSON.parse(res.body).error.code, 'GATI_ERR_OVERLOADED');
    t.equal((await app.inject('/healthz')).statusCode, 200);
    t.equal((await app.inject('/readyz')).statusCode, 200);
    pressure.reason = undefined;
    t.equal((await post(app, '/hooks/gatihandler/sync', syncRequest())).statusCode, 200);
  },
);

t.test('judge and the sampling probe', async (t) => {
  const limits = { maxEventLoopDelayMs: 100, maxHeapPercent: 90 };
  t.equal(judge(limits, 50, 50), undefined);
  t.equal(judge(limits, 150, 50), 'event-loop delay 150ms');
  t.equal(judge(limits, 50, 95), 'heap 95% of limit');
  t.equal(judge({ maxEventLoopDelayMs: 0, maxHeapPercent: 0 }, 1e9, 100), undefined, '0 disables');

  let delay = 0;
  let closed = false;
  const probe = createPressureProbe(
    { ...limits, sampleIntervalMs: 5 },
    { eventLoopDelayMs: () => delay, heapPercent: () => 10, close: () => (closed = true) },
  );
  t.equal(probe.overloaded(), undefined);
  delay = 500;
  await new Promise((r) => setTimeout(r, 30));
  t.equal(probe.overloaded(), 'event-loop delay 500ms');
  probe.close();
  t.ok(closed);

  const real = processSamples();
  t.ok(real.eventLoopDelayMs() >= 0);
  t.ok(real.heapPercent() > 0 && real.heapPercent() < 100);
  real.close?.();
});

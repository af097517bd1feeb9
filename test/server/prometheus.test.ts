import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import {
  createPrometheusClient,
  parseQueryResult,
  type PrometheusOptions,
} from '../../src/server/prometheus.js';
import { fairSlots } from '../../src/server/slots.js';
import { createObserver } from '../../src/server/observe.js';
import { loadConfig, ConfigError } from '../../src/server/config.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import { promqlString, substitute } from '../../src/resources/template.js';
import type { VersionStatus } from '../../src/api/gatihandler.js';
import { makeApp, parent, post, syncRequest } from './helpers.js';

const TEMPLATE =
  'sum(rate(http_requests_total{namespace="{{namespace}}",service="{{service}}",version="{{version}}",h="{{handler}}"}[1m]))';
const NOW = new Date('2026-01-01T00:10:00Z');
const HANDLER = CONTROLLERS.gatihandler;

/** A fake Prometheus on 127.0.0.1 answering each query by its version label. */
async function fakePrometheus(
  t: Test,
  answer: (version: string, res: ServerResponse, req: IncomingMessage) => void,
) {
  const queries: string[] = [];
  const headers: IncomingMessage['headers'][] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const q =
      u.pathname === '/api/v1/query'
        ? (u.searchParams.get('query') ?? '')
        : `wrong path ${u.pathname}`;
    queries.push(q);
    headers.push(req.headers);
    answer(/version="([^"]*)"/.exec(q)?.[1] ?? '', res, req);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(
    () => new Promise<void>((r) => server.closeAllConnections() ?? server.close(() => r())),
  );
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/`, host: `127.0.0.1:${port}`, queries, headers };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const vector = (...values: string[]) =>
  JSON.stringify({
    status: 'success',
    data: {
      resultType: 'vector',
      result: values.map((v, i) => ({ metric: { i: String(i) }, value: [1767225600, v] })),
    },
  });
const log = () => {
  const warnings: Array<{ obj: Record<string, unknown>; msg: string }> = [];
  return {
    warnings,
    warn: (obj: object, msg: string) =>
      void warnings.push({ obj: obj as Record<string, unknown>, msg }),
  };
};

/** A version entry of handler status, as the hook writes it. */
function entry(versionId: string, extra: Partial<VersionStatus> = {}): VersionStatus {
  return {
    versionId,
    source: 'previous',
    phase: 'Draining',
    desiredWeight: 0,
    effectiveWeight: 0,
    trafficPercent: 0,
    pinned: true,
    breaking: false,
    deployment: `p-${versionId}`,
    service: `svc-${versionId}`,
    readyReplicas: 1,
    availableReplicas: 1,
    drainStartedAt: '2026-01-01T00:00:00Z',
    trafficRemovedAt: '2026-01-01T00:00:00Z',
    ...extra,
  };
}

function drainingRequest(versions: VersionStatus[], metricQuery: string | undefined = TEMPLATE) {
  return syncRequest(
    0,
    parent({
      spec: {
        handlerPath: '/p',
        version: 'v9',
        image: 'i',
        drain: metricQuery ? { metricQuery } : {},
      },
      status: { versions },
    }),
  );
}

const base: PrometheusOptions = {
  timeoutMs: 1000,
  cacheSeconds: 5,
  concurrency: 4,
  maxAnswerBytes: 1 << 20,
};

function observer(opts: Partial<PrometheusOptions> & { url?: string }, maxQueriesPerCall = 8) {
  return createObserver(createPrometheusClient({ ...base, now: () => NOW.getTime(), ...opts }), {
    maxQueriesPerCall,
    host: 'prom:9090',
  });
}

t.test('parseQueryResult: exactly one finite sample, or a fixed reason', async (t) => {
  const at = Date.parse('2026-01-01T00:10:00Z');
  const ok = { status: 'success' };
  const rows: Array<[string, unknown, 'zero' | 'nothing', unknown]> = [
    [
      'a scalar',
      { ...ok, data: { resultType: 'scalar', result: [1767225600.5, '3'] } },
      'nothing',
      { value: 3, sampleAt: '2026-01-01T00:00:00.500Z' },
    ],
    [
      'one series: its value and sample time',
      JSON.parse(vector('0.25')),
      'nothing',
      { value: 0.25, sampleAt: '2026-01-01T00:00:00.000Z' },
    ],
    [
      'no series, for a drain: no requests, sampled when asked',
      JSON.parse(vector()),
      'zero',
      { value: 0, sampleAt: '2026-01-01T00:10:00.000Z' },
    ],
    ['no series, for analysis', JSON.parse(vector()), 'nothing', { inconclusive: 'NoSeries' }],
    [
      'three series are never summed',
      JSON.parse(vector('0.04', '0.04', '0.04')),
      'nothing',
      { inconclusive: 'ManySeries', detail: '3 series' },
    ],
    [
      'two finite 1e308 would sum to Infinity: still ManySeries',
      JSON.parse(vector('1e308', '1e308')),
      'zero',
      { inconclusive: 'ManySeries', detail: '2 series' },
    ],
    ['NaN', JSON.parse(vector('NaN')), 'nothing', { inconclusive: 'NotFinite', detail: 'NaN' }],
    ['+Inf', JSON.parse(vector('+Inf')), 'nothing', { inconclusive: 'NotFinite', detail: '+Inf' }],
    [
      'a number too large for a double',
      JSON.parse(vector('1e400')),
      'nothing',
      { inconclusive: 'NotFinite', detail: 'overflows' },
    ],
    [
      'a string',
      JSON.parse(vector('http://admin:secret@x')),
      'nothing',
      { inconclusive: 'BadAnswer', detail: 'value is not a number' },
    ],
    [
      'an error answer',
      { status: 'error', error: 'secret text' },
      'nothing',
      { inconclusive: 'BadAnswer', detail: 'status is not success' },
    ],
    [
      'a matrix',
      { ...ok, data: { resultType: 'matrix', result: [] } },
      'zero',
      { inconclusive: 'BadAnswer', detail: 'not a vector or scalar' },
    ],
    [
      'a malformed sample',
      { ...ok, data: { resultType: 'scalar', result: 'x' } },
      'zero',
      { inconclusive: 'BadAnswer', detail: 'sample is not [time, "value"]' },
    ],
    [
      'a sample time in the future is not believed',
      { ...ok, data: { resultType: 'scalar', result: [1900000000, '1'] } },
      'zero',
      { value: 1, sampleAt: '2026-01-01T00:10:00.000Z' },
    ],
  ];
  for (const [reason, body, empty, want] of rows)
    t.same(parseQueryResult(body, empty, at), want, reason);
});

t.test('the client bounds every answer in bytes and time', async (t) => {
  const huge = 'x'.repeat(4096);
  const prom = await fakePrometheus(t, (version, res) => {
    if (version === 'declared-huge') {
      res.writeHead(200, { 'content-length': String(100 * 1024 * 1024) });
      return void res.write(huge);
    }
    if (version === 'chunked-huge') {
      // No Content-Length: streamed until the client stops reading.
      const pump = () => {
        while (res.write(huge));
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      return pump();
    }
    if (version === 'drip') {
      res.write('{"status":"succ');
      return void setTimeout(() => res.end('ess"}'), 2000);
    }
    if (version === 'error') return void res.writeHead(503).end('down: password=secret');
    if (version === 'garbage') return void res.end('not json, password=secret');
    res.end(vector('1'));
  });
  const client = createPrometheusClient({
    ...base,
    url: prom.url,
    timeoutMs: 300,
    maxAnswerBytes: 64 * 1024,
  })!;
  const ask = (v: string) =>
    client({ promql: `q{version="${v}"}`, empty: 'nothing', maxAgeSeconds: 0, owner: 'ns/h' })
      .answer;
  t.same(await ask('declared-huge'), {
    inconclusive: 'AnswerTooLarge',
    detail: 'over 65536 bytes',
  });
  t.same(
    await ask('chunked-huge'),
    { inconclusive: 'AnswerTooLarge', detail: 'over 65536 bytes' },
    'a streamed answer is cut off at the cap',
  );
  const started = Date.now();
  t.same(await ask('drip'), { inconclusive: 'Timeout' }, 'the deadline covers the whole body');
  t.ok(Date.now() - started < 1500, 'and it ends at the deadline, not when the body does');
  t.same(await ask('error'), { inconclusive: 'HTTPError', detail: 'HTTP 503' });
  t.same(await ask('garbage'), { inconclusive: 'BadAnswer', detail: 'not JSON' });
  t.match(await ask('fine'), { value: 1 });
  const closed = createPrometheusClient({
    ...base,
    url: `http://127.0.0.1:${await closedPort()}/`,
  })!;
  t.same(
    await closed({ promql: 'q', empty: 'zero', maxAgeSeconds: 0, owner: 'x' }).answer,
    { inconclusive: 'Unreachable', detail: 'ECONNREFUSED' },
    'a refused connection keeps only its error code',
  );
});

t.test('answers are reused only while younger than the check needs', async (t) => {
  const prom = await fakePrometheus(t, (_v, res) => res.end(vector('1')));
  let clock = 0;
  const client = createPrometheusClient({
    ...base,
    url: prom.url,
    cacheSeconds: 5,
    now: () => clock,
  })!;
  const ask = (maxAgeSeconds: number) =>
    client({ promql: 'q', empty: 'zero', maxAgeSeconds, owner: 'ns/h' });
  await ask(15).answer;
  t.equal(ask(15).fresh, false, 'reused within PROMETHEUS_CACHE_SECONDS');
  clock = 2000;
  t.equal(ask(1).fresh, true, 'not reused past the query’s own maxAge (half its interval)');
  await ask(1).answer;
  clock = 7500;
  t.equal(ask(15).fresh, true, 'not reused past PROMETHEUS_CACHE_SECONDS');
  t.equal(ask(0).fresh, true, 'maxAge 0: never reused');
});

t.test('fair slots: a parent with many queries does not starve another', async (t) => {
  const slots = fairSlots(1);
  const order: string[] = [];
  const hold = await slots.acquire('busy', 1000);
  const waits = [...[1, 2, 3, 4].map((i) => ['busy', i] as const), ['quiet', 1] as const].map(
    async ([owner, i]) => {
      const release = await slots.acquire(owner, 1000);
      order.push(`${owner}${i}`);
      release!();
    },
  );
  t.equal(slots.waiting, 5);
  hold!();
  await Promise.all(waits);
  t.same(order, ['busy1', 'quiet1', 'busy2', 'busy3', 'busy4'], 'round robin between owners');
  const again = await slots.acquire('a', 1000);
  t.equal(await slots.acquire('b', 20), undefined, 'no slot within the wait: not asked');
  t.equal(slots.waiting, 0, 'the timed-out waiter left the queue');
  again!();
  again!();
  t.equal(slots.running, 0, 'a release counts once');
});

t.test('the observer runs what the core says is due, capped, oldest check first', async (t) => {
  const prom = await fakePrometheus(t, (version, res) =>
    res.end(version === 'v0' ? vector() : vector('2')),
  );
  const observe = observer({ url: prom.url }, 2);
  const req = drainingRequest([
    entry('v0'),
    entry('v1', { lastCheckAt: '2026-01-01T00:09:00Z', lastSampleAt: '2026-01-01T00:09:00Z' }),
    entry('v2', { lastCheckAt: '2026-01-01T00:09:55Z' }),
    entry('v3', { phase: 'Active' }),
    entry('v4', { drainedAt: '2026-01-01T00:05:00Z', phase: 'Decommissioned' }),
    entry('v5', { trafficRemovedAt: '2026-01-01T00:09:59Z' }),
    entry('v6', { lastCheckAt: '2026-01-01T00:08:00Z' }),
  ]);
  const l = log();
  const seen = await observe(HANDLER, 'sync', req, l, NOW);
  t.same(
    Object.keys(seen.requestRates ?? {}),
    ['ns1/p/v0', 'ns1/p/v6'],
    'never checked first, then the oldest check; the cap leaves v1 for the next call',
  );
  t.same(seen.requestRates?.['ns1/p/v0'], { value: 0, sampleAt: '2026-01-01T00:10:00.000Z' });
  t.ok(
    prom.queries.includes(
      'sum(rate(http_requests_total{namespace="ns1",service="svc-v0",version="v0",h="p"}[1m]))',
    ),
    'template substituted with the version’s own Service',
  );
  t.equal(
    prom.queries.length,
    2,
    'v2 (checked 5 s ago), v3 (Active), v4 (drained) and v5 (within minSeconds) are not asked',
  );
  t.same(l.warnings, []);
  t.same(await observe(HANDLER, 'customize', req, l, NOW), {}, 'customize asks nothing');
  t.same(
    await observe(CONTROLLERS.gatimodule, 'sync', req, l, NOW),
    {},
    'a controller without observations asks nothing',
  );
  t.same(
    await observe(HANDLER, 'sync', drainingRequest([entry('v0')], ''), l, NOW),
    {},
    'no drain query: nothing to ask',
  );
  t.same(
    observer({})(HANDLER, 'sync', drainingRequest([entry('v0')]), l, NOW),
    { requestRates: { 'ns1/p/v0': { inconclusive: 'NotConfigured' } } },
    'without PROMETHEUS_URL the hook is told why (the drain falls back to its timer)',
  );
});

t.test('a failed query is logged with the host and a fixed reason, never raw text', async (t) => {
  const prom = await fakePrometheus(t, (_v, res) => res.writeHead(500).end('token=hunter2'));
  const observe = observer({ url: prom.url });
  const l = log();
  const seen = await observe(HANDLER, 'sync', drainingRequest([entry('v0')]), l, NOW);
  t.same(seen, { requestRates: { 'ns1/p/v0': { inconclusive: 'HTTPError', detail: 'HTTP 500' } } });
  t.equal(l.warnings.length, 1);
  t.match(l.warnings[0], {
    obj: { key: 'ns1/p/v0', host: 'prom:9090', reason: 'HTTPError' },
    msg: /drain evidence of ns1\/p\/v0 unavailable \(HTTPError\)/,
  });
  t.notMatch(JSON.stringify(l.warnings), /hunter2/);
});

/** A handler whose rollout v1 → v2 holds a step, with an analysis query. */
function analysingRequest(
  phase = 'Progressing',
  analysis: Record<string, unknown> = {},
  more: { reason?: string; annotations?: Record<string, string> } = {},
) {
  return syncRequest(
    0,
    parent({
      metadata: { name: 'p', namespace: 'ns1', uid: 'u-1', annotations: more.annotations ?? {} },
      spec: {
        handlerPath: '/p',
        version: 'v2',
        image: 'i',
        rollout: { analysis: { metricQuery: TEMPLATE, threshold: 1, intervalSeconds: 30 } },
      },
      status: {
        rollout: {
          versionId: 'v2',
          previousVersionId: 'v1',
          phase,
          step: 0,
          stepWeight: 10,
          stepStartedAt: '2026-01-01T00:09:00Z',
          ...(more.reason ? { reason: more.reason } : {}),
          ...(Object.keys(analysis).length ? { analysis } : {}),
        },
      },
    }),
  );
}

t.test('analysis: asked only when a check of the holding step is due', async (t) => {
  const prom = await fakePrometheus(t, (_v, res) => res.end(vector('0.25')));
  const observe = observer({ url: prom.url });
  const l = log();
  t.same(await observe(HANDLER, 'sync', analysingRequest(), l, NOW), {
    analysis: { 'ns1/p/v2': { value: 0.25, sampleAt: '2026-01-01T00:00:00.000Z' } },
  });
  t.match(prom.queries[0], /version="v2"/, 'the target, not the incumbent');
  t.match(prom.queries[0], /service="p-v2-[0-9a-f]{8}"/, "the target's Service name");
  const counts = {
    passes: 1,
    failures: 0,
    inconclusive: 0,
    failuresInARow: 0,
    inconclusiveInARow: 0,
  };
  const justChecked = { ...counts, lastCheckAt: '2026-01-01T00:09:50Z', lastCheckStep: 0 };
  const before = prom.queries.length;
  for (const r of [
    analysingRequest('Progressing', justChecked),
    analysingRequest('Paused', {}, { reason: 'AnalysisInconclusive' }),
    analysingRequest(
      'Paused',
      {},
      {
        reason: 'ManualPause',
        annotations: { 'gati.dev/rollout-action': 'pause' },
      },
    ),
    analysingRequest('Succeeded'),
  ])
    t.same(await observe(HANDLER, 'sync', r, l, NOW), {}, 'no query when no check is due');
  t.equal(prom.queries.length, before);
  const resuming = analysingRequest(
    'Paused',
    {},
    {
      reason: 'AnalysisInconclusive',
      annotations: { 'gati.dev/rollout-action': 'resume' },
    },
  );
  t.match(
    await observe(HANDLER, 'sync', resuming, l, NOW),
    { analysis: { 'ns1/p/v2': { value: 0.25 } } },
    'the sync that resumes a paused move asks for its check (the same engine decides)',
  );
});

t.test('credentials: refused in the URL, read from files, never printed', async (t) => {
  const err = t.throws(() => loadConfig({ PROMETHEUS_URL: 'http://admin:s3cret@prom:9090' }));
  t.ok(err instanceof ConfigError);
  t.match((err as Error).message, /PROMETHEUS_URL must not carry credentials/);
  t.notMatch((err as Error).message, /s3cret/, 'the password is not in the error');
  t.throws(
    () => loadConfig({ PROMETHEUS_USERNAME_FILE: '/u' }),
    /PROMETHEUS_USERNAME_FILE and PROMETHEUS_PASSWORD_FILE must be set together/,
  );
  t.throws(
    () =>
      loadConfig({
        PROMETHEUS_BEARER_TOKEN_FILE: '/t',
        PROMETHEUS_USERNAME_FILE: '/u',
        PROMETHEUS_PASSWORD_FILE: '/p',
      }),
    /exclude each other/,
  );
  t.throws(() => loadConfig({ PROMETHEUS_CACHE_SECONDS: '15' }), /PROMETHEUS_CACHE_SECONDS/);

  const dir = mkdtempSync(join(tmpdir(), 'gati-prom-auth-'));
  writeFileSync(join(dir, 'token'), 'tok-123\n');
  writeFileSync(join(dir, 'user'), 'gati');
  writeFileSync(join(dir, 'password'), 'pw');
  const prom = await fakePrometheus(t, (_v, res) => res.end(vector('4')));
  for (const [env, want] of [
    [{ PROMETHEUS_BEARER_TOKEN_FILE: join(dir, 'token') }, 'Bearer tok-123'],
    [
      {
        PROMETHEUS_USERNAME_FILE: join(dir, 'user'),
        PROMETHEUS_PASSWORD_FILE: join(dir, 'password'),
      },
      `Basic ${Buffer.from('gati:pw').toString('base64')}`,
    ],
  ] as const) {
    const { app } = makeApp(t, {
      env: { PROMETHEUS_URL: prom.url, ...env },
      observe: undefined,
      hooks: {
        gatihandler: { sync: () => ({ status: {}, children: [] }) },
        gatimodule: { sync: () => ({ status: {}, children: [] }) },
        gativersion: { sync: () => ({ status: {}, attachments: [] }) },
      },
    });
    const res = await post(app, '/hooks/gatihandler/sync', drainingRequest([entry('v1')]));
    t.equal(res.statusCode, 200);
    t.equal(prom.headers.at(-1)?.authorization, want, `${Object.keys(env)[0]} is sent`);
  }
});

t.test('the app passes drain evidence from PROMETHEUS_URL into the handler hook', async (t) => {
  const prom = await fakePrometheus(t, (_v, res) => res.end(vector('4')));
  let seen: unknown;
  const { app } = makeApp(t, {
    env: { PROMETHEUS_URL: prom.url },
    observe: undefined,
    clock: () => NOW,
    hooks: {
      gatihandler: { sync: (_r, ctx) => ((seen = ctx.observations), { status: {}, children: [] }) },
      gatimodule: { sync: () => ({ status: {}, children: [] }) },
      gativersion: { sync: () => ({ status: {}, attachments: [] }) },
    },
  });
  const res = await post(app, '/hooks/gatihandler/sync', drainingRequest([entry('v1')]));
  t.equal(res.statusCode, 200);
  t.same(seen, {
    requestRates: { 'ns1/p/v1': { value: 4, sampleAt: '2026-01-01T00:00:00.000Z' } },
  });
  const metrics = await app.inject('/metrics');
  t.match(
    metrics.body,
    /gati_operator_prometheus_queries_total\{outcome="ok"\} 1/,
    'the query is counted in /metrics',
  );
});

t.test('substitute escapes values and leaves unknown placeholders', async (t) => {
  t.equal(
    substitute('a{{version}}b{{ unknown }}', { version: 'x"y' }, promqlString),
    'ax\\"yb{{ unknown }}',
  );
});

/** A handler whose superseded v1 is kept for its clients (spec.retirement), demand `demand`. */
function retiringRequest(demand?: VersionStatus['demand']) {
  return syncRequest(
    0,
    parent({
      spec: {
        handlerPath: '/p',
        version: 'v2',
        image: 'i',
        retirement: { demandQuery: TEMPLATE, intervalSeconds: 60 },
      },
      status: {
        versions: [
          entry('v1', {
            phase: 'Active',
            reason: 'Deprecated',
            drainStartedAt: undefined,
            supersededAt: '2026-01-01T00:00:00Z',
            sunsetAt: '2026-01-01T01:00:00Z',
            demand,
          }),
        ],
      },
    }),
  );
}

t.test('demand (spec.retirement): asked when a check is due, filed under demand', async (t) => {
  const prom = await fakePrometheus(t, (_v, res) => res.end(vector('5')));
  const observe = observer({ url: prom.url });
  const l = log();
  t.same(await observe(HANDLER, 'sync', retiringRequest(), l, NOW), {
    demand: { 'ns1/p/v1': { value: 5, sampleAt: '2026-01-01T00:00:00.000Z' } },
  });
  t.match(prom.queries[0], /service="svc-v1",version="v1"/, 'the kept version’s own Service');
  const checked = { quietChecks: 0, checkedAt: '2026-01-01T00:09:30Z' };
  t.same(await observe(HANDLER, 'sync', retiringRequest(checked), l, NOW), {}, 'not due yet');
  const down = await fakePrometheus(t, (_v, res) => res.writeHead(503).end());
  const seen = await observer({ url: down.url })(HANDLER, 'sync', retiringRequest(), l, NOW);
  t.same(seen, { demand: { 'ns1/p/v1': { inconclusive: 'HTTPError', detail: 'HTTP 503' } } });
  t.match(l.warnings.at(-1), { msg: /demand of ns1\/p\/v1 unavailable \(HTTPError\)/ });
});

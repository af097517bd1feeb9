import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import {
  createPrometheusClient,
  limiter,
  parseQueryResult,
  type PrometheusOptions,
} from '../../src/server/prometheus.js';
import { createObserver, drainQueries } from '../../src/server/observe.js';

const createPrometheusObserver = (opts: PrometheusOptions) =>
  createObserver(createPrometheusClient(opts));
import { promqlString, substitute } from '../../src/resources/template.js';
import { makeApp, parent, post, syncRequest } from './helpers.js';

const TEMPLATE =
  'sum(rate(http_requests_total{namespace="{{namespace}}",service="{{service}}",version="{{version}}",h="{{handler}}"}[1m]))';

/** A fake Prometheus on 127.0.0.1 answering each query by its version label. */
async function fakePrometheus(t: Test, answer: (version: string, res: ServerResponse) => void) {
  const queries: string[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const q =
      u.pathname === '/api/v1/query'
        ? (u.searchParams.get('query') ?? '')
        : `wrong path ${u.pathname}`;
    queries.push(q);
    answer(/version="([^"]*)"/.exec(q)?.[1] ?? '', res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, queries };
}

const vector = (...values: string[]) =>
  JSON.stringify({
    status: 'success',
    data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1, v] })) },
  });
const log = () => {
  const warnings: Array<Record<string, unknown>> = [];
  return { warnings, warn: (o: object) => void warnings.push(o as Record<string, unknown>) };
};

function drainingRequest(versions: Array<Record<string, unknown>>, metricQuery = TEMPLATE) {
  return syncRequest(
    0,
    parent({ spec: { drain: metricQuery ? { metricQuery } : {} }, status: { versions } }),
  );
}

t.test('queries each Draining version, sums vectors, caches, and feeds the hook', async (t) => {
  const prom = await fakePrometheus(t, (version, res) => {
    if (version === 'v1') res.end(vector('0.5', '1.5'));
    else if (version === 'v0') res.end(vector());
    else
      res.end(
        JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, '3'] } }),
      );
  });
  let clock = 0;
  const outcomes: string[] = [];
  const observe = createPrometheusObserver({
    url: prom.url,
    timeoutMs: 1000,
    cacheSeconds: 15,
    concurrency: 2,
    now: () => clock,
    onQuery: (o) => outcomes.push(o),
  });
  const req = drainingRequest([
    { versionId: 'v0', phase: 'Draining', service: 'svc-v0' },
    { versionId: 'v1', phase: 'Draining', service: 'svc-v1' },
    { versionId: 'v2', phase: 'Active', service: 'svc-v2' },
    { versionId: 'v3', phase: 'Draining', service: 'svc-v3' },
  ]);
  const l = log();
  t.same(await observe('gatihandler', 'sync', req, l), {
    requestRates: { 'ns1/p/v0': 0, 'ns1/p/v1': 2, 'ns1/p/v3': 3 },
  });
  t.equal(prom.queries.length, 3, 'Active versions are not queried');
  t.ok(
    prom.queries.includes(
      'sum(rate(http_requests_total{namespace="ns1",service="svc-v1",version="v1",h="p"}[1m]))',
    ),
    'template substituted',
  );
  await observe('gatihandler', 'finalize', req, l);
  t.equal(prom.queries.length, 3, 'cached within PROMETHEUS_CACHE_SECONDS');
  clock = 15000;
  await observe('gatihandler', 'sync', req, l);
  t.equal(prom.queries.length, 6, 'queried again once the cache expires');
  t.same(l.warnings, []);
  t.same(
    outcomes,
    ['ok', 'ok', 'ok', 'ok', 'ok', 'ok'],
    'one outcome per query sent, none per cache hit',
  );
});

t.test('failures leave the key absent, never fail, and warn once per key per window', async (t) => {
  const prom = await fakePrometheus(t, (version, res) => {
    if (version === 'slow') return void setTimeout(() => res.end(vector('1')), 500);
    if (version === 'err') return void res.writeHead(503).end('down');
    if (version === 'nan') return void res.end(vector('NaN'));
    res.end('not json');
  });
  const outcomes: string[] = [];
  const observe = createPrometheusObserver({
    url: prom.url,
    timeoutMs: 100,
    cacheSeconds: 60,
    concurrency: 4,
    onQuery: (o) => outcomes.push(o),
  });
  const req = drainingRequest(
    ['slow', 'err', 'nan', 'garbage'].map((v) => ({ versionId: v, phase: 'Draining', service: v })),
  );
  const l = log();
  t.same(await observe('gatihandler', 'sync', req, l), {}, 'every key absent');
  t.equal(l.warnings.length, 4);
  t.same(l.warnings.map((w) => w.drainKey).sort(), [
    'ns1/p/err',
    'ns1/p/garbage',
    'ns1/p/nan',
    'ns1/p/slow',
  ]);
  await observe('gatihandler', 'sync', req, l);
  t.equal(l.warnings.length, 4, 'no new warning within the cache window');
  t.same(outcomes, ['error', 'error', 'error', 'error'], 'each failed query counted once');
});

t.test(
  'nothing is queried without a URL, a metricQuery, draining versions, or for other hooks',
  async (t) => {
    const prom = await fakePrometheus(t, (_v, res) => res.end(vector('1')));
    const l = log();
    const draining = [{ versionId: 'v1', phase: 'Draining', service: 's' }];
    t.same(
      await createPrometheusObserver({ timeoutMs: 1, cacheSeconds: 1, concurrency: 1 })(
        'gatihandler',
        'sync',
        drainingRequest(draining),
        l,
      ),
      {},
    );
    const observe = createPrometheusObserver({
      url: prom.url,
      timeoutMs: 1000,
      cacheSeconds: 1,
      concurrency: 1,
    });
    t.same(await observe('gatihandler', 'sync', drainingRequest(draining, ''), l), {});
    t.same(
      await observe(
        'gatihandler',
        'sync',
        drainingRequest([{ versionId: 'v1', phase: 'Active' }]),
        l,
      ),
      {},
    );
    t.same(await observe('gatimodule', 'sync', drainingRequest(draining), l), {});
    t.same(await observe('gatihandler', 'customize', drainingRequest(draining), l), {});
    t.equal(prom.queries.length, 0);
  },
);

t.test('the app passes drain evidence from PROMETHEUS_URL into the handler hook', async (t) => {
  const prom = await fakePrometheus(t, (_v, res) => res.end(vector('4')));
  let seen: unknown;
  const { app } = makeApp(t, {
    env: { PROMETHEUS_URL: prom.url },
    observe: undefined,
    hooks: {
      gatihandler: { sync: (_r, ctx) => ((seen = ctx.observations), { status: {}, children: [] }) },
      gatimodule: { sync: () => ({ status: {}, children: [] }) },
      gativersion: { sync: () => ({ status: {}, attachments: [] }) },
    },
  });
  const res = await post(
    app,
    '/hooks/gatihandler/sync',
    drainingRequest([{ versionId: 'v1', phase: 'Draining', service: 's' }]),
  );
  t.equal(res.statusCode, 200);
  t.same(seen, { requestRates: { 'ns1/p/v1': 4 } });
  const metrics = await app.inject('/metrics');
  t.match(
    metrics.body,
    /gati_operator_prometheus_queries_total\{outcome="ok"\} 1/,
    'the query is counted in /metrics',
  );
});

t.test('parseQueryResult, substitute, drainQueries edge cases', async (t) => {
  t.equal(parseQueryResult({ status: 'success', data: { resultType: 'vector', result: [] } }), 0);
  t.throws(
    () =>
      parseQueryResult(
        { status: 'success', data: { resultType: 'vector', result: [] } },
        'nothing',
      ),
    /empty result/,
    'for analysis an empty vector is no answer, never 0',
  );
  t.throws(() => parseQueryResult({ status: 'error' }));
  t.throws(() =>
    parseQueryResult({ status: 'success', data: { resultType: 'matrix', result: [] } }),
  );
  t.throws(() =>
    parseQueryResult({ status: 'success', data: { resultType: 'scalar', result: 'x' } }),
  );
  t.equal(
    substitute('a{{version}}b{{ unknown }}', { version: 'x"y' }, promqlString),
    'ax\\"yb{{ unknown }}',
    'values are escaped; unknown placeholders stay',
  );
  t.same(
    drainQueries(
      syncRequest(
        0,
        parent({
          spec: { drain: { metricQuery: 'q' } },
          status: { versions: [null, { phase: 'Draining' }] },
        }),
      ),
    ),
    [],
  );
});

t.test('limiter runs at most n tasks and rejects a waiter whose signal aborts', async (t) => {
  const run = limiter(1);
  let active = 0;
  let peak = 0;
  const task = async () => {
    peak = Math.max(peak, ++active);
    await new Promise((r) => setTimeout(r, 20));
    active--;
    return 1;
  };
  const all = await Promise.all([1, 2, 3].map(() => run(AbortSignal.timeout(1000), task)));
  t.same(all, [1, 1, 1]);
  t.equal(peak, 1);
  const blocker = run(AbortSignal.timeout(1000), task);
  await t.rejects(run(AbortSignal.timeout(5), task));
  await blocker;
  t.equal(await run(AbortSignal.timeout(1000), task), 1, 'the aborted waiter left no hole');
});

/** A handler whose rollout v1 → v2 holds a step, with an analysis query. */
function analysingRequest(phase = 'Progressing', metricQuery = TEMPLATE) {
  return syncRequest(
    0,
    parent({
      spec: { rollout: metricQuery ? { analysis: { metricQuery, threshold: 1 } } : {} },
      status: {
        rollout: {
          versionId: 'v2',
          previousVersionId: 'v1',
          phase,
          step: 0,
          stepWeight: 10,
          stepStartedAt: '2026-01-01T00:00:00Z',
        },
      },
    }),
  );
}

t.test(
  'analysis: the target is queried while a step holds; empty and failed answers are errors',
  async (t) => {
    let answer = vector('0.25');
    const prom = await fakePrometheus(t, (_v, res) => res.end(answer));
    const l = log();
    const opts = { url: prom.url, timeoutMs: 1000, cacheSeconds: 0, concurrency: 1 };
    const observe = createPrometheusObserver(opts);
    t.same(await observe('gatihandler', 'sync', analysingRequest(), l), {
      analysis: { 'ns1/p/v2': { value: 0.25 } },
    });
    t.match(prom.queries[0], /version="v2"/, 'the target, not the incumbent');
    t.match(prom.queries[0], /service="p-v2-[0-9a-f]{8}"/, "the target's Service name");
    answer = vector();
    t.same(await observe('gatihandler', 'sync', analysingRequest(), l), {
      analysis: { 'ns1/p/v2': { error: 'empty result' } },
    });
    t.match(l.warnings.at(-1), { analysisKey: 'ns1/p/v2', err: 'empty result' });
    const before = prom.queries.length;
    for (const r of [
      analysingRequest('Paused'),
      analysingRequest('Succeeded'),
      analysingRequest('Progressing', ''),
    ])
      t.same(await observe('gatihandler', 'sync', r, l), {}, 'no query outside a holding step');
    t.equal(prom.queries.length, before);
    const none = createObserver(undefined);
    t.same(
      none('gatihandler', 'sync', analysingRequest(), l),
      { analysis: { 'ns1/p/v2': { error: 'PROMETHEUS_URL is not set on the hook server' } } },
      'without Prometheus the hook is told why (it pauses as inconclusive, never passes)',
    );
    t.same(none('gatihandler', 'sync', 0, l), {}, 'a malformed body asks for nothing');
  },
);

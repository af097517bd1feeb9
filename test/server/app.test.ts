import t from 'tap';
import { GatiError } from '../../src/api/errors.js';
import { HOOKS } from '../helpers/hooks.js';
import { toJson } from '../../src/kube/canonical.js';
import {
  handler,
  module as gatiModule,
  syncRequest as hookRequest,
  versionRequest,
  withHpa,
} from '../helpers/builders.js';
import type { HookContext } from '../../src/hooks/types.js';
import {
  decoratorRequest,
  fakeHooks,
  fakeSync,
  makeApp,
  parent,
  post,
  syncRequest,
  testConfig,
  type SyncResponse,
} from './helpers.js';

t.test('sync answers canonical JSON, byte-identical for identical input', async (t) => {
  const { app } = makeApp(t);
  const a = await post(app, '/hooks/gatihandler/sync', syncRequest(2));
  const b = await post(app, '/hooks/gatihandler/sync', syncRequest(2));
  t.equal(a.statusCode, 200);
  t.match(a.headers['content-type'], /^application\/json/);
  t.equal(a.body, b.body, 'same request, same bytes');
  t.equal(
    a.body,
    '{"children":[{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"p"},"name":"d-0"},"spec":{"replicas":1}},{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"p"},"name":"d-1"},"spec":{"replicas":1}}],"status":{"observedDeployments":2,"versions":[]}}',
  );
});

t.test(
  'the real hooks answer canonical JSON over HTTP, sync, finalize and customize',
  async (t) => {
    const { app } = makeApp(t, { hooks: HOOKS });
    const version = {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiVersion',
      metadata: { name: 'orders-v2', namespace: 'shop', uid: 'uid-v2' },
      spec: { handler: 'orders', versionId: 'v2', image: 'registry.example.com/orders:2' },
    };
    const calls: Array<[string, unknown]> = [
      ['/hooks/gatihandler/sync', hookRequest('gatihandler', handler(withHpa()), [], 'v2')],
      ['/hooks/gatimodule/sync', hookRequest('gatimodule', gatiModule(), [], 'v2')],
      ['/hooks/gativersion/sync', versionRequest(version)],
      ['/hooks/gativersion/finalize', { ...versionRequest(version), finalizing: true }],
      ['/hooks/gatihandler/customize', { parent: handler(withHpa()) }],
    ];
    for (const [path, body] of calls) {
      const r = await post(app, path, body);
      t.equal(r.statusCode, 200, path);
      t.equal(r.body, toJson(JSON.parse(r.body)), `${path}: the body is canonical as sent`);
    }
  },
);

t.test('every registered hook is routed; finalize and customize get their own hooks', async (t) => {
  const { app } = makeApp(t);
  const fin = await post(app, '/hooks/gatihandler/finalize', {
    ...syncRequest(1),
    finalizing: true,
  });
  t.equal(fin.statusCode, 200);
  t.same(JSON.parse(fin.body), {
    children: [],
    finalized: true,
    status: { observedDeployments: 1, versions: [] },
  });
  const cust = await post(app, '/hooks/gatihandler/customize', {
    controller: {},
    parent: parent(),
  });
  t.same(JSON.parse(cust.body), {
    relatedResources: [{ apiVersion: 'gati.dev/v1alpha1', resource: 'gativersions' }],
  });
  t.equal((await post(app, '/hooks/gatimodule/sync', syncRequest())).statusCode, 200);
  t.equal((await post(app, '/hooks/gativersion/sync', decoratorRequest())).statusCode, 200);
});

t.test('the hook gets the injected clock and observations', async (t) => {
  let seen: HookContext | undefined;
  const hooks = fakeHooks({
    gatimodule: { sync: (req, ctx) => ((seen = ctx), fakeSync(req, ctx)) },
  });
  const rate = { value: 2, sampleAt: '2030-01-01T00:00:00.000Z' };
  const { app } = makeApp(t, {
    hooks,
    observe: async () => ({ requestRates: { 'ns1/p/v1': rate } }),
  });
  await post(app, '/hooks/gatimodule/sync', syncRequest());
  t.equal(seen?.now.toISOString(), '2030-01-01T00:00:00.000Z');
  t.same(seen?.observations, { requestRates: { 'ns1/p/v1': rate } });
});

t.test('unknown routes and missing hooks are 404 with a body saying why', async (t) => {
  const { app } = makeApp(t);
  const cases = [
    ['/hooks/nope/sync', /unknown controller "nope"/],
    ['/hooks/gatihandler/nope', /unknown hook "nope"/],
    ['/hooks/gatimodule/finalize', /controller gatimodule has no finalize hook \(it has sync\)/],
    ['/elsewhere', /no route \/elsewhere/],
  ] as const;
  for (const [url, why] of cases) {
    const res = await post(app, url, syncRequest());
    t.equal(res.statusCode, 404, url);
    t.match(
      res.headers['x-request-id'],
      /^[0-9a-f-]{36}$/,
      `${url}: a 404 carries a request id too`,
    );
    t.equal(JSON.parse(res.body).error.code, 'GATI_ERR_NOT_FOUND');
    t.match(JSON.parse(res.body).error.message, why);
  }
});

t.test('wrong method is 405 with Allow', async (t) => {
  const { app } = makeApp(t);
  const get = await app.inject({ method: 'GET', url: '/hooks/gatihandler/sync' });
  t.equal(get.statusCode, 405);
  t.equal(get.headers.allow, 'POST');
  t.equal(JSON.parse(get.body).error.code, 'GATI_ERR_METHOD_NOT_ALLOWED');
  const del = await app.inject({ method: 'DELETE', url: '/healthz' });
  t.equal(del.statusCode, 405);
  t.equal(del.headers.allow, 'GET, HEAD');
});

t.test('bad bodies are 400/415 naming the problem, never 200', async (t) => {
  const { app } = makeApp(t);
  const notJson = await app.inject({
    method: 'POST',
    url: '/hooks/gatihandler/sync',
    payload: '{"parent":',
    headers: { 'content-type': 'application/json' },
  });
  t.equal(notJson.statusCode, 400);
  t.equal(JSON.parse(notJson.body).error.code, 'GATI_ERR_BAD_REQUEST');

  const noParent = await post(app, '/hooks/gatihandler/sync', { children: {} });
  t.equal(noParent.statusCode, 400);
  t.match(JSON.parse(noParent.body).error.message, /parent/);

  const noName = await post(app, '/hooks/gatihandler/sync', {
    parent: { metadata: { namespace: 'x' } },
  });
  t.equal(noName.statusCode, 400);
  t.match(JSON.parse(noName.body).error.message, /^parent\.metadata\.name: is required/);

  const wrongType = await post(app, '/hooks/gatihandler/sync', {
    ...syncRequest(),
    finalizing: 'yes',
  });
  t.equal(wrongType.statusCode, 400, 'no coercion of a string into a boolean');
  t.match(JSON.parse(wrongType.body).error.message, /finalizing/);

  const text = await app.inject({
    method: 'POST',
    url: '/hooks/gatihandler/sync',
    payload: 'hello',
    headers: { 'content-type': 'text/plain' },
  });
  t.equal(text.statusCode, 415);
  t.equal(JSON.parse(text.body).error.code, 'GATI_ERR_UNSUPPORTED_MEDIA_TYPE');

  const charset = await app.inject({
    method: 'POST',
    url: '/hooks/gatihandler/sync',
    payload: JSON.stringify(syncRequest()),
    headers: { 'content-type': 'application/json; charset=utf-8' },
  });
  t.equal(charset.statusCode, 200, 'a charset parameter is fine');
});

t.test('a body over the limit is 413; the default limit is 32 MiB', async (t) => {
  t.equal(testConfig().bodyLimitBytes, 32 * 1024 * 1024);
  const { app } = makeApp(t, { env: { BODY_LIMIT_BYTES: '2048' } });
  const res = await post(app, '/hooks/gatihandler/sync', syncRequest(1));
  t.equal(res.statusCode, 413);
  t.equal(JSON.parse(res.body).error.code, 'GATI_ERR_PAYLOAD_TOO_LARGE');
});

t.test('a 5 MiB request (500 children with managedFields) is answered correctly', async (t) => {
  const { app } = makeApp(t);
  const body = syncRequest(500);
  const payload = JSON.stringify(body);
  t.ok(
    payload.length >= 5 * 1024 * 1024,
    `request is ${(payload.length / 1048576).toFixed(1)} MiB`,
  );
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/hooks/gatihandler/sync',
    payload,
    headers: { 'content-type': 'application/json' },
  });
  const ms = performance.now() - started;
  t.equal(res.statusCode, 200);
  const out = JSON.parse(res.body) as SyncResponse;
  t.equal(out.children.length, 500);
  t.equal(out.status.observedDeployments, 500);
  t.notOk(res.body.includes('managedFields'), 'nothing echoed from observed children');
  t.ok(ms < 5000, `answered in ${Math.round(ms)} ms`);
});

t.test(
  'a throwing hook is a 500 with a short JSON body; a GatiError keeps its status',
  async (t) => {
    const hooks = fakeHooks({
      gatimodule: {
        sync: () => {
          throw new Error('boom');
        },
      },
      gativersion: {
        sync: () => {
          throw new GatiError('GATI_ERR_BAD_REQUEST', 'spec.x is wrong (got 1)');
        },
      },
    });
    const { app, sink } = makeApp(t, { hooks });
    const boom = await post(app, '/hooks/gatimodule/sync', syncRequest());
    t.equal(boom.statusCode, 500);
    t.same(JSON.parse(boom.body), { error: { code: 'GATI_ERR_INTERNAL', message: 'boom' } });
    const coded = await post(app, '/hooks/gativersion/sync', decoratorRequest());
    t.equal(coded.statusCode, 400);
    t.same(JSON.parse(coded.body), {
      error: { code: 'GATI_ERR_BAD_REQUEST', message: 'spec.x is wrong (got 1)' },
    });
    t.match(
      sink.lines.find((l) => l.level === 50 && l.msg === 'hook call failed'),
      { controller: 'gatimodule', hook: 'sync', parent: { namespace: 'ns1', name: 'p' } },
      'the failure is logged at error, naming the call and its parent',
    );
    t.match(
      sink.lines.find((l) => l.msg === 'request rejected'),
      { level: 30, controller: 'gativersion', hook: 'sync', code: 'GATI_ERR_BAD_REQUEST' },
      'a rejection is logged at info, naming the call',
    );
    await post(app, '/hooks/gatimodule/sync', { parent: { metadata: {} } });
    const unnamed = sink.lines.filter((l) => l.msg === 'request rejected').at(-1);
    t.match(unnamed, { controller: 'gatimodule', hook: 'sync' }, 'a body without a parent name');
    t.notOk(unnamed && 'parent' in unnamed, 'has no parent binding');
  },
);

t.test('invalid hook output fails closed with 500 instead of deleting children', async (t) => {
  const bad = (r: unknown) => () => r as SyncResponse;
  const cases: Array<[unknown, RegExp]> = [
    [null, /not an object/],
    [{ status: null, children: [] }, /status is not an object/],
    [{ status: {} }, /children is not a list/],
    [
      { status: {}, children: [{ kind: 'Service', metadata: { name: 'x' } }] },
      /children\[0\] lacks/,
    ],
    [{ status: {}, children: [], finalized: true }, /finalized: true from a sync hook/],
  ];
  for (const [r, why] of cases) {
    const { app } = makeApp(t, { hooks: fakeHooks({ gatimodule: { sync: bad(r) } }) });
    const res = await post(app, '/hooks/gatimodule/sync', syncRequest());
    t.equal(res.statusCode, 500);
    t.equal(JSON.parse(res.body).error.code, 'GATI_ERR_INVALID_OUTPUT');
    t.match(JSON.parse(res.body).error.message, why);
  }
  const { app } = makeApp(t, {
    hooks: fakeHooks({ gatimodule: { sync: fakeSync, customize: () => ({}) as never } }),
  });
  const res = await post(app, '/hooks/gatimodule/customize', { parent: parent() });
  t.equal(res.statusCode, 500);
  t.match(JSON.parse(res.body).error.message, /relatedResources/);
});

t.test('no ETag: the shipped controllers never send If-None-Match', async (t) => {
  const { app } = makeApp(t);
  const res = await post(app, '/hooks/gatihandler/sync', syncRequest(1), { 'if-none-match': '*' });
  t.equal(res.statusCode, 200);
  t.notOk(res.headers.etag);
});

t.test('health, readiness and request ids', async (t) => {
  const readiness = { ready: true };
  const { app } = makeApp(t, { readiness });
  t.same(JSON.parse((await app.inject('/healthz')).body), { status: 'ok' });
  t.equal((await app.inject('/readyz')).statusCode, 200);
  readiness.ready = false;
  const r = await app.inject('/readyz');
  t.equal(r.statusCode, 503);
  t.same(JSON.parse(r.body), { status: 'shutting down' });
  t.equal(r.headers.connection, 'close', 'answers end keep-alive connections once shutdown starts');
  t.equal((await app.inject('/healthz')).statusCode, 200, 'liveness is unaffected');
  const given = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'abc-123' } });
  t.equal(given.headers['x-request-id'], 'abc-123', 'an incoming request id is honoured');
  const forged = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'a b\n"c' } });
  t.match(forged.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'a strange one is replaced');
});

t.test(
  'logs: JSON lines, child bindings per hook call, authorization redacted, no bodies at info',
  async (t) => {
    const { app, sink } = makeApp(t, { env: { LOG_LEVEL: 'debug' } });
    const res = await post(app, '/hooks/gatihandler/sync', syncRequest(1), {
      authorization: 'Bearer s3cr3t-token',
      'x-request-id': 'req-7',
    });
    t.equal(res.statusCode, 200);
    const text = sink.text();
    t.notOk(text.includes('s3cr3t-token'), 'the token never reaches the logs');
    t.ok(
      sink.lines.some(
        (l) =>
          (l.req as { headers?: Record<string, unknown> } | undefined)?.headers?.authorization ===
          '[Redacted]',
      ),
      'redacted in place',
    );
    const call = sink.lines.find((l) => l.msg === 'hook call');
    t.match(call, {
      reqId: 'req-7',
      controller: 'gatihandler',
      hook: 'sync',
      parent: { namespace: 'ns1', name: 'p', uid: 'u-1' },
    });
    t.ok(
      typeof call?.requestBytes === 'number' && (call.requestBytes as number) > 1000,
      'debug logs sizes',
    );
    t.notOk(text.includes('managedFields'), 'bodies are never logged');
    t.notOk(
      sink.lines.some((l) => l.msg === 'hook call' && l.level === 30),
      'nothing per-call beyond request lines at info',
    );
  },
);

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { hostAllowed, refusalOf } from '../../src/api/hosts.js';
import { createWebhookClient, type WebhookCall } from '../../src/server/webhooks.js';
import { createObserver } from '../../src/server/observe.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import type { Needed } from '../../src/timescape/observations.js';

// The rollout webhooks the hook server calls (issue #24): only hosts the operator allows, a
// refused URL never called; the same bounds as a Prometheus answer (one deadline, a byte cap,
// fair slots); redirects not followed; a short cache so a check's replay does not call twice.

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

async function receiver(t: Test, handle: Handler) {
  const calls: Array<{ path: string; body: string; type?: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', body, type: req.headers['content-type'] });
      handle(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as AddressInfo).port;
  return { calls, base: `http://127.0.0.1:${port}` };
}

const client = (extra: Partial<Parameters<typeof createWebhookClient>[0]> = {}) =>
  createWebhookClient({
    allowedHosts: ['127.0.0.1'],
    timeoutMs: 2000,
    maxAnswerBytes: 1024,
    concurrency: 2,
    ...extra,
  });

const call = (url: string, extra: Partial<WebhookCall> = {}): WebhookCall => ({
  url,
  timeoutSeconds: 5,
  body: '{"type":"step"}',
  maxAgeSeconds: 0,
  owner: 'shop/users',
  ...extra,
});

t.test('hostAllowed and refusalOf', async (t) => {
  const rows: Array<[string, string[], boolean, string]> = [
    ['http://ci.example.com/x', ['ci.example.com'], true, 'exact host'],
    ['http://CI.example.com/x', ['ci.example.com'], true, 'case-insensitive'],
    ['http://ci.example.com:8080/x', ['ci.example.com:8080'], true, 'host:port'],
    ['http://ci.example.com:9090/x', ['ci.example.com:8080'], false, 'another port'],
    ['https://a.hooks.example.com/', ['*.hooks.example.com'], true, 'wildcard below'],
    ['https://hooks.example.com/', ['*.hooks.example.com'], false, 'not the domain itself'],
    ['https://evilhooks.example.com/', ['*.hooks.example.com'], false, 'not a suffix match'],
    ['http://other.example.com/', [], false, 'none allowed by default'],
  ];
  for (const [url, allowed, want, reason] of rows)
    t.equal(hostAllowed(new URL(url), allowed), want, reason);
  t.same(refusalOf('http://u:p@ci.example.com/', ['ci.example.com']), {
    detail: 'credentials in the URL of ci.example.com',
  });
  t.same(refusalOf('ftp://ci.example.com/', ['ci.example.com']), { detail: 'not http or https' });
});

t.test("an allowed host is called with the core's body; its status is the answer", async (t) => {
  const r = await receiver(t, (_q, res) => res.writeHead(202).end('accepted'));
  const c = client();
  const a = await c(call(`${r.base}/smoke`)).answer;
  t.match(a, { value: 202, sampleAt: /Z$/ });
  t.match(r.calls, [{ path: '/smoke', body: '{"type":"step"}', type: 'application/json' }]);
});

t.test('a host not allowed is refused and never called', async (t) => {
  const r = await receiver(t, (_q, res) => res.writeHead(200).end());
  const c = client({ allowedHosts: ['ci.example.com'] });
  const out = c(call(`${r.base}/smoke`));
  t.same(await out.answer, { inconclusive: 'NotAllowed', detail: r.base.slice(7) });
  t.equal(out.fresh, false, 'not a call (nothing to warn about per call)');
  t.equal(r.calls.length, 0, 'never called');
});

t.test('bounded: deadline, answer size, no redirects', async (t) => {
  const r = await receiver(t, (q, res) => {
    if (q.url === '/slow') setTimeout(() => res.writeHead(200).end(), 3000);
    else if (q.url === '/big') res.writeHead(200).end('x'.repeat(4096));
    else res.writeHead(302, { location: 'http://evil.example.com/' }).end();
  });
  const c = client({ timeoutMs: 300 });
  t.same(
    await c(call(`${r.base}/slow`)).answer,
    { inconclusive: 'Timeout' },
    'capped by WEBHOOK_TIMEOUT_MS',
  );
  t.same(await c(call(`${r.base}/big`)).answer, {
    inconclusive: 'AnswerTooLarge',
    detail: 'over 1024 bytes',
  });
  t.match(
    await c(call(`${r.base}/moved`)).answer,
    { value: 302 },
    'a redirect is an answer, not followed',
  );
  t.equal(r.calls.filter((x) => x.path === '/').length, 0);
});

t.test('a short cache: one call for a replayed check within maxAgeSeconds', async (t) => {
  const r = await receiver(t, (_q, res) => res.writeHead(200).end());
  const c = client();
  await c(call(`${r.base}/a`, { maxAgeSeconds: 10 })).answer;
  const again = c(call(`${r.base}/a`, { maxAgeSeconds: 10 }));
  t.equal(again.fresh, false);
  await again.answer;
  await c(call(`${r.base}/a`, { maxAgeSeconds: 0 })).answer;
  t.equal(r.calls.length, 2, 'maxAgeSeconds 0 never reuses');
});

t.test(
  'the observer asks a whole check at once, drain checks fill the rest of the cap',
  async (t) => {
    const asked: string[] = [];
    const needed: Needed[] = [
      ...['a', 'b', 'c'].map((m): Needed => ({
        purpose: 'analysis',
        versionId: 'v2',
        key: `ns/h/v2#m:${m}`,
        promql: m,
        maxAgeSeconds: 5,
        empty: 'nothing',
      })),
      {
        purpose: 'webhook',
        versionId: 'v2',
        key: 'ns/h/v2#w:w',
        url: 'http://127.0.0.1:1/w',
        timeoutSeconds: 1,
        body: '{}',
        maxAgeSeconds: 5,
      },
      ...['d1', 'd2'].map((d): Needed => ({
        purpose: 'drain',
        versionId: d,
        key: `ns/h/${d}`,
        promql: d,
        maxAgeSeconds: 7,
        empty: 'zero',
      })),
    ];
    const observe = createObserver(
      (q) => {
        asked.push(q.promql);
        return {
          fresh: true,
          answer: Promise.resolve({ value: 1, sampleAt: '2026-01-01T00:00:00Z' }),
        };
      },
      {
        maxQueriesPerCall: 5,
        webhooks: () => ({
          fresh: true,
          answer: Promise.resolve({ value: 200, sampleAt: '2026-01-01T00:00:00Z' }),
        }),
      },
    );
    const controller = { ...CONTROLLERS.gatihandler, observations: () => needed };
    const out = await observe(controller, 'sync', {}, { warn: () => {} }, new Date());
    t.same(
      asked,
      ['a', 'b', 'c', 'd1'],
      'all three metrics, then one drain check within the cap of 5',
    );
    t.same(Object.keys(out.analysis ?? {}).sort(), [
      'ns/h/v2#m:a',
      'ns/h/v2#m:b',
      'ns/h/v2#m:c',
      'ns/h/v2#w:w',
    ]);
    t.same(Object.keys(out.requestRates ?? {}), ['ns/h/d1']);
  },
);

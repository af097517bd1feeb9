import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { Conflict, kubeClient, kubeError } from '../../src/cli/kube.js';
import { CliError, EXIT } from '../../src/cli/errors.js';
import { runCli } from './lib.js';
import { ROLLOUT_USAGE } from '../../src/cli/rollout.js';
import { ROOT } from '../helpers/fixtures.js';

// How `rollout` talks to the API server: kubeError maps what @kubernetes/client-node throws to
// one line and an exit code; kubeClient is run against a small fake API server (plain HTTP).

const SERVER = 'https://10.0.0.1:6443';
const TARGET = { namespace: 'shop', name: 'users', server: SERVER };
const TOKEN = 'sekret-token';

/** status is the body the API server sends with an error: a Kubernetes Status. */
function status(code: number, reason: string, message: string, name = 'users') {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details: { name, group: 'gati.dev', kind: 'gatihandlers' },
    code,
  };
}

/** answer is an ApiException as the generated client throws it: the body as JSON text, every header. */
const answer = (code: number, body: unknown) =>
  new ApiException(
    code,
    'Unknown API Status Code!',
    typeof body === 'string' ? body : JSON.stringify(body),
    {
      authorization: `Bearer ${TOKEN}`,
      'audit-id': 'a1',
    },
  );

const fetchError = (code: string | undefined, type: string) =>
  Object.assign(new Error(`request to ${SERVER}/apis failed, reason: connect ${code}`), {
    name: 'FetchError',
    type,
    ...(code && { code, errno: code }),
  });

t.test('kubeError: one line and an exit code per class of failure', async (t) => {
  const rows: Array<{ reason: string; err: unknown; line: string; code: number }> = [
    {
      reason: 'no such handler (issue 21 row 11)',
      err: answer(404, status(404, 'NotFound', 'gatihandlers.gati.dev "users" not found')),
      line: 'GatiHandler shop/users not found',
      code: EXIT.notFound,
    },
    {
      reason: 'no such resource: the CRDs are not installed',
      err: answer(404, '404 page not found\n'),
      line: `GatiHandler shop/users not found: the API server at ${SERVER} serves no gatihandlers.gati.dev/v1alpha1 (are the Gati CRDs installed?)`,
      code: EXIT.notFound,
    },
    {
      reason: 'forbidden: the Status message only',
      err: new ApiException(
        403,
        'Unknown API Status Code!',
        status(
          403,
          'Forbidden',
          'gatihandlers.gati.dev "users" is forbidden: User "x" cannot get resource',
        ),
        {},
      ),
      line: 'forbidden: gatihandlers.gati.dev "users" is forbidden: User "x" cannot get resource',
      code: EXIT.api,
    },
    {
      reason: 'unauthorized: the client drops the body',
      err: new ApiException(401, 'Unauthorized', undefined, {}),
      line: `unauthorized: the API server at ${SERVER} did not accept the kubeconfig's credentials`,
      code: EXIT.api,
    },
    {
      reason: 'unauthorized, with a Status',
      err: answer(401, {
        kind: 'Status',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401,
      }),
      line: 'unauthorized: Unauthorized',
      code: EXIT.api,
    },
    {
      reason: 'conflict',
      err: answer(409, status(409, 'Conflict', 'the object has been modified')),
      line: 'conflict: the object has been modified',
      code: EXIT.conflict,
    },
    {
      reason: 'another answer, its message cut to one line',
      err: answer(422, status(422, 'Invalid', 'GatiHandler "users" is invalid:\n* spec: bad')),
      line: 'the API server answered 422: GatiHandler "users" is invalid:',
      code: EXIT.api,
    },
    {
      reason: 'an answer without a body',
      err: new ApiException(503, 'Unknown API Status Code!', undefined, {}),
      line: 'the API server answered 503: HTTP 503',
      code: EXIT.api,
    },
    {
      reason: 'refused connection',
      err: fetchError('ECONNREFUSED', 'system'),
      line: `cannot reach the API server at ${SERVER}: ECONNREFUSED`,
      code: EXIT.api,
    },
    {
      reason: 'unknown host',
      err: fetchError('ENOTFOUND', 'system'),
      line: `cannot reach the API server at ${SERVER}: ENOTFOUND`,
      code: EXIT.api,
    },
    {
      reason: 'no answer in time',
      err: fetchError(undefined, 'request-timeout'),
      line: `cannot reach the API server at ${SERVER}: request-timeout`,
      code: EXIT.api,
    },
    {
      reason: 'anything else: its first line',
      err: new Error('exec plugin: gke-gcloud-auth-plugin not found\nstack'),
      line: 'exec plugin: gke-gcloud-auth-plugin not found',
      code: EXIT.api,
    },
    { reason: 'not even an Error', err: 'boom', line: 'boom', code: EXIT.api },
    {
      reason: 'already mapped',
      err: new CliError('kept', EXIT.timedOut),
      line: 'kept',
      code: EXIT.timedOut,
    },
  ];
  for (const r of rows) {
    const e = kubeError(r.err, TARGET);
    t.same([e.message, e.exitCode], [r.line, r.code], r.reason);
    t.notMatch(e.message, /HTTP-Code|Headers|audit-id|sekret/, `${r.reason}: no dump, no headers`);
  }
  t.ok(kubeError(answer(409, {}), TARGET) instanceof Conflict, 'a 409 is a Conflict');
});

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  body?: any;
}

/** fakeApiServer answers like kube-apiserver for GatiHandler users in shop (resourceVersion 7). */
async function fakeApiServer(t: Test) {
  const seen: Seen[] = [];
  const handler = {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: 'users', namespace: 'shop', resourceVersion: '7' },
    spec: { version: 'v2' },
  };
  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json', 'x-leak': TOKEN });
    res.end(JSON.stringify(body));
  };
  const server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += String(chunk);
    seen.push({
      method: req.method!,
      url: req.url!,
      contentType: req.headers['content-type'],
      body: text ? JSON.parse(text) : undefined,
    });
    const name = req.url!.split('/').pop()!.split('?')[0]!;
    const base = '/apis/gati.dev/v1alpha1/namespaces/shop/gatihandlers/';
    if (!req.url!.startsWith(base)) return res.writeHead(404).end('404 page not found');
    if (name !== 'users')
      return send(
        res,
        404,
        status(404, 'NotFound', `gatihandlers.gati.dev "${name}" not found`, name),
      );
    if (req.method === 'GET') return send(res, 200, handler);
    const { metadata } = JSON.parse(text);
    if (metadata.resourceVersion && metadata.resourceVersion !== handler.metadata.resourceVersion)
      return send(res, 409, status(409, 'Conflict', 'the object has been modified'));
    return send(res, 200, handler);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen };
}

/** kubeconfig writes a kubeconfig for `server` whose context's namespace is shop. */
function kubeconfig(t: Test, server: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'gati-cli-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'config');
  writeFileSync(
    path,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'u', user: { token: TOKEN } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'shop' } }],
      'current-context': 'ctx',
    }),
  );
  return path;
}

t.test(
  'kubeClient reads and writes a GatiHandler, the write conditional on its version',
  async (t) => {
    const api = await fakeApiServer(t);
    const client = await kubeClient({ kubeconfig: kubeconfig(t, api.url), context: 'ctx' });
    t.equal(client.namespace, 'shop', "the context's namespace");
    t.equal((await client.get('shop', 'users')).metadata.resourceVersion, '7');
    await client.annotate('shop', 'users', 'gati.dev/rollout-action', 'pause', '7');
    t.match(api.seen.at(-1), {
      method: 'PATCH',
      url: '/apis/gati.dev/v1alpha1/namespaces/shop/gatihandlers/users',
      contentType: 'application/merge-patch+json',
      body: {
        metadata: { resourceVersion: '7', annotations: { 'gati.dev/rollout-action': 'pause' } },
      },
    });
    await client.annotate('shop', 'users', 'k', 'v');
    t.same(api.seen.at(-1)!.body, { metadata: { annotations: { k: 'v' } } }, 'unconditional');
    await t.rejects(
      client.annotate('shop', 'users', 'k', 'v', '6'),
      new Conflict('conflict: the object has been modified'),
    );
    await t.rejects(client.get('shop', 'nobody'), {
      exitCode: EXIT.notFound,
      message: 'GatiHandler shop/nobody not found',
    });
  },
);

t.test('a kubeconfig that cannot be used is exit 5', async (t) => {
  await t.rejects(kubeClient({ kubeconfig: '/nonexistent/kubeconfig' }), {
    exitCode: EXIT.api,
    message: 'cannot read the kubeconfig /nonexistent/kubeconfig: ENOENT',
  });
  const file = kubeconfig(t, 'http://127.0.0.1:1');
  await t.rejects(kubeClient({ kubeconfig: file, context: 'elsewhere' }), {
    exitCode: EXIT.api,
    message: 'no context "elsewhere" in the kubeconfig',
  });
});

t.test('gati-operator rollout: exit code and one plain line per class', async (t) => {
  const api = await fakeApiServer(t);
  const file = kubeconfig(t, api.url);
  const shown = await runCli(['rollout', 'status', 'users', '--kubeconfig', file]);
  t.same([shown.code, shown.err], [0, '']);
  t.match(shown.out, /^GatiHandler {2}shop\/users/);

  const missing = await runCli(['rollout', 'promote', 'nobody', '--kubeconfig', file]);
  t.same(
    [missing.code, missing.err],
    [EXIT.notFound, 'gati-operator rollout: GatiHandler shop/nobody not found\n'],
  );

  const closed = kubeconfig(t, 'http://127.0.0.1:1');
  const down = await runCli(['rollout', 'status', 'users', '--kubeconfig', closed]);
  t.same(
    [down.code, down.err],
    [
      EXIT.api,
      'gati-operator rollout: cannot reach the API server at http://127.0.0.1:1: ECONNREFUSED\n',
    ],
  );

  const usage = await runCli(['rollout', 'status', 'users', '--bogus']);
  t.equal(usage.code, EXIT.usage);
  t.match(
    usage.err,
    /^gati-operator rollout: unknown argument "--bogus"\nUsage: gati-operator rollout/,
  );
  for (const r of [shown, missing, down]) t.notMatch(r.err + r.out, /sekret|x-leak|HTTP-Code/);
});

t.test('rollout --help and docs/progressive-delivery.md list every exit code alike', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs/progressive-delivery.md'), 'utf8');
  const lines = ROLLOUT_USAGE.split('Exit codes:\n')[1]!.split('\n');
  const rows = lines.map((line) => /^ {2}(\d) {2}(.+)$/.exec(line)!.slice(1));
  t.same(
    rows.map(([code]) => Number(code)),
    Object.values(EXIT),
    'every code, in order',
  );
  for (const [code, meaning] of rows) {
    const escaped = meaning!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    t.match(doc, new RegExp(`\\n\\| ${code} +\\| ${escaped} +\\|\\n`), `exit ${code}`);
  }
});

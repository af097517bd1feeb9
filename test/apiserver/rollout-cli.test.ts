import t from 'tap';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../cli/lib.js';
import { parseRolloutArgs, runRollout } from '../../src/cli/rollout.js';
import { kubeClient, type HandlerClient } from '../../src/cli/kube.js';
import { applyCRDs, freePort, isSkip, startCluster, type TestCluster } from './lib/cluster.js';
import { ROOT } from '../helpers/fixtures.js';
import { rollingV2 } from '../timescape/lib.js';

// `gati-operator rollout` against a real kube-apiserver, with the kubeconfig a user would
// have: it reads the handler and its status, and sets gati.dev/rollout-action. The operator's
// part (acting on the annotation) is played here by writing the status subresource. Each class
// of failure has its own exit code (ROLLOUT_USAGE) and one plain line on stderr.

t.setTimeout(65 * 60_000);

const NS = 'rollout-cli';
const PATH = `/apis/gati.dev/v1alpha1/namespaces/${NS}/gatihandlers`;

const started = await startCluster();
if (isSkip(started)) {
  t.test(
    'rollout CLI against a real API server',
    { skip: `real API server unavailable: ${started.skip}` },
    () => {},
  );
} else {
  const c: TestCluster = started;
  t.teardown(() => c.stop());
  const kube = ['-n', NS, '--kubeconfig', c.kubeconfigPath];

  await t.test('set up: CRDs, a namespace and a handler with a rollout in status', async (t) => {
    const dir = join(ROOT, 'crds');
    await applyCRDs(
      c,
      readdirSync(dir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => parse(readFileSync(join(dir, f), 'utf8'))),
    );
    t.equal(
      (await c.request('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status,
      201,
    );
    const made = await c.request('POST', PATH, {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiHandler',
      metadata: { name: 'users' },
      spec: { handlerPath: '/api/users', version: 'v2', image: 'users:v2' },
    });
    t.equal(made.status, 201, JSON.stringify(made.body));
    const st = await c.request('PUT', `${PATH}/users/status`, {
      ...made.body,
      status: { ...rollingV2().status, phase: 'Progressing' },
    });
    t.equal(
      st.status,
      200,
      `status accepted by the CRD schema: ${JSON.stringify(st.body).slice(0, 300)}`,
    );
  });

  await t.test('rollout status shows the rollout as the API server stores it', async (t) => {
    const r = await runCli(['rollout', 'status', 'users', ...kube]);
    t.equal(r.code, 0);
    t.match(r.out, /GatiHandler {2}rollout-cli\/users {2}spec\.version v2 {2}phase Progressing/);
    t.match(r.out, /Version v1 → v2 {2}Progressing \(Started\) {2}step 1 {2}10% of the move/);
    t.match(r.out, /\nv2 +Active +100 +10 +10%/);
  });

  await t.test('an action sets the annotation with a token and reports the outcome', async (t) => {
    const r = await runCli(['rollout', 'promote', 'users', ...kube, '--no-wait']);
    t.equal(r.code, 0);
    const value = /gati\.dev\/rollout-action=(promote@[0-9a-z]+)/.exec(r.out)?.[1];
    t.ok(value, r.out);
    const h = await c.request('GET', `${PATH}/users`);
    t.equal(
      h.body.metadata.annotations['gati.dev/rollout-action'],
      value,
      'the annotation is on the handler',
    );

    // Play the operator: answer the next action once it is set.
    const answer = (async () => {
      for (let i = 0; i < 100; i++) {
        const cur = await c.request('GET', `${PATH}/users`);
        const v = cur.body.metadata.annotations?.['gati.dev/rollout-action'];
        if (typeof v === 'string' && v.startsWith('abort@')) {
          const status = structuredClone(cur.body.status);
          status.rollout = {
            ...status.rollout,
            phase: 'Aborted',
            lastAction: {
              value: v,
              action: 'abort',
              at: '2026-01-01T00:01:00Z',
              outcome: 'Applied',
              message: 'aborted',
            },
          };
          return c.request('PUT', `${PATH}/users/status`, { ...cur.body, status });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the CLI never set abort');
    })();
    const aborted = await runCli(['rollout', 'abort', 'users', ...kube, '--timeout', '20']);
    t.equal((await answer).status, 200);
    t.equal(aborted.code, 0);
    t.match(aborted.out, /Applied: aborted; rollout Aborted/);
  });

  await t.test('a missing handler: exit 3 and one plain line naming it', async (t) => {
    const r = await runCli(['rollout', 'status', 'nobody', ...kube]);
    t.equal(r.code, 3);
    t.equal(r.err, `gati-operator rollout: GatiHandler ${NS}/nobody not found\n`);
  });

  await t.test('no answer within --timeout: exit 4, not 0', async (t) => {
    // No operator runs here: the annotation is set and nothing ever answers it.
    const r = await runCli(['rollout', 'abort', 'users', ...kube, '--timeout', '2']);
    t.equal(r.code, 4, r.err);
    t.match(
      r.err,
      /^gati-operator rollout: no answer from the operator within 2s: is it running\?/,
    );
    t.equal(r.err.split('\n').length, 2, 'one line');
  });

  await t.test(
    "forbidden, unauthorized, unreachable: exit 5, the server's message only",
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'rollout-cli-'));
      t.teardown(() => rmSync(dir, { recursive: true, force: true }));
      const config = JSON.parse(readFileSync(c.kubeconfigPath, 'utf8'));
      const variant = (name: string, edit: (k: any) => void) => {
        const k = structuredClone(config);
        edit(k);
        const path = join(dir, name);
        writeFileSync(path, JSON.stringify(k));
        return ['rollout', 'status', 'users', '-n', NS, '--kubeconfig', path];
      };
      const stranger = await runCli(variant('as', (k) => (k.users[0].user.as = 'stranger')));
      t.equal(stranger.code, 5);
      t.equal(
        stranger.err,
        `gati-operator rollout: forbidden: gatihandlers.gati.dev "users" is forbidden: User "stranger" cannot get resource "gatihandlers" in API group "gati.dev" in the namespace "${NS}"\n`,
      );
      const badToken = await runCli(variant('token', (k) => (k.users[0].user.token = 'wrong')));
      t.equal(badToken.code, 5);
      t.equal(
        badToken.err,
        `gati-operator rollout: unauthorized: the API server at ${c.url} did not accept the kubeconfig's credentials\n`,
      );
      const port = await freePort();
      const closed = await runCli(
        variant('closed', (k) => (k.clusters[0].cluster.server = `https://127.0.0.1:${port}`)),
      );
      t.equal(closed.code, 5);
      t.equal(
        closed.err,
        `gati-operator rollout: cannot reach the API server at https://127.0.0.1:${port}: ECONNREFUSED\n`,
      );
      for (const r of [stranger, badToken, closed])
        t.notMatch(r.err, new RegExp(`HTTP-Code|Headers|audit-id|${config.users[0].user.token}`));
    },
  );

  /** racing wraps the real client so `edit` lands between the CLI's read and its first write. */
  async function racing(edit: () => Promise<unknown>) {
    const real = await kubeClient({ kubeconfig: c.kubeconfigPath });
    const calls: string[] = [];
    let raced = false;
    const client: HandlerClient = {
      ...real,
      get: (...a: Parameters<HandlerClient['get']>) => (calls.push('get'), real.get(...a)),
      annotate: async (...a: Parameters<HandlerClient['annotate']>) => {
        calls.push('annotate');
        if (!raced) {
          raced = true;
          const done = (await edit()) as { status: number };
          if (done.status !== 200) throw new Error(`the concurrent edit failed: ${done.status}`);
        }
        return real.annotate(...a);
      },
    };
    return { client, calls };
  }

  await t.test(
    'an edit between the read and the write is kept: 409, re-read, retried',
    async (t) => {
      const { client, calls } = await racing(() =>
        c.request('PATCH', `${PATH}/users`, {
          metadata: { labels: { team: 'payments' }, annotations: { owner: 'someone else' } },
        }),
      );
      const a = parseRolloutArgs(['promote', 'users', '-n', NS, '--no-wait']);
      t.equal(await runRollout(a, client, () => {}), 0);
      t.same(
        calls,
        ['get', 'annotate', 'get', 'annotate'],
        'the stale write was refused, then retried',
      );
      const h = (await c.request('GET', `${PATH}/users`)).body;
      t.equal(h.metadata.labels.team, 'payments', 'the other edit survives');
      t.equal(h.metadata.annotations.owner, 'someone else');
      t.match(h.metadata.annotations['gati.dev/rollout-action'], /^promote@/, 'the action is set');
    },
  );

  await t.test(
    'another action set between the read and the write is not overwritten',
    async (t) => {
      const { client } = await racing(() =>
        c.request('PATCH', `${PATH}/users`, {
          metadata: { annotations: { 'gati.dev/rollout-action': 'abort@someone' } },
        }),
      );
      const a = parseRolloutArgs(['promote', 'users', '-n', NS, '--no-wait']);
      await t.rejects(
        runRollout(a, client, () => {}),
        {
          exitCode: 6,
          message:
            /rollout-action=abort@someone was set on rollout-cli\/users meanwhile: left as is/,
        },
      );
      const h = (await c.request('GET', `${PATH}/users`)).body;
      t.equal(h.metadata.annotations['gati.dev/rollout-action'], 'abort@someone');
    },
  );
}

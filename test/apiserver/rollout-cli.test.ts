import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { applyCRDs, isSkip, startCluster, type TestCluster } from './lib/cluster.js';
import { ROOT } from '../helpers/fixtures.js';
import { rollingV2 } from '../timescape/lib.js';

// `gati-operator rollout` against a real kube-apiserver, with the kubeconfig a user would
// have: it reads the handler and its status, and sets gati.dev/rollout-action. The operator's
// part (acting on the annotation) is played here by writing the status subresource.

t.setTimeout(65 * 60_000);

const NS = 'rollout-cli';
const PATH = `/apis/gati.dev/v1alpha1/namespaces/${NS}/gatihandlers`;

/** run calls the CLI in-process and captures its stdout. */
async function run(args: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string) => (
    chunks.push(String(s)),
    true
  )) as typeof process.stdout.write;
  try {
    return { code: await main(args), out: chunks.join('') };
  } finally {
    process.stdout.write = write;
  }
}

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
    const r = await run(['rollout', 'status', 'users', ...kube]);
    t.equal(r.code, 0);
    t.match(r.out, /GatiHandler {2}rollout-cli\/users {2}spec\.version v2 {2}phase Progressing/);
    t.match(r.out, /v1 → v2 {2}Progressing {2}step 1 {2}10% of the pair/);
    t.match(r.out, /\nv2 +Active +100 +10 +10%/);
  });

  await t.test('an action sets the annotation with a token and reports the outcome', async (t) => {
    const r = await run(['rollout', 'promote', 'users', ...kube, '--no-wait']);
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
    const aborted = await run(['rollout', 'abort', 'users', ...kube, '--timeout', '20']);
    t.equal((await answer).status, 200);
    t.equal(aborted.code, 0);
    t.match(aborted.out, /Applied: aborted; rollout Aborted/);
  });

  await t.test('a missing handler is an error naming it (exit 1)', async (t) => {
    const stderr: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((s: string) => (
      stderr.push(String(s)),
      true
    )) as typeof process.stderr.write;
    try {
      t.equal(await main(['rollout', 'status', 'nobody', ...kube]), 1);
    } finally {
      process.stderr.write = write;
    }
    t.match(stderr.join(''), /gati-operator rollout: .*(404|not found)/i);
  });
}

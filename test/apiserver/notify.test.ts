import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { Event } from 'kubernetes-models/events.k8s.io/v1';
import { KubeConfig } from '@kubernetes/client-node';
import { applyCRDs, isSkip, startCluster, type TestCluster } from './lib/cluster.js';
import { ROOT } from '../helpers/fixtures.js';
import { notifyObjects, NOTIFY_NAME } from '../../src/install/notify.js';
import { startNotify, type Running } from '../../src/notify/run.js';
import type { NotifyConfig } from '../../src/notify/config.js';

// `gati-operator notify` against a real kube-apiserver (issue #24), with the ServiceAccount and
// ClusterRole it is installed with (manifests/components/notify): two replicas and a restart
// of one mid-way write exactly one RolloutAborted Event on the GatiHandler (and one on its
// GatiVersion) and post exactly once to each notification target. The operator's part — a
// numbered transition in the handler's status — is played here by writing the status.

t.setTimeout(65 * 60_000);
const NS = 'notify-story';
const gati = (r: string) => `/apis/gati.dev/v1alpha1/namespaces/${NS}/${r}`;
type Json = Record<string, any>;

const started = await startCluster();
if (isSkip(started)) {
  t.test('notifier against a real API server', { skip: `unavailable: ${started.skip}` }, () => {});
} else {
  const c: TestCluster = started;
  t.teardown(() => c.stop());
  const posts: Array<{ path: string; key?: string; body: string }> = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', key: req.headers['idempotency-key'] as string, body });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    receiver.closeAllConnections();
    receiver.close();
  });
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const running: Running[] = [];
  t.teardown(async () => {
    for (const r of running) await r.stop();
  });

  let kubeconfig: KubeConfig;
  await t.test('install: CRDs, the notifier ServiceAccount and ClusterRole', async (t) => {
    const dir = join(ROOT, 'crds');
    await applyCRDs(
      c,
      readdirSync(dir).map((f) => parse(readFileSync(join(dir, f), 'utf8'))),
    );
    for (const ns of ['gati-system', NS])
      t.equal(
        (await c.request('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status,
        201,
      );
    for (const { object } of notifyObjects()) {
      if (object.kind === 'Deployment') continue;
      const o = object as Json;
      const path =
        o.kind === 'ServiceAccount'
          ? '/api/v1/namespaces/gati-system/serviceaccounts'
          : `/apis/rbac.authorization.k8s.io/v1/${o.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings'}`;
      const r = await c.request('POST', path, o);
      t.equal(r.status, 201, `${o.kind} created`, { body: r.body });
    }
    const token = await c.request(
      'POST',
      `/api/v1/namespaces/gati-system/serviceaccounts/${NOTIFY_NAME}/token`,
      {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    );
    t.equal(token.status, 201, 'a token of the notifier ServiceAccount', { body: token.body });
    kubeconfig = new KubeConfig();
    kubeconfig.loadFromOptions({
      clusters: [{ name: 'c', server: c.url, skipTLSVerify: true }],
      users: [{ name: 'notify', token: token.body.status.token }],
      contexts: [{ name: 'notify', cluster: 'c', user: 'notify' }],
      currentContext: 'notify',
    });
    // Nothing beyond its role: no Secrets, no writes to Gati objects.
    const as = { headers: { authorization: `Bearer ${token.body.status.token}` } };
    t.equal(
      (await c.request('GET', `/api/v1/namespaces/${NS}/secrets`, undefined, as)).status,
      403,
      'cannot read Secrets',
    );
    t.equal(
      (await c.request('POST', gati('gatihandlers'), { metadata: { name: 'x' } }, as)).status,
      403,
      'cannot write GatiHandlers',
    );
  });

  const config = (instance: string): NotifyConfig => ({
    allowedHosts: ['127.0.0.1'],
    timeoutMs: 2000,
    leaseSeconds: 30,
    maxAgeSeconds: 1800,
    instance,
    logLevel: 'silent',
  });
  const silent = { info: () => {}, warn: () => {}, error: () => {} };
  const start = async (instance: string) => {
    const r = await startNotify({ kubeconfig, config: config(instance), log: silent });
    running.push(r);
    return r;
  };

  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  let handler: Json;
  await t.test('a policy with three targets, a handler naming it, its GatiVersion', async (t) => {
    const policy = {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiRolloutPolicy',
      metadata: { name: 'app' },
      spec: {
        steps: [{ weight: 50, pauseSeconds: 60 }],
        notifications: [
          { name: 'hook', type: 'webhook', url: `${base}/hook`, on: ['RolloutAborted'] },
          { name: 'chat', type: 'slack', url: `${base}/chat`, on: ['RolloutAborted'] },
          { name: 'bus', type: 'cloudevents', url: `${base}/bus`, on: ['RolloutAborted'] },
        ],
      },
    };
    t.equal((await c.request('POST', gati('gatirolloutpolicies'), policy)).status, 201);
    const made = await c.request('POST', gati('gatihandlers'), {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiHandler',
      metadata: { name: 'users' },
      spec: {
        handlerPath: '/api/users',
        version: 'v2',
        image: 'users:v2',
        rollout: { policyRef: { name: 'app' } },
      },
    });
    t.equal(made.status, 201);
    handler = made.body;
    const gv = await c.request('POST', gati('gativersions'), {
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiVersion',
      metadata: { name: 'users-v2' },
      spec: { versionId: 'v2', handlerRef: { name: 'users' } },
    });
    t.equal(gv.status, 201);
  });

  const writeStatus = async (transitions: Json[]) => {
    const cur = (await c.request('GET', `${gati('gatihandlers')}/users`)).body;
    const r = await c.request('PUT', `${gati('gatihandlers')}/users/status`, {
      ...cur,
      status: {
        transitionSeq: transitions.length,
        transitions,
        versions: [
          {
            versionId: 'v2',
            gatiVersion: 'users-v2',
            source: 'spec',
            phase: 'Failed',
            desiredWeight: 100,
            effectiveWeight: 0,
            trafficPercent: 0,
            pinned: false,
            breaking: false,
            deployment: 'users-v2-x',
            service: 'users-v2-x',
            readyReplicas: 1,
            availableReplicas: 1,
          },
        ],
      },
    });
    if (r.status !== 200) throw new Error(`status: ${r.status} ${JSON.stringify(r.body)}`);
  };
  const started1 = {
    seq: 1,
    transition: 'RolloutStarted',
    versionId: 'v2',
    reason: 'Started',
    at: now(),
  };

  await t.test('two replicas; one restarted mid-way: one Event, one post per target', async (t) => {
    const a = await start('notify-a');
    await start('notify-b');
    await writeStatus([started1]);
    const abort = {
      seq: 2,
      transition: 'RolloutAborted',
      versionId: 'v2',
      reason: 'AnalysisFailed',
      message: 'analysis failed 2 checks in a row (errors: value 0.03 against baseline 0.01)',
      at: now(),
    };
    // The restart: replica a stops as the abort is written, and starts again (it relists).
    const stopping = a.stop();
    await writeStatus([started1, abort]);
    await stopping;
    running.splice(running.indexOf(a), 1);
    await start('notify-a');
    const deadline = Date.now() + 60_000;
    while (posts.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    // Give any duplicate time to show up: a relist, the other replica, a retry.
    await new Promise((r) => setTimeout(r, 5000));
    t.same(
      posts.map((p) => p.path).sort(),
      ['/bus', '/chat', '/hook'],
      'exactly one post per target',
    );
    t.ok(
      posts.every((p) => p.key === `${handler.metadata.uid}.2`),
      'one idempotency key',
    );
    const events = (await c.request('GET', `/apis/events.k8s.io/v1/namespaces/${NS}/events`)).body
      .items as Json[];
    const aborted = events.filter((e) => e.reason === 'RolloutAborted');
    t.equal(
      aborted.filter((e) => e.regarding.kind === 'GatiHandler').length,
      1,
      'one Event on the GatiHandler',
    );
    t.equal(
      aborted.filter((e) => e.regarding.kind === 'GatiVersion').length,
      1,
      'one on its GatiVersion',
    );
    t.match(
      aborted.find((e) => e.regarding.kind === 'GatiHandler'),
      {
        type: 'Warning',
        regarding: { name: 'users', uid: handler.metadata.uid },
        reportingController: 'gati.dev/notify',
      },
    );
    t.equal(
      events.filter((e) => e.reason === 'NotificationSent').length,
      3,
      'each post recorded once',
    );
    t.equal(
      events.filter((e) => e.reason === 'RolloutStarted').length,
      2,
      'the start too (no target for it)',
    );
    for (const e of events) {
      const { metadata, ...rest } = e;
      t.doesNotThrow(
        () =>
          new Event({
            ...rest,
            metadata: { name: metadata.name, namespace: metadata.namespace },
          } as never).validate(),
        `${e.reason} validates`,
      );
    }
    // kubectl describe / kubectl events read them as core/v1 Events of the object.
    const core = await c.request('GET', `/api/v1/namespaces/${NS}/events`, undefined, {
      query: { fieldSelector: `involvedObject.uid=${handler.metadata.uid}` },
    });
    t.ok(
      core.body.items.some((e: Json) => e.reason === 'RolloutAborted'),
      'seen as core/v1 Events of the handler',
    );
  });
}

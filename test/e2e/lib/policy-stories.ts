/**
 * The stories of issue #24 (rollout policies an app shares, analysis against the live
 * baseline, webhooks, Events and notifications), run by the loop suite after the others under
 * the fixed slugs `policy`, `baseline`, `webhooks` and `events`. `baseline` gates on real
 * counters of the data plane (./traffic-stories.ts); the webhook receivers are one small HTTP
 * server in this process (signals()), the hook server restarted once with
 * WEBHOOK_ALLOWED_HOSTS naming it; the notifier runs in this process too, with the
 * ServiceAccount it is installed with.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Test } from 'tap';
import { KubeConfig } from '@kubernetes/client-node';
import { notifyObjects, NOTIFY_NAME } from '../../../src/install/notify.js';
import { startNotify, type Running } from '../../../src/notify/run.js';
import type { Obj } from './api.js';
import { use } from './driver.js';
import { conditionOf, versionEntry } from './read.js';
import { handler, rolloutOf, world, type Story, type StoryContext } from './stories.js';
import { QUERIES, routing, trafficHandler } from './traffic-stories.js';
import type { TrafficPlane } from './traffic.js';
import { log, MINUTE, pending, SECOND, sleep } from './wait.js';

/* ---------------------------------------------------------------------------- the signals */

/** What the hook server reaches in this process: webhook receivers. */
interface Signals {
  base: string;
  /** HTTP status per webhook path (`/hooks/<name>`); unknown paths answer 404. */
  answers: Map<string, number>;
  /** Every webhook call, by path. */
  calls: Array<{ path: string; body: string; at: number }>;
}

let shared: Promise<Signals> | undefined;

/**
 * signals starts the receivers once per process and restarts the hook server once with
 * WEBHOOK_ALLOWED_HOSTS naming them (the hook server takes its environment from this
 * process's; the loop sets PROMETHEUS_URL itself).
 */
async function signals(s: StoryContext): Promise<Signals> {
  shared ??= (async () => {
    const sig: Signals = { base: '', answers: new Map(), calls: [] };
    const server = createServer((req, res) => serve(sig, req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    server.unref();
    sig.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    process.env.WEBHOOK_ALLOWED_HOSTS = '127.0.0.1';
    await use(s.driver.knobs.stopHookServer);
    await use(s.driver.knobs.startHookServer);
    log('signals', `webhook receivers at ${sig.base}; hook server restarted`);
    return sig;
  })();
  return shared;
}

function serve(sig: Signals, req: IncomingMessage, res: ServerResponse): void {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const path = new URL(req.url ?? '/', sig.base).pathname;
    sig.calls.push({ path, body, at: Date.now() });
    res.writeHead(sig.answers.get(path) ?? 404).end();
  });
}

function policy(s: StoryContext, name: string, spec: Obj): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiRolloutPolicy',
    metadata: { name, namespace: s.ns },
    spec,
  };
}

/** A handler at `version` naming policy `ref` (no rollout fields of its own but the window). */
function named(
  s: StoryContext,
  name: string,
  version: string,
  ref: string,
  rollout: Obj = {},
): Obj {
  return handler(s, name, version, {
    rollout: { policyRef: { name: ref }, rollbackWindowSeconds: 0, ...rollout },
  });
}

const toVersion = (s: StoryContext, v: string) => ({
  spec: { version: v, image: s.driver.image(v) },
});

/* ------------------------------------------------------------------------------- policy */

const policyStory: Story = {
  name: 'two handlers share a GatiRolloutPolicy: one edit changes both next rollouts; a missing policy holds',
  slug: 'policy',
  timeoutMs: 8 * MINUTE,
  async run(t, s) {
    await s.api.apply(policy(s, 'app', { steps: [{ weight: 30, pauseSeconds: 600 }] }));
    const names = ['alpha', 'beta'];
    const worlds = names.map((n) => world(s, n, ['v1', 'v2', 'v3']));
    for (const n of names) await s.api.apply(named(s, n, 'v1', 'app'));
    for (const w of worlds) await w.settle({ v1: 100 }, ['v1']);
    for (const n of names) await s.api.patch('GatiHandler', s.ns, n, toVersion(s, 'v2'));
    for (const w of worlds) await w.settle({ v1: 70, v2: 30 }, ['v1', 'v2']);
    t.pass("both at the policy's first step: 30 %");
    for (const n of names)
      await s.api.patch('GatiHandler', s.ns, n, {
        metadata: { annotations: { 'gati.dev/rollout-action': 'promote-full' } },
      });
    for (const [i, w] of worlds.entries())
      await s.until(
        `GatiHandler ${s.ns}/${names[i]}: v2 carries all weighted traffic`,
        async () => {
          const x = await w.weights();
          return (x.v2 ?? 0) === 100 && !x.v1 ? true : pending(JSON.stringify(x));
        },
        2 * MINUTE,
      );
    // One edit of the policy: both handlers' next rollouts walk the new steps.
    await s.api.apply(policy(s, 'app', { steps: [{ weight: 60, pauseSeconds: 600 }] }));
    for (const n of names) await s.api.patch('GatiHandler', s.ns, n, toVersion(s, 'v3'));
    for (const [i, w] of worlds.entries())
      await s.until(
        `GatiHandler ${s.ns}/${names[i]}: v3 at the edited step (60 %)`,
        async () => {
          const x = await w.weights();
          return x.v2 === 40 && x.v3 === 60 ? true : pending(JSON.stringify(x));
        },
        2 * MINUTE,
      );
    t.pass('one edit of the policy changed both handlers’ next rollout');

    // A handler naming a policy that does not exist holds: it serves v1, nothing moves.
    const w = world(s, 'gamma', ['v1', 'v2']);
    await s.api.apply(named(s, 'gamma', 'v1', 'app'));
    await w.settle({ v1: 100 }, ['v1']);
    await s.api.patch('GatiHandler', s.ns, 'gamma', {
      spec: { ...toVersion(s, 'v2').spec, rollout: { policyRef: { name: 'nope' } } },
    });
    const held = await s.until(
      `GatiHandler ${s.ns}/gamma: Ready=False PolicyNotFound`,
      async () => {
        const h = await w.handlerNow();
        const ready = conditionOf(h, 'Ready');
        return ready?.reason === 'PolicyNotFound' ? h! : pending(JSON.stringify(ready));
      },
      MINUTE,
    );
    t.match(conditionOf(held, 'Ready')?.message, /GatiRolloutPolicy nope not found/);
    await s.holds(
      `GatiHandler ${s.ns}/gamma to keep serving v1 alone, with no v2 workload`,
      async () => {
        const x = await w.weights();
        const dep = await w.deployment('v2');
        return JSON.stringify(x) === '{"v1":100}' && !dep ? true : pending(JSON.stringify(x));
      },
      (s.driver.resyncPeriodSeconds + 5) * SECOND,
    );
    t.pass('a missing policy is reported and nothing moves');
  },
};

/* ----------------------------------------------------------------------------- baseline */

const baselineStory: Story = {
  name: 'analysis against the live incumbent, over real requests: 3× its error ratio aborts, equal completes, at the same threshold',
  slug: 'baseline',
  needs: ['traffic'],
  timeoutMs: 12 * MINUTE,
  async run(t, s) {
    const tp = s.driver.traffic as TrafficPlane;
    // Both new versions are under the absolute ceiling (50 %): only the baseline tells them apart.
    await s.api.apply(
      policy(s, 'app', {
        steps: [{ weight: 50, pauseSeconds: 30 }],
        analysis: {
          intervalSeconds: 5,
          failureLimit: 2,
          inconclusiveLimit: 6,
          metrics: [
            { name: 'errors', query: QUERIES.appErrorRatio, baseline: { maxRatio: 2 } },
            { name: 'ceiling', query: QUERIES.appErrorRatio, threshold: 0.5 },
          ],
        },
      }),
    );
    for (const [name, errorPercent, want] of [
      ['worse', 30, 'Aborted'],
      ['same', 10, 'Succeeded'],
    ] as const) {
      const r = routing(s, name, ['v1', 'v2']);
      const h = trafficHandler(s, name, 'v1', {
        rollout: {
          policyRef: { name: 'app' },
          progressDeadlineSeconds: 300,
          rollbackWindowSeconds: 0,
        },
      });
      h.spec.image = tp.image('v1', { errorPercent: 10 });
      await s.api.apply(h);
      await r.served({ v1: 100 });
      const client = r.steady(40, 300);
      await s.api.patch('GatiHandler', s.ns, name, {
        spec: { version: 'v2', image: tp.image('v2', { errorPercent }) },
      });
      const ro = await s.until(
        `the rollout of ${s.ns}/${name} (v1 failing 10 %, v2 ${errorPercent} %) to end`,
        async () => {
          const ro = rolloutOf(await r.handlerNow());
          return ro?.versionId === 'v2' && ['Aborted', 'Succeeded'].includes(ro.phase)
            ? ro
            : pending(JSON.stringify(ro ?? null));
        },
        4 * MINUTE,
        1000,
      );
      await client.stop();
      t.equal(
        ro.phase,
        want,
        `v2 at ${errorPercent} % beside v1 at 10 %: ${ro.phase} (${ro.message})`,
      );
      const [errors, ceiling] = ro.analysis?.metrics ?? [];
      t.match(errors, { name: 'errors' });
      t.ok(
        Math.abs((errors?.baselineValue ?? -1) - 0.1) <= 0.05,
        `the incumbent's real error ratio was the baseline: ${errors?.baselineValue}`,
      );
      t.equal(ceiling?.result, 'Passed', `under the absolute ceiling: ${ceiling?.value}`);
      if (want === 'Aborted') {
        t.match(ro, {
          reason: 'AnalysisFailed',
          message: /errors: value [\d.]+ against baseline [\d.]+: over maxRatio 2/,
        });
        t.same(await r.weights(), { v1: 100, v2: 0 }, 'v2 back to 0');
      } else t.equal(ro.analysis?.failures, 0, 'no check failed');
    }
  },
};

/* ----------------------------------------------------------------------------- webhooks */

const webhooksStory: Story = {
  name: 'webhooks: confirm-promotion holds the last step until 200; a failing pre-rollout aborts before traffic; a host not allowed is never called',
  slug: 'webhooks',
  needs: ['stopHookServer', 'startHookServer'],
  timeoutMs: 10 * MINUTE,
  async run(t, s) {
    const sig = await signals(s);
    const hookPath = (n: string) => `/hooks/${s.ns}/${n}`;
    sig.answers.set(hookPath('approve'), 403).set(hookPath('smoke'), 500);
    const port = new URL(sig.base).port;
    const gates = { intervalSeconds: 5, failureLimit: 2, inconclusiveLimit: 2 };
    const steps = [{ weight: 50, pauseSeconds: 5 }];
    const hooked = (name: string, hooks: Obj[]) =>
      named(s, name, 'v1', 'none', { steps, analysis: gates, webhooks: hooks });
    await s.api.apply(policy(s, 'none', {}));
    const defs: Record<string, Obj[]> = {
      confirm: [
        { name: 'approve', type: 'confirm-promotion', url: `${sig.base}${hookPath('approve')}` },
      ],
      smoke: [{ name: 'smoke', type: 'pre-rollout', url: `${sig.base}${hookPath('smoke')}` }],
      refused: [
        {
          name: 'elsewhere',
          type: 'pre-rollout',
          url: `http://localhost:${port}${hookPath('never')}`,
        },
      ],
    };
    const worlds = Object.fromEntries(Object.keys(defs).map((n) => [n, world(s, n, ['v1', 'v2'])]));
    for (const [n, hooks] of Object.entries(defs)) await s.api.apply(hooked(n, hooks));
    for (const w of Object.values(worlds)) await w.settle({ v1: 100 }, ['v1']);
    for (const n of Object.keys(defs))
      await s.api.patch('GatiHandler', s.ns, n, toVersion(s, 'v2'));

    // confirm-promotion: the last step holds while the receiver answers 403.
    await worlds.confirm!.settle({ v1: 50, v2: 50 }, ['v1', 'v2']);
    await s.holds(
      `GatiHandler ${s.ns}/confirm to hold at 50/50 while confirm-promotion answers 403`,
      async () => {
        const x = await worlds.confirm!.weights();
        return x.v1 === 50 && x.v2 === 50 ? true : pending(JSON.stringify(x));
      },
      30 * SECOND,
    );
    const waiting = rolloutOf(await worlds.confirm!.handlerNow());
    t.match(waiting?.message, /waiting for confirm-promotion \(webhook approve answered 403\)/);
    t.ok(
      sig.calls.some((c) => c.path === hookPath('approve')),
      'the receiver was asked',
    );
    sig.answers.set(hookPath('approve'), 200);
    await worlds.confirm!.settle({ v1: 0, v2: 100 }, ['v2']);
    t.pass('promoted once the receiver answered 200');

    // pre-rollout failing: aborted before v2 took any traffic.
    const aborted = await s.until(
      `GatiHandler ${s.ns}/smoke: Aborted by its pre-rollout webhook`,
      async () => {
        const r = rolloutOf(await worlds.smoke!.handlerNow());
        return r?.phase === 'Aborted' ? r : pending(JSON.stringify(r));
      },
      2 * MINUTE,
    );
    t.match(aborted, {
      reason: 'AnalysisFailed',
      message: /pre-rollout failed 2 checks in a row \(webhook smoke answered 500\)/,
    });
    t.equal(versionEntry(await worlds.smoke!.handlerNow(), 'v2')?.effectiveWeight ?? 0, 0);
    t.notOk(aborted.stepStartedAt, 'no step ever started: no traffic moved');

    // A host not allowed: reported (inconclusive → paused), never called.
    const paused = await s.until(
      `GatiHandler ${s.ns}/refused: Paused, the webhook not allowed`,
      async () => {
        const r = rolloutOf(await worlds.refused!.handlerNow());
        return r?.phase === 'Paused' ? r : pending(JSON.stringify(r));
      },
      2 * MINUTE,
    );
    t.match(paused, {
      reason: 'AnalysisInconclusive',
      message: new RegExp(`webhook elsewhere: NotAllowed: .*\\(localhost:${port}\\)`),
    });
    t.same(await worlds.refused!.weights(), { v1: 100 }, 'nothing moved');
    t.equal(sig.calls.filter((c) => c.path === hookPath('never')).length, 0, 'never called');
  },
};

/* ------------------------------------------------------------------------------- events */

/**
 * notifierConfig: a kubeconfig of the notifier's ServiceAccount (installed as
 * manifests/components/notify installs it, in the story's namespace), with the address the
 * API server advertises for itself.
 */
async function notifierConfig(s: StoryContext): Promise<KubeConfig> {
  for (const { object } of notifyObjects()) {
    if (object.kind === 'Deployment') continue;
    const o = structuredClone(object) as Obj;
    if (o.kind === 'ServiceAccount') o.metadata.namespace = s.ns;
    if (o.kind === 'ClusterRoleBinding') o.subjects[0].namespace = s.ns;
    await s.api.apply(o);
  }
  const token = await s.api.request(
    'POST',
    `/api/v1/namespaces/${s.ns}/serviceaccounts/${NOTIFY_NAME}/token`,
    {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    },
  );
  if (token.status !== 201) throw new Error(`TokenRequest: ${token.status}`);
  // The API server says where it is reached (discovery's serverAddressByClientCIDRs).
  const api = (await s.api.request('GET', '/api')).body;
  const server = `https://${api.serverAddressByClientCIDRs[0].serverAddress}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'notify', token: token.body.status.token }],
    contexts: [{ name: 'notify', cluster: 'c', user: 'notify' }],
    currentContext: 'notify',
  });
  return kc;
}

const eventsStory: Story = {
  name: 'an abort gives exactly one RolloutAborted Event and one post per target, with two notifier replicas and a restart',
  slug: 'events',
  timeoutMs: 8 * MINUTE,
  async run(t: Test, s) {
    const posts: Array<{ path: string; key?: string }> = [];
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        posts.push({ path: req.url ?? '', key: req.headers['idempotency-key'] as string });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const kubeconfig = await notifierConfig(s);
    const replicas: Running[] = [];
    const quiet = {
      info: () => {},
      warn: (o: object, m: string) => log('notify', `${m} ${JSON.stringify(o)}`),
      error: () => {},
    };
    const start = async (instance: string) => {
      const r = await startNotify({
        kubeconfig,
        config: {
          allowedHosts: ['127.0.0.1'],
          namespace: s.ns,
          timeoutMs: 2000,
          leaseSeconds: 30,
          maxAgeSeconds: 1800,
          instance,
          logLevel: 'silent',
        },
        log: quiet,
      });
      replicas.push(r);
      return r;
    };
    t.teardown(async () => {
      for (const r of replicas) await r.stop();
      receiver.closeAllConnections();
      receiver.close();
    });
    const a = await start('notify-a');
    await start('notify-b');
    await s.api.apply(
      policy(s, 'alerts', {
        steps: [{ weight: 25, pauseSeconds: 600 }],
        notifications: [
          { name: 'hook', type: 'webhook', url: `${base}/hook`, on: ['RolloutAborted'] },
          { name: 'chat', type: 'slack', url: `${base}/chat`, on: ['RolloutAborted'] },
          { name: 'bus', type: 'cloudevents', url: `${base}/bus`, on: ['RolloutAborted'] },
        ],
      }),
    );
    const w = world(s, 'users', ['v1', 'v2']);
    await s.api.apply(named(s, 'users', 'v1', 'alerts'));
    await w.settle({ v1: 100 }, ['v1']);
    await s.api.patch('GatiHandler', s.ns, 'users', toVersion(s, 'v2'));
    await w.settle({ v1: 75, v2: 25 }, ['v1', 'v2']);
    // The abort, and a restart of one replica as it lands.
    const stopping = a.stop();
    await s.api.patch('GatiHandler', s.ns, 'users', {
      metadata: { annotations: { 'gati.dev/rollout-action': 'abort' } },
    });
    await stopping;
    replicas.splice(replicas.indexOf(a), 1);
    await start('notify-a');
    const h = await s.until(
      `GatiHandler ${s.ns}/users: Aborted, three posts`,
      async () => {
        const h = await w.handlerNow();
        return rolloutOf(h)?.phase === 'Aborted' && posts.length >= 3
          ? h!
          : pending(`${posts.length} posts`);
      },
      2 * MINUTE,
    );
    await sleep(10 * SECOND); // room for a duplicate to show up
    t.same(
      posts.map((p) => p.path).sort(),
      ['/bus', '/chat', '/hook'],
      'exactly one post per target',
    );
    const seq = (h.status.transitions as Obj[]).find((x) => x.transition === 'RolloutAborted')?.seq;
    t.ok(
      posts.every((p) => p.key === `${h.metadata.uid}.${seq}`),
      'one idempotency key',
    );
    const events = await s.api.list('EventV1', s.ns);
    const mine = events.filter(
      (e) => e.reason === 'RolloutAborted' && e.regarding?.kind === 'GatiHandler',
    );
    t.equal(mine.length, 1, 'exactly one RolloutAborted Event on the GatiHandler');
    t.match(mine[0], { type: 'Warning', regarding: { name: 'users', uid: h.metadata.uid } });
    t.ok(
      events.some((e) => e.reason === 'RolloutStarted'),
      'the rollout’s story is there too',
    );
  },
};

export const POLICY_STORIES: Story[] = [policyStory, baselineStory, webhooksStory, eventsStory];

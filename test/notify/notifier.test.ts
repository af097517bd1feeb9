import t from 'tap';
import { Event } from 'kubernetes-models/events.k8s.io/v1';
import type { TransitionRecord } from '../../src/api/analysis-status.js';
import type { EventStore, Post } from '../../src/notify/deliver.js';
import { eventName, microTime, transitionEvent, type KubeEvent } from '../../src/notify/events.js';
import { createNotifier, notificationsOf, type HandlerObject } from '../../src/notify/notifier.js';
import { payloadFor } from '../../src/notify/payloads.js';

// The notifier's core (issue #24) against an in-memory Events API: one Event per transition
// on the handler (and its GatiVersion), one post per target, named so that two replicas and a
// restart write and post once; a replica that stopped mid-way is taken over after its lease.

const T0 = Date.parse('2026-01-01T00:00:00Z');

class Store implements EventStore {
  readonly events = new Map<string, KubeEvent>();
  failNext = 0;
  async create(e: KubeEvent) {
    if (this.failNext > 0) {
      this.failNext--;
      throw Object.assign(new Error('boom'), { code: 500 });
    }
    const key = `${e.metadata.namespace}/${e.metadata.name}`;
    if (this.events.has(key)) return 'exists' as const;
    this.events.set(key, e);
    return 'created' as const;
  }
  async exists(ns: string, name: string) {
    return this.events.has(`${ns}/${name}`);
  }
  reasons(): string[] {
    return [...this.events.values()].map((e) => `${e.regarding.kind}:${e.reason}`).sort();
  }
}

const aborted: TransitionRecord = {
  seq: 3,
  transition: 'RolloutAborted',
  versionId: 'v2',
  reason: 'AnalysisFailed',
  message: 'analysis failed 2 checks in a row (errors: value 0.03 against baseline 0.01)',
  at: '2026-01-01T00:00:10Z',
};

function handler(transitions: TransitionRecord[]): HandlerObject {
  return {
    metadata: { name: 'users', namespace: 'shop', uid: 'uid-users' },
    spec: { rollout: { policyRef: { name: 'app' } } },
    status: {
      transitions,
      versions: [{ versionId: 'v2', gatiVersion: 'users-v2' }] as never,
    },
  };
}

const TARGETS = [
  { name: 'hook', type: 'webhook', url: 'http://notify.test/hook', on: ['RolloutAborted'] },
  { name: 'chat', type: 'slack', url: 'http://notify.test/chat' },
  { name: 'bus', type: 'cloudevents', url: 'http://notify.test/bus', on: ['RolloutSucceeded'] },
];

/** A world: one Events store, a clock, a receiver counting posts per target; notifiers on it. */
function world() {
  const store = new Store();
  const w = {
    store,
    now: T0 + 11_000,
    /** Every post fails while set (the receiver is down). */
    failing: false,
    posts: [] as Array<{ url: string; key: string }>,
    timers: [] as Array<{ at: number; fn: () => void }>,
    make(instance: string, allowedHosts = ['notify.test']) {
      return createNotifier({
        events: store,
        post,
        allowedHosts,
        leaseSeconds: 60,
        maxAgeSeconds: 1800,
        timeoutMs: 1000,
        backoffMs: [1000, 2000],
        reporter: { controller: 'gati.dev/notify', instance },
        now: () => new Date(w.now),
        sleep: async (ms) => {
          w.now += ms;
        },
        log: { info: () => {}, warn: () => {} },
        policy: (ns, name) =>
          ns === 'shop' && name === 'app' ? { notifications: TARGETS } : undefined,
        versionUid: (_ns, name) => (name === 'users-v2' ? 'uid-users-v2' : undefined),
        later: (ms, fn) => w.timers.push({ at: w.now + ms, fn }),
      });
    },
    /** advance moves the clock and runs every timer due by then. */
    advance(ms: number) {
      w.now += ms;
      const due = w.timers.filter((x) => x.at <= w.now);
      w.timers = w.timers.filter((x) => x.at > w.now);
      for (const x of due) x.fn();
    },
  };
  const post: Post = async (url, p) => {
    if (w.failing) return false;
    w.posts.push({ url, key: p.headers['idempotency-key']! });
    return true;
  };
  return w;
}

t.test('the Event: events.k8s.io/v1, named after (uid, seq), valid upstream', async (t) => {
  const o = {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    namespace: 'shop',
    name: 'users',
    uid: 'uid-users',
  };
  const e = transitionEvent(o, aborted, { controller: 'gati.dev/notify', instance: 'pod-a' });
  t.match(e, {
    metadata: { name: eventName(o, 3), namespace: 'shop' },
    eventTime: '2026-01-01T00:00:10.000000Z',
    reason: 'RolloutAborted',
    type: 'Warning',
    action: 'Rollout',
    regarding: o,
    note: /^v2: AnalysisFailed: analysis failed/,
  });
  t.match(e.metadata.name, /^users\.[0-9a-f]{16}$/);
  t.equal(eventName(o, 3), eventName({ ...o }, 3), 'deterministic');
  t.not(eventName(o, 3), eventName({ ...o, uid: 'other' }, 3), 'another object, another name');
  t.doesNotThrow(() => new Event(e as never).validate(), 'validates against the upstream schema');
  t.equal(microTime('2026-01-01T00:00:10Z'), '2026-01-01T00:00:10.000000Z');
});

t.test('payloads: generic JSON, Slack text, CloudEvents; one idempotency key', async (t) => {
  const o = {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    namespace: 'shop',
    name: 'users',
    uid: 'u1',
  };
  const json = payloadFor('webhook', o, aborted);
  t.match(JSON.parse(json.body), {
    idempotencyKey: 'u1.3',
    transition: 'RolloutAborted',
    version: 'v2',
  });
  t.equal(json.headers['idempotency-key'], 'u1.3');
  t.match(JSON.parse(payloadFor('slack', o, aborted).body), {
    text: /:rotating_light: \*RolloutAborted\* GatiHandler shop\/users v2: AnalysisFailed/,
  });
  const ce = payloadFor('cloudevents', o, aborted);
  t.equal(ce.headers['content-type'], 'application/cloudevents+json');
  t.match(JSON.parse(ce.body), {
    specversion: '1.0',
    id: 'u1.3',
    type: 'dev.gati.rollout.RolloutAborted',
    source: '/apis/gati.dev/v1alpha1/namespaces/shop/gatihandlers/users',
    data: { seq: 3 },
  });
});

t.test(
  "targets: the handler's own win, filtered by transition (default: starts and ends)",
  async (t) => {
    const h = handler([aborted]);
    t.same(
      notificationsOf(h, { notifications: TARGETS }, aborted).map((n) => n.name),
      ['hook', 'chat'],
    );
    const own = { ...h, spec: { rollout: { notifications: [TARGETS[2]] } } };
    t.same(
      notificationsOf(own, { notifications: TARGETS }, { transition: 'RolloutSucceeded' }).map(
        (n) => n.name,
      ),
      ['bus'],
    );
    t.same(notificationsOf(h, { notifications: TARGETS }, { transition: 'StepAdvanced' }), []);
  },
);

t.test('two replicas: one Event per object, one post per target', async (t) => {
  const w = world();
  const [a, b] = [w.make('a'), w.make('b')];
  const h = handler([aborted]);
  a.handle(h);
  b.handle(h);
  await Promise.all([a.idle(), b.idle()]);
  w.advance(61_000);
  await Promise.all([a.idle(), b.idle()]);
  t.same(w.store.reasons(), [
    'GatiHandler:NotificationSent',
    'GatiHandler:NotificationSent',
    'GatiHandler:RolloutAborted',
    'GatiVersion:RolloutAborted',
  ]);
  t.same(
    w.posts.map((p) => p.url).sort(),
    ['http://notify.test/chat', 'http://notify.test/hook'],
    'one post per target',
  );
  t.ok(w.posts.every((p) => p.key === 'uid-users.3'));
});

t.test('a restart after the posts: nothing again', async (t) => {
  const w = world();
  const h = handler([aborted]);
  const a = w.make('a');
  a.handle(h);
  await a.idle();
  a.stop();
  const again = w.make('a');
  again.handle(h);
  await again.idle();
  w.advance(120_000);
  await again.idle();
  t.equal(w.posts.length, 2);
  t.equal(w.store.events.size, 4);
});

t.test('a replica that stopped mid-way is taken over after its lease', async (t) => {
  const w = world();
  const h = handler([aborted]);
  w.failing = true;
  const a = w.make('a');
  a.handle(h);
  await a.idle();
  t.equal(w.posts.length, 0, 'the receiver is down: every retry of the first lease failed');
  a.stop(); // it crashes before the next lease
  const b = w.make('b');
  b.handle(h);
  await b.idle();
  t.equal(w.posts.length, 0, "the first lease is the first replica's: b waits");
  w.failing = false;
  w.advance(60_000);
  await b.idle();
  t.same(w.posts.map((p) => p.url).sort(), ['http://notify.test/chat', 'http://notify.test/hook']);
  t.equal(
    [...w.store.events.values()].filter((e) => e.reason === 'NotificationRetry').length,
    2,
    'b claimed the second lease of each target by an Event',
  );
  w.advance(120_000);
  await b.idle();
  t.equal(w.posts.length, 2, 'and nothing more');
});

t.test('an Event the API server refuses is tried again, never lost', async (t) => {
  const w = world();
  w.store.failNext = 1;
  const a = w.make('a');
  a.handle(handler([aborted]));
  await a.idle();
  t.equal(w.store.events.size, 0);
  w.advance(5_000);
  await a.idle();
  t.equal(w.posts.length, 2);
  t.ok(w.store.reasons().includes('GatiHandler:RolloutAborted'));
});

t.test('a host not allowed is reported once, never posted to', async (t) => {
  const w = world();
  const h = handler([aborted]);
  const n = w.make('a', []);
  n.handle(h);
  await n.idle();
  n.handle(h);
  await n.idle();
  t.equal(w.posts.length, 0, 'never posted');
  const refused = [...w.store.events.values()].filter((e) => e.reason === 'NotificationRefused');
  t.equal(refused.length, 2, 'one per target');
  t.match(refused[0]!.note, /notify\.test is not in NOTIFY_ALLOWED_HOSTS/);
});

t.test('a transition older than the age limit is left alone', async (t) => {
  const w = world();
  w.now = T0 + 3600_000;
  const n = w.make('a');
  n.handle(handler([aborted]));
  await n.idle();
  t.equal(w.store.events.size, 0);
});

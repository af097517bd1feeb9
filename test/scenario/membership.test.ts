import t, { type Test } from 'tap';
import type { DecoratorRequest, SyncRequest } from '../../src/api/metacontroller.js';
import { HOOKS } from '../helpers/hooks.js';
import { Cluster, type Obj } from './harness.js';

// Which handler a GatiVersion belongs to (issue #17, DESIGN §2), through Metacontroller's loop
// over the real hooks: the GatiVersion decorator resolves it once and labels the version
// gati.dev/handler; each handler selects only the versions carrying its name. Every story
// ends with each GatiVersion labelled for, and routed by, the right handler, and a teardown
// that leaves no finalizer stuck.

const NS = 'shop';
const LABEL = 'gati.dev/handler';
const RESOLVED_BY = 'gati.dev/handler-resolved-by';

function handler(name: string): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name, namespace: NS },
    spec: { handlerPath: `/api/${name}`, version: 'v1', image: `${name}:v1` },
  } as Obj;
}

function gatiVersion(
  name: string,
  versionId: string,
  opts: { ref?: string; labels?: Record<string, string> } = {},
): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: { name, namespace: NS, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      versionId,
      image: `img:${versionId}`,
      routingWeight: 10,
      ...(opts.ref ? { handlerRef: { name: opts.ref } } : {}),
    },
  } as Obj;
}

const conditionOf = (o: Obj, type: string) =>
  ((o.status?.conditions ?? []) as Array<Record<string, unknown>>).find((c) => c.type === type);

const labelOf = (sim: Cluster, name: string) =>
  sim.mustGet('GatiVersion', NS, name).metadata.labels?.[LABEL];

/** versionIds the handler's status lists from GatiVersions (not its own spec.version). */
function listed(sim: Cluster, h: string): string[] {
  const versions = (sim.mustGet('GatiHandler', NS, h).status?.versions ?? []) as Array<
    Record<string, unknown>
  >;
  return versions
    .filter((v) => v.source === 'gativersion')
    .map((v) => String(v.versionId))
    .sort();
}

/** The version ids a handler's route pins (x-gati-version rules), besides its spec.version v1. */
function pinned(sim: Cluster, h: string): string[] {
  return Object.keys(sim.pins(NS, h, 'version'))
    .filter((id) => id !== 'v1')
    .sort();
}

/** assertOwned: the GatiVersion is labelled for `h`, listed and pinned by it and by no other handler. */
function assertOwned(t: Test, sim: Cluster, gv: string, id: string, h: string, all: string[]) {
  t.equal(labelOf(sim, gv), h, `${gv} is labelled ${LABEL}=${h}`);
  t.equal(sim.mustGet('GatiVersion', NS, gv).status?.handler, h, `${gv} status names ${h}`);
  for (const other of all) {
    const want = other === h;
    t.equal(
      listed(sim, other).includes(id),
      want,
      `${other} ${want ? 'lists' : 'does not list'} ${id}`,
    );
    t.equal(
      pinned(sim, other).includes(id),
      want,
      `${other} ${want ? 'routes' : 'does not route'} ${id}`,
    );
  }
}

function assertTeardown(t: Test, sim: Cluster): void {
  sim.deleteAll();
  t.strictSame(
    [...sim.list('GatiVersion'), ...sim.list('GatiHandler'), ...sim.list('Deployment')],
    [],
    'teardown leaves nothing, no finalizer stuck',
  );
}

t.test(
  'a GatiVersion created before its handler is picked up when the handler appears',
  async (t) => {
    const sim = new Cluster({ hooks: HOOKS });
    sim.apply(gatiVersion('orders-v2', 'v2'));
    sim.advance(5);
    const lonely = sim.mustGet('GatiVersion', NS, 'orders-v2');
    t.equal(lonely.metadata.labels?.[LABEL], undefined, 'no handler yet: no label');
    t.equal(lonely.status?.phase, 'Pending');
    t.match(conditionOf(lonely, 'Ready'), { status: 'False', reason: 'HandlerNotFound' });
    const req = sim.lastCall('gativersion', NS, 'orders-v2')!.request as DecoratorRequest;
    t.strictSame(Object.keys(req).sort(), [
      'attachments',
      'controller',
      'finalizing',
      'object',
      'related',
    ]);

    sim.apply(handler('orders'));
    sim.advance(30);
    assertOwned(t, sim, 'orders-v2', 'v2', 'orders', ['orders']);
    t.equal(
      sim.mustGet('GatiVersion', NS, 'orders-v2').metadata.annotations?.[RESOLVED_BY],
      'namePrefix/orders',
      'the annotation records which rule set the label',
    );
    assertTeardown(t, sim);
  },
);

t.test(
  'rivals by prefix: user-handler-v2 belongs to user-handler, whichever came first',
  async (t) => {
    for (const order of [
      ['user', 'version', 'user-handler'],
      ['user-handler', 'version', 'user'],
      ['version', 'user', 'user-handler'],
    ]) {
      t.test(order.join(' → '), async (t) => {
        const sim = new Cluster({ hooks: HOOKS });
        for (const step of order) {
          sim.apply(step === 'version' ? gatiVersion('user-handler-v2', 'v2') : handler(step));
          sim.advance(30);
        }
        assertOwned(t, sim, 'user-handler-v2', 'v2', 'user-handler', ['user', 'user-handler']);
        t.strictSame(listed(sim, 'user'), [], 'user has no GatiVersion of its own');
        assertTeardown(t, sim);
      });
    }
  },
);

t.test('a handler deleted and recreated picks its versions up again', async (t) => {
  const sim = new Cluster({ hooks: HOOKS });
  sim.apply(handler('user'));
  sim.apply(handler('user-handler'));
  sim.apply(gatiVersion('user-handler-v2', 'v2'));
  sim.advance(30);
  assertOwned(t, sim, 'user-handler-v2', 'v2', 'user-handler', ['user', 'user-handler']);

  sim.delete('GatiHandler', NS, 'user-handler');
  sim.advance(30);
  t.equal(sim.get('GatiHandler', NS, 'user-handler'), undefined, 'the handler is gone');
  t.equal(
    labelOf(sim, 'user-handler-v2'),
    'user',
    'the longest existing prefix is now user: relabelled',
  );
  t.strictSame(pinned(sim, 'user'), ['v2'], 'and user routes it');

  sim.apply(handler('user-handler'));
  sim.advance(30);
  assertOwned(t, sim, 'user-handler-v2', 'v2', 'user-handler', ['user', 'user-handler']);
  assertTeardown(t, sim);
});

t.test('renaming spec.handlerRef moves the version to the new handler', async (t) => {
  const sim = new Cluster({ hooks: HOOKS });
  sim.apply(handler('cart'));
  sim.apply(handler('checkout'));
  sim.apply(gatiVersion('promo', 'v7', { ref: 'cart' }));
  sim.advance(30);
  assertOwned(t, sim, 'promo', 'v7', 'cart', ['cart', 'checkout']);
  t.equal(
    sim.mustGet('GatiVersion', NS, 'promo').metadata.annotations?.[RESOLVED_BY],
    'handlerRef/cart',
  );

  sim.apply(gatiVersion('promo', 'v7', { ref: 'checkout' }));
  sim.advance(30);
  assertOwned(t, sim, 'promo', 'v7', 'checkout', ['cart', 'checkout']);
  t.notOk(
    sim.list('Deployment', NS).some((d) => d.metadata.name.startsWith('cart-v7-')),
    "cart's Deployment for v7 is gone",
  );
  assertTeardown(t, sim);
});

t.test(
  'a hand-set label is followed; one that disagrees with handlerRef is a conflict',
  async (t) => {
    const sim = new Cluster({ hooks: HOOKS });
    sim.apply(handler('cart'));
    sim.apply(handler('checkout'));
    sim.apply(gatiVersion('cart-v3', 'v3', { labels: { [LABEL]: 'checkout' } }));
    sim.advance(30);
    assertOwned(t, sim, 'cart-v3', 'v3', 'checkout', ['cart', 'checkout']);
    t.equal(
      sim.mustGet('GatiVersion', NS, 'cart-v3').metadata.annotations?.[RESOLVED_BY],
      'label/checkout',
      'the label beats the name prefix',
    );

    sim.apply(gatiVersion('cart-v3', 'v3', { ref: 'cart', labels: { [LABEL]: 'checkout' } }));
    sim.advance(30);
    const gv = sim.mustGet('GatiVersion', NS, 'cart-v3');
    t.equal(gv.metadata.labels?.[LABEL], 'checkout', 'a label a person wrote is never rewritten');
    t.match(conditionOf(gv, 'Stalled'), { status: 'True', reason: 'HandlerConflict' });
    t.match(conditionOf(gv, 'Ready'), {
      status: 'False',
      reason: 'HandlerConflict',
      message:
        /handlerRef\.name is cart but the label gati\.dev\/handler \(set by hand\) is checkout/,
    });
    for (const h of ['cart', 'checkout'])
      t.notOk(listed(sim, h).includes('v3'), `${h} runs no version in conflict`);

    sim.apply(gatiVersion('cart-v3', 'v3', { ref: 'cart', labels: { [LABEL]: 'cart' } }));
    sim.advance(30);
    assertOwned(t, sim, 'cart-v3', 'v3', 'cart', ['cart', 'checkout']);
    t.match(conditionOf(sim.mustGet('GatiVersion', NS, 'cart-v3'), 'Ready'), {
      status: 'True',
      reason: 'Active',
    });
    assertTeardown(t, sim);
  },
);

t.test(
  "a handler's request carries its own versions only, however many handlers share the namespace",
  async (t) => {
    const sim = new Cluster({ hooks: HOOKS });
    const names = Array.from({ length: 20 }, (_, i) => `h${i}`);
    for (const n of names) {
      sim.apply(handler(n));
      sim.apply(gatiVersion(`${n}-v2`, 'v2'));
    }
    sim.advance(30);
    for (const n of names) {
      const h = sim.lastCall('gatihandler', NS, n)!.request as SyncRequest;
      t.strictSame(
        Object.keys(h.related?.['GatiVersion.gati.dev/v1alpha1'] ?? {}),
        [`${NS}/${n}-v2`],
        `${n} is sent its one GatiVersion`,
      );
      t.notOk('GatiHandler.gati.dev/v1alpha1' in (h.related ?? {}), `${n} is sent no GatiHandler`);
      const v = sim.lastCall('gativersion', NS, `${n}-v2`)!.request as DecoratorRequest;
      t.strictSame(
        Object.keys(v.related?.['GatiHandler.gati.dev/v1alpha1'] ?? {}),
        [`${NS}/${n}`],
        `${n}-v2 is sent its one handler`,
      );
    }
    assertTeardown(t, sim);
  },
);

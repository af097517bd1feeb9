import t, { type Test } from 'tap';
import { HOOKS } from '../helpers/hooks.js';
import { Cluster, type Obj } from './harness.js';

// Name conflicts (docs/architecture.md, "Who keeps a shared name"): a GatiModule and a
// GatiHandler of the same name both want Service `<name>`. The older parent keeps it; the other
// leaves its Service out and reports Ready=False / Stalled=True, reason NameConflict, naming the
// holder. Nothing of the holder is ever written by the other; when the holder goes, the other
// takes the name.

const NS = 'shop';
const NAME = 'users';

const handler = (): Obj =>
  ({
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: NAME, namespace: NS },
    spec: { handlerPath: '/api/users', version: 'v1', image: 'users:v1' },
  }) as Obj;

const module = (): Obj =>
  ({
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiModule',
    metadata: { name: NAME, namespace: NS },
    spec: {
      moduleName: 'users-db',
      moduleType: 'node',
      runtime: 'node:20',
      image: 'db:v1',
      port: 50051,
    },
  }) as Obj;

const conditionOf = (o: Obj, type: string) =>
  ((o.status?.conditions ?? []) as Array<Record<string, any>>).find((c) => c.type === type);

/** The kind of the controlling owner of Service shop/users. */
function serviceOwner(sim: Cluster): string | undefined {
  const svc = sim.get('Service', NS, NAME);
  return svc?.metadata.ownerReferences?.find((r) => r.controller)?.kind;
}

/** Writes to Service shop/users by the controller of `kind`. */
const serviceWritesBy = (sim: Cluster, controller: string) =>
  sim.writes.filter((w) => w.kind === 'Service' && w.name === NAME && w.by.startsWith(controller));

function assertLoser(t: Test, sim: Cluster, loser: 'GatiHandler' | 'GatiModule'): void {
  const holder = loser === 'GatiHandler' ? 'GatiModule' : 'GatiHandler';
  const o = sim.mustGet(loser, NS, NAME);
  for (const type of ['Ready', 'Stalled'])
    t.match(
      conditionOf(o, type),
      {
        status: type === 'Ready' ? 'False' : 'True',
        reason: 'NameConflict',
        message: new RegExp(`^Service shop/users belongs to ${holder} shop/users \\(created `),
      },
      `${loser} ${type}: NameConflict naming ${holder} shop/users`,
    );
  t.equal(o.status?.phase, 'Degraded', `${loser} is Degraded`);
  t.equal(o.status?.service, undefined, `${loser} does not claim the Service in status`);
  const w = sim.mustGet(holder, NS, NAME);
  t.equal(conditionOf(w, 'Ready')?.status, 'True', `${holder} is Ready`);
  t.equal(serviceOwner(sim), holder, `Service shop/users is ${holder}'s`);
  const ctl = loser === 'GatiHandler' ? 'gatihandler' : 'gatimodule';
  t.strictSame(serviceWritesBy(sim, ctl), [], `the ${loser}'s controller never wrote it`);
  t.strictSame(sim.warnings, [], 'no create of an existing object was attempted');
}

t.test('the module came first: it keeps Service users; the handler runs without it', async (t) => {
  const sim = new Cluster({ hooks: HOOKS });
  sim.apply(module());
  sim.advance(10);
  sim.apply(handler());
  sim.advance(10);
  assertLoser(t, sim, 'GatiHandler');
  t.strictSame(
    sim.weights(NS, NAME),
    { v1: 100 },
    'the handler still routes through its HTTPRoute',
  );
  t.ok(
    sim.children('GatiHandler', NS, NAME).some((c) => c.kind === 'Deployment'),
    'and runs its version',
  );
  sim.assertDeterministic();
});

t.test('the handler came first: it keeps Service users; the module runs without it', async (t) => {
  const sim = new Cluster({ hooks: HOOKS });
  sim.apply(handler());
  sim.advance(10);
  sim.apply(module());
  sim.advance(10);
  assertLoser(t, sim, 'GatiModule');
  t.ok(sim.get('Deployment', NS, NAME), "the module's Deployment runs");
  sim.assertDeterministic();
});

t.test('created in the same second: one keeps it, by uid; no fight, no hot loop', async (t) => {
  const sim = new Cluster({ hooks: HOOKS });
  sim.apply(handler());
  sim.apply(module());
  sim.advance(30);
  const h = sim.mustGet('GatiHandler', NS, NAME);
  const m = sim.mustGet('GatiModule', NS, NAME);
  t.equal(h.metadata.creationTimestamp, m.metadata.creationTimestamp, 'same creationTimestamp');
  const loser = h.metadata.uid! < m.metadata.uid! ? 'GatiModule' : 'GatiHandler';
  assertLoser(t, sim, loser);
  const before = sim.writes.length;
  sim.advance(300);
  t.equal(
    sim.writes.filter((w) => w.kind === 'Service').length,
    sim.writes.slice(0, before).filter((w) => w.kind === 'Service').length,
    'no Service written in five more minutes of resyncs',
  );
});

t.test('when the holder is deleted, the other takes the name', async (t) => {
  const sim = new Cluster({ hooks: HOOKS });
  sim.apply(module());
  sim.advance(10);
  sim.apply(handler());
  sim.advance(10);
  t.equal(serviceOwner(sim), 'GatiModule');
  sim.delete('GatiModule', NS, NAME);
  sim.advance(70);
  t.equal(serviceOwner(sim), 'GatiHandler', 'the apex Service is the handler’s now');
  const h = sim.mustGet('GatiHandler', NS, NAME);
  t.equal(conditionOf(h, 'Ready')?.status, 'True', 'the handler is Ready');
  t.equal(h.status?.service, NAME);
});

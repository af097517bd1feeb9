import fc from 'fast-check';
import t from 'tap';
import { HOOKS } from '../helpers/hooks.js';
import { Cluster, type Obj } from '../scenario/harness.js';

// Which handler a GatiVersion belongs to (issue #17), under any order of creating and
// deleting handlers and versions and renaming spec.handlerRef, through Metacontroller's loop
// over the real hooks. Once the loop settles, every GatiVersion is labelled for the handler
// the rules name (handlerRef, else the longest existing name prefix), is listed and routed
// by that handler alone, and deleting everything leaves no finalizer stuck.

const NS = 'shop';
const LABEL = 'gati.dev/handler';
const HANDLERS = ['user', 'user-handler', 'orders'] as const;
/** The GatiVersions a run may create: names that prefix-match zero, one or two handlers. */
const VERSIONS = [
  { name: 'user-handler-v2', id: 'v2' },
  { name: 'user-v3', id: 'v3' },
  { name: 'orders-v4', id: 'v4' },
  { name: 'promo', id: 'v5' },
] as const;

type Event =
  | { kind: 'handler'; name: string; present: boolean }
  | { kind: 'version'; at: number; present: boolean; ref: string | undefined }
  | { kind: 'wait'; seconds: number };

// Biased towards things existing and names resolving by prefix, so that most runs end with
// rivals to choose between (counted below, so the property cannot pass vacuously).
const refs = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom('user', 'user-handler', 'orders', 'missing') },
);
const mostly = fc.integer({ min: 0, max: 3 }).map((n) => n > 0);
const event: fc.Arbitrary<Event> = fc.oneof(
  fc.record({
    kind: fc.constant('handler' as const),
    name: fc.constantFrom(...HANDLERS),
    present: mostly,
  }),
  fc.record({
    kind: fc.constant('version' as const),
    at: fc.integer({ min: 0, max: VERSIONS.length - 1 }),
    present: mostly,
    ref: refs,
  }),
  fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 0, max: 40 }) }),
);

/** Every object created once, in any order and any subset, with waits between; then edits. */
const creations: Event[] = [
  ...HANDLERS.map((name) => ({ kind: 'handler', name, present: true }) as const),
  ...VERSIONS.map((_, at) => ({ kind: 'version', at, present: true, ref: undefined }) as const),
];
const history: fc.Arbitrary<Event[]> = fc
  .tuple(
    fc.shuffledSubarray(creations, { minLength: 2 }),
    fc.array(fc.integer({ min: 0, max: 30 }), {
      minLength: creations.length,
      maxLength: creations.length,
    }),
    fc.array(event, { maxLength: 10 }),
  )
  .map(([created, waits, edits]) => [
    ...created.flatMap((e, i) => [e, { kind: 'wait', seconds: waits[i]! } as const]),
    ...edits,
  ]);

function handler(name: string): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name, namespace: NS },
    spec: { handlerPath: `/api/${name}`, version: 'v1', image: `${name}:v1` },
  } as Obj;
}

function gatiVersion(name: string, id: string, ref: string | undefined): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: { name, namespace: NS },
    spec: {
      versionId: id,
      image: `img:${id}`,
      routingWeight: 10,
      ...(ref ? { handlerRef: { name: ref } } : {}),
    },
  } as Obj;
}

const live = (o: Obj | undefined): o is Obj => o !== undefined && !o.metadata.deletionTimestamp;

function play(sim: Cluster, events: Event[]): void {
  for (const e of events) {
    if (e.kind === 'wait') {
      sim.advance(e.seconds);
      continue;
    }
    if (e.kind === 'handler') {
      const have = sim.get('GatiHandler', NS, e.name);
      if (e.present && !have) sim.apply(handler(e.name));
      if (!e.present && live(have)) sim.delete('GatiHandler', NS, e.name);
      continue;
    }
    const v = VERSIONS[e.at]!;
    const have = sim.get('GatiVersion', NS, v.name);
    // A GatiVersion being deleted is left alone until its drain lets it go.
    if (have && !live(have)) continue;
    if (e.present) sim.apply(gatiVersion(v.name, v.id, e.ref));
    else if (have) sim.delete('GatiVersion', NS, v.name);
  }
}

/** The handler the rules name for a GatiVersion, given the handlers that exist. */
function expectedHandler(v: Obj, handlers: Set<string>): string | undefined {
  const ref = (v.spec as { handlerRef?: { name: string } }).handlerRef?.name;
  if (ref) return ref;
  const name = v.metadata.name;
  for (let i = name.lastIndexOf('-'); i > 0; i = name.lastIndexOf('-', i - 1))
    if (handlers.has(name.slice(0, i))) return name.slice(0, i);
  return undefined;
}

function listed(h: Obj): string[] {
  const versions = (h.status?.versions ?? []) as Array<Record<string, unknown>>;
  return versions.filter((v) => v.source === 'gativersion').map((v) => String(v.gatiVersion));
}

/** A run's end state: how many live GatiVersions had rival prefix handlers to choose between. */
interface Tally {
  contested: number;
}

/** check returns the first broken invariant, in words, or undefined. */
function check(sim: Cluster, tally: Tally): string | undefined {
  const handlers = sim.list('GatiHandler', NS).filter(live);
  const names = new Set(handlers.map((h) => h.metadata.name));
  for (const v of sim.list('GatiVersion', NS).filter(live)) {
    const want = expectedHandler(v, names);
    if (!v.spec?.handlerRef && names.has('user') && names.has('user-handler'))
      if (v.metadata.name === 'user-handler-v2') tally.contested++;
    const label = v.metadata.labels?.[LABEL];
    const id = String((v.spec as { versionId: string }).versionId);
    if (want !== undefined && label !== want)
      return `${v.metadata.name}: label ${label}, want ${want}`;
    for (const h of handlers) {
      const hn = h.metadata.name;
      const owns = want === hn;
      if (listed(h).includes(v.metadata.name) !== owns)
        return `${hn} ${owns ? 'does not list' : 'lists'} ${v.metadata.name}`;
      if (id in sim.pins(NS, hn, 'version') !== owns)
        return `${hn} ${owns ? 'does not route' : 'routes'} ${id}`;
    }
  }
  return undefined;
}

t.test(
  'any order of handlers, versions and handlerRef renames settles on the right owner',
  async (t) => {
    let runs = 0;
    const tally: Tally = { contested: 0 };
    fc.assert(
      fc.property(history, (events) => {
        runs++;
        const sim = new Cluster({ hooks: HOOKS, checkDeterminism: false });
        play(sim, events);
        sim.advance(120);
        const broken = check(sim, tally);
        if (broken) throw new Error(`settled wrong: ${broken}`);
        sim.deleteAll();
        const left = [...sim.list('GatiVersion'), ...sim.list('GatiHandler')];
        if (left.length > 0)
          throw new Error(`left after teardown: ${left.map((o) => o.metadata.name)}`);
      }),
      {
        numRuns: Number(process.env.PROPERTY_RUNS ?? 60),
        seed: Number(process.env.PROPERTY_SEED ?? 17),
      },
    );
    t.ok(runs > 0, `${runs} random histories settled on the right owner and tore down cleanly`);
    t.ok(
      tally.contested >= runs / 10,
      `${tally.contested} of them ended with user-handler-v2 between rivals user and user-handler`,
    );
  },
);

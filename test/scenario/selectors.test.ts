import t from 'tap';
import { versionName } from '../../src/resources/names.js';
import { HOOKS } from '../helpers/hooks.js';
import { Cluster, type Obj } from './harness.js';

// Version selection as the Gati runtime does it (issue #15.2), through Metacontroller's loop:
// requests are routed over the HTTPRoute the hooks wrote, with Gateway API's matching rules
// (a rule matches when one of its matches does; among matching rules the one with the most
// header matches wins, then the most query-parameter matches), so each story asserts which
// backend a client actually reaches.

const NS = 'shop';
const IDS = ['v1.0.0', 'v2.0.0'];

interface Request {
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

type Match = {
  path?: { type?: string; value?: string };
  headers?: Array<{ name: string; value: string; type?: string }>;
  queryParams?: Array<{ name: string; value: string; type?: string }>;
};

function matches(m: Match, r: Request): boolean {
  const path = m.path?.value ?? '/';
  if (m.path?.type === 'Exact' ? path !== '/api/users' : !'/api/users'.startsWith(path))
    return false;
  const headers = Object.fromEntries(
    Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  return (
    (m.headers ?? []).every((h) => headers[h.name.toLowerCase()] === h.value) &&
    (m.queryParams ?? []).every((q) => r.query?.[q.name] === q.value)
  );
}

/** Where a request to /api/users goes: the versions of the chosen rule, by weight. */
function reach(sim: Cluster, handler: string, r: Request): Record<string, number> {
  const route = sim.route(NS, handler);
  let best: { score: [number, number]; rule: Obj } | undefined;
  for (const rule of (route?.spec?.rules ?? []) as Obj[])
    for (const m of (rule.matches ?? [{}]) as Match[]) {
      if (!matches(m, r)) continue;
      const score: [number, number] = [m.headers?.length ?? 0, m.queryParams?.length ?? 0];
      if (
        !best ||
        score[0] > best.score[0] ||
        (score[0] === best.score[0] && score[1] > best.score[1])
      )
        best = { score, rule };
    }
  const byService = new Map(IDS.map((id) => [versionName(handler, id), id]));
  const out: Record<string, number> = {};
  for (const b of (best?.rule.backendRefs ?? []) as Array<{ name: string; weight?: number }>)
    out[byService.get(b.name) ?? b.name] = b.weight ?? 1;
  return out;
}

function handler(name: string, version: string, routing: Record<string, unknown> = {}): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name, namespace: NS },
    spec: {
      handlerPath: '/api/users',
      version,
      image: `users:${version}`,
      routing: { parentRefs: [{ name: 'public', namespace: 'gateways' }], ...routing },
      rollout: { steps: [{ weight: 10, pauseSeconds: 60 }] },
      drain: { minSeconds: 30 },
    },
  } as Obj;
}

const entry = (sim: Cluster, name: string, id: string) =>
  ((sim.mustGet('GatiHandler', NS, name).status?.versions ?? []) as Obj[]).find(
    (v) => v.versionId === id,
  );

t.test('x-api-version, ?version= (opted in) and an alias reach the right backend', async (t) => {
  const routing = { pinQueryParams: ['version', 'v'], aliases: { stable: 'v1.0.0' } };
  const sim = new Cluster({ hooks: HOOKS, deploymentReadyAfterSeconds: 5 });
  sim.apply(handler('users', 'v1.0.0', routing));
  sim.advance(30);
  sim.apply(handler('users', 'v2.0.0', routing));
  sim.advance(10);
  t.strictSame(reach(sim, 'users', {}), { 'v1.0.0': 90, 'v2.0.0': 10 }, 'no selector: weighted');
  const rows: Array<[string, Request, string]> = [
    ['header x-api-version', { headers: { 'x-api-version': 'v2.0.0' } }, 'v2.0.0'],
    ['header x-gati-version', { headers: { 'X-Gati-Version': 'v1.0.0' } }, 'v1.0.0'],
    ['query version', { query: { version: 'v2.0.0' } }, 'v2.0.0'],
    ['query v', { query: { v: 'v1.0.0' } }, 'v1.0.0'],
    ['alias stable by header', { headers: { 'x-gati-version': 'stable' } }, 'v1.0.0'],
    ['alias stable by query', { query: { version: 'stable' } }, 'v1.0.0'],
  ];
  for (const [why, r, id] of rows)
    t.strictSame(reach(sim, 'users', r), { [id]: 1 }, `${why} → ${id}`);
  t.strictSame(
    reach(sim, 'users', { headers: { 'x-api-version': 'v9' } }),
    { 'v1.0.0': 90, 'v2.0.0': 10 },
    'an unknown version falls through to the weighted rule',
  );
  const rules = sim.route(NS, 'users')!.spec!.rules as Obj[];
  t.equal(rules.length, 3, 'one rule per version plus the weighted rule: selectors are ORed');
  sim.assertDeterministic();
});

t.test(
  'an aliased version survives the rollout that supersedes it, until the alias moves',
  async (t) => {
    const sim = new Cluster({ hooks: HOOKS, deploymentReadyAfterSeconds: 5 });
    const aliases = { stable: 'v1.0.0' };
    sim.apply(handler('users', 'v1.0.0', { aliases }));
    sim.advance(30);
    sim.apply(handler('users', 'v2.0.0', { aliases }));
    sim.advance(600);
    t.strictSame(
      reach(sim, 'users', {}),
      { 'v2.0.0': 100 },
      'v2 carries everything; v1 is no weighted backend',
    );
    t.match(entry(sim, 'users', 'v1.0.0'), {
      phase: 'Active',
      reason: 'Aliased',
      aliases: ['stable'],
    });
    t.strictSame(reach(sim, 'users', { headers: { 'x-gati-version': 'stable' } }), { 'v1.0.0': 1 });
    t.ok(sim.get('Deployment', NS, versionName('users', 'v1.0.0')), "v1's Deployment still runs");
    sim.apply(handler('users', 'v2.0.0', { aliases: { stable: 'v2.0.0' } }));
    sim.advance(120);
    t.equal(entry(sim, 'users', 'v1.0.0'), undefined, 'the alias moved: v1 drained and went');
    t.strictSame(reach(sim, 'users', { headers: { 'x-gati-version': 'stable' } }), { 'v2.0.0': 1 });
  },
);

t.test('query parameters pin only when opted in (Extended support in Gateway API)', async (t) => {
  const sim = new Cluster({ hooks: HOOKS, deploymentReadyAfterSeconds: 5 });
  sim.apply(handler('users', 'v1.0.0'));
  sim.advance(30);
  sim.apply(handler('users', 'v2.0.0'));
  sim.advance(10);
  t.strictSame(
    reach(sim, 'users', { query: { version: 'v2.0.0' } }),
    { 'v1.0.0': 90, 'v2.0.0': 10 },
    '?version= is weighted by default',
  );
  t.strictSame(reach(sim, 'users', { headers: { 'x-api-version': 'v2.0.0' } }), { 'v2.0.0': 1 });
});

import t from 'tap';
import { makeHTTPRoute } from '../../src/resources/httproute.js';
import { planAliases } from '../../src/timescape/aliases.js';
import { Driver, rollingV2, spec } from './lib.js';

// Version selection as the Gati runtime accepts it: pin headers (x-gati-version, x-api-version),
// opt-in query parameters, and aliases such as `stable` that pin like version ids.

t.test('planAliases resolves aliases to live versions and says why one is left out', async (t) => {
  const s = spec('v2', {
    routing: { aliases: { stable: 'v1', latest: 'v2', v1: 'v2', ghost: 'v9' } },
  });
  const a = planAliases(s, ['v1', 'v2']);
  t.same(
    [...a.byVersion],
    [
      ['v2', ['latest']],
      ['v1', ['stable']],
    ],
  );
  t.same(a.problems, [
    'alias ghost names v9, which is not a live version',
    'alias v1 is also a version id: left out',
  ]);
  const crowded = spec('v1', {
    routing: {
      pinHeaders: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'],
      pinQueryParams: ['p', 'q', 'r', 's', 't', 'u', 'v', 'w'],
      aliases: Object.fromEntries(['a1', 'a2', 'a3', 'a4'].map((k) => [k, 'v1'])),
    },
  });
  t.equal(
    planAliases(crowded, ['v1']).byVersion.get('v1')?.length,
    3,
    '64 matches hold 4 values of 16 selectors',
  );
});

t.test('every selector of a version goes in its one rule, ORed', async (t) => {
  const s = spec('v1', { routing: { pinQueryParams: ['version', 'v'] } });
  const route = makeHTTPRoute({ metadata: { name: 'users', namespace: 'shop' }, spec: s }, [
    { versionId: 'v1', pin: true, weight: 100, aliases: ['stable'] },
  ])!;
  const rules = route.spec!.rules!;
  t.equal(rules.length, 2, 'one pin rule, one weighted rule');
  const matches = rules[0]!.matches!.map((m) =>
    m.headers
      ? `header ${m.headers[0]!.name}=${m.headers[0]!.value}`
      : `query ${m.queryParams![0]!.name}=${m.queryParams![0]!.value}`,
  );
  t.same(matches, [
    'header x-gati-version=v1',
    'header x-api-version=v1',
    'query version=v1',
    'query v=v1',
    'header x-gati-version=stable',
    'header x-api-version=stable',
    'query version=stable',
    'query v=stable',
  ]);
  const legacy = makeHTTPRoute(
    { metadata: { name: 'users' }, spec: spec('v1', { routing: { pinHeader: 'x-version' } }) },
    [{ versionId: 'v1', pin: true }],
  )!;
  t.same(
    legacy.spec!.rules![0]!.matches!.map((m) => m.headers![0]!.name),
    ['x-version'],
    'pinHeader is the one-element form',
  );
});

t.test('an aliased version survives a rollout that supersedes it', async (t) => {
  const aliased = (v: string) => spec(v, { routing: { aliases: { stable: 'v1' } } });
  const d = new Driver();
  d.sync(0, aliased('v1'));
  d.sync(1, aliased('v1'));
  d.sync(10, aliased('v2'));
  d.sync(11, aliased('v2'));
  d.sync(71, aliased('v2'));
  d.sync(131, aliased('v2'));
  t.match(d.plan!.rollout, { phase: 'Succeeded' });
  for (const s of [200, 1000, 5000]) d.sync(s, aliased('v2'));
  t.match(d.version('v1'), {
    phase: 'Active',
    reason: 'Aliased',
    effectiveWeight: 0,
    pinned: true,
    aliases: ['stable'],
  });
  const v1 = d.plan!.versions.find((v) => v.status.versionId === 'v1')!;
  t.equal(v1.workload?.state, 'serve', 'its workloads keep running');
  t.same(v1.aliases, ['stable']);
  d.sync(6000, spec('v2'));
  d.sync(6100, spec('v2'));
  d.sync(6200, spec('v2'));
  t.equal(d.version('v1'), undefined, 'once the alias is gone it drains and is removed');
});

t.test('an alias to a version that no longer runs brings it back as pinned-only', async (t) => {
  const d = rollingV2();
  d.sync(71, spec('v2'));
  d.sync(131, spec('v2'));
  d.sync(170, spec('v2'));
  d.sync(171, spec('v2'));
  t.equal(d.version('v1'), undefined, 'v1 drained and removed');
  d.sync(200, spec('v2', { routing: { aliases: { old: 'v1' } } }));
  t.ok(d.plan!.aliasProblems.length === 1, 'not a live version any more: reported');
});

import t from 'tap';
import {
  announcementFilter,
  deprecationValue,
  linkValue,
  makeHTTPRoute,
  sunsetValue,
  transformFromFilter,
  versionName,
  type RoutedVersion,
} from '../../src/resources/index.js';
import { MAX_BACKENDS, MAX_RULES } from '../../src/api/limits.js';
import { handlerParent, withSpec } from '../helpers/builders.js';
import { assertGolden, validateBuilt } from '../helpers/golden.js';

// src/resources/headers.ts: what the route tells clients of a retiring version (Deprecation,
// Sunset, Link) and what a bridge is told (x-gati-transform-from), on Gateway API filters.

const GATEWAY = withSpec({ routing: { parentRefs: [{ name: 'gw', namespace: 'infra' }] } });
const AT = '2026-01-01T00:00:10Z';
const SUNSET = '2026-01-31T00:00:10Z';

t.test('header values', async (t) => {
  const rows: Array<[string, string, string]> = [
    ['Deprecation: an RFC 9745 Structured Field Date', deprecationValue(AT), '@1767225610'],
    [
      'Sunset: an RFC 8594 HTTP-date (IMF-fixdate)',
      sunsetValue(SUNSET),
      'Sat, 31 Jan 2026 00:00:10 GMT',
    ],
    [
      'Link: RFC 8288 with the deprecation relation',
      linkValue('https://example.com/migrate'),
      '<https://example.com/migrate>; rel="deprecation"',
    ],
  ];
  for (const [reason, got, want] of rows) t.equal(got, want, reason);
});

t.test('filters', async (t) => {
  t.same(announcementFilter({ deprecatedAt: AT, sunsetAt: SUNSET, link: 'https://x.example/m' }), {
    type: 'ResponseHeaderModifier',
    responseHeaderModifier: {
      set: [
        { name: 'Deprecation', value: '@1767225610' },
        { name: 'Link', value: '<https://x.example/m>; rel="deprecation"' },
        { name: 'Sunset', value: 'Sat, 31 Jan 2026 00:00:10 GMT' },
      ],
    },
  });
  t.same(
    announcementFilter({ deprecatedAt: AT }).responseHeaderModifier?.set?.map((h) => h.name),
    ['Deprecation'],
    'no Sunset date, no link: Deprecation alone',
  );
  t.same(transformFromFilter('v1.0.0'), {
    type: 'RequestHeaderModifier',
    requestHeaderModifier: { set: [{ name: 'x-gati-transform-from', value: 'v1.0.0' }] },
  });
});

/** The route of a handler with a serving, a retiring and a bridged version. */
const VERSIONS: RoutedVersion[] = [
  { versionId: 'v3', pin: true, weight: 100 },
  {
    versionId: 'v2',
    pin: true,
    weight: 0,
    announce: { deprecatedAt: AT, sunsetAt: SUNSET, link: 'https://example.com/migrate' },
  },
  { versionId: 'v1', pin: true, bridgedBy: 'v3', announce: { deprecatedAt: AT } },
];

t.test('makeHTTPRoute: filters on the pin rules and the retiring backend', async (t) => {
  const route = makeHTTPRoute(handlerParent(GATEWAY), VERSIONS)!;
  validateBuilt(route);
  const rules = route.spec!.rules!;
  t.equal(rules.length, 4, 'three pin rules and the weighted rule: no rule added');
  const [v1, v2, v3, weighted] = rules;
  t.same(
    v1!.backendRefs!.map((b) => b.name),
    [versionName('orders', 'v3')],
    'the bridged pin goes to its bridge',
  );
  t.same(
    v1!.filters!.map((f) => f.type),
    ['RequestHeaderModifier', 'ResponseHeaderModifier'],
    'and says where the request comes from, and that it is deprecated',
  );
  t.same(
    v2!.filters!.map((f) => f.type),
    ['ResponseHeaderModifier'],
    'the retiring pin announces',
  );
  t.equal(v3!.filters, undefined, 'a serving version’s pin has no filter');
  t.same(
    weighted!.backendRefs!.map((b) => [b.name, b.weight, b.filters?.[0]?.type]),
    [
      [versionName('orders', 'v2'), 0, 'ResponseHeaderModifier'],
      [versionName('orders', 'v3'), 100, undefined],
    ],
    'the weighted rule: the retiring backend announces too; the bridged version has none',
  );
  assertGolden(t, 'resources/httproute-cost', [route]);
});

t.test('limits: every version retiring or bridged still fits 16 rules, 16 backends', async (t) => {
  const many: RoutedVersion[] = Array.from({ length: MAX_RULES - 1 }, (_, i) => ({
    versionId: `v${String(i).padStart(2, '0')}`,
    pin: true,
    weight: i === 0 ? 100 : 0,
    ...(i % 2 ? { announce: { deprecatedAt: AT, sunsetAt: SUNSET } } : { bridgedBy: 'v00' }),
  }));
  const route = makeHTTPRoute(handlerParent(GATEWAY), many)!;
  validateBuilt(route);
  t.equal(route.spec!.rules!.length, MAX_RULES);
  t.ok(route.spec!.rules!.every((r) => r.backendRefs!.length <= MAX_BACKENDS));
});

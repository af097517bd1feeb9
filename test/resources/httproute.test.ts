import t from 'tap';
import {
  handlerLabels,
  makeHTTPRoute,
  routeName,
  versionName,
  type RoutedVersion,
} from '../../src/resources/index.js';
import { handlerParent, withSpec } from '../helpers/builders.js';
import { validateBuilt } from '../helpers/golden.js';

// src/resources/httproute.ts: pin rules, then one weighted rule (DESIGN §4).

const GATEWAY = { parentRefs: [{ name: 'gw', namespace: 'infra' }] };
const withRouting = (routing: Record<string, unknown>) => withSpec({ routing });

/** backend is what every backendRef must say in full (GitOps tools would see drift otherwise). */
const backend = (versionId: string, weight: number, port = 3000) => ({
  group: '',
  kind: 'Service',
  name: versionName('orders', versionId),
  port,
  weight,
});

/** pin is the rule sending `<header>: <versionId>` to that version, for each default pin header. */
const pin = (versionId: string, headers = ['x-gati-version', 'x-api-version']) => ({
  matches: headers.map((name) => ({
    path: { type: 'PathPrefix', value: '/api/orders' },
    headers: [{ type: 'Exact', name, value: versionId }],
  })),
  backendRefs: [backend(versionId, 1)],
});

const weighted = (...backends: ReturnType<typeof backend>[]) => ({
  matches: [{ path: { type: 'PathPrefix', value: '/api/orders' } }],
  backendRefs: backends,
});

t.test('makeHTTPRoute: rules', async (t) => {
  const rows: Array<{ reason: string; versions: RoutedVersion[]; rules: unknown[] | undefined }> = [
    {
      reason: 'one version: its pin rule, then the weighted rule',
      versions: [{ versionId: 'v1', pin: true, weight: 100 }],
      rules: [pin('v1'), weighted(backend('v1', 100))],
    },
    {
      reason: 'two versions in a rollout: pins sorted by versionId, both weighted',
      versions: [
        { versionId: 'v2', pin: true, weight: 10 },
        { versionId: 'v1', pin: true, weight: 90 },
      ],
      rules: [pin('v1'), pin('v2'), weighted(backend('v1', 90), backend('v2', 10))],
    },
    {
      reason: 'a draining version keeps its pin and a weight-0 backend',
      versions: [
        { versionId: 'v1', pin: true, weight: 0 },
        { versionId: 'v2', pin: true, weight: 100 },
      ],
      rules: [pin('v1'), pin('v2'), weighted(backend('v1', 0), backend('v2', 100))],
    },
    {
      reason:
        'pinned-only (breaking, no transformers): a pin rule, no backend in the weighted rule',
      versions: [
        { versionId: 'v1', pin: true, weight: 100 },
        { versionId: 'v2', pin: true },
      ],
      rules: [pin('v1'), pin('v2'), weighted(backend('v1', 100))],
    },
    {
      reason: 'every weight 0: no weighted rule (never an all-zero rule)',
      versions: [{ versionId: 'v1', pin: true, weight: 0 }],
      rules: [pin('v1')],
    },
    {
      reason: 'weighted but not pinned (decommissioning): no pin rule',
      versions: [{ versionId: 'v1', pin: false, weight: 100 }],
      rules: [weighted(backend('v1', 100))],
    },
    {
      reason: 'nothing to route: no HTTPRoute at all',
      versions: [{ versionId: 'v1', pin: false }],
      rules: undefined,
    },
    { reason: 'no versions: no HTTPRoute', versions: [], rules: undefined },
  ];
  for (const r of rows) {
    const route = makeHTTPRoute(handlerParent(withRouting(GATEWAY)), r.versions);
    if (route) validateBuilt(route);
    t.same(route?.spec?.rules, r.rules, r.reason);
  }
});

t.test('makeHTTPRoute: identity, parents, hostnames, header and port', async (t) => {
  const v1: RoutedVersion[] = [{ versionId: 'v1', pin: true, weight: 100 }];
  const rows = [
    {
      reason: 'parentRefs get the Gateway group and kind written out',
      routing: GATEWAY,
      parentRefs: [
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'infra' },
      ],
      hostnames: undefined,
    },
    {
      reason: 'a parentRef of another kind keeps it',
      routing: { parentRefs: [{ name: 'mesh', kind: 'Service', group: '' }] },
      parentRefs: [{ group: '', kind: 'Service', name: 'mesh' }],
      hostnames: undefined,
    },
    {
      reason: 'no parentRefs: the field is left out',
      routing: {},
      parentRefs: undefined,
      hostnames: undefined,
    },
    {
      reason: 'hostnames pass through',
      routing: { ...GATEWAY, hostnames: ['api.example.com'] },
      parentRefs: [
        { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw', namespace: 'infra' },
      ],
      hostnames: ['api.example.com'],
    },
  ];
  for (const r of rows) {
    const route = makeHTTPRoute(handlerParent(withRouting(r.routing)), v1)!;
    validateBuilt(route);
    t.same(route.spec!.parentRefs, r.parentRefs, r.reason);
    t.same(route.spec!.hostnames, r.hostnames, `${r.reason}: hostnames`);
    t.same(
      route.metadata,
      { name: routeName('orders'), namespace: 'shop', labels: handlerLabels('orders') },
      `${r.reason}: named and labelled for the handler`,
    );
  }
  const custom = makeHTTPRoute(
    handlerParent(
      withSpec({ port: 8080 }),
      withRouting({ ...GATEWAY, pinHeader: 'x-api-version' }),
    ),
    v1,
  )!;
  t.same(
    custom.spec!.rules![0]!.matches![0]!.headers,
    [{ type: 'Exact', name: 'x-api-version', value: 'v1' }],
    'the pin header is configurable',
  );
  t.same(
    custom.spec!.rules![1]!.backendRefs,
    [backend('v1', 100, 8080)],
    'backends use the handler port',
  );
});

import t from 'tap';
import { validateVersionSpec } from '../../src/api/index.js';
import type { VersionStatus } from '../../src/api/gatihandler.js';
import { FORCE_ANNOTATION, ROUTE_BREAKING_ANNOTATION } from '../../src/api/keys.js';
import type { KubeObject } from '../../src/api/metacontroller.js';
import { candidates, type Candidate, type OwnedVersion } from '../../src/timescape/versions.js';
import { handlerParent, withSpec, type Option } from '../helpers/builders.js';

// candidates(): every version a handler must account for (DESIGN §2 "live versions").
// The handler fixture is `orders` at spec.version v1, image registry.example.com/orders:1,
// 2 replicas.

const IMAGE = 'registry.example.com/orders:1';

/** owned is a GatiVersion of the handler, its spec validated and defaulted. */
function owned(
  name: string,
  spec: Record<string, unknown>,
  extra: { deleting?: boolean; annotations?: Record<string, string> } = {},
): OwnedVersion {
  const v = validateVersionSpec(spec);
  if (!v.ok) throw new Error(JSON.stringify(v.errors));
  return {
    name,
    spec: v.value,
    deleting: extra.deleting ?? false,
    annotations: extra.annotations ?? {},
  };
}

/** remembered is a version as the previous handler status listed it. */
function remembered(versionId: string, extra: Partial<VersionStatus> = {}): VersionStatus {
  return {
    versionId,
    source: 'gativersion',
    phase: 'Active',
    desiredWeight: 30,
    effectiveWeight: 30,
    trafficPercent: 30,
    pinned: true,
    breaking: false,
    deployment: `orders-${versionId}`,
    service: `orders-${versionId}`,
    readyReplicas: 1,
    availableReplicas: 1,
    ...extra,
  };
}

/** deployment is an observed Deployment running `image`. */
function deployment(image: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'shop' },
    spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
  };
}

/** candidate is a version as candidates() reports it: wanted at weight 100 unless `extra` says otherwise. */
function candidate(
  versionId: string,
  source: Candidate['source'],
  extra: Partial<Candidate>,
): Candidate {
  return {
    versionId,
    image: undefined,
    replicas: 2,
    source,
    wanted: true,
    desiredWeight: 100,
    breaking: false,
    pinnedOnly: false,
    forced: false,
    deleting: false,
    immediate: false,
    bridges: [],
    ...extra,
  };
}

/** fromSpec is spec.version (v1, the handler's image). */
const fromSpec = (extra: Partial<Candidate> = {}) =>
  candidate('v1', 'spec', { image: IMAGE, gatiVersion: undefined, ...extra });
/** fromGatiVersion is a version carried by the GatiVersion `orders-<versionId>`. */
const fromGatiVersion = (versionId: string, extra: Partial<Candidate> = {}) =>
  candidate(versionId, 'gativersion', { gatiVersion: `orders-${versionId}`, ...extra });
/** fromMemory is a version only status or a Deployment remembers: draining, weight 0. */
const fromMemory = (versionId: string, extra: Partial<Candidate> = {}) =>
  candidate(versionId, 'previous', { wanted: false, desiredWeight: 0, ...extra });

interface Row {
  reason: string;
  handler?: Option[];
  handlerAnnotations?: Record<string, string>;
  owned?: OwnedVersion[];
  previous?: VersionStatus[];
  deployments?: Array<[string, KubeObject]>;
  want: Candidate[];
}

const rows: Row[] = [
  {
    reason: 'spec.version alone: wanted, the handler image, replicas and timescape weight',
    want: [fromSpec()],
  },
  {
    reason: 'spec.timescape gives spec.version its weight and breaking flag',
    handler: [withSpec({ timescape: { routingWeight: 40, breaking: true } })],
    want: [fromSpec({ desiredWeight: 40, breaking: true, pinnedOnly: true })],
  },
  {
    reason:
      'a breaking spec.version weighted explicitly by the handler annotation is not pinned-only',
    handler: [withSpec({ timescape: { breaking: true } })],
    handlerAnnotations: { [ROUTE_BREAKING_ANNOTATION]: 'true' },
    want: [fromSpec({ breaking: true })],
  },
  {
    reason: 'a GatiVersion for spec.version supplies its metadata; the image stays the handler’s',
    owned: [
      owned('orders-v1', { versionId: 'v1', routingWeight: 70, replicas: 5, image: 'other:9' }),
    ],
    want: [fromSpec({ gatiVersion: 'orders-v1', desiredWeight: 70, replicas: 5 })],
  },
  {
    reason: 'the GatiVersion of spec.version decides pinned-only by its own annotations',
    handlerAnnotations: { [ROUTE_BREAKING_ANNOTATION]: 'true' },
    owned: [owned('orders-v1', { versionId: 'v1', breaking: true })],
    want: [fromSpec({ gatiVersion: 'orders-v1', breaking: true, pinnedOnly: true })],
  },
  {
    reason:
      'a deleting GatiVersion for spec.version is no source of metadata, and spec.version stays',
    owned: [owned('orders-v1', { versionId: 'v1', routingWeight: 70 }, { deleting: true })],
    want: [fromSpec()],
  },
  {
    reason: 'an owned GatiVersion of another version: wanted, its weight and image',
    owned: [owned('orders-v2', { versionId: 'v2', routingWeight: 30, image: 'orders:2' })],
    want: [fromSpec(), fromGatiVersion('v2', { desiredWeight: 30, image: 'orders:2' })],
  },
  {
    reason: 'a GatiVersion without an image runs what its Deployment runs',
    owned: [owned('orders-v2', { versionId: 'v2' })],
    previous: [remembered('v2', { image: 'from-status:2' })],
    deployments: [['v2', deployment('from-deployment:2')]],
    want: [fromSpec(), fromGatiVersion('v2', { image: 'from-deployment:2' })],
  },
  {
    reason: 'without a Deployment, the image the status remembers',
    owned: [owned('orders-v2', { versionId: 'v2' })],
    previous: [remembered('v2', { image: 'from-status:2' })],
    want: [fromSpec(), fromGatiVersion('v2', { image: 'from-status:2' })],
  },
  {
    reason: 'a GatiVersion’s replicas override the handler’s',
    owned: [owned('orders-v2', { versionId: 'v2', replicas: 0 })],
    want: [fromSpec(), fromGatiVersion('v2', { replicas: 0 })],
  },
  {
    reason: 'a deleting GatiVersion drains: not wanted, weight 0',
    owned: [owned('orders-v2', { versionId: 'v2', routingWeight: 30 }, { deleting: true })],
    want: [fromSpec(), fromGatiVersion('v2', { wanted: false, desiredWeight: 0, deleting: true })],
  },
  {
    reason: 'a superseded version drains even though its GatiVersion still carries it',
    owned: [owned('orders-v0', { versionId: 'v0', routingWeight: 30 })],
    previous: [remembered('v0', { supersededAt: '2026-01-01T00:00:00Z' })],
    want: [fromGatiVersion('v0', { wanted: false, desiredWeight: 30 }), fromSpec()],
  },
  {
    reason: 'two GatiVersions for one versionId: the first by name wins',
    owned: [
      owned('orders-v2-b', { versionId: 'v2', routingWeight: 2 }),
      owned('orders-v2-a', { versionId: 'v2', routingWeight: 1 }),
    ],
    want: [fromSpec(), fromGatiVersion('v2', { gatiVersion: 'orders-v2-a', desiredWeight: 1 })],
  },
  {
    reason: 'transformers {from} say which versions it bridges; its migration link is carried',
    owned: [
      owned('orders-v2', {
        versionId: 'v2',
        transformers: ['v1-to-v2', { from: 'v1' }, { from: 'v0' }, { from: 'v1' }],
        deprecationLink: 'https://example.com/m',
      }),
    ],
    want: [
      fromSpec(),
      fromGatiVersion('v2', { bridges: ['v0', 'v1'], deprecationLink: 'https://example.com/m' }),
    ],
  },
  {
    reason: 'breaking without transformers: pinned only',
    owned: [owned('orders-v2', { versionId: 'v2', breaking: true })],
    want: [fromSpec(), fromGatiVersion('v2', { breaking: true, pinnedOnly: true })],
  },
  {
    reason: 'breaking with transformers: weighted as usual',
    owned: [owned('orders-v2', { versionId: 'v2', breaking: true, transformers: ['v2-to-v1'] })],
    want: [fromSpec(), fromGatiVersion('v2', { breaking: true })],
  },
  {
    reason: 'breaking, weighted explicitly by annotation: not pinned only',
    owned: [
      owned(
        'orders-v2',
        { versionId: 'v2', breaking: true },
        { annotations: { [ROUTE_BREAKING_ANNOTATION]: 'true' } },
      ),
    ],
    want: [fromSpec(), fromGatiVersion('v2', { breaking: true })],
  },
  {
    reason: 'the force annotation marks it forced',
    owned: [
      owned('orders-v2', { versionId: 'v2' }, { annotations: { [FORCE_ANNOTATION]: 'true' } }),
    ],
    want: [fromSpec(), fromGatiVersion('v2', { forced: true })],
  },
  {
    reason:
      'a version only the status remembers drains with its last weight, image and breaking flag',
    previous: [remembered('v0', { image: 'orders:0', desiredWeight: 30, breaking: true })],
    want: [fromMemory('v0', { image: 'orders:0', desiredWeight: 30, breaking: true }), fromSpec()],
  },
  {
    reason: 'a version only a Deployment remembers (the memory of last resort): weight 0',
    deployments: [['v0', deployment('orders:0')]],
    want: [fromMemory('v0', { image: 'orders:0' }), fromSpec()],
  },
  {
    reason:
      'remembered by both: the status’s facts, the Deployment’s image when the status has none',
    previous: [remembered('v0', { desiredWeight: 5 })],
    deployments: [['v0', deployment('orders:0')]],
    want: [fromMemory('v0', { image: 'orders:0', desiredWeight: 5 }), fromSpec()],
  },
  {
    reason: 'a Deployment without containers remembers no image',
    deployments: [['v0', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }]],
    want: [fromMemory('v0'), fromSpec()],
  },
  {
    reason: 'spec.version remembered by status and Deployment is still spec.version',
    previous: [remembered('v1', { source: 'spec' })],
    deployments: [['v1', deployment('old:1')]],
    want: [fromSpec()],
  },
  {
    reason: 'everything at once, sorted by versionId',
    handler: [withSpec({ version: 'v3', image: 'orders:3' })],
    owned: [owned('orders-v2', { versionId: 'v2' }), owned('orders-v10', { versionId: 'v10' })],
    previous: [remembered('v1', { image: 'orders:1' })],
    deployments: [['v0', deployment('orders:0')]],
    want: [
      fromMemory('v0', { image: 'orders:0' }),
      fromMemory('v1', { image: 'orders:1', desiredWeight: 30 }),
      fromGatiVersion('v10'),
      fromGatiVersion('v2'),
      fromSpec({ versionId: 'v3', image: 'orders:3' }),
    ],
  },
];

t.test('candidates', async (t) => {
  for (const r of rows) {
    const got = candidates({
      spec: handlerParent(...(r.handler ?? [])).spec,
      handlerAnnotations: r.handlerAnnotations ?? {},
      owned: r.owned ?? [],
      previous: r.previous ?? [],
      deployments: new Map(r.deployments ?? []),
    });
    t.same(got, r.want, r.reason);
  }
});

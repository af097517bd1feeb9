import t from 'tap';
import { HOOKS } from '../helpers/hooks.js';
import { toJson } from '../../src/kube/canonical.js';

const NOW = { now: new Date('2026-01-01T00:00:00Z') };
const { sync, finalize, customize } = HOOKS.gativersion;

function gv(spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: { name: 'users-v1', namespace: 'shop', uid: 'u1', generation: 2, ...meta },
    spec: { versionId: 'v1', routingWeight: 100, ...spec },
  };
}

function handler(
  versions: Array<Record<string, unknown>> | undefined,
  meta: Record<string, unknown> = {},
) {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name: 'users', namespace: 'shop', ...meta },
    spec: {},
    status: versions ? { versions } : undefined,
  };
}

const entry = (extra: Record<string, unknown> = {}) => ({
  versionId: 'v1',
  source: 'gativersion',
  phase: 'Active',
  desiredWeight: 100,
  effectiveWeight: 100,
  trafficPercent: 100,
  pinned: true,
  breaking: false,
  deployment: 'd',
  service: 's',
  readyReplicas: 2,
  availableReplicas: 2,
  ...extra,
});

const related = (...hs: unknown[]) => ({
  'GatiHandler.gati.dev/v1alpha1': Object.fromEntries(
    hs.map((h: any) => [`shop/${h.metadata.name}`, h]),
  ),
});
// The GatiVersion controller is a DecoratorController: its requests carry `object`.
const req = (object: unknown, rel = related(), finalizing = false) =>
  ({ object, attachments: {}, related: rel, finalizing }) as any;

t.test('sync mirrors the handler report and never finalizes (C16)', async (t) => {
  const res = sync(req(gv(), related(handler([entry()]))), NOW);
  t.match(res.status, {
    handler: 'users',
    phase: 'Active',
    effectiveWeight: 100,
    trafficPercent: 100,
    pinned: true,
  });
  t.match(res.status.conditions, [
    { type: 'Available', status: 'True' },
    { type: 'Ready', status: 'True', reason: 'Active', observedGeneration: 2 },
    { type: 'TrafficRouted', status: 'True', reason: 'Weighted' },
  ]);
  t.strictSame(res.attachments, [], 'no attachments');
  t.notOk(res.finalized, 'sync never says finalized');
  t.same(res.labels, { 'gati.dev/handler': 'users' }, 'labelled with its handler');
  t.same(res.annotations, { 'gati.dev/handler-resolved-by': 'namePrefix/users' });
  t.equal(res.status.observedGeneration, 2, 'a decorator sets its own observedGeneration');
});

t.test('sync reports why it is not ready', async (t) => {
  const cases = [
    {
      reason: 'no handler in the namespace',
      rel: related(),
      want: { phase: 'Pending', cond: 'HandlerNotFound' },
    },
    {
      reason: 'handlerRef names a missing handler',
      parent: gv({ handlerRef: { name: 'nope' } }),
      rel: related(handler([])),
      want: { phase: 'Pending', cond: 'HandlerNotFound', handler: 'nope' },
    },
    {
      reason: 'handler has not picked it up yet',
      rel: related(handler([])),
      want: { phase: 'Pending', cond: 'WaitingForHandler' },
    },
    {
      reason: 'draining',
      rel: related(
        handler([
          entry({
            phase: 'Draining',
            effectiveWeight: 0,
            reason: 'MinimumDrainTime',
            drainStartedAt: '2026-01-01T00:00:00Z',
          }),
        ]),
      ),
      want: { phase: 'Draining', cond: 'MinimumDrainTime' },
    },
    {
      reason: 'failed',
      rel: related(
        handler([
          entry({ phase: 'Failed', availableReplicas: 0, reason: 'ProgressDeadlineExceeded' }),
        ]),
      ),
      want: { phase: 'Failed', cond: 'ProgressDeadlineExceeded' },
    },
  ];
  for (const c of cases) {
    const res = sync(req(c.parent ?? gv(), c.rel), NOW);
    t.equal(res.status.phase, c.want.phase, `${c.reason}: phase`);
    const ready = (res.status.conditions as any[]).find((x) => x.type === 'Ready');
    t.equal(ready.reason, c.want.cond, `${c.reason}: Ready reason`);
    if (c.want.handler)
      t.equal(res.status.handler, c.want.handler, `${c.reason}: names the handler it looked for`);
  }
});

t.test('an invalid spec is reported, not thrown', async (t) => {
  const res = sync(req(gv({ routingWeight: -5 }), related(handler([entry()]))), NOW);
  t.match(res.status.conditions, [
    { type: 'Ready', status: 'False', reason: 'InvalidSpec', message: /spec\.routingWeight/ },
    { type: 'Stalled', status: 'True' },
  ]);
});

t.test('finalize holds while the handler still runs the version (C13)', async (t) => {
  const deleting = gv({}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
  const res = finalize!(req(deleting, related(handler([entry({ phase: 'Draining' })])), true), NOW);
  t.equal(res.finalized, false);
  const bridged = entry({ phase: 'Decommissioned', bridgedBy: 'v3', availableReplicas: 1 });
  t.equal(
    finalize!(req(deleting, related(handler([bridged])), true), NOW).finalized,
    false,
    'bridged, but its pods still run: held',
  );
  t.strictSame(res.attachments, []);
  t.ok(
    typeof res.resyncAfterSeconds === 'number' && res.resyncAfterSeconds > 0,
    'resync backstop (C19)',
  );
  t.match(
    (res.status.conditions as any[]).find((c) => c.type === 'Finalizing'),
    { status: 'True', reason: 'WaitingForDrain' },
  );
});

t.test('finalize releases when there is nothing to wait for (C14, C15)', async (t) => {
  const deleting = gv({}, { deletionTimestamp: '2026-01-01T00:00:00Z' });
  const cases = [
    { reason: 'the handler reports the version gone', rel: related(handler([])) },
    { reason: 'no handler at all', rel: related() },
    {
      reason: 'the handler is being deleted',
      rel: related(handler([entry()], { deletionTimestamp: '2026-01-01T00:00:00Z' })),
    },
    {
      reason: "the version lives on as the handler's spec.version",
      rel: related(handler([entry({ source: 'spec' })])),
    },
    {
      reason: 'retired, its pins served by a bridge, its pods gone (#25)',
      rel: related(
        handler([
          entry({
            phase: 'Decommissioned',
            reason: 'Bridged',
            bridgedBy: 'v3',
            availableReplicas: 0,
            readyReplicas: 0,
          }),
        ]),
      ),
    },
  ];
  for (const c of cases) {
    const res = finalize!(req(deleting, c.rel, true), NOW);
    t.equal(res.finalized, true, c.reason);
    t.equal(res.resyncAfterSeconds, undefined, `${c.reason}: no resync`);
    const again = finalize!(req({ ...deleting, status: res.status }, c.rel, true), NOW);
    t.equal(toJson(again), toJson(res), `${c.reason}: idempotent, same bytes`);
  }
});

t.test('customize asks only for the handlers the GatiVersion could belong to', async (t) => {
  const names = (parent: unknown) =>
    (customize!({ parent } as any).relatedResources as any[]).flatMap((r) => r.names);
  t.strictSame(customize!({ parent: gv({}, { name: 'user-handler-v1' }) } as any), {
    relatedResources: [
      {
        apiVersion: 'gati.dev/v1alpha1',
        names: ['user', 'user-handler'],
        namespace: 'shop',
        resource: 'gatihandlers',
      },
    ],
  });
  t.same(
    names(
      gv({ handlerRef: { name: 'orders' } }, { name: 'a-b', labels: { 'gati.dev/handler': 'x' } }),
    ),
    ['a', 'orders', 'x'],
    'handlerRef, label and prefixes, sorted and unique',
  );
  t.strictSame(
    customize!({ parent: gv({}, { name: 'lonely' }) } as any),
    { relatedResources: [] },
    'nothing to ask for',
  );
  t.throws(
    () => customize!({ parent: { metadata: { name: 'x' } } } as any),
    { statusCode: 400 } as any,
    'no namespace: 400',
  );
  t.throws(
    () => sync({ object: {} } as any, NOW),
    { statusCode: 400, message: /object\.metadata/ } as any,
    'no object name: 400',
  );
});

t.test(
  'the label follows handlerRef, a label set by hand, or the longest existing prefix',
  async (t) => {
    const H = (name: string) => handler([], { name });
    const rows = [
      {
        reason: 'prefix: the longest existing name wins',
        meta: { name: 'user-handler-v1' },
        rel: related(H('user'), H('user-handler')),
        want: ['user-handler', 'namePrefix'],
      },
      {
        reason: 'prefix: only the shorter exists',
        meta: { name: 'user-handler-v1' },
        rel: related(H('user')),
        want: ['user', 'namePrefix'],
      },
      {
        reason: 'a label we derived is derived again: a longer handler that appears takes it',
        meta: {
          name: 'user-handler-v1',
          labels: { 'gati.dev/handler': 'user' },
          annotations: { 'gati.dev/handler-resolved-by': 'namePrefix/user' },
        },
        rel: related(H('user'), H('user-handler')),
        want: ['user-handler', 'namePrefix'],
      },
      {
        reason: 'a label set by hand is followed',
        meta: {
          name: 'user-handler-v1',
          labels: { 'gati.dev/handler': 'admin' },
          annotations: { 'gati.dev/handler-resolved-by': 'namePrefix/user-handler' },
        },
        rel: related(H('admin'), H('user-handler')),
        want: ['admin', 'label'],
      },
      {
        reason: 'handlerRef wins over the prefix',
        spec: { handlerRef: { name: 'admin' } },
        meta: { name: 'user-handler-v1' },
        rel: related(H('admin'), H('user-handler')),
        want: ['admin', 'handlerRef'],
      },
      {
        reason: 'a renamed handlerRef moves the label we wrote',
        spec: { handlerRef: { name: 'b' } },
        meta: {
          labels: { 'gati.dev/handler': 'a' },
          annotations: { 'gati.dev/handler-resolved-by': 'handlerRef/a' },
        },
        rel: related(H('a'), H('b')),
        want: ['b', 'handlerRef'],
      },
    ];
    for (const r of rows) {
      const res = sync(req(gv(r.spec ?? {}, r.meta), r.rel), NOW);
      t.same(res.labels, { 'gati.dev/handler': r.want[0] }, r.reason);
      t.same(
        res.annotations,
        { 'gati.dev/handler-resolved-by': `${r.want[1]}/${r.want[0]}` },
        r.reason,
      );
    }
  },
);

t.test(
  'handlerRef against a label set by hand: a conflict naming both, the label left alone',
  async (t) => {
    const res = sync(
      req(
        gv({ handlerRef: { name: 'b' } }, { labels: { 'gati.dev/handler': 'a' } }),
        related(handler([], { name: 'a' }), handler([], { name: 'b' })),
      ),
      NOW,
    );
    t.notOk(res.labels, 'no label written');
    t.match(
      (res.status.conditions as any[]).find((c) => c.type === 'Ready'),
      {
        status: 'False',
        reason: 'HandlerConflict',
        message:
          /spec\.handlerRef\.name is b but the label gati\.dev\/handler \(set by hand\) is a/,
      },
    );
    t.match(
      (res.status.conditions as any[]).find((c) => c.type === 'Stalled'),
      { reason: 'HandlerConflict' },
    );
  },
);

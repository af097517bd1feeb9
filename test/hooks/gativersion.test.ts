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
const req = (parent: unknown, rel = related(), finalizing = false) =>
  ({ parent, children: {}, related: rel, finalizing }) as any;

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
  t.strictSame(res.children, [], 'no children');
  t.notOk(res.finalized, 'sync never says finalized');
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
  t.strictSame(res.children, []);
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
  ];
  for (const c of cases) {
    const res = finalize!(req(deleting, c.rel, true), NOW);
    t.equal(res.finalized, true, c.reason);
    t.equal(res.resyncAfterSeconds, undefined, `${c.reason}: no resync`);
    const again = finalize!(req({ ...deleting, status: res.status }, c.rel, true), NOW);
    t.equal(toJson(again), toJson(res), `${c.reason}: idempotent, same bytes`);
  }
});

t.test('customize asks for the GatiHandlers of the namespace only', async (t) => {
  t.strictSame(customize!({ parent: gv() } as any), {
    relatedResources: [
      { apiVersion: 'gati.dev/v1alpha1', resource: 'gatihandlers', namespace: 'shop' },
    ],
  });
  t.throws(
    () => customize!({ parent: { metadata: { name: 'x' } } } as any),
    { statusCode: 400 } as any,
    'no namespace: 400',
  );
  t.throws(
    () => sync({ parent: {} } as any, NOW),
    { statusCode: 400 } as any,
    'no parent name: 400',
  );
});

import t from 'tap';
import { Registry } from 'prom-client';
import type { SyncRequest, SyncResponse } from '../../src/api/metacontroller.js';
import { createMetrics, newlyDrained, outcomeOf } from '../../src/server/metrics.js';
import { fakeHooks, makeApp, parent, post, syncRequest } from './helpers.js';

const versions = (...v: Array<Record<string, unknown>>) => v;

function handlerRequest(statusVersions: unknown[], specVersions: unknown[]): SyncRequest {
  return syncRequest(
    0,
    parent({ status: { versions: statusVersions }, spec: { versions: specVersions } }),
  );
}

t.test('metrics text carries the named series after hook calls', async (t) => {
  const { app, pressure } = makeApp(t);
  await post(app, '/hooks/gatihandler/sync', syncRequest(3));
  await post(app, '/hooks/gatihandler/sync', syncRequest(1));
  await post(app, '/hooks/gatimodule/sync', { nope: 1 });
  pressure.reason = 'busy';
  await post(app, '/hooks/gatimodule/sync', syncRequest());
  const res = await app.inject('/metrics');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain/);
  const text = res.body;
  t.match(
    text,
    /gati_operator_hook_duration_seconds_bucket\{le="0.005",controller="gatihandler",hook="sync",outcome="ok"\} \d/,
  );
  t.match(
    text,
    /gati_operator_hook_requests_total\{controller="gatihandler",hook="sync",outcome="ok"\} 2/,
  );
  t.match(
    text,
    /gati_operator_hook_requests_total\{controller="gatimodule",hook="sync",outcome="rejected"\} 1/,
  );
  t.match(
    text,
    /gati_operator_hook_requests_total\{controller="gatimodule",hook="sync",outcome="overloaded"\} 1/,
  );
  t.match(
    text,
    /gati_operator_hook_duration_seconds_count\{controller="gatihandler",hook="sync",outcome="ok"\} 2/,
    'a label set resolved once still counts every call',
  );
  t.match(
    text,
    /gati_operator_hook_request_bytes_sum\{controller="gatihandler",hook="sync",outcome="ok"\} [1-9]\d+/,
  );
  t.match(
    text,
    /gati_operator_hook_response_bytes_sum\{controller="gatihandler",hook="sync",outcome="ok"\} [1-9]\d+/,
  );
  t.match(text, /gati_operator_versions\{phase="Active"\} 0/);
  t.match(text, /# TYPE gati_operator_drains_total counter/);
  t.match(text, /# TYPE gati_operator_drain_queries_total counter/);
  t.match(
    text,
    /gati_operator_process_cpu_seconds_total/,
    'default process metrics carry the prefix',
  );
  t.notOk(/name="p"|ns1/.test(text), 'no parent names in labels');
});

t.test(
  'versions by phase sum over handlers; finalized handlers leave; drains count transitions',
  async (t) => {
    const { app } = makeApp(t);
    const active = { versionId: 'v2', phase: 'Active' };
    const draining = { versionId: 'v1', phase: 'Draining' };
    await post(app, '/hooks/gatihandler/sync', handlerRequest([], versions(active, draining)));
    const other = parent({
      metadata: { name: 'q', namespace: 'ns1' },
      spec: { versions: [active] },
    });
    await post(app, '/hooks/gatihandler/sync', syncRequest(0, other));
    let text = (await app.inject('/metrics')).body;
    t.match(text, /gati_operator_versions\{phase="Active"\} 2/);
    t.match(text, /gati_operator_versions\{phase="Draining"\} 1/);

    const drained = {
      ...draining,
      phase: 'Decommissioned',
      drainedAt: '2030-01-01T00:00:00Z',
      drainReason: 'EvidenceQuiet',
    };
    await post(
      app,
      '/hooks/gatihandler/sync',
      handlerRequest(versions(active, draining), versions(active, drained)),
    );
    await post(
      app,
      '/hooks/gatihandler/sync',
      handlerRequest(versions(active, drained), versions(active, drained)),
    );
    text = (await app.inject('/metrics')).body;
    t.match(
      text,
      /gati_operator_drains_total\{outcome="EvidenceQuiet"\} 1/,
      'counted once: the second call saw it already drained',
    );
    t.match(text, /gati_operator_versions\{phase="Draining"\} 0/);
    t.match(text, /gati_operator_versions\{phase="Decommissioned"\} 1/);

    await post(app, '/hooks/gatihandler/finalize', {
      ...handlerRequest([], versions(active, drained)),
      finalizing: true,
    });
    text = (await app.inject('/metrics')).body;
    t.match(
      text,
      /gati_operator_versions\{phase="Active"\} 1/,
      'the finalized handler no longer counts',
    );
    t.match(text, /gati_operator_versions\{phase="Decommissioned"\} 0/);
  },
);

t.test('newlyDrained bounds reason labels', async (t) => {
  const req = handlerRequest([{ versionId: 'a' }], []);
  const res: SyncResponse = {
    status: {
      versions: [
        { versionId: 'a', drainedAt: 'x', drainReason: 'a reason with spaces' },
        { versionId: 'b', drainedAt: 'x' },
        null,
      ],
    },
    children: [],
  };
  t.same(newlyDrained(req, res), ['other', 'other']);
  t.same(newlyDrained(syncRequest(), { status: {}, children: [] }), []);
});

t.test('outcomeOf', async (t) => {
  t.same([200, 304, 400, 401, 429, 500, 503].map(outcomeOf), [
    'ok',
    'not_modified',
    'rejected',
    'rejected',
    'overloaded',
    'error',
    'error',
  ]);
});

t.test('the versions map stays bounded', async (t) => {
  const metrics = createMetrics(new Registry());
  for (let i = 0; i < 10005; i++) {
    const p = parent({ metadata: { name: `h${i}`, namespace: 'ns' } });
    metrics.observeHandler(
      { parent: p },
      { status: { versions: [{ phase: 'Active' }] }, children: [] },
      'sync',
    );
  }
  const text = await metrics.registry.metrics();
  t.match(text, /gati_operator_versions\{phase="Active"\} 10000/);
  t.ok(fakeHooks().gatihandler.finalize);
});

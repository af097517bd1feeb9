import t from 'tap';
import type { SyncRequest } from '../../src/api/metacontroller.js';
import { outcomeOf } from '../../src/server/metrics.js';
import { onceTable } from '../../src/server/once.js';
import { makeApp, parent, post, syncRequest } from './helpers.js';

/** A handler request whose fake sync echoes spec.versions/spec.rollout into the status it writes. */
function handlerRequest(
  statusVersions: unknown[],
  specVersions: unknown[],
  rollouts: { before?: unknown; after?: unknown } = {},
  resourceVersion = '1',
): SyncRequest {
  return syncRequest(
    0,
    parent({
      metadata: { name: 'p', namespace: 'ns1', uid: 'u1', resourceVersion },
      status: { versions: statusVersions, rollout: rollouts.before },
      spec: { versions: specVersions, rollout: rollouts.after },
    }),
  );
}

t.test('metrics text carries the named series after hook calls', async (t) => {
  const { app, pressure } = makeApp(t);
  await post(app, '/hooks/gatihandler/sync', syncRequest(3));
  await post(app, '/hooks/gatihandler/sync', syncRequest(1));
  await post(app, '/hooks/gatimodule/sync', { nope: 1 });
  await pressure.set(app, 'busy');
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
  t.notMatch(text, /gati_operator_versions/, 'no gauge that keeps per-process state');
  t.match(text, /# TYPE gati_operator_drains_total counter/);
  t.match(text, /# TYPE gati_operator_prometheus_queries_total counter/);
  t.match(text, /# TYPE gati_operator_rollout_transitions_total counter/);
  t.match(text, /# TYPE gati_operator_analysis_checks_total counter/);
  t.match(
    text,
    /gati_operator_process_cpu_seconds_total/,
    'default process metrics carry the prefix',
  );
  t.notOk(/name="p"|ns1/.test(text), 'no parent names in labels');
});

t.test('transitions and checks are counted and logged once per parent state', async (t) => {
  const { app, sink } = makeApp(t);
  // Whole status entries, as the hook writes them: a status that does not match its schema
  // reports nothing (the hook holds such a handler as InvalidStatus).
  const draining = {
    versionId: 'v1',
    source: 'previous',
    phase: 'Draining',
    desiredWeight: 0,
    effectiveWeight: 0,
    trafficPercent: 0,
    pinned: true,
    breaking: false,
    deployment: 'p-v1',
    service: 'p-v1',
    readyReplicas: 1,
    availableReplicas: 1,
    drainStartedAt: '2030-01-01T00:00:00Z',
  };
  const drained = {
    ...draining,
    phase: 'Decommissioned',
    drainedAt: '2030-01-01T00:01:00Z',
    drainReason: 'DrainedByMetric',
    message: 'request rate ≤ 0 for 3 checks',
  };
  const rolling = {
    versionId: 'v2',
    previousVersionId: 'v1',
    phase: 'Progressing',
    step: 0,
    stepWeight: 10,
    startedAt: '2030-01-01T00:00:00Z',
  };
  const stepped = {
    ...rolling,
    step: 1,
    stepWeight: 50,
    reason: 'StepCompleted',
    analysis: {
      lastCheckAt: '2030-01-01T00:05:00Z',
      lastResult: 'Passed',
      message: 'value 0 <= threshold 1',
      passes: 1,
      failures: 0,
      inconclusive: 0,
      failuresInARow: 0,
      inconclusiveInARow: 0,
    },
  };
  const req = handlerRequest([draining], [drained], { before: rolling, after: stepped });
  await post(app, '/hooks/gatihandler/sync', req);
  await post(app, '/hooks/gatihandler/sync', req);
  let text = (await app.inject('/metrics')).body;
  t.match(
    text,
    /gati_operator_drains_total\{outcome="DrainedByMetric"\} 1/,
    'counted once: the same request replayed',
  );
  t.match(text, /gati_operator_rollout_transitions_total\{transition="Decommissioned"\} 1/);
  t.match(text, /gati_operator_rollout_transitions_total\{transition="StepAdvanced"\} 1/);
  t.match(text, /gati_operator_analysis_checks_total\{result="Passed"\} 1/);
  const lines = sink.lines.filter((l) => l.transition || l.analysis);
  t.same(
    lines.map((l) => l.msg),
    [
      'ns1/p v2: StepAdvanced (StepCompleted)',
      'ns1/p v1: Decommissioned (DrainedByMetric): request rate ≤ 0 for 3 checks',
      'ns1/p v2: analysis check Passed: value 0 <= threshold 1',
    ],
    'one line per transition, naming the handler, the version and the reason',
  );
  await post(
    app,
    '/hooks/gatihandler/sync',
    handlerRequest([drained], [drained], { before: stepped, after: stepped }, '2'),
  );
  text = (await app.inject('/metrics')).body;
  t.match(
    text,
    /gati_operator_drains_total\{outcome="DrainedByMetric"\} 1/,
    'a later sync that changes nothing counts nothing',
  );
  const call = sink.lines.find((l) => String(l.msg).startsWith('gatihandler sync ns1/p'));
  t.match(
    call,
    { controller: 'gatihandler', hook: 'sync', parent: 'ns1/p', outcome: 'ok', level: 30 },
    'one info line per hook call naming the parent',
  );
  t.ok(
    sink.lines.every((l) => l.msg !== 'incoming request' || l.level === 20),
    'framework lines at debug',
  );
});

t.test(
  'onceTable forgets the oldest key past its bound, and without a key counts every time',
  async (t) => {
    const once = onceTable(2);
    t.same(['a', 'a', 'b', 'c', 'a', undefined, undefined].map(once), [
      true,
      false,
      true,
      true,
      true,
      true,
      true,
    ]);
  },
);

t.test('outcomeOf', async (t) => {
  t.same([200, 400, 401, 429, 500, 503].map(outcomeOf), [
    'ok',
    'rejected',
    'rejected',
    'overloaded',
    'error',
    'error',
  ]);
});

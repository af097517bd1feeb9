/**
 * The traffic stories: what Timescape promises, proven with real requests through a real
 * Gateway API implementation and real PromQL over real counters (the driver's TrafficPlane).
 * Who gets what share, which client stays pinned, when an old version is quiet enough to go,
 * whether a failing version is rolled back, and that nobody sees a failed request meanwhile.
 *
 * Every story sets spec.rollout.steps itself and, before it counts a single request, waits
 * until the handler reports the split it measures, the gateway accepted the route at its
 * current generation, and the gateway's apply delay passed. Every request loop is bounded in
 * count and time; every wait is bounded and named.
 */
import type { Test } from 'tap';
import { HANDLER_LABEL, VERSION_LABEL } from '../../../src/api/keys.js';
import { routeName, versionName } from '../../../src/resources/names.js';
import { promqlString, substitute } from '../../../src/resources/template.js';
import { CHECK_INTERVAL_SECONDS } from '../../../src/timescape/drain.js';
import type { Obj } from './api.js';
import {
  brief,
  gatewayAccepted,
  routePins,
  routeWeights,
  versionEntry,
  versionsOf,
} from './read.js';
import { gatiVersion, handler, rolloutOf, type Story, type StoryContext } from './stories.js';
import {
  failures,
  share,
  tally,
  type Answer,
  type RequestSpec,
  type Tally,
  type TrafficPlane,
} from './traffic.js';
import { log, MINUTE, pending, SECOND, sleep } from './wait.js';

/* ----------------------------------------------------------------- recommended queries */

/**
 * The queries docs/progressive-delivery.md recommends, as the stories use them. Each gives
 * exactly one series: the app's own counters are summed over its pods, Traefik's over its
 * routers. Windows are short because the loop scrapes every second; with a 15–30 s scrape use
 * [1m]–[2m].
 */
const APP = 'namespace="{{namespace}}",handler="{{handler}}",version="{{version}}"';
export const QUERIES = {
  /** Error ratio of a version from its own http_requests_total{version,code}. */
  appErrorRatio: `sum(rate(http_requests_total{${APP},code=~"5.."}[10s])) / sum(rate(http_requests_total{${APP}}[10s]))`,
  /** Request rate of a version from its own counters. */
  appRequestRate: `sum(rate(http_requests_total{${APP}}[10s]))`,
  /** Request rate of a version's Service as Traefik routed it (port: the handler's spec.port). */
  traefikRequestRate: (port: number) =>
    `sum(rate(traefik_service_requests_total{service="{{namespace}}-{{service}}-http-${port}@kubernetesgateway"}[10s]))`,
  /** Error ratio of a version's Service as Traefik saw it. */
  traefikErrorRatio: (port: number) => {
    const svc = `service="{{namespace}}-{{service}}-http-${port}@kubernetesgateway"`;
    return `sum(rate(traefik_service_requests_total{${svc},code=~"5.."}[10s])) / sum(rate(traefik_service_requests_total{${svc}}[10s]))`;
  },
};

/**
 * What a recommended query answers for one version now, filled in as the hook server fills it:
 * the value of its one series (undefined unless there is exactly one), and the PromQL sent.
 */
async function askFor(
  tp: TrafficPlane,
  template: string,
  ns: string,
  handlerName: string,
  version: string,
): Promise<{ value: number | undefined; series: number; promql: string }> {
  const vars = {
    namespace: ns,
    handler: handlerName,
    version,
    service: versionName(handlerName, version),
  };
  const promql = substitute(template, vars, promqlString);
  const answer = await tp.query(promql);
  return {
    value: answer.length === 1 ? answer[0]!.value : undefined,
    series: answer.length,
    promql,
  };
}

/* ------------------------------------------------------------------------------ helpers */

const PORT = 3000;

/** The data plane of a story that `needs: ['traffic']` (runStories skipped it otherwise). */
function planeOf(s: StoryContext): TrafficPlane {
  const tp = s.driver.traffic;
  if ('unsupported' in tp) throw new Error(`no data plane: ${tp.unsupported}`);
  return tp;
}

/** One handler's routing world, as requests and status see it. */
export function routing(s: StoryContext, name: string, ids: string[]) {
  const tp = planeOf(s);
  const path = `/api/${name}`;
  return {
    tp,
    path,
    handlerNow: () => s.api.get('GatiHandler', s.ns, name),
    /** The route's weighted rule as versionId → weight. */
    weights: async () =>
      routeWeights(await s.api.get('HTTPRoute', s.ns, routeName(name)), name, ids),
    /**
     * Waits until the operator says requests follow `percents` — the handler's
     * status.versions[].trafficPercent (versions not named at 0 or gone) — and the gateway
     * accepted the route at its current generation, then lets the gateway's apply delay pass.
     * The route's weights are not checked here: what the requests measured next must match
     * what the operator reported is the point.
     */
    async served(percents: Record<string, number>) {
      const h = await s.until(
        `GatiHandler ${s.ns}/${name} to report ${JSON.stringify(percents)} and ${tp.gatewayController} to accept its route`,
        async () => {
          const [route, h] = [
            await s.api.get('HTTPRoute', s.ns, routeName(name)),
            await s.api.get('GatiHandler', s.ns, name),
          ];
          const reported = Object.fromEntries(
            versionsOf(h).map((v) => [v.versionId, v.trafficPercent ?? 0]),
          );
          const ok =
            ids.every((id) => (reported[id] ?? 0) === (percents[id] ?? 0)) &&
            gatewayAccepted(route, tp.gatewayController);
          return ok
            ? h!
            : pending(
                `reported=${JSON.stringify(reported)} route=${JSON.stringify(routeWeights(route, name, ids))} accepted=${gatewayAccepted(route, tp.gatewayController)} versions=${brief(h)}`,
              );
        },
        2 * MINUTE,
        500,
      );
      await sleep(tp.applySeconds * SECOND);
      return h;
    },
    /** `count` requests to the handler's path with `select` (headers/query) added. */
    send: (count: number, select: Omit<RequestSpec, 'path'> = {}) =>
      tp.send({ path, ...select }, count),
    steady: (perSecond: number, maxSeconds: number, select: Omit<RequestSpec, 'path'> = {}) =>
      tp.steady({ path, ...select }, perSecond, maxSeconds),
  };
}

/** Shares (percent of answered requests) of the given versions. */
const sharesOf = (t: Tally, ids: string[]) =>
  Object.fromEntries(ids.map((id) => [id, share(t, id)]));

/** Asserts each measured share is within `points` of the wanted one. */
function sharesWithin(
  t: Test,
  what: string,
  measured: Record<string, number>,
  want: Record<string, number>,
  points: number,
) {
  for (const [id, p] of Object.entries(want))
    t.ok(
      Math.abs((measured[id] ?? 0) - p) <= points,
      `${what}: ${id} got ${measured[id] ?? 0} % (want ${p} ± ${points})`,
    );
}

/** Steps that reach the target state at once (issue 23 walks every traffic move through steps). */
const AT_ONCE = [{ weight: 100, pauseSeconds: 0 }];

/** A handler for traffic: its probes' preStop longer than the gateway's apply delay. */
export function trafficHandler(
  s: StoryContext,
  name: string,
  version: string,
  spec: Obj = {},
): Obj {
  const tp = planeOf(s);
  const h = handler(s, name, version, {
    port: PORT,
    probes: {
      path: '/health',
      periodSeconds: 2,
      failureThreshold: 3,
      preStopSeconds: tp.applySeconds,
    },
    rollout: { steps: AT_ONCE, progressDeadlineSeconds: 300, rollbackWindowSeconds: 0 },
    ...spec,
  });
  h.spec.image = tp.image(version);
  return h;
}

/* ------------------------------------------------------------------------------ stories */

const trafficSplit: Story = {
  name: 'real requests follow the weights: 60/30/10 within ±3 points over 3,000 requests, and a stepped rollout 10 → 50 → 100 % measured at each step',
  slug: 'traffic-split',
  needs: ['traffic'],
  timeoutMs: 8 * MINUTE,
  async run(t, s) {
    const name = 'split';
    const ids = ['v1', 'v2', 'v3'];
    const r = routing(s, name, ids);
    await s.api.apply(trafficHandler(s, name, 'v3', { timescape: { routingWeight: 10 } }));
    await s.api.apply(gatiVersion(s, name, 'v1', { routingWeight: 60, image: r.tp.image('v1') }));
    await s.api.apply(gatiVersion(s, name, 'v2', { routingWeight: 30, image: r.tp.image('v2') }));
    const want = { v1: 60, v2: 30, v3: 10 };
    await r.served(want);
    const split = await r.send(3000);
    const measured = sharesOf(split, ids);
    t.equal(failures(split), 0, `no failed request of 3,000 (${split.samples.join('; ')})`);
    sharesWithin(t, '60/30/10', measured, want, 3);
    r.tp.record('traffic-split', 'split', {
      reported: want,
      route: await r.weights(),
      requests: 3000,
      shares: measured,
      failed: failures(split),
    });

    // A stepped rollout of a second handler, held at each step (long pauses) and promoted
    // once its share was measured, so no step can end during a measurement.
    const steps = 'steps';
    const w = routing(s, steps, ['v1', 'v2']);
    await s.api.apply(
      trafficHandler(s, steps, 'v1', {
        rollout: {
          steps: [
            { weight: 10, pauseSeconds: 600 },
            { weight: 50, pauseSeconds: 600 },
          ],
          progressDeadlineSeconds: 300,
        },
      }),
    );
    await w.served({ v1: 100 });
    await s.api.patch('GatiHandler', s.ns, steps, {
      spec: { version: 'v2', image: w.tp.image('v2') },
    });
    const stepped: Array<{ step: number; route: Obj; shares: Obj; failed: number }> = [];
    const stepsPercent = [10, 50, 100];
    for (const [i, step] of stepsPercent.entries()) {
      const want = { v1: 100 - step, v2: step };
      await w.served(want);
      const got = await w.send(1000);
      const shares = sharesOf(got, ['v1', 'v2']);
      t.equal(failures(got), 0, `step ${step} %: no failed request of 1,000`);
      sharesWithin(t, `step ${step} %`, shares, want, 3);
      stepped.push({ step, route: await w.weights(), shares, failed: failures(got) });
      log(s.driver.name, `${s.ns}/${steps} at ${step} %: ${JSON.stringify(shares)}`);
      if (i < stepsPercent.length - 1)
        await s.api.patch('GatiHandler', s.ns, steps, {
          metadata: { annotations: { 'gati.dev/rollout-action': `promote@${i + 1}` } },
        });
    }
    const done = rolloutOf(await w.handlerNow());
    t.equal(done?.phase, 'Succeeded', `the rollout Succeeded (${JSON.stringify(done)})`);
    r.tp.record('traffic-split', 'steps', stepped);
  },
};

const trafficPins: Story = {
  name: 'pinned requests reach exactly their version (header, x-api-version, ?version=, alias); an unknown version falls through to the split; a pin-only version gets no unpinned request',
  slug: 'traffic-pins',
  needs: ['traffic'],
  timeoutMs: 6 * MINUTE,
  async run(t, s) {
    const name = 'pins';
    const ids = ['v1', 'v2', 'v3'];
    const r = routing(s, name, ids);
    await s.api.apply(
      trafficHandler(s, name, 'v2', {
        routing: {
          parentRefs: s.driver.parentRefs,
          pinQueryParams: ['version'],
          aliases: { beta: 'v3' },
        },
      }),
    );
    await s.api.apply(gatiVersion(s, name, 'v1', { routingWeight: 100, image: r.tp.image('v1') }));
    // Breaking without transformers: pinned, never weighted.
    await s.api.apply(gatiVersion(s, name, 'v3', { breaking: true, image: r.tp.image('v3') }));
    // The route pins every version; what the alias and the selectors reach, requests tell.
    await s.until(
      `the route of ${s.ns}/${name} to pin v1, v2 and v3`,
      async () => {
        const pins = routePins(await s.api.get('HTTPRoute', s.ns, routeName(name)), name, ids);
        return ids.every((id) => pins[id] === id) ? true : pending(JSON.stringify(pins));
      },
      2 * MINUTE,
    );
    await r.served({ v1: 50, v2: 50 });

    const cases: Array<[string, Omit<RequestSpec, 'path'>, string]> = [
      ['x-gati-version: v1', { headers: { 'x-gati-version': 'v1' } }, 'v1'],
      ['x-api-version: v2', { headers: { 'x-api-version': 'v2' } }, 'v2'],
      ['?version=v3 (opted in)', { query: { version: 'v3' } }, 'v3'],
      ['x-gati-version: beta (alias of v3)', { headers: { 'x-gati-version': 'beta' } }, 'v3'],
    ];
    const misses: Record<string, number> = {};
    for (const [what, select, version] of cases) {
      const got = await r.send(500, select);
      const miss = got.sent - (got.byVersion[version] ?? 0);
      misses[what] = miss;
      t.equal(miss, 0, `${what}: 500 of 500 reach ${version} (${JSON.stringify(got.servedBy)})`);
      if (select.headers?.['x-gati-version'])
        t.equal(got.echoMismatches, 0, `${what}: the version saw the pin header as sent`);
    }
    const unknown = await r.send(500, { headers: { 'x-gati-version': 'v9' } });
    const unpinned = await r.send(500);
    for (const [what, got] of [
      ['x-gati-version: v9 (unknown)', unknown],
      ['no selector', unpinned],
    ] as const) {
      t.equal(failures(got), 0, `${what}: no failed request (${got.samples.join('; ')})`);
      t.equal(got.echoMismatches, 0, `${what}: the versions saw the request's pin header as sent`);
      t.equal(got.servedBy.v3 ?? 0, 0, `${what}: none reaches the pin-only v3`);
      sharesWithin(
        t,
        `${what} falls through to the split`,
        sharesOf(got, ['v1', 'v2']),
        { v1: 50, v2: 50 },
        3,
      );
    }
    r.tp.record('traffic-pins', 'misses', misses);
    r.tp.record('traffic-pins', 'fallThrough', {
      unknown: unknown.servedBy,
      unpinned: unpinned.servedBy,
    });
  },
};

/** An analysis gate over the versions' own counters: at most 5 % errors, checked every 5 s. */
const ANALYSIS = {
  metricQuery: QUERIES.appErrorRatio,
  threshold: 0.05,
  comparison: '<=',
  intervalSeconds: 5,
  failureLimit: 2,
  inconclusiveLimit: 4,
};

/** Answers of `answers` sent in [from, to). */
const between = (answers: Answer[], from: number, to: number) =>
  answers.filter((a) => a.at >= from && a.at < to);

const analysisRollback: Story = {
  name: 'analysis over real counters: a version failing 20 % of requests is rolled back and ≥ 99 % of the next 10 s of requests reach v1; a healthy one completes',
  slug: 'analysis-rollback',
  needs: ['traffic'],
  timeoutMs: 8 * MINUTE,
  async run(t, s) {
    const rollout = {
      steps: [{ weight: 50, pauseSeconds: 20 }],
      progressDeadlineSeconds: 300,
      analysis: ANALYSIS,
    };
    for (const [name, errorPercent] of [
      ['risky', 20],
      ['careful', 0],
    ] as const) {
      const r = routing(s, name, ['v1', 'v2']);
      await s.api.apply(trafficHandler(s, name, 'v1', { rollout }));
      await r.served({ v1: 100 });
      const client = r.steady(20, 240);
      const changed = Date.now();
      await s.api.patch('GatiHandler', s.ns, name, {
        spec: { version: 'v2', image: r.tp.image('v2', { errorPercent }) },
      });
      const want = errorPercent > 0 ? 'Aborted' : 'Succeeded';
      const h = await s.until(
        `the rollout of ${s.ns}/${name} (v2 failing ${errorPercent} %) to be ${want}`,
        async () => {
          const h = await r.handlerNow();
          const ro = rolloutOf(h);
          return ro?.versionId === 'v2' && ['Aborted', 'Succeeded'].includes(ro.phase)
            ? h!
            : pending(JSON.stringify(ro ?? null));
        },
        3 * MINUTE,
        500,
      );
      const ro = rolloutOf(h)!;
      const decidedAfter = (Date.now() - changed) / SECOND;
      t.equal(
        ro.phase,
        want,
        `v2 failing ${errorPercent} %: ${ro.phase} (${ro.reason}: ${ro.message})`,
      );
      const value = ro.analysis?.lastValue;
      if (errorPercent > 0) {
        t.equal(ro.reason, 'AnalysisFailed', 'aborted by the analysis');
        t.ok(
          typeof value === 'number' && Math.abs(value - errorPercent / 100) <= 0.05,
          `the last check measured the real error ratio: ${value} (v2 fails ${errorPercent} %)`,
        );
        // What Traefik counted for v2 agrees (its window still holds v2's requests).
        const seen = await askFor(r.tp, QUERIES.traefikErrorRatio(PORT), s.ns, name, 'v2');
        t.ok(
          seen.value !== undefined && Math.abs(seen.value - errorPercent / 100) <= 0.05,
          `Traefik's counters give one series of v2's error ratio: ${seen.value} (${seen.series} series: ${seen.promql})`,
        );
      } else {
        t.ok(
          typeof value === 'number' && value <= ANALYSIS.threshold,
          `the last check passed: ${value}`,
        );
      }
      const final: Record<string, number> = errorPercent > 0 ? { v1: 100 } : { v2: 100 };
      await r.served(final);
      const from = Date.now();
      await sleep(10 * SECOND);
      const answers = await client.stop();
      const after = tally(between(answers, from, from + 10 * SECOND));
      const winner = errorPercent > 0 ? 'v1' : 'v2';
      const reached = share(after, winner);
      t.ok(
        reached >= 99,
        `${reached} % of the ${after.sent} requests of the next 10 s reach ${winner}`,
      );
      const during = tally(between(answers, changed, from));
      t.ok(
        (during.servedBy.v2 ?? 0) > 0,
        `v2 really served requests during the rollout (${JSON.stringify(during.servedBy)})`,
      );
      if (errorPercent === 0)
        t.equal(failures(tally(answers)), 0, 'the healthy rollout failed no request');
      r.tp.record('analysis-rollback', name, {
        errorPercent,
        phase: ro.phase,
        reason: ro.reason,
        lastValue: value,
        checks: ro.analysis,
        decidedAfterSeconds: Math.round(decidedAfter * 10) / 10,
        during: during.servedBy,
        failedDuring: during.status5xx,
        next10s: { requests: after.sent, servedBy: after.servedBy, share: reached },
      });
    }
  },
};

const drainByTraffic: Story = {
  name: 'a superseded version a client still pins at 5 req/s is held Draining by its real request rate, and released within 2 checks once the client stops',
  slug: 'drain-by-traffic',
  needs: ['traffic'],
  timeoutMs: 6 * MINUTE,
  async run(t, s) {
    const name = 'drainer';
    const r = routing(s, name, ['v1', 'v2']);
    const drain = {
      minSeconds: 5,
      timeoutSeconds: 300,
      metricQuery: QUERIES.traefikRequestRate(PORT),
      threshold: 0.5,
      consecutiveChecks: 1,
    };
    await s.api.apply(trafficHandler(s, name, 'v1', { drain }));
    await r.served({ v1: 100 });
    const pinned = r.steady(5, 240, { headers: { 'x-gati-version': 'v1' } });
    await s.api.patch('GatiHandler', s.ns, name, {
      spec: { version: 'v2', image: r.tp.image('v2') },
    });
    await r.served({ v2: 100 });
    await s.until(
      `v1 of ${s.ns}/${name} to be Draining`,
      async () => {
        const v1 = versionEntry(await r.handlerNow(), 'v1');
        return v1?.phase === 'Draining' ? true : pending(JSON.stringify(v1 ?? null));
      },
      MINUTE,
    );
    // Long enough for the drain floor and two metric checks: a drain that ignored the rate
    // would have released v1 by then.
    const holdSeconds = drain.minSeconds + 2 * CHECK_INTERVAL_SECONDS + 5;
    await s.holds(
      `v1 of ${s.ns}/${name} stays Draining while a client pins it at 5 req/s`,
      async () => {
        const v1 = versionEntry(await r.handlerNow(), 'v1');
        return v1?.phase === 'Draining' && !v1.drainedAt
          ? true
          : pending(`v1 is no longer held: ${JSON.stringify(v1 ?? null)}`);
      },
      holdSeconds * SECOND,
    );
    // The rate the hook server saw, and the same rate from v1's own counters: both real, both ~5.
    const seen = await askFor(r.tp, drain.metricQuery, s.ns, name, 'v1');
    const own = await askFor(r.tp, QUERIES.appRequestRate, s.ns, name, 'v1');
    for (const [what, q] of [
      ["Traefik's", seen],
      ["v1's own", own],
    ] as const)
      t.ok(
        q.value !== undefined && q.value >= 3 && q.value <= 7,
        `${what} counters give one series of v1's real rate: ${q.value} req/s (${q.series} series: ${q.promql})`,
      );
    const rate = seen.value;
    const held = versionEntry(await r.handlerNow(), 'v1');
    t.pass(`held ${holdSeconds}s: ${held?.reason}: ${held?.message}`);

    const answers = await pinned.stop();
    const stopped = Date.now();
    const pinnedTally = tally(answers, 'v1');
    t.equal(
      failures(pinnedTally),
      0,
      `the pinned client saw no failed request (${pinnedTally.samples.join('; ')})`,
    );
    t.equal(
      pinnedTally.sent - (pinnedTally.byVersion.v1 ?? 0),
      0,
      `all ${pinnedTally.sent} pinned requests reached v1`,
    );
    const checks = new Set<string>();
    const released = await s.until(
      `v1 of ${s.ns}/${name} to be released once the client stopped`,
      async () => {
        const v1 = versionEntry(await r.handlerNow(), 'v1');
        if (v1?.lastCheckAt && Date.parse(v1.lastCheckAt) >= stopped - SECOND)
          checks.add(v1.lastCheckAt);
        return !v1 || v1.drainedAt
          ? (v1 ?? { drainReason: 'gone from status' })
          : pending(JSON.stringify(v1));
      },
      2 * MINUTE,
      250,
    );
    const releasedAfter = (Date.now() - stopped) / SECOND;
    t.ok(
      checks.size <= 2,
      `${checks.size} drain check(s) counted after the client stopped, the last one releasing it (≤ 2): ${[...checks].join(', ')}`,
    );
    t.ok(
      releasedAfter <= 2 * CHECK_INTERVAL_SECONDS + 15,
      `released ${releasedAfter.toFixed(1)}s after the client stopped (${released.drainReason ?? ''})`,
    );
    r.tp.record('drain-by-traffic', 'drain', {
      pinnedRequests: pinnedTally.sent,
      failed: failures(pinnedTally),
      rateWhileHeld: rate,
      heldSeconds: holdSeconds,
      heldReason: held?.reason,
      releasedAfterSeconds: Math.round(releasedAfter * 10) / 10,
      checksAfterStop: checks.size,
      drainReason: released.drainReason,
    });
  },
};

const zeroDowntime: Story = {
  name: 'a client sending 50 req/s through a whole rollout and the decommission of the old version sees no failed request',
  slug: 'zero-downtime',
  needs: ['traffic'],
  timeoutMs: 6 * MINUTE,
  async run(t, s) {
    const name = 'steady';
    const r = routing(s, name, ['v1', 'v2']);
    await s.api.apply(
      trafficHandler(s, name, 'v1', {
        rollout: {
          steps: [{ weight: 50, pauseSeconds: 5 }],
          progressDeadlineSeconds: 300,
          rollbackWindowSeconds: 0,
        },
        drain: { minSeconds: 5, timeoutSeconds: 300 },
      }),
    );
    await r.served({ v1: 100 });
    const client = r.steady(50, 300);
    const changed = Date.now();
    await s.api.patch('GatiHandler', s.ns, name, {
      spec: { version: 'v2', image: r.tp.image('v2') },
    });
    await s.until(
      `v1 of ${s.ns}/${name} decommissioned: out of status, its Deployment gone`,
      async () => {
        const h = await r.handlerNow();
        const d = await s.api.list(
          'Deployment',
          s.ns,
          `${HANDLER_LABEL}=${name},${VERSION_LABEL}=v1`,
        );
        return !versionEntry(h, 'v1') && d.length === 0
          ? true
          : pending(`versions=${brief(h)} v1 deployments=${d.length}`);
      },
      3 * MINUTE,
    );
    // The old server's preStop and stop pass while the client keeps sending.
    await sleep(2 * r.tp.applySeconds * SECOND);
    const answers = await client.stop();
    const all = tally(answers);
    const lastV1 = Math.max(0, ...answers.filter((a) => a.version === 'v1').map((a) => a.at));
    // From the end: the first answer after which every answer came from v2.
    let firstAllV2: number | undefined;
    for (let i = answers.length - 1; i >= 0 && answers[i]!.version === 'v2'; i--)
      firstAllV2 = answers[i]!.at;
    t.ok(all.sent >= 50 * 10, `${all.sent} requests sent`);
    t.equal(
      failures(all),
      0,
      `no failed request: ${all.status5xx} 5xx, ${all.status4xx} 4xx, ${all.errors} connection errors (${all.samples.join('; ')})`,
    );
    t.ok(
      (all.servedBy.v1 ?? 0) > 0 && (all.servedBy.v2 ?? 0) > 0,
      `both versions served (${JSON.stringify(all.servedBy)})`,
    );
    r.tp.record('zero-downtime', 'rollout', {
      perSecond: 50,
      requests: all.sent,
      failed: failures(all),
      servedBy: all.servedBy,
      seconds: Math.round((Date.now() - changed) / 100) / 10,
      lastV1AfterSeconds: Math.round((lastV1 - changed) / 100) / 10,
      allV2AfterSeconds: firstAllV2 ? Math.round((firstAllV2 - changed) / 100) / 10 : undefined,
    });
  },
};

/** The traffic stories, in the order the loop suite runs them (after test/e2e/lib/stories.ts). */
export const TRAFFIC_STORIES: Story[] = [
  trafficSplit,
  trafficPins,
  analysisRollback,
  drainByTraffic,
  zeroDowntime,
];

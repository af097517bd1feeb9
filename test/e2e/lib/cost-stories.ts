/**
 * The stories of issue #25, versions that cost what they serve — the scenario stories of
 * test/scenario/cost.test.ts against a real cluster (the loop suite: the real Metacontroller,
 * and Traefik and Prometheus when the loop has its data plane). Slugs `proportional`, `sunset`,
 * `bridge`: `LOOP_STORIES=proportional,sunset,bridge npm run test:loop`.
 */
import type { Test } from 'tap';
import { routeName, versionName } from '../../../src/resources/names.js';
import type { Obj } from './api.js';
import { brief, routePins, versionEntry } from './read.js';
import { gatiVersion, gone, handler, rolloutOf, type Story, type StoryContext } from './stories.js';
import { PORT, QUERIES, routing, trafficHandler } from './traffic-stories.js';
import { failures, tally } from './traffic.js';
import { log, MINUTE, pending, SECOND, sleep } from './wait.js';

/* ------------------------------------------------------------------------------ helpers */

/** The rule of a route that pins `id` by x-gati-version. */
function pinRule(route: Obj | undefined, id: string): Obj | undefined {
  return ((route?.spec?.rules ?? []) as Obj[]).find((r) =>
    ((r.matches ?? []) as Obj[]).some((m) =>
      ((m.headers ?? []) as Obj[]).some((h) => h.name === 'x-gati-version' && h.value === id),
    ),
  );
}

/** The headers a filter of type `type` sets on a rule, as name → value. */
function filterSets(rule: Obj | undefined, type: string): Record<string, string> {
  const f = ((rule?.filters ?? []) as Obj[]).find((x) => x.type === type);
  const key = type === 'RequestHeaderModifier' ? 'requestHeaderModifier' : 'responseHeaderModifier';
  return Object.fromEntries(((f?.[key]?.set ?? []) as Obj[]).map((h) => [h.name, h.value]));
}

/** The weighted rule's share (percent) of each version of `name`. */
function shares(route: Obj | undefined, name: string, ids: string[]): Record<string, number> {
  const rule = ((route?.spec?.rules ?? []) as Obj[]).find(
    (r) => !((r.matches ?? []) as Obj[]).some((m) => (m.headers ?? []).length > 0),
  );
  const w = Object.fromEntries(
    ids.map((id) => [
      id,
      ((rule?.backendRefs ?? []) as Obj[]).find((b) => b.name === versionName(name, id))?.weight ??
        0,
    ]),
  );
  const total = Object.values(w).reduce((a, b) => a + b, 0);
  return Object.fromEntries(ids.map((id) => [id, total ? (100 * w[id]) / total : 0]));
}

/**
 * hpaStandIn plays the HPA controller of an idle workload for the story's namespace (the loop
 * runs no HPA controller): every Deployment an HPA targets runs the HPA's minReplicas, written
 * to its spec as the HPA controller writes it through the scale subresource. The real
 * Metacontroller must leave that field alone: the hooks never emit `replicas` when autoscaled.
 */
function hpaStandIn(s: StoryContext): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on) {
      for (const hpa of await s.api.list('HorizontalPodAutoscaler', s.ns)) {
        const name = hpa.spec?.scaleTargetRef?.name as string;
        const d = await s.api.get('Deployment', s.ns, name);
        if (d && d.spec?.replicas !== hpa.spec.minReplicas)
          await s.api.patch('Deployment', s.ns, name, {
            spec: { replicas: hpa.spec.minReplicas },
          });
      }
      await sleep(200);
    }
  })();
  return async () => {
    on = false;
    await loop;
  };
}

/* ------------------------------------------------------------------------------ stories */

/**
 * proportional: base 10, steps 25 % and 50 %, v1 → v2. While the move runs the route is read
 * between two reads of the Deployments: a version never carries a share its Available pods were
 * not sized for in both reads (the weight moves only after its pods are Available).
 */
async function proportionalRun(t: Test, s: StoryContext, autoscaled: boolean): Promise<void> {
  const name = autoscaled ? 'hpa' : 'replicas';
  const ids = ['v1', 'v2'];
  const stopHpa = autoscaled ? hpaStandIn(s) : undefined;
  const spec = {
    replicas: 10,
    rollout: {
      steps: [
        { weight: 25, pauseSeconds: 10 },
        { weight: 50, pauseSeconds: 10 },
      ],
      progressDeadlineSeconds: 300,
      rollbackWindowSeconds: 0,
    },
    ...(autoscaled ? { autoscaling: { mode: 'hpa', minReplicas: 10, maxReplicas: 20 } } : {}),
  };
  const size = async (id: string): Promise<number | undefined> => {
    const o = await s.api.get(
      autoscaled ? 'HorizontalPodAutoscaler' : 'Deployment',
      s.ns,
      versionName(name, id),
    );
    return autoscaled ? o?.spec?.minReplicas : o?.spec?.replicas;
  };
  const available = async () =>
    Object.fromEntries(
      await Promise.all(
        ids.map(async (id) => [
          id,
          ((await s.api.get('Deployment', s.ns, versionName(name, id)))?.status
            ?.availableReplicas as number | undefined) ?? 0,
        ]),
      ),
    ) as Record<string, number>;
  try {
    await s.api.apply(handler(s, name, 'v1', spec));
    await s.until(
      `${s.ns}/${name}: v1 alone at 10`,
      async () => ((await size('v1')) === 10 ? true : pending(String(await size('v1')))),
      2 * MINUTE,
    );
    await s.api.patch('GatiHandler', s.ns, name, {
      spec: { version: 'v2', image: s.driver.image('v2') },
    });
    const violations: string[] = [];
    let seen25 = false;
    const deadline = Date.now() + 3 * MINUTE;
    for (;;) {
      const before = await available();
      const route = await s.api.get('HTTPRoute', s.ns, routeName(name));
      const after = await available();
      const split = shares(route, name, ids);
      for (const id of ids) {
        const need = Math.ceil((10 * split[id]!) / 100);
        if (before[id]! < need && after[id]! < need)
          violations.push(`${id} carries ${split[id]} % on ${after[id]} Available pods`);
      }
      if (!seen25 && split.v2 === 25) {
        seen25 = true;
        await s.until(
          `${s.ns}/${name}: at 25 %, v2 at 3 and v1 at 8`,
          async () => {
            const got = [await size('v2'), await size('v1')];
            return got[0] === 3 && got[1] === 8 ? true : pending(JSON.stringify(got));
          },
          MINUTE,
        );
        t.pass('at the 25 % step v2 runs 3 and v1 8');
      }
      const h = await s.api.get('GatiHandler', s.ns, name);
      if (rolloutOf(h)?.phase === 'Succeeded' && split.v2 === 100) break;
      if (Date.now() > deadline) {
        t.fail(`the move did not complete: ${brief(h)} ${JSON.stringify(rolloutOf(h))}`);
        break;
      }
      await sleep(250);
    }
    t.ok(seen25, 'the move went through 25 %');
    t.same(violations, [], 'the weight moved only after the pods that carry it were Available');
    await s.until(
      `${s.ns}/${name}: v2 alone at 10`,
      async () => ((await size('v2')) === 10 ? true : pending(String(await size('v2')))),
      MINUTE,
    );
    if (autoscaled) {
      const d = await s.api.get('Deployment', s.ns, versionName(name, 'v2'));
      t.equal(d?.spec?.replicas, 10, 'the HPA’s replicas stayed: Metacontroller left them');
    }
  } finally {
    await stopHpa?.();
  }
}

const proportional: Story = {
  name: 'proportional: at the 25 % step the new version runs 3 of 10 pods (and minReplicas 3 with an HPA), the old one 8; the weight moves only after the pods are Available',
  slug: 'proportional',
  timeoutMs: 10 * MINUTE,
  async run(t, s) {
    await t.test('replicas', async (t) => proportionalRun(t, s, false));
    await t.test('HPA minReplicas', async (t) => proportionalRun(t, s, true));
  },
};

const sunset: Story = {
  name: 'sunset: a superseded version a client still calls at 5 req/s stays pin-routable with Deprecation and Sunset on its rules, and retires within two checks after the calls stop',
  slug: 'sunset',
  needs: ['traffic'],
  timeoutMs: 8 * MINUTE,
  async run(t, s) {
    const name = 'sunset';
    const r = routing(s, name, ['v1', 'v2']);
    const retirement = {
      demandQuery: QUERIES.traefikRequestRate(PORT),
      minRequestsPerSecond: 1,
      consecutiveChecks: 2,
      intervalSeconds: 15,
      notice: 10,
      maxAgeSeconds: 1800,
    };
    await s.api.apply(trafficHandler(s, name, 'v1', { retirement }));
    await r.served({ v1: 100 });
    const pinned = r.steady(5, 300, { headers: { 'x-gati-version': 'v1' } });
    await s.api.patch('GatiHandler', s.ns, name, {
      spec: { version: 'v2', image: r.tp.image('v2') },
    });
    await r.served({ v2: 100 });
    const kept = await s.until(
      `v1 of ${s.ns}/${name} kept for its client, its demand measured`,
      async () => {
        const v1 = versionEntry(await r.handlerNow(), 'v1');
        return v1?.reason === 'Deprecated' && (v1.demand?.requestsPerSecond ?? 0) > 3
          ? v1
          : pending(JSON.stringify(v1 ?? null));
      },
      2 * MINUTE,
    );
    t.match(kept, { phase: 'Active', reason: 'Deprecated' }, `kept: ${kept.message}`);
    const route = await s.api.get('HTTPRoute', s.ns, routeName(name));
    t.equal(routePins(route, name, ['v1', 'v2']).v1, 'v1', 'v1 is still pin-routable');
    const headers = filterSets(pinRule(route, 'v1'), 'ResponseHeaderModifier');
    const superseded = Date.parse(kept.supersededAt);
    t.same(
      headers,
      {
        Deprecation: `@${superseded / 1000}`,
        Sunset: new Date(superseded + retirement.notice * SECOND).toUTCString(),
      },
      'its pin rule sets Deprecation and Sunset',
    );
    const announcedAt = Date.now() + r.tp.applySeconds * SECOND;
    await sleep(2 * retirement.intervalSeconds * SECOND);
    t.equal(
      versionEntry(await r.handlerNow(), 'v1')?.reason,
      'Deprecated',
      'still kept while the client calls',
    );
    const answers = await pinned.stop();
    const stopped = Date.now();
    const announced = answers.filter((a) => a.at >= announcedAt && a.status === 200);
    t.ok(
      announced.length > 0 &&
        announced.every(
          (a) => a.deprecation === headers.Deprecation && a.sunset === headers.Sunset,
        ),
      `through the gateway, the ${announced.length} pinned answers after that carry them (${JSON.stringify(announced.slice(-1).map((a) => [a.deprecation, a.sunset]))})`,
    );
    const got = tally(answers, 'v1');
    t.equal(
      failures(got),
      0,
      `the pinned client saw no failed request (${got.samples.join('; ')})`,
    );
    t.equal(got.sent - (got.byVersion.v1 ?? 0), 0, `all ${got.sent} pinned requests reached v1`);
    // Prometheus' rate window ([10s]) and scrape lag before the demand reads 0, then two checks.
    const bound = 10 + 2 * retirement.intervalSeconds + 15;
    await s.until(
      `v1 of ${s.ns}/${name} to retire once the client stopped`,
      async () => {
        const v1 = versionEntry(await r.handlerNow(), 'v1');
        const pins = routePins(await s.api.get('HTTPRoute', s.ns, routeName(name)), name, ['v1']);
        return pins.v1 === undefined && (!v1 || v1.phase !== 'Active')
          ? true
          : pending(JSON.stringify(v1 ?? null));
      },
      2 * MINUTE,
    );
    const after = (Date.now() - stopped) / SECOND;
    log(s.driver.name, `${s.ns}/${name}: v1 retired ${after.toFixed(1)} s after the calls stopped`);
    t.ok(after <= bound, `retired ${after.toFixed(1)} s after the calls stopped (≤ ${bound} s)`);
    r.tp.record('sunset', 'retiredAfterSeconds', Math.round(after * 10) / 10);
  },
};

const bridge: Story = {
  name: 'bridge: v1.0.0, v2.0.0 (bridges from v1.0.0) and v3.0.0 live; v1.0.0 retired: requests pinned to it reach v2.0.0 with x-gati-transform-from, and its pods are gone',
  slug: 'bridge',
  timeoutMs: 6 * MINUTE,
  async run(t, s) {
    const name = 'bridge';
    const ids = ['v1.0.0', 'v2.0.0', 'v3.0.0'];
    const traffic = !('unsupported' in s.driver.traffic);
    const image = (v: string) => (traffic ? routing(s, name, ids).tp.image(v) : s.driver.image(v));
    const base = traffic ? trafficHandler(s, name, 'v3.0.0') : handler(s, name, 'v3.0.0');
    await s.api.apply({ ...base, spec: { ...base.spec, image: image('v3.0.0') } });
    await s.api.apply(
      gatiVersion(s, name, 'v1.0.0', { routingWeight: 10, image: image('v1.0.0') }),
    );
    await s.api.apply(
      gatiVersion(s, name, 'v2.0.0', {
        routingWeight: 10,
        image: image('v2.0.0'),
        transformers: ['v1-to-v2', { from: 'v1.0.0' }],
      }),
    );
    await s.until(
      `${s.ns}/${name}: three live versions`,
      async () => {
        const h = await s.api.get('GatiHandler', s.ns, name);
        return ids.every((id) => versionEntry(h, id)?.phase === 'Active')
          ? true
          : pending(brief(h));
      },
      2 * MINUTE,
    );
    await s.api.delete('GatiVersion', s.ns, `${name}-v1.0.0`);
    const retired = await s.until(
      `v1.0.0 of ${s.ns}/${name} retired and bridged, its pods gone`,
      async () => {
        const h = await s.api.get('GatiHandler', s.ns, name);
        const v1 = versionEntry(h, 'v1.0.0');
        const d = await s.api.get('Deployment', s.ns, versionName(name, 'v1.0.0'));
        return v1?.reason === 'Bridged' && !d ? v1 : pending(`${brief(h)} deployment=${!!d}`);
      },
      3 * MINUTE,
    );
    t.match(retired, { phase: 'Decommissioned', bridgedBy: 'v2.0.0' }, 'bridged by v2.0.0');
    // Its finalizer is released by the GatiVersion's own finalize call, which Metacontroller
    // makes apart from the handler sync that reported it retired (on an event or the resync).
    await s.until(
      `GatiVersion ${s.ns}/${name}-v1.0.0 released by its finalizer`,
      gone(s, 'GatiVersion', `${name}-v1.0.0`),
      MINUTE,
    );
    t.pass('its GatiVersion was released');
    const rule = pinRule(await s.api.get('HTTPRoute', s.ns, routeName(name)), 'v1.0.0');
    t.same(
      ((rule?.backendRefs ?? []) as Obj[]).map((b) => b.name),
      [versionName(name, 'v2.0.0')],
      'the pin rule of v1.0.0 points at v2.0.0’s Service',
    );
    t.same(
      filterSets(rule, 'RequestHeaderModifier'),
      { 'x-gati-transform-from': 'v1.0.0' },
      'and sets x-gati-transform-from: v1.0.0 (read from the route)',
    );
    if (!traffic) return;
    const r = routing(s, name, ids);
    await r.served({ 'v2.0.0': 9, 'v3.0.0': 91 });
    const got = await r.send(200, { headers: { 'x-gati-version': 'v1.0.0' } });
    t.equal(failures(got), 0, `no failed request (${got.samples.join('; ')})`);
    t.same(got.byVersion, { 'v2.0.0': 200 }, 'through the gateway, every one reaches v2.0.0');
    t.same(
      got.transformedFrom,
      { 'v1.0.0': 200 },
      'and arrives with x-gati-transform-from: v1.0.0 (echoed by v2.0.0)',
    );
  },
};

/** The stories of #25, in the order the loop suite runs them. */
export const COST_STORIES: Story[] = [proportional, sunset, bridge];

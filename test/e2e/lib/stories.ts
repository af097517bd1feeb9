/**
 * The end-to-end stories, written once against the cluster driver (./driver.ts) and run by the
 * kind suite (test/e2e/kind.test.ts) and the loop suite (test/loop/loop.test.ts). Each story
 * works in its own namespace and asserts only what a user sees through the API: objects,
 * status, conditions, finalizers, route weights. Every wait is bounded and names the object.
 */
import type { Test } from 'tap';
import { loadYamlDir } from '../../helpers/fixtures.js';
import { HANDLER_LABEL, MODULE_LABEL, VERSION_LABEL } from '../../../src/api/keys.js';
import { MANAGED_BY } from '../../../src/resources/labels.js';
import {
  apexServiceName,
  moduleName,
  routeName,
  versionName,
} from '../../../src/resources/names.js';
import {
  ApiError,
  CHILD_KINDS,
  GATI_KINDS,
  RESOURCES,
  type Api,
  type Kind,
  type Obj,
} from './api.js';
import { unsupported, use, type ClusterDriver, type Need } from './driver.js';
import { laneOrder, nextStory } from './lanes.js';
import {
  brief,
  conditionOf,
  isTrue,
  observedLatest,
  ref,
  routePins,
  routeWeights,
  same,
  versionEntry,
} from './read.js';
import {
  holds,
  log,
  MINUTE,
  pending,
  SECOND,
  sleep,
  until,
  type Pending,
  type WaitContext,
} from './wait.js';

const MANAGED = `app.kubernetes.io/managed-by=${MANAGED_BY}`;

/** What a story gets: the driver, the API and its own namespace. */
export interface StoryContext {
  driver: ClusterDriver;
  api: Api;
  /** The story's own namespace, created before it runs. */
  ns: string;
  until<T>(
    what: string,
    check: () => Promise<T | undefined | false | Pending>,
    timeoutMs: number,
    intervalMs?: number,
  ): Promise<T>;
  holds(what: string, check: () => Promise<true | Pending>, forMs: number): Promise<void>;
}

export interface Story {
  /** The subtest name: what a user would see happen. */
  name: string;
  /** Namespace suffix; the namespace is `story-<slug>`. */
  slug: string;
  /** Knobs (or the data plane) the story cannot do without; it is skipped with the driver's reason otherwise. */
  needs?: Need[];
  /** Bound of the whole story. */
  timeoutMs: number;
  /**
   * The story must run with no other story beside it (runStories with lanes > 1): it looks at
   * something every story shares — cluster-wide writes, the default namespace. A story that
   * needs a knob (stopping the hook server, freezing the gateway…) runs alone anyway.
   */
  alone?: boolean;
  run(t: Test, s: StoryContext): Promise<void>;
}

/* ------------------------------------------------------------------------------- fixtures */

/** A handler whose image really runs, with short probes, rollout steps and drain. */
export function handler(s: StoryContext, name: string, version: string, spec: Obj = {}): Obj {
  const parentRefs = s.driver.parentRefs;
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name, namespace: s.ns },
    spec: {
      handlerPath: `/api/${name}`,
      version,
      image: s.driver.image(version),
      replicas: 1,
      port: 3000,
      probes: { path: '/health', periodSeconds: 2, failureThreshold: 3, preStopSeconds: 1 },
      ...(parentRefs.length ? { routing: { parentRefs } } : {}),
      // No rollback window by default: the stories watch a displaced version drain and go.
      rollout: {
        steps: [{ weight: 50, pauseSeconds: 15 }],
        progressDeadlineSeconds: 300,
        rollbackWindowSeconds: 0,
      },
      drain: { minSeconds: 10, timeoutSeconds: 600 },
      ...spec,
    },
  };
}

/** A GatiVersion `<handler>-<versionId>` of `handlerName` carrying `versionId`. */
export function gatiVersion(
  s: StoryContext,
  handlerName: string,
  versionId: string,
  spec: Obj = {},
): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiVersion',
    metadata: { name: `${handlerName}-${versionId}`, namespace: s.ns },
    spec: {
      versionId,
      image: s.driver.image(versionId),
      handlerRef: { name: handlerName },
      ...spec,
    },
  };
}

/** A GatiModule with the given capabilities. */
function gatiModule(s: StoryContext, name: string, capabilities: string[]): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiModule',
    metadata: { name, namespace: s.ns },
    spec: {
      moduleName: name,
      moduleType: 'node',
      runtime: 'node:20',
      replicas: 1,
      image: s.driver.image('v1'),
      capabilities,
    },
  };
}

/* ---------------------------------------------------------------------------------- reads */

/** Reads of one handler's world in the story namespace. */
export function world(s: StoryContext, name: string, ids: string[]) {
  const route = () => s.api.get('HTTPRoute', s.ns, routeName(name));
  const handlerNow = () => s.api.get('GatiHandler', s.ns, name);
  return {
    route,
    handlerNow,
    weights: async () => routeWeights(await route(), name, ids),
    pins: async () => routePins(await route(), name, ids),
    entry: async (id: string) => versionEntry(await handlerNow(), id),
    deployment: (id: string) => s.api.get('Deployment', s.ns, versionName(name, id)),
    service: (id: string) => s.api.get('Service', s.ns, versionName(name, id)),
    /** Waits until the route's weighted rule is `want` and every listed version is Active. */
    async settle(want: Record<string, number>, active: string[], timeoutMs = 2 * MINUTE) {
      return s.until(
        `GatiHandler ${s.ns}/${name}: route ${JSON.stringify(want)} with ${active.join(', ')} Active`,
        async () => {
          const h = await handlerNow();
          const w = routeWeights(await route(), name, ids);
          const ok = same(w, want) && active.every((id) => versionEntry(h, id)?.phase === 'Active');
          return ok ? h! : pending(`route=${JSON.stringify(w)} versions=${brief(h)}`);
        },
        timeoutMs,
      );
    },
  };
}

/**
 * The common start of a story: handler `name` at v2 and a GatiVersion bringing v1 back at
 * weight 50, settled at route v1 50 / v2 100 with both Active.
 */
async function twoVersions(s: StoryContext, name: string, spec: Obj = {}) {
  const w = world(s, name, ['v1', 'v2']);
  await s.api.apply(handler(s, name, 'v2', spec));
  await s.api.apply(gatiVersion(s, name, 'v1', { routingWeight: 50 }));
  await w.settle({ v1: 50, v2: 100 }, ['v1', 'v2']);
  return w;
}

/** uid@resourceVersion of every Gati object and child in a namespace, by `Kind ns/name`. */
async function snapshot(api: Api, ns: string, except: string[] = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const kind of [...GATI_KINDS, ...CHILD_KINDS]) {
    for (const o of await api.list(kind, ns)) {
      const key = ref(o);
      if (!except.includes(key)) out.set(key, `${o.metadata.uid}@${o.metadata.resourceVersion}`);
    }
  }
  return out;
}

/** What differs between two snapshots, or '' when nothing does. */
function snapshotDiff(before: Map<string, string>, after: Map<string, string>): string {
  const lines: string[] = [];
  for (const [k, v] of before) {
    if (!after.has(k)) lines.push(`${k} deleted`);
    else if (after.get(k) !== v) lines.push(`${k} changed (${v} → ${after.get(k)})`);
  }
  for (const k of after.keys()) if (!before.has(k)) lines.push(`${k} created`);
  return lines.join('; ');
}

/** A check for s.holds: nothing in the namespace differs from `before`. */
const unchanged =
  (api: Api, ns: string, before: Map<string, string>, except: string[] = []) =>
  async (): Promise<true | Pending> => {
    const diff = snapshotDiff(before, await snapshot(api, ns, except));
    return diff === '' ? true : pending(diff);
  };

/** Every object of the given kinds in the namespaces (undefined: all), optionally by selector. */
async function listAll(
  api: Api,
  kinds: Kind[],
  namespaces?: string[],
  selector?: string,
): Promise<Obj[]> {
  const out: Obj[] = [];
  for (const kind of kinds)
    for (const ns of namespaces ?? [undefined]) out.push(...(await api.list(kind, ns, selector)));
  return out;
}

const describeLeft = (objs: Obj[]): string =>
  objs.map((o) => `${ref(o)} finalizers=${JSON.stringify(o.metadata.finalizers ?? [])}`).join('; ');

/** A check for `until`: the object is gone from the story's namespace (a finalizer released). */
export const gone = (s: StoryContext, kind: Kind, name: string) => async () =>
  (await s.api.get(kind, s.ns, name)) ? pending(`${kind} ${s.ns}/${name} still present`) : true;

/* -------------------------------------------------------------------------------- stories */

const seed: Story = {
  name: 'the seed objects converge: children, GatiVersion finalizer, Ready conditions, module NetworkPolicy',
  slug: 'seed',
  alone: true,
  timeoutMs: 5 * MINUTE,
  async run(t, s) {
    for (const d of loadYamlDir('examples')) await s.api.apply(d.object);
    // A module without the network capability, beside the seed's (which has it).
    await s.api.apply(gatiModule(s, 'sandboxed', ['logging']));
    const seedVersion = 'v1.0.0';
    const vName = versionName('user-handler', seedVersion);
    const versionLabels = {
      [HANDLER_LABEL]: 'user-handler',
      [VERSION_LABEL]: seedVersion,
      'app.kubernetes.io/managed-by': MANAGED_BY,
    };
    const deployment = await s.until(
      `Deployment default/${vName}`,
      () => s.api.get('Deployment', 'default', vName),
      2 * MINUTE,
    );
    t.match(deployment.metadata.labels, versionLabels, 'version Deployment labels');
    t.match(deployment.spec.template.metadata.labels, versionLabels, 'its pods carry them');
    t.equal(deployment.spec.template.spec.containers[0].image, 'my-app:v1.0.0', 'seed image');
    t.match(
      deployment.metadata.ownerReferences,
      [{ kind: 'GatiHandler', name: 'user-handler', controller: true }],
      'owned by its GatiHandler (Metacontroller adds the reference)',
    );
    const service = await s.until(
      `Service default/${vName}`,
      () => s.api.get('Service', 'default', vName),
      MINUTE,
    );
    t.strictSame(
      service.spec.selector,
      { [HANDLER_LABEL]: 'user-handler', [VERSION_LABEL]: seedVersion },
      'version Service selects that version only',
    );
    const apex = await s.until(
      'apex Service default/user-handler',
      () => s.api.get('Service', 'default', apexServiceName('user-handler')),
      MINUTE,
    );
    t.strictSame(apex.spec.selector, { [HANDLER_LABEL]: 'user-handler' }, 'apex selects all');

    const h = await s.until(
      'GatiHandler default/user-handler to be Ready at its generation',
      async () => {
        const o = await s.api.get('GatiHandler', 'default', 'user-handler');
        return isTrue(o, 'Ready') && observedLatest(o)
          ? o!
          : pending(`conditions=${JSON.stringify(o?.status?.conditions ?? [])} ${brief(o)}`);
      },
      2 * MINUTE,
    );
    const v = versionEntry(h, seedVersion);
    t.equal(v?.gatiVersion, 'user-handler-v1', 'the seed GatiVersion carries v1.0.0');
    t.equal(v?.phase, 'Active', 'v1.0.0 is Active');
    t.equal(h.status.service, apexServiceName('user-handler'), 'status names the apex Service');
    t.equal(conditionOf(h, 'Available')?.status, 'True', 'Available=True');
    const route = await s.api.get('HTTPRoute', 'default', routeName('user-handler'));
    t.strictSame(routeWeights(route, 'user-handler', [seedVersion]), { [seedVersion]: 100 });
    t.strictSame(routePins(route, 'user-handler', [seedVersion]), { [seedVersion]: seedVersion });

    const gv = await s.until(
      'GatiVersion default/user-handler-v1 to be Ready for its handler',
      async () => {
        const o = await s.api.get('GatiVersion', 'default', 'user-handler-v1');
        return o?.status?.handler === 'user-handler' && isTrue(o, 'Ready')
          ? o
          : pending(JSON.stringify(o?.status ?? {}));
      },
      2 * MINUTE,
    );
    t.ok(
      gv.metadata.finalizers?.includes(s.driver.gatiVersionFinalizer),
      `the GatiVersion carries ${s.driver.gatiVersionFinalizer}`,
    );
    t.equal(gv.status.trafficPercent, 100, 'its status mirrors the handler: 100% of traffic');

    const mName = moduleName('db-module');
    const moduleDeployment = await s.until(
      `Deployment default/${mName}`,
      () => s.api.get('Deployment', 'default', mName),
      MINUTE,
    );
    t.match(moduleDeployment.metadata.labels, {
      [MODULE_LABEL]: 'db-module',
      'app.kubernetes.io/managed-by': MANAGED_BY,
    });
    const moduleService = await s.api.get('Service', 'default', mName);
    t.equal(moduleService?.spec?.ports?.[0]?.port, 50051, 'module Service serves the gRPC port');
    await s.until(
      'GatiModule default/db-module to be Ready',
      async () => {
        const o = await s.api.get('GatiModule', 'default', 'db-module');
        return isTrue(o, 'Ready') && observedLatest(o)
          ? true
          : pending(JSON.stringify(o?.status ?? {}));
      },
      2 * MINUTE,
    );
    t.equal(
      await s.api.get('NetworkPolicy', 'default', mName),
      undefined,
      'db-module has the network capability: no egress NetworkPolicy',
    );
    const policy = await s.until(
      `NetworkPolicy ${s.ns}/${moduleName('sandboxed')}`,
      () => s.api.get('NetworkPolicy', s.ns, moduleName('sandboxed')),
      MINUTE,
    );
    t.strictSame(policy.spec.policyTypes, ['Egress'], 'a module without it is egress-restricted');
  },
};

const idle: Story = {
  name: 'no hot loop: while nothing changes, nothing is written and hook calls stay within the resync period',
  slug: 'idle',
  alone: true,
  timeoutMs: 5 * MINUTE,
  async run(t, s) {
    await s.api.apply(gatiModule(s, 'idle-module', []));
    await twoVersions(s, 'idle');
    await s.until(
      `every Gati object in ${s.ns} Ready at its generation`,
      async () => {
        const objs = await listAll(s.api, GATI_KINDS, [s.ns]);
        const notReady = objs.filter((o) => !isTrue(o, 'Ready') || !observedLatest(o));
        return notReady.length === 0 ? true : pending(notReady.map(ref).join(', '));
      },
      MINUTE,
    );
    // Let the last status writes and the syncs they trigger go by.
    await sleep(3 * SECOND);
    const resync = s.driver.resyncPeriodSeconds;
    const windowMs = (2 * resync + 5) * SECOND;
    const calls0 = await s.driver.hookCalls();
    const writes0 = await s.api.writeRequests();
    const t0 = Date.now();
    const before = await snapshot(s.api, s.ns);
    await s.holds(
      `no Gati object or child in ${s.ns} is written`,
      unchanged(s.api, s.ns, before),
      windowMs,
    );
    t.pass(`${before.size} objects unchanged for ${windowMs / SECOND}s`);
    const writes1 = await s.api.writeRequests();
    if (writes0 && writes1) {
      // Cluster-wide, on the kinds our controllers write: the other stories' objects are idle too.
      const ours = new Set([...GATI_KINDS, ...CHILD_KINDS].map((k) => RESOURCES[k].plural));
      const delta = Object.entries(writes1)
        .filter(([k, n]) => ours.has(k.split(' ')[1]!.split('/')[0]!) && n > (writes0[k] ?? 0))
        .map(([k, n]) => `${k} ×${n - (writes0[k] ?? 0)}`);
      t.equal(
        delta.length,
        0,
        `no write request reaches the API server while idle: ${delta.join(', ') || 'none'}`,
      );
    }
    const calls1 = await s.driver.hookCalls();
    const elapsed = (Date.now() - t0) / SECOND;
    if (!calls0 || !calls1) {
      t.comment(`${s.driver.name}: hook calls cannot be counted here; only writes were checked`);
      return;
    }
    // Each parent is resynced once per period: at most floor(elapsed/resync)+1 resyncs fall
    // in the window, plus one for an event of the settling before it. A hot loop is far above.
    const bound = Math.floor(elapsed / resync) + 2;
    if (calls0.perParent && calls1.perParent) {
      const mine = Object.entries(calls1.perParent)
        .filter(([k]) => k.includes(` ${s.ns}/`))
        .map(([k, n]) => [k, n - (calls0.perParent![k] ?? 0)] as const);
      t.ok(mine.length >= 3, `hook calls were seen for ${s.ns}'s parents`);
      for (const [k, n] of mine)
        t.ok(n <= bound, `${k}: ${n} calls in ${elapsed.toFixed(0)}s (bound ${bound})`);
    } else {
      // Without per-parent counts: at most `bound` calls of each hook for every object here.
      const total = (c: typeof calls0) => Object.values(c.total).reduce((a, b) => a + b, 0);
      const n = total(calls1) - total(calls0);
      const limit = before.size * bound;
      t.ok(n <= limit, `${n} hook calls in the window (bound ${limit})`);
    }
  },
};

const rollout: Story = {
  name: 'a rollout walks its short steps 50/50 → 0/100 and survives a hook-server outage mid-step',
  slug: 'rollout',
  needs: ['stopHookServer', 'startHookServer'],
  timeoutMs: 8 * MINUTE,
  async run(t, s) {
    const name = 'shop';
    const w = world(s, name, ['v1', 'v2']);
    const pause = 20;
    await s.api.apply(
      handler(s, name, 'v1', {
        rollout: { steps: [{ weight: 50, pauseSeconds: pause }], rollbackWindowSeconds: 0 },
      }),
    );
    await w.settle({ v1: 100 }, ['v1']);
    t.pass('v1 Active with all weighted traffic');

    await s.api.patch('GatiHandler', s.ns, name, {
      spec: { version: 'v2', image: s.driver.image('v2') },
    });
    const seen: Array<Record<string, number>> = [];
    const record = (x: Record<string, number>) => {
      const last = seen[seen.length - 1];
      if (!last || !same(last, x)) {
        seen.push(x);
        log(s.driver.name, `${s.ns}/${name} route weights: ${JSON.stringify(x)}`);
      }
    };
    await s.until(
      `HTTPRoute ${s.ns}/${routeName(name)} to reach the 50% step`,
      async () => {
        const x = await w.weights();
        record(x);
        return same(x, { v1: 50, v2: 50 }) ? true : pending(JSON.stringify(x));
      },
      2 * MINUTE,
      500,
    );
    t.notOk(
      seen.slice(0, -1).some((x) => (x.v2 ?? 0) > 0),
      `v2 got no weight before the 50% step (seen ${JSON.stringify(seen)})`,
    );

    // The hook server goes away in the middle of the step, for longer than the step lasts.
    await use(s.driver.knobs.stopHookServer);
    // Writes of the last answer before the outage, and the gateway's status for them, land first.
    await sleep(3 * SECOND);
    await s.holds(
      'nothing in the namespace changes while the hook server is down',
      unchanged(s.api, s.ns, await snapshot(s.api, s.ns)),
      (pause + 5) * SECOND,
    );
    t.strictSame(await w.weights(), { v1: 50, v2: 50 }, 'the route stayed at 50/50 while down');
    await use(s.driver.knobs.startHookServer);

    await s.until(
      'the rollout to finish once the hook server is back: route v1 0 / v2 100',
      async () => {
        const x = await w.weights();
        record(x);
        return same(x, { v1: 0, v2: 100 }) || same(x, { v2: 100 })
          ? true
          : pending(JSON.stringify(x));
      },
      2 * MINUTE,
      500,
    );
    const fifty = seen.findIndex((x) => same(x, { v1: 50, v2: 50 }));
    t.ok(
      seen.slice(fifty + 1).every((x) => (x.v1 ?? 0) <= 50),
      `v1 only lost weight after the 50% step (seen ${JSON.stringify(seen)})`,
    );
    const done = await s.until(
      `v1 of ${s.ns}/${name} to drain and leave status.versions`,
      async () => {
        const h = await w.handlerNow();
        return versionEntry(h, 'v1') === undefined &&
          versionEntry(h, 'v2')?.phase === 'Active' &&
          isTrue(h, 'Ready')
          ? h!
          : pending(brief(h));
      },
      2 * MINUTE,
    );
    t.equal(versionEntry(done, 'v2')?.trafficPercent, 100, 'v2 takes all weighted traffic');
    t.equal(done.status.version, 'v2', 'status.version is v2');
    t.strictSame(await w.weights(), { v2: 100 }, 'only v2 is a weighted backend');
    t.strictSame(await w.pins(), { v2: 'v2' }, 'only v2 is pinned');
    await s.until(
      `Deployment and Service ${s.ns}/${versionName(name, 'v1')} to be removed`,
      async () => {
        const [d, svc] = [await w.deployment('v1'), await w.service('v1')];
        return !d && !svc ? true : pending(`deployment=${!!d} service=${!!svc}`);
      },
      MINUTE,
    );
    t.pass("v1's workloads are gone");
  },
};

const finalizerHolds: Story = {
  name: 'a GatiVersion added with relative weight, then deleted: its finalizer holds until its traffic left the route and the drain wait passed',
  slug: 'drain',
  timeoutMs: 5 * MINUTE,
  async run(t, s) {
    const name = 'cart';
    const w = world(s, name, ['v1', 'v2']);
    const minSeconds = 10;
    await s.api.apply(handler(s, name, 'v2', { drain: { minSeconds, timeoutSeconds: 600 } }));
    await w.settle({ v2: 100 }, ['v2']);
    await s.api.apply(gatiVersion(s, name, 'v1', { routingWeight: 50 }));
    const h = await w.settle({ v1: 50, v2: 100 }, ['v1', 'v2']);
    t.equal(versionEntry(h, 'v1')?.trafficPercent, 33, 'weights are relative: v1 gets 33%');
    t.equal(versionEntry(h, 'v2')?.trafficPercent, 67, 'and v2 67%');
    t.strictSame(await w.pins(), { v1: 'v1', v2: 'v2' }, 'each version is pinned');
    const gvName = `${name}-v1`;
    const finalizer = s.driver.gatiVersionFinalizer;
    const gv = await s.until(
      `GatiVersion ${s.ns}/${gvName} to carry ${finalizer} and mirror its share`,
      async () => {
        const o = await s.api.get('GatiVersion', s.ns, gvName);
        return o?.metadata?.finalizers?.includes(finalizer) && o.status?.trafficPercent === 33
          ? o
          : pending(JSON.stringify({ finalizers: o?.metadata?.finalizers, status: o?.status }));
      },
      MINUTE,
    );
    t.ok(gv, 'the finalizer is in place before deletion');

    await s.api.delete('GatiVersion', s.ns, gvName);
    let weightZeroAt = 0;
    const held = await s.until(
      `${gvName} to be held by its finalizer with weight 0 while v1 drains`,
      async () => {
        const o = await s.api.get('GatiVersion', s.ns, gvName);
        const x = await w.weights();
        const v1 = await w.entry('v1');
        if (!o) return pending('the GatiVersion is already gone');
        if (x.v1 === 0 && !weightZeroAt) weightZeroAt = Date.now();
        return o.metadata.deletionTimestamp &&
          o.metadata.finalizers?.includes(finalizer) &&
          x.v1 === 0 &&
          v1?.phase === 'Draining'
          ? await w.pins()
          : pending(
              `finalizers=${JSON.stringify(o.metadata.finalizers)} route=${JSON.stringify(x)} v1=${JSON.stringify(v1 ?? null)}`,
            );
      },
      MINUTE,
      500,
    );
    t.equal(held.v1, 'v1', 'v1 keeps its pin rule while it drains');
    await s.until(
      `${gvName} to be released once drained`,
      gone(s, 'GatiVersion', gvName),
      2 * MINUTE,
      500,
    );
    const heldFor = (Date.now() - weightZeroAt) / SECOND;
    t.ok(
      heldFor >= minSeconds - 1,
      `released ${heldFor.toFixed(1)}s after its weight went to 0 (drain.minSeconds ${minSeconds})`,
    );
    t.equal(versionEntry(await w.handlerNow(), 'v1'), undefined, 'v1 left the handler status');
    t.strictSame(await w.weights(), { v2: 100 }, 'route back to v2 alone');
    t.strictSame(await w.pins(), { v2: 'v2' }, 'v1 is no longer pinned');
    await s.until(
      `Deployment ${s.ns}/${versionName(name, 'v1')} to be removed`,
      gone(s, 'Deployment', versionName(name, 'v1')),
      MINUTE,
    );
  },
};

const breaking: Story = {
  name: 'a breaking version without transformers is pinned only, until it is explicitly weighted',
  slug: 'breaking',
  timeoutMs: 4 * MINUTE,
  async run(t, s) {
    const name = 'search';
    const w = world(s, name, ['v1', 'v2']);
    await s.api.apply(handler(s, name, 'v1'));
    await w.settle({ v1: 100 }, ['v1']);
    await s.api.apply(gatiVersion(s, name, 'v2', { breaking: true, routingWeight: 50 }));
    const h = await s.until(
      `v2 of ${s.ns}/${name} to be Active and pinned`,
      async () => {
        const o = await w.handlerNow();
        const pins = await w.pins();
        return versionEntry(o, 'v2')?.phase === 'Active' && pins.v2 === 'v2'
          ? o!
          : pending(`${brief(o)} pins=${JSON.stringify(pins)}`);
      },
      2 * MINUTE,
    );
    const v2 = versionEntry(h, 'v2');
    t.equal(v2?.reason, 'PinnedOnly', `v2 says why: ${v2?.message}`);
    t.equal(v2?.effectiveWeight, 0, 'v2 has no effective weight');
    const weights = await w.weights();
    t.equal(weights.v2 ?? 0, 0, 'no weighted traffic reaches v2');
    t.equal(weights.v1, 100, 'v1 keeps all weighted traffic');
    await s.until(
      `GatiVersion ${s.ns}/${name}-v2 to report it is pinned only`,
      async () => {
        const gv = await s.api.get('GatiVersion', s.ns, `${name}-v2`);
        return gv?.status?.phase === 'Active' && (gv.status.trafficPercent ?? 0) === 0
          ? true
          : pending(JSON.stringify(gv?.status ?? {}));
      },
      MINUTE,
    );

    await s.api.patch('GatiVersion', s.ns, `${name}-v2`, {
      metadata: { annotations: { 'gati.dev/route-breaking': 'true' } },
    });
    await w.settle({ v1: 100, v2: 50 }, ['v1', 'v2']);
    t.pass('annotated gati.dev/route-breaking=true, v2 takes its weight');
  },
};

const neverAvailable: Story = {
  name: 'a version that never becomes Available gets no weight and is Failed after its deadline',
  slug: 'deadline',
  timeoutMs: 4 * MINUTE,
  async run(t, s) {
    const name = 'pay';
    const w = world(s, name, ['v1', 'v9']);
    const deadline = 20;
    await s.api.apply(
      handler(s, name, 'v1', {
        rollout: { steps: [], progressDeadlineSeconds: deadline, rollbackWindowSeconds: 0 },
      }),
    );
    await w.settle({ v1: 100 }, ['v1']);
    const start = Date.now();
    await s.api.apply(
      gatiVersion(s, name, 'v9', { image: s.driver.unavailableImage('v9'), routingWeight: 100 }),
    );
    await s.until(
      `v9 of ${s.ns}/${name} to be reported Pending`,
      async () => {
        const e = await w.entry('v9');
        return e?.phase === 'Pending' ? true : pending(JSON.stringify(e ?? null));
      },
      MINUTE,
    );
    const failed = await s.until(
      'v9 to be Failed, never routed meanwhile',
      async () => {
        const [x, pins, e] = [await w.weights(), await w.pins(), await w.entry('v9')];
        if ('v9' in x || 'v9' in pins)
          throw new Error(`v9 was routed before it was Available: ${JSON.stringify({ x, pins })}`);
        return e?.phase === 'Failed' ? e : pending(JSON.stringify(e ?? null));
      },
      2 * MINUTE,
      500,
    );
    const after = (Date.now() - start) / SECOND;
    t.equal(failed.reason, 'ProgressDeadlineExceeded', `v9: ${failed.message}`);
    t.ok(
      after >= deadline - 1,
      `Failed ${after.toFixed(1)}s after it appeared (deadline ${deadline}s)`,
    );
    t.strictSame(await w.weights(), { v1: 100 }, 'v1 keeps serving all weighted traffic');
    await s.until(
      `GatiVersion ${s.ns}/${name}-v9 to mirror Failed`,
      async () => {
        const gv = await s.api.get('GatiVersion', s.ns, `${name}-v9`);
        return gv?.status?.phase === 'Failed' ? true : pending(JSON.stringify(gv?.status ?? {}));
      },
      MINUTE,
    );
  },
};

const invalidEdit: Story = {
  name: 'an invalid edit is refused by the API server and keeps every child',
  slug: 'invalid',
  timeoutMs: 3 * MINUTE,
  async run(t, s) {
    const name = 'orders';
    const w = world(s, name, ['v1']);
    await s.api.apply(handler(s, name, 'v1'));
    await w.settle({ v1: 100 }, ['v1']);
    await sleep(2 * SECOND);
    const before = await snapshot(s.api, s.ns);
    const edits: Array<[string, Obj, RegExp]> = [
      ['a port out of range', { spec: { port: 70000 } }, /spec\.port/],
      [
        'an autoscaler whose minReplicas exceeds maxReplicas',
        { spec: { autoscaling: { mode: 'hpa', minReplicas: 5, maxReplicas: 2 } } },
        /minReplicas|maxReplicas/,
      ],
      ['a relative handlerPath', { spec: { handlerPath: 'api/orders' } }, /handlerPath/],
    ];
    for (const [what, patch, field] of edits) {
      const err = await s.api.patch('GatiHandler', s.ns, name, patch).then(
        () => undefined,
        (e: unknown) => e,
      );
      t.ok(err instanceof ApiError && err.status === 422, `${what}: 422 Invalid`);
      t.match(
        String((err as Error | undefined)?.message),
        field,
        `${what}: the message names the field`,
      );
    }
    await sleep(3 * SECOND);
    t.equal(snapshotDiff(before, await snapshot(s.api, s.ns)), '', 'no object changed');
    t.ok(isTrue(await w.handlerNow(), 'Ready'), 'the handler is still Ready');
    t.strictSame(await w.weights(), { v1: 100 }, 'and still routed');
  },
};

const cascade: Story = {
  name: 'deleting a handler cascades to its children, and its orphaned GatiVersions release at once',
  slug: 'cascade',
  timeoutMs: 4 * MINUTE,
  async run(t, s) {
    const name = 'mail';
    const w = world(s, name, ['v1', 'v2']);
    // A drain this long would hold a GatiVersion for 10 minutes if its handler still existed.
    await s.api.apply(handler(s, name, 'v2', { drain: { minSeconds: 600, timeoutSeconds: 900 } }));
    await s.api.apply(gatiVersion(s, name, 'v1', { routingWeight: 50 }));
    await s.api.apply(gatiVersion(s, name, 'v2', { routingWeight: 50 }));
    await w.settle({ v1: 50, v2: 50 }, ['v1', 'v2']);
    const selector = `${HANDLER_LABEL}=${name}`;
    const children = await listAll(s.api, CHILD_KINDS, [s.ns], selector);
    t.ok(children.length >= 5, `${children.length} children before deletion`);
    for (const gv of [`${name}-v1`, `${name}-v2`])
      await s.until(
        `GatiVersion ${s.ns}/${gv} to carry its finalizer`,
        async () =>
          (await s.api.get('GatiVersion', s.ns, gv))?.metadata?.finalizers?.includes(
            s.driver.gatiVersionFinalizer,
          )
            ? true
            : pending('no finalizer yet'),
        MINUTE,
      );

    await s.api.delete('GatiHandler', s.ns, name);
    await s.until(
      `every child of GatiHandler ${s.ns}/${name} to be garbage-collected`,
      async () => {
        const left = await listAll(s.api, CHILD_KINDS, [s.ns], selector);
        return left.length === 0 ? true : pending(describeLeft(left));
      },
      2 * MINUTE,
    );
    t.pass('its Deployments, Services, PDBs and HTTPRoute are gone (ownerReferences)');
    await s.until(
      `GatiVersion ${s.ns}/${name}-v1 to report HandlerNotFound`,
      async () => {
        const gv = await s.api.get('GatiVersion', s.ns, `${name}-v1`);
        return conditionOf(gv, 'Ready')?.reason === 'HandlerNotFound'
          ? true
          : pending(JSON.stringify(gv?.status?.conditions ?? []));
      },
      MINUTE,
    );
    const t0 = Date.now();
    await s.api.delete('GatiVersion', s.ns, `${name}-v1`);
    await s.api.delete('GatiVersion', s.ns, `${name}-v2`);
    await s.until(
      `the orphaned GatiVersions of ${s.ns}/${name} to be released`,
      async () => {
        const left = await listAll(s.api, ['GatiVersion'], [s.ns]);
        return left.length === 0 ? true : pending(describeLeft(left));
      },
      MINUTE,
      500,
    );
    const took = (Date.now() - t0) / SECOND;
    t.ok(took < 60, `released ${took.toFixed(1)}s after deletion, not after the 600s drain`);
  },
};

const failing: Story = {
  name: 'the hook server answering 500 for a while changes nothing in the cluster',
  slug: 'failing',
  needs: ['failHooks'],
  timeoutMs: 4 * MINUTE,
  async run(t, s) {
    const name = 'auth';
    const w = await twoVersions(s, name);
    await sleep(3 * SECOND);
    // The handler (edited below) and the GatiVersion (deleted below) are checked on their own.
    const gvName = `${name}-v1`;
    const except = [`GatiHandler ${s.ns}/${name}`, `GatiVersion ${s.ns}/${gvName}`];
    const before = await snapshot(s.api, s.ns, except);
    const statusBefore = JSON.stringify((await w.handlerNow())?.status);
    const calls0 = await s.driver.hookCalls();

    await use(s.driver.knobs.failHooks, true);
    try {
      // User edits while every hook fails: nothing may act on them, nothing may be dropped.
      await s.api.patch('GatiHandler', s.ns, name, { spec: { replicas: 2 } });
      await s.api.delete('GatiVersion', s.ns, gvName);
      const check = unchanged(s.api, s.ns, before, except);
      await s.holds(
        'no child, GatiVersion or handler status changes while every hook answers 500',
        async () => {
          const same = await check();
          if (same !== true) return same;
          const status = JSON.stringify((await w.handlerNow())?.status);
          return status === statusBefore ? true : pending(`handler status changed: ${status}`);
        },
        Math.max(20, s.driver.resyncPeriodSeconds + 5) * SECOND,
      );
      const gv = await s.api.get('GatiVersion', s.ns, gvName);
      t.ok(gv?.metadata?.deletionTimestamp, 'the deleted GatiVersion is held, not released');
      t.equal((await w.deployment('v2'))?.spec?.replicas, 1, 'the replicas edit was not acted on');
      t.strictSame(await w.weights(), { v1: 50, v2: 100 }, 'the route is untouched');
      const calls1 = await s.driver.hookCalls();
      if (calls0 && calls1)
        t.ok(
          calls1.failed > calls0.failed,
          `${calls1.failed - calls0.failed} hook calls answered 500`,
        );
    } finally {
      await use(s.driver.knobs.failHooks, false);
    }
    await s.until(
      `the edit to take effect once hooks answer again: Deployment ${versionName(name, 'v2')} at 2 replicas`,
      async () => {
        const d = await w.deployment('v2');
        return d?.spec?.replicas === 2 ? true : pending(`replicas=${d?.spec?.replicas}`);
      },
      MINUTE,
    );
    await s.until(
      `GatiVersion ${s.ns}/${gvName} to drain and go`,
      gone(s, 'GatiVersion', gvName),
      2 * MINUTE,
    );
    t.strictSame(await w.weights(), { v2: 100 }, 'the route converges to v2 alone');
  },
};

const gatewayRejects: Story = {
  name: 'the Gateway reporting Accepted=False stops a drain from counting',
  slug: 'gateway',
  needs: ['gatewayRejects'],
  timeoutMs: 5 * MINUTE,
  async run(t, s) {
    const name = 'feed';
    const minSeconds = 5;
    const w = await twoVersions(s, name, { drain: { minSeconds, timeoutSeconds: 600 } });
    const gvName = `${name}-v1`;
    await use(s.driver.knobs.gatewayRejects, s.ns, routeName(name), true);
    await s.api.delete('GatiVersion', s.ns, gvName);
    await s.until(
      `the route of ${s.ns}/${name} to drop v1's weight and the handler to see it refused`,
      async () => {
        const [x, h] = [await w.weights(), await w.handlerNow()];
        const routed = conditionOf(h, 'TrafficRouted');
        return x.v1 === 0 && routed?.status === 'False'
          ? true
          : pending(`route=${JSON.stringify(x)} TrafficRouted=${JSON.stringify(routed)}`);
      },
      MINUTE,
    );
    const heldMs = (minSeconds + 15) * SECOND;
    await s.holds(
      `GatiVersion ${s.ns}/${gvName} stays held while the gateway refuses the route`,
      async () => {
        const [gv, v1] = [await s.api.get('GatiVersion', s.ns, gvName), await w.entry('v1')];
        if (!gv) return pending('released although the gateway never accepted the route');
        if (v1?.trafficRemovedAt)
          return pending(`the drain started counting: ${JSON.stringify(v1)}`);
        return true;
      },
      heldMs,
    );
    t.equal((await w.entry('v1'))?.reason, 'WaitingForRoute', 'v1 says it waits for the route');
    t.pass(`held ${heldMs / SECOND}s, longer than drain.minSeconds ${minSeconds}`);

    await use(s.driver.knobs.gatewayRejects, s.ns, routeName(name), false);
    const accepted = Date.now();
    await s.until(
      `${gvName} to be released once the gateway accepts and the drain wait passed`,
      gone(s, 'GatiVersion', gvName),
      2 * MINUTE,
      500,
    );
    const after = (Date.now() - accepted) / SECOND;
    t.ok(after >= minSeconds - 1, `released ${after.toFixed(1)}s after the gateway accepted`);
    t.strictSame(await w.weights(), { v2: 100 }, 'route back to v2 alone');
  },
};

const gatewayLag: Story = {
  name: 'a step the gateway has not applied holds, and starts over once it has',
  slug: 'gateway-lag',
  needs: ['gatewayFreezes'],
  timeoutMs: 5 * MINUTE,
  async run(t, s) {
    const name = 'slow';
    const pauseSeconds = 5;
    const w = world(s, name, ['v1', 'v2']);
    const steps = [
      { weight: 25, pauseSeconds },
      { weight: 50, pauseSeconds },
    ];
    await s.api.apply(
      handler(s, name, 'v1', {
        rollout: { steps, progressDeadlineSeconds: 300, rollbackWindowSeconds: 0 },
      }),
    );
    await w.settle({ v1: 100 }, ['v1']);
    await use(s.driver.knobs.gatewayFreezes, true);
    let frozen = true;
    try {
      await s.api.patch('GatiHandler', s.ns, name, {
        spec: { version: 'v2', image: s.driver.image('v2') },
      });
      await w.settle({ v1: 75, v2: 25 }, ['v1', 'v2']);
      await s.until(
        `GatiHandler ${s.ns}/${name} to hold its first step for the gateway`,
        async () => {
          const r = rolloutOf(await w.handlerNow());
          return r?.routeBehindSince ? true : pending(JSON.stringify(r));
        },
        MINUTE,
      );
      t.match(
        rolloutOf(await w.handlerNow())?.message,
        /held: the gateway has applied the route only at generation \d+ of \d+/,
        'the status says why, with both generations',
      );
      const heldMs = (pauseSeconds + 10) * SECOND;
      await s.holds(
        `the first step of ${s.ns}/${name} to stay held while the gateway applies nothing`,
        async () => {
          const [x, r] = [await w.weights(), rolloutOf(await w.handlerNow())];
          return same(x, { v1: 75, v2: 25 }) && r?.step === 0
            ? true
            : pending(`route=${JSON.stringify(x)} rollout=${JSON.stringify(r)}`);
        },
        heldMs,
      );
      t.pass(`held ${heldMs / SECOND}s, longer than the step's ${pauseSeconds}s`);
      await use(s.driver.knobs.gatewayFreezes, false);
      frozen = false;
    } finally {
      if (frozen) await use(s.driver.knobs.gatewayFreezes, false);
    }
    const resumed = Math.floor(Date.now() / 1000) * 1000;
    const restarted = await s.until(
      `GatiHandler ${s.ns}/${name}: the step to start over once the gateway applied it`,
      async () => {
        const r = rolloutOf(await w.handlerNow());
        return r && !r.routeBehindSince && r.phase === 'Progressing'
          ? r
          : pending(JSON.stringify(r));
      },
      MINUTE,
      500,
    );
    const startedAt = Date.parse(restarted.stepStartedAt);
    t.ok(
      startedAt >= resumed,
      `the step restarted at ${restarted.stepStartedAt}, after the gateway resumed`,
    );
    await s.until(
      `the route of ${s.ns}/${name} to reach the 50 % step`,
      async () => {
        const x = await w.weights();
        return x.v2 === 50 ? true : pending(JSON.stringify(x));
      },
      MINUTE,
      500,
    );
    const waited = (Date.now() - startedAt) / SECOND;
    t.ok(waited >= pauseSeconds - 1, `the 50 % step came ${waited.toFixed(1)}s after the restart`);
    await w.settle({ v2: 100 }, ['v2']);
  },
};

const namespaceDeletion: Story = {
  name: 'deleting a namespace with a handler and held GatiVersions finishes: no finalizer deadlock',
  slug: 'nsdelete',
  timeoutMs: 4 * MINUTE,
  async run(t, s) {
    await twoVersions(s, 'news', { drain: { minSeconds: 600, timeoutSeconds: 900 } });
    await s.api.delete('Namespace', undefined, s.ns);
    await s.until(
      `namespace ${s.ns} to be gone`,
      async () => {
        const ns = await s.api.get('Namespace', undefined, s.ns);
        if (!ns) return true;
        const left = await listAll(s.api, GATI_KINDS, [s.ns]);
        return pending(
          `phase=${ns.status?.phase} conditions=${JSON.stringify(ns.status?.conditions ?? [])} left: ${describeLeft(left)}`,
        );
      },
      3 * MINUTE,
      2 * SECOND,
    );
    t.pass('the namespace, its handler and its GatiVersions are gone');
  },
};

/* ------------------------------------------------------------------- rollout control (#13) */

/** The rollout record of a handler's status, or undefined. */
export const rolloutOf = (h: Obj | undefined): Obj | undefined => h?.status?.rollout;

type Split = Record<string, number>;

/**
 * rolloutAt25 starts a rollout v1 → v2 with steps 25 % and 50 % (long pauses) and waits until
 * the route is at the 25 % step. Returns the world, every distinct weighted split seen since,
 * and two waits that record splits as they poll: `until` a check of (split, handler) holds,
 * and that it `holds` for a while.
 */
async function rolloutAt25(s: StoryContext, name: string) {
  const w = world(s, name, ['v1', 'v2']);
  const steps = [
    { weight: 25, pauseSeconds: 600 },
    { weight: 50, pauseSeconds: 600 },
  ];
  await s.api.apply(
    handler(s, name, 'v1', {
      rollout: { steps, progressDeadlineSeconds: 300, rollbackWindowSeconds: 0 },
    }),
  );
  await w.settle({ v1: 100 }, ['v1']);
  await s.api.patch('GatiHandler', s.ns, name, {
    spec: { version: 'v2', image: s.driver.image('v2') },
  });
  await w.settle({ v1: 75, v2: 25 }, ['v1', 'v2']);
  const seen: Split[] = [];
  const look = async () => {
    const x = await w.weights();
    const last = seen[seen.length - 1];
    if (!last || !same(last, x)) seen.push(x);
    return { x, h: await w.handlerNow() };
  };
  const describe = (x: Split, h: Obj | undefined) =>
    `route=${JSON.stringify(x)} rollout=${JSON.stringify(rolloutOf(h))}`;
  return {
    w,
    seen,
    /** The most v2 ever carried in the splits seen. */
    maxV2: () => Math.max(0, ...seen.map((x) => x.v2 ?? 0)),
    until: (what: string, ok: (x: Split, h: Obj | undefined) => boolean, ms = MINUTE) =>
      s.until(
        `GatiHandler ${s.ns}/${name}: ${what}`,
        async () => {
          const { x, h } = await look();
          return ok(x, h) ? h! : pending(describe(x, h));
        },
        ms,
        500,
      ),
    holds: (what: string, ok: (x: Split) => boolean, ms: number) =>
      s.holds(
        `the route of ${s.ns}/${name} ${what}`,
        async () => {
          const { x } = await look();
          return ok(x) ? true : pending(JSON.stringify(x));
        },
        ms,
      ),
  };
}

/** v2 carries no weighted traffic: a weight-0 backend while it drains, or gone. */
const v1Only = (x: Split) => same(x, { v1: 100, v2: 0 }) || same(x, { v1: 100 });

const revert: Story = {
  name: 'reverting spec.version mid-rollout gives the abandoned version no more traffic: it drains and goes',
  slug: 'revert',
  timeoutMs: 6 * MINUTE,
  async run(t, s) {
    const name = 'cart';
    const r = await rolloutAt25(s, name);
    t.pass('v2 at the 25 % step');
    await s.api.patch('GatiHandler', s.ns, name, {
      spec: { version: 'v1', image: s.driver.image('v1') },
    });
    const h = await r.until(
      'v1 back at all weighted traffic, rollout Aborted (Reverted)',
      (x, h) =>
        v1Only(x) && rolloutOf(h)?.phase === 'Aborted' && rolloutOf(h)?.reason === 'Reverted',
    );
    t.equal(rolloutOf(h)?.versionId, 'v2', 'the record names the abandoned target');
    t.ok(r.maxV2() <= 25, `v2 never had more than its 25 % (seen ${JSON.stringify(r.seen)})`);
    await r.until(
      'v2 drained and gone from status.versions',
      (_, h) => versionEntry(h, 'v2') === undefined,
      2 * MINUTE,
    );
    t.ok(
      r.maxV2() <= 25,
      `and never gained weight while it drained (seen ${JSON.stringify(r.seen)})`,
    );
    t.strictSame(await r.w.weights(), { v1: 100 }, 'v1 alone');
  },
};

const pauseResume: Story = {
  name: 'a paused rollout holds its weights across resyncs and a hook-server restart; promote-full then finishes it',
  slug: 'pause',
  needs: ['stopHookServer', 'startHookServer'],
  timeoutMs: 6 * MINUTE,
  async run(t, s) {
    const name = 'basket';
    const r = await rolloutAt25(s, name);
    await s.api.patch('GatiHandler', s.ns, name, {
      metadata: { annotations: { 'gati.dev/rollout-action': 'pause' } },
    });
    const paused = await r.until(
      'rollout Paused (ManualPause)',
      (_, h) => rolloutOf(h)?.phase === 'Paused' && rolloutOf(h)?.reason === 'ManualPause',
    );
    t.equal(rolloutOf(paused)?.stepWeight, 25, 'paused at 25 %');
    // The pause is state in the annotation and status: it holds through a hook-server restart.
    await use(s.driver.knobs.stopHookServer);
    await sleep(5 * SECOND);
    await use(s.driver.knobs.startHookServer);
    await r.holds(
      'to stay at 75/25 while paused (two resync periods)',
      (x) => same(x, { v1: 75, v2: 25 }),
      2 * (s.driver.resyncPeriodSeconds + 5) * SECOND,
    );
    t.pass('held at 75/25 across resyncs and the restart');
    // Replacing the pause with promote-full resumes and finishes at once.
    await s.api.patch('GatiHandler', s.ns, name, {
      metadata: { annotations: { 'gati.dev/rollout-action': 'promote-full' } },
    });
    const done = await r.until(
      'promote-full after the pause: v2 at 100',
      (x) => same(x, { v1: 0, v2: 100 }) || same(x, { v2: 100 }),
    );
    t.equal(
      rolloutOf(done)?.phase,
      'Succeeded',
      `the rollout Succeeded (${JSON.stringify(rolloutOf(done))})`,
    );
    t.ok(
      r.seen.every((x, i) => i === 0 || (x.v2 ?? 0) >= (r.seen[i - 1]!.v2 ?? 0)),
      `v2's weight only grew (seen ${JSON.stringify(r.seen)})`,
    );
  },
};

const abort: Story = {
  name: 'abort sends the target to weight 0 at once; it stays at 0 until retried',
  slug: 'abort',
  timeoutMs: 6 * MINUTE,
  async run(t, s) {
    const name = 'checkout';
    const r = await rolloutAt25(s, name);
    await s.api.patch('GatiHandler', s.ns, name, {
      metadata: { annotations: { 'gati.dev/rollout-action': 'abort' } },
    });
    const h = await r.until(
      'rollout Aborted, v2 at weight 0',
      (x, h) => rolloutOf(h)?.phase === 'Aborted' && (x.v2 ?? 0) === 0,
    );
    const ready = (h.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
    t.match(
      ready,
      { status: 'False', reason: 'RolloutAborted' },
      'Ready says the rollout was aborted',
    );
    t.equal(rolloutOf(h)?.lastAction?.outcome, 'Applied', 'the action is recorded as Applied');
    await r.holds(
      'to keep v2 at weight 0 (one resync period)',
      (x) => (x.v2 ?? 0) === 0,
      (s.driver.resyncPeriodSeconds + 5) * SECOND,
    );
    t.ok(r.maxV2() <= 25, `v2 never had more than its 25 % (seen ${JSON.stringify(r.seen)})`);
    await s.api.patch('GatiHandler', s.ns, name, {
      metadata: { annotations: { 'gati.dev/rollout-action': 'retry' } },
    });
    await r.until(
      'retry: back at the 25 % step',
      (x, h) => rolloutOf(h)?.phase === 'Progressing' && same(x, { v1: 75, v2: 25 }),
      2 * MINUTE,
    );
    t.pass('retried from step 1');
  },
};

/* ---------------------------------------------------------------------- name conflicts (#15) */

const nameConflict: Story = {
  name: 'a GatiModule and a GatiHandler of one name: the older keeps Service <name>, the other reports NameConflict',
  slug: 'conflict',
  timeoutMs: 3 * MINUTE,
  async run(t, s) {
    const name = 'ledger';
    await s.api.apply(gatiModule(s, name, ['network']));
    const svc = await s.until(
      `Service ${s.ns}/${name} of the GatiModule`,
      async () => {
        const o = await s.api.get('Service', s.ns, name);
        return o ? o : pending('no Service yet');
      },
      MINUTE,
    );
    const owner = (o: Obj) => o.metadata.ownerReferences?.find((r: Obj) => r.controller);
    t.equal(owner(svc)?.kind, 'GatiModule', 'the module created it');
    await s.api.apply(handler(s, name, 'v1'));
    const h = await s.until(
      `GatiHandler ${s.ns}/${name}: Ready=False NameConflict`,
      async () => {
        const h = await s.api.get('GatiHandler', s.ns, name);
        const ready = (h?.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
        return ready?.reason === 'NameConflict' ? h! : pending(JSON.stringify(ready));
      },
      MINUTE,
    );
    const ready = (h.status?.conditions ?? []).find((c: Obj) => c.type === 'Ready');
    t.match(ready?.message, /^Service .*ledger belongs to GatiModule .*ledger/, ready?.message);
    await sleep(5 * SECOND);
    const after = await s.api.get('Service', s.ns, name);
    t.equal(owner(after!)?.uid, owner(svc)?.uid, 'the Service is still the module’s');
    t.equal(after!.metadata.resourceVersion, svc.metadata.resourceVersion, 'and was never written');
    const w = world(s, name, ['v1']);
    await w.settle({ v1: 100 }, ['v1']);
    t.pass('the handler still runs and routes v1 through its HTTPRoute');
    await s.api.delete('GatiModule', s.ns, name);
    await s.until(
      `Service ${s.ns}/${name} to be the handler's once the module is gone`,
      async () => {
        const o = await s.api.get('Service', s.ns, name);
        return o && owner(o)?.kind === 'GatiHandler'
          ? true
          : pending(JSON.stringify(o && owner(o)));
      },
      2 * MINUTE,
    );
    t.pass('the handler took the name');
  },
};

/** The stories in the order the suites run them; teardown() runs after them. */
export const STORIES: Story[] = [
  seed,
  idle,
  rollout,
  finalizerHolds,
  breaking,
  neverAvailable,
  invalidEdit,
  cascade,
  failing,
  gatewayRejects,
  gatewayLag,
  namespaceDeletion,
  revert,
  pauseResume,
  abort,
  nameConflict,
];

/** Story namespaces are `story-<slug>`. */
const storyNamespace = (story: Story): string => `story-${story.slug}`;

/**
 * teardown deletes every Gati object left by the stories (and the seed objects in default),
 * then the story namespaces, and asserts nothing is stuck: no Gati object, no managed child.
 */
async function teardown(t: Test, driver: ClusterDriver, stories: Story[]): Promise<void> {
  const api = driver.api;
  const namespaces = stories.map(storyNamespace);
  const ctx: WaitContext = {
    scope: driver.name,
    waitScale: driver.waitScale,
    diagnose: (what) => driver.diagnose(what, ['default', ...namespaces]),
  };
  for (const kind of ['GatiVersion', 'GatiHandler', 'GatiModule'] as Kind[])
    for (const o of await api.list(kind))
      await api.delete(kind, o.metadata.namespace, o.metadata.name);
  await until(
    ctx,
    'every GatiHandler, GatiModule and GatiVersion to be gone',
    async () => {
      const left = await listAll(api, GATI_KINDS);
      return left.length === 0 ? true : pending(describeLeft(left));
    },
    { timeoutMs: 3 * MINUTE },
  );
  t.pass('no Gati object is left');
  await until(
    ctx,
    `no child labelled ${MANAGED} to remain`,
    async () => {
      const left = await listAll(api, CHILD_KINDS, undefined, MANAGED);
      return left.length === 0 ? true : pending(describeLeft(left));
    },
    { timeoutMs: 3 * MINUTE },
  );
  t.pass('no operator-managed child is left');
  for (const ns of namespaces) await api.delete('Namespace', undefined, ns);
  await until(
    ctx,
    'every story namespace to be gone',
    async () => {
      const left: string[] = [];
      for (const ns of namespaces) if (await api.get('Namespace', undefined, ns)) left.push(ns);
      return left.length === 0 ? true : pending(left.join(', '));
    },
    { timeoutMs: 3 * MINUTE, intervalMs: 2 * SECOND },
  );
  t.pass('every story namespace is gone');
}

/**
 * runStories runs each story as its own subtest in its own namespace, then the teardown. A
 * story whose knobs this cluster lacks is skipped with the driver's reason; a failing story
 * does not stop the next. With `lanes` > 1, up to that many run at once by the rules of
 * lanes.ts: the stories that run alone first, one by one, then the others side by side, never
 * two that send real traffic. The stories are independent of each other: the order is free.
 */
export async function runStories(
  t: Test,
  driver: ClusterDriver,
  stories: Story[] = STORIES,
  lanes = 1,
): Promise<void> {
  if (lanes > 1) t.jobs = lanes; // tap runs buffered subtests side by side up to t.jobs
  const queue = laneOrder(stories, lanes);
  const running = new Map<Story, Promise<void>>();
  while (queue.length > 0) {
    const next = nextStory(queue, [...running.keys()], lanes);
    if (!next) {
      await Promise.race(running.values());
      continue;
    }
    queue.splice(queue.indexOf(next), 1);
    running.set(
      next,
      runStory(t, driver, next).finally(() => running.delete(next)),
    );
  }
  await Promise.all(running.values());
  await t.test('deleting everything leaves nothing stuck', async (t) => {
    await teardown(t, driver, stories);
  });
}

/** runStory runs one story as a subtest in its namespace, or skips it with the driver's reason. */
async function runStory(t: Test, driver: ClusterDriver, story: Story): Promise<void> {
  const missing = (story.needs ?? [])
    .map((k) => unsupported(k === 'traffic' ? driver.traffic : driver.knobs[k]))
    .filter((r): r is string => r !== undefined);
  if (missing.length) {
    await t.test(story.name, { skip: `${driver.name}: ${missing.join('; ')}` }, async () => {});
    return;
  }
  const ns = storyNamespace(story);
  const ctx: WaitContext = {
    scope: `${driver.name} ${story.slug}`,
    waitScale: driver.waitScale,
    diagnose: (what) => driver.diagnose(what, [ns, 'default']),
  };
  const s: StoryContext = {
    driver,
    api: driver.api,
    ns,
    until: (what, check, timeoutMs, intervalMs) =>
      until(ctx, what, check, { timeoutMs, intervalMs }),
    holds: (what, check, forMs) => holds(ctx, what, check, { forMs }),
  };
  const started = Date.now();
  log(ctx.scope, 'story starts');
  await t.test(story.name, { timeout: story.timeoutMs * driver.waitScale }, async (t) => {
    await driver.api.ensureNamespace(ns);
    await story.run(t, s);
  });
  log(ctx.scope, `story took ${((Date.now() - started) / SECOND).toFixed(1)}s`);
}

/**
 * The end-to-end figure users feel (`npm run bench:loop -- --traffic`): how long after a
 * GatiHandler's `spec.version` changes do 99 % of requests reach the new version, measured
 * with real requests through Traefik on the loop with its data plane (test/loop/lib/loop.ts).
 *
 * Scenarios, each on a fresh handler v1 → v2 while a client sends 100 req/s:
 *   - floor: `spec.rollout.steps: []` — the operator asks for the final route in its first sync
 *     once v2 is Available: what Metacontroller needs to apply that route, plus the gateway;
 *   - steps-0s: the default step shape (10 %, 50 %) with pauses of 0 s;
 *   - analysis: the same steps, each gated on the recommended error-ratio query (5 s checks).
 * And the gateway's own floor: an HTTPRoute the operator does not manage, patched from v1 to v2
 * by hand (Traefik's watch and apply delay only).
 *
 * Per run: when the HTTPRoute first carried the final weights (written by Metacontroller),
 * when Traefik reported it Accepted at that generation, and when 99 % of requests reached v2:
 * the first request of the first 100 consecutive ones (1 s) of which at least 99 were
 * answered by v2.
 */
import type { Obj } from '../../test/e2e/lib/api.js';
import { gatewayAccepted, routeWeights } from '../../test/e2e/lib/read.js';
import { steady, type Answer } from '../../test/e2e/lib/traffic.js';
import { QUERIES } from '../../test/e2e/lib/traffic-stories.js';
import { hookServerCommand } from '../../test/loop/lib/hook-server.js';
import { startLoop, type Loop } from '../../test/loop/lib/loop.js';
import { imageWith } from '../../test/loop/lib/apps.js';
import { TRAEFIK_CONTROLLER } from '../../test/loop/lib/traefik.js';
import { watch } from '../../test/loop/lib/watch.js';
import { routeName, versionName } from '../../src/resources/names.js';
import { machine, median, today, writeResult } from '../lib.js';

const NS = 'bench-traffic';
const RATE = 100;
const WINDOW = 100;
const WANT = 99;
const image = (tag: string) => imageWith(`registry.example/gati-bench:${tag}`, {});
/** The handler whose two version Services the gateway floor's hand-written route points at. */
const GATEWAY_FLOOR = 'gwfloor';

const log = (line: string) =>
  process.stderr.write(`[bench:loop traffic ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const round = (x: number) => Math.round(x * 100) / 100;

type Scenario = 'floor' | 'steps-0s' | 'analysis' | 'gateway';

/** The rollout settings of each operator scenario. */
const ROLLOUTS: Record<Exclude<Scenario, 'gateway'>, Obj> = {
  floor: { steps: [] },
  'steps-0s': {
    steps: [
      { weight: 10, pauseSeconds: 0 },
      { weight: 50, pauseSeconds: 0 },
    ],
  },
  analysis: {
    steps: [
      { weight: 10, pauseSeconds: 0 },
      { weight: 50, pauseSeconds: 0 },
    ],
    analysis: {
      metricQuery: QUERIES.appErrorRatio,
      threshold: 0.05,
      intervalSeconds: 5,
      failureLimit: 2,
      inconclusiveLimit: 4,
    },
  },
};

/** Seconds after `from` when the first WINDOW consecutive answers had ≥ WANT from `version`. */
export function secondsTo(answers: Answer[], version: string, from: number): number | undefined {
  const after = answers.filter((a) => a.at >= from);
  let inWindow = 0;
  for (let i = 0; i < after.length; i++) {
    if (after[i]!.version === version) inWindow++;
    if (i >= WINDOW && after[i - WINDOW]!.version === version) inWindow--;
    if (i >= WINDOW - 1 && inWindow >= WANT) return (after[i - WINDOW + 1]!.at - from) / 1000;
  }
  return undefined;
}

/** Times (ms since epoch) when a route first carried `final` in spec, and Traefik accepted that generation. */
function routeTimes(loop: Loop, name: string, final: (route: Obj) => boolean) {
  const seen: { written?: number; accepted?: number; generation?: number } = {};
  const w = watch(
    loop.cluster,
    `/apis/gateway.networking.k8s.io/v1/namespaces/${NS}/httproutes`,
    (_, o) => {
      if (o.metadata.name !== name) return;
      if (seen.written === undefined && final(o)) {
        seen.written = Date.now();
        seen.generation = o.metadata.generation;
      }
      const accepted = seen.generation !== undefined && gatewayAccepted(o, TRAEFIK_CONTROLLER);
      if (seen.accepted === undefined && accepted) seen.accepted = Date.now();
    },
  );
  return { seen, stop: () => w.stop() };
}

/** v2 is the route's only backend with weight. */
const alone = (w: Record<string, number>): boolean =>
  (w.v2 ?? 0) > 0 && Object.entries(w).every(([id, n]) => id === 'v2' || n === 0);

async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

interface Run {
  scenario: Scenario;
  routeWrittenSeconds?: number;
  routeAcceptedSeconds?: number;
  trafficSeconds?: number;
  requests: number;
  failed: number;
}

/** Waits until Traefik answers `path` from v1. */
function routesV1(baseUrl: string, path: string): Promise<void> {
  return until(
    `Traefik to answer ${path} from v1`,
    async () => {
      const r = await fetch(`${baseUrl}${path}`).catch(() => undefined);
      return r?.headers.get('x-gati-served-by') === 'v1';
    },
    120_000,
  );
}

/**
 * Times one switch v1 → v2 of `path` while the client sends: `change` makes it, `final` says
 * when the route `routeName` carries its end state. After Traefik accepted that route, the
 * client goes on for `settleMs` so the 99 % window can close.
 */
async function timeSwitch(
  loop: Loop,
  baseUrl: string,
  sw: {
    path: string;
    routeName: string;
    final: (route: Obj) => boolean;
    change: () => Promise<unknown>;
  },
  settleMs: number,
): Promise<Omit<Run, 'scenario'>> {
  await routesV1(baseUrl, sw.path);
  const times = routeTimes(loop, sw.routeName, sw.final);
  const client = steady(baseUrl, { path: sw.path }, RATE, 180);
  await sleep(2000);
  const changed = Date.now();
  await sw.change();
  try {
    await until(
      `${sw.routeName}: the route at v2 alone, accepted`,
      async () => !!times.seen.accepted,
      150_000,
    );
    await sleep(settleMs);
  } finally {
    times.stop();
  }
  const answers = await client.stop();
  const since = (at: number | undefined) =>
    at === undefined ? undefined : round((at - changed) / 1000);
  return {
    routeWrittenSeconds: since(times.seen.written),
    routeAcceptedSeconds: since(times.seen.accepted),
    trafficSeconds: round(secondsTo(answers, 'v2', changed) ?? NaN),
    requests: answers.length,
    failed: answers.filter((a) => a.error || a.status >= 400).length,
  };
}

/** One operator scenario: handler v1 → v2, timed as in the file comment. */
async function operatorRun(
  loop: Loop,
  scenario: Exclude<Scenario, 'gateway'>,
  i: number,
  parentRefs: Obj[],
  baseUrl: string,
): Promise<Run> {
  const name = `${scenario.replace(/[^a-z0-9]/g, '')}-${i}`;
  await loop.api.apply({
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: { name, namespace: NS },
    spec: {
      handlerPath: `/api/${name}`,
      version: 'v1',
      image: image('v1'),
      port: 3000,
      routing: { parentRefs },
      probes: { preStopSeconds: 3 },
      rollout: { progressDeadlineSeconds: 300, ...ROLLOUTS[scenario] },
      drain: { minSeconds: 5 },
    },
  });
  const run = await timeSwitch(
    loop,
    baseUrl,
    {
      path: `/api/${name}`,
      routeName: routeName(name),
      final: (r) => alone(routeWeights(r, name, ['v1', 'v2'])),
      change: () =>
        loop.api.patch('GatiHandler', NS, name, { spec: { version: 'v2', image: image('v2') } }),
    },
    8000,
  );
  return { scenario, ...run };
}

/** The gateway's floor: a route the operator does not manage, patched v1 → v2 by hand. */
async function gatewayRun(loop: Loop, i: number, parentRefs: Obj[], baseUrl: string): Promise<Run> {
  const name = `direct-${i}`;
  const backend = (id: string, weight: number) => ({
    group: '',
    kind: 'Service',
    name: versionName(GATEWAY_FLOOR, id),
    port: 3000,
    weight,
  });
  const route = (v1: number, v2: number) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace: NS },
    spec: {
      parentRefs,
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: `/direct/${i}` } }],
          backendRefs: [backend('v1', v1), backend('v2', v2)],
        },
      ],
    },
  });
  await loop.api.apply(route(100, 0));
  const run = await timeSwitch(
    loop,
    baseUrl,
    {
      path: `/direct/${i}`,
      routeName: name,
      final: (r) => alone(routeWeights(r, GATEWAY_FLOOR, ['v1', 'v2'])),
      change: () => loop.api.apply(route(0, 100)),
    },
    6000,
  );
  return { scenario: 'gateway', ...run };
}

/** Runs every scenario `repeat` times on one loop and writes bench/results/<out>. */
export async function benchTraffic(opts: {
  repeat: number;
  out: string;
  hook: 'dist' | 'tsx';
}): Promise<void> {
  const started = await startLoop({
    dataPlane: true,
    hookServer: { command: hookServerCommand(opts.hook), env: { LOG_LEVEL: 'info' } },
    metacontroller: { qps: 100, burst: 200, workers: 10, discoveryInterval: '2s' },
    log,
  });
  if ('skip' in started) throw new Error(`the loop cannot run: ${started.skip}`);
  const loop = started;
  if (!('traefik' in loop.dataPlane))
    throw new Error(`no data plane: ${loop.dataPlane.unsupported}`);
  const { traefik } = loop.dataPlane;
  const runs: Run[] = [];
  try {
    await loop.api.ensureNamespace(NS);
    // The gateway floor's backends: a handler serving v1 and v2 (its own route unused here).
    await loop.api.apply({
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiHandler',
      metadata: { name: GATEWAY_FLOOR, namespace: NS },
      spec: {
        handlerPath: `/api/${GATEWAY_FLOOR}`,
        version: 'v2',
        image: image('v2'),
        port: 3000,
        routing: { parentRefs: traefik.parentRefs },
      },
    });
    await loop.api.apply({
      apiVersion: 'gati.dev/v1alpha1',
      kind: 'GatiVersion',
      metadata: { name: `${GATEWAY_FLOOR}-v1`, namespace: NS },
      spec: { versionId: 'v1', image: image('v1'), handlerRef: { name: GATEWAY_FLOOR } },
    });
    for (let i = 0; i < opts.repeat; i++) {
      for (const scenario of ['floor', 'steps-0s', 'analysis'] as const) {
        const run = await operatorRun(loop, scenario, i, traefik.parentRefs, traefik.url);
        log(`${scenario} #${i}: ${JSON.stringify(run)}`);
        runs.push(run);
      }
      const run = await gatewayRun(loop, i, traefik.parentRefs, traefik.url);
      log(`gateway #${i}: ${JSON.stringify(run)}`);
      runs.push(run);
    }
  } finally {
    await loop.stop();
  }
  const med = (s: Scenario, k: keyof Run) =>
    round(median(runs.filter((r) => r.scenario === s).map((r) => Number(r[k]))));
  const summary = Object.fromEntries(
    (['floor', 'steps-0s', 'analysis', 'gateway'] as const).map((s) => [
      s,
      {
        routeWrittenSeconds: med(s, 'routeWrittenSeconds'),
        routeAcceptedSeconds: med(s, 'routeAcceptedSeconds'),
        trafficSeconds: med(s, 'trafficSeconds'),
      },
    ]),
  );
  const path = writeResult(opts.out, {
    date: new Date().toISOString(),
    command: `npm run bench:loop -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: machine(),
    settings: {
      clientRequestsPerSecond: RATE,
      ninetyNine: `the first request of the first ${WINDOW} consecutive ones with ≥ ${WANT} answered by v2`,
      rollouts: ROLLOUTS,
      gateway: 'Traefik v3.6.12, providersThrottleDuration 2s (its default)',
      metacontroller: '--client-go-qps=100 --client-go-burst=200 --workers=10, resync 60 s',
    },
    summary,
    runs,
  });
  log(`results: ${path} ${JSON.stringify(summary)}`);
}

export const defaultOut = () => `loop-traffic-bench-${today()}.json`;

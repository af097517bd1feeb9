import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { streamHugeVector } from '../helpers/huge-answer.js';
import { start, type Running } from './lib/process.js';

// A hostile Prometheus against the real hook server process, run with the shipped heap limit
// (--max-old-space-size=352, as src/install/manifests.ts ships it): huge answers (declared and
// streamed), an answer that drips past the deadline, many series, values that overflow, a
// sample handed out twice. The server stays up (same process, /readyz ok), stays well under
// its heap limit, and every such answer is an inconclusive check with a fixed reason — never
// a verdict on production traffic. Built in test code (no src/ import): the server is the subject.

const SHIPPED_NODE_OPTIONS = '--max-old-space-size=352 --max-semi-space-size=32';
const MB = 1024 * 1024;

/** One series of `value`, or `n` series: an instant-query vector answer. */
function vector(values: string[], at: number): string {
  return JSON.stringify({
    status: 'success',
    data: {
      resultType: 'vector',
      result: values.map((v, i) => ({ metric: { pod: `p${i}` }, value: [at, v] })),
    },
  });
}

/** A Prometheus whose answer depends on the metric name the query asks for. */
async function hostilePrometheus(t: Test) {
  const asked: string[] = [];
  let badThenGood = 0;
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const q = u.searchParams.get('query') ?? '';
    const at = Number(u.searchParams.get('time') ?? Date.now() / 1000);
    const mode = /^(\w+)\{/.exec(q)?.[1] ?? '';
    asked.push(mode);
    if (mode === 'huge_declared') return streamHugeVector(res, 100 * MB, true);
    if (mode === 'huge_streamed') return streamHugeVector(res, 100 * MB, false);
    if (mode === 'drip') {
      res.writeHead(200);
      const timer = setInterval(() => res.write(' '), 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (mode === 'many_series') return void res.end(vector(['0.04', '0.04', '0.04'], at));
    if (mode === 'overflow') return void res.end(vector(['1e308', '1e308'], at));
    if (mode === 'nan') return void res.end(vector(['NaN'], at));
    // A caching proxy: the same (bad) sample, with its old time, to every check.
    if (mode === 'stale') return void res.end(vector(['0.2'], 1767225600));
    if (mode === 'bad_then_good')
      return void res.end(vector([badThenGood++ === 0 ? '0.2' : '0.01'], at));
    res.end(vector(['0.01'], at));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, asked };
}

type Obj = Record<string, any>;

/** A handler rolling v1 → v2 with one analysis query; everything else as a user writes it. */
function handler(mode: string, version: string, status?: Obj): Obj {
  return {
    apiVersion: 'gati.dev/v1alpha1',
    kind: 'GatiHandler',
    metadata: {
      name: `h-${mode.replace(/_/g, '-')}`,
      namespace: 'shop',
      uid: `uid-${mode}`,
      generation: 1,
      resourceVersion: '1',
    },
    spec: {
      handlerPath: '/api',
      version,
      image: `app:${version}`,
      rollout: {
        steps: [{ weight: 25, pauseSeconds: 600 }],
        analysis: {
          metricQuery: `${mode}{version="{{version}}"}`,
          threshold: 0.05,
          intervalSeconds: 1,
          failureLimit: 2,
          inconclusiveLimit: 100,
        },
      },
    },
    ...(status ? { status } : {}),
  };
}

/** stored turns the answer's children into what the API server would send back: Deployments up. */
function stored(children: Obj[]): Obj {
  const groups: Obj = {
    'Deployment.apps/v1': {},
    'Service.v1': {},
    'HorizontalPodAutoscaler.autoscaling/v2': {},
    'ScaledObject.keda.sh/v1alpha1': {},
    'PodDisruptionBudget.policy/v1': {},
    'HTTPRoute.gateway.networking.k8s.io/v1': {},
  };
  for (const c of children) {
    const o = structuredClone(c);
    o.metadata.generation = 1;
    if (o.kind === 'Deployment')
      o.status = {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
      };
    groups[`${o.kind}.${o.apiVersion}`][`shop/${o.metadata.name}`] = o;
  }
  return groups;
}

/** A loop of one handler through the real server: each answer's children and status fed back. */
class Loop {
  parent: Obj;
  children: Obj = stored([]);
  constructor(
    private readonly base: string,
    private readonly mode: string,
  ) {
    this.parent = handler(mode, 'v1');
  }
  async sync(): Promise<Obj> {
    const res = await fetch(`${this.base}/hooks/gatihandler/sync`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        controller: {},
        parent: this.parent,
        children: this.children,
        related: {},
      }),
    });
    if (res.status !== 200) throw new Error(`sync answered ${res.status}: ${await res.text()}`);
    const answer = (await res.json()) as Obj;
    this.parent = { ...this.parent, status: answer.status };
    this.children = stored(answer.children);
    return answer;
  }
  /** Serving v1, then rolling out v2 until its first step holds. */
  async toFirstStep(): Promise<void> {
    await this.sync();
    await this.sync();
    this.parent = handler(this.mode, 'v2', this.parent.status);
    for (let i = 0; i < 4 && this.parent.status?.rollout?.stepStartedAt === undefined; i++)
      await this.sync();
    if (this.parent.status?.rollout?.phase !== 'Progressing')
      throw new Error(`no rollout in flight: ${JSON.stringify(this.parent.status?.rollout)}`);
  }
  /** checks runs syncs a second apart until `n` checks were counted (or `tries` syncs passed). */
  async checks(n: number, tries = 8): Promise<Obj> {
    for (let i = 0; i < tries; i++) {
      await new Promise((r) => setTimeout(r, 1100));
      await this.sync();
      const a = this.parent.status.rollout.analysis ?? {};
      if ((a.passes ?? 0) + (a.failures ?? 0) + (a.inconclusive ?? 0) >= n) break;
    }
    return this.parent.status.rollout;
  }
}

function memoryOf(pid: number): { rssMB: number; peakMB: number } {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(s)?.[1] ?? 0);
  return { rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 };
}

t.test('a hostile Prometheus against the real server process', async (t) => {
  const prom = await hostilePrometheus(t);
  const srv: Running = start(t, [...SHIPPED_NODE_OPTIONS.split(' '), 'src/cli/main.ts', 'serve'], {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    PROMETHEUS_URL: prom.url,
    PROMETHEUS_TIMEOUT_MS: '1000',
  });
  const base = String((await srv.waitFor(/hook server listening/)).address);
  const pid = srv.child.pid!;

  for (const [mode, reason] of [
    ['huge_declared', 'AnswerTooLarge'],
    ['huge_streamed', 'AnswerTooLarge'],
    ['drip', 'Timeout'],
    ['many_series', 'ManySeries'],
    ['overflow', 'ManySeries'],
    ['nan', 'NotFinite'],
  ] as const) {
    const loop = new Loop(base, mode);
    await loop.toFirstStep();
    const r = await loop.checks(2);
    t.match(
      r,
      {
        phase: 'Progressing',
        stepWeight: 25,
        analysis: { lastResult: 'Inconclusive', lastReason: reason, failures: 0 },
      },
      `${mode}: inconclusive (${reason}), never a failure: the rollout is not aborted`,
    );
    t.notOk('lastValue' in r.analysis, `${mode}: no value was made up`);
  }
  const health = await fetch(`${base}/readyz`);
  t.equal(health.status, 200, '/readyz answers after every hostile answer');
  t.equal(srv.child.exitCode, null, 'the same process is still running');
  const mem = memoryOf(pid);
  t.ok(
    mem.peakMB < 352,
    `peak resident memory ${mem.peakMB.toFixed(0)} MB stays under the 352 MB heap limit (two 100 MB answers refused)`,
  );
  const logged = JSON.stringify(srv.lines);
  t.match(logged, /rollout analysis of shop\/h-huge-declared\/v2 unavailable \(AnswerTooLarge\)/);
  t.notMatch(logged, /"pod":"x{50}/, 'no answer text reaches the log');

  t.test('one sample, one check: the same sample twice never counts twice', async (t) => {
    const loop = new Loop(base, 'stale');
    await loop.toFirstStep();
    const r = await loop.checks(2, 4);
    t.match(
      r,
      { phase: 'Progressing', analysis: { failures: 1, failuresInARow: 1 } },
      'one failure, from one sample',
    );
    t.equal(r.analysis.lastSampleAt, '2026-01-01T00:00:00.000Z');
  });

  t.test('bad once, then good: never aborted on one bad sample', async (t) => {
    const loop = new Loop(base, 'bad_then_good');
    await loop.toFirstStep();
    const r = await loop.checks(3);
    t.match(r, { phase: 'Progressing', analysis: { failures: 1, failuresInARow: 0 } });
    t.ok(r.analysis.passes >= 1, `${r.analysis.passes} passed checks after the bad one`);
  });
});

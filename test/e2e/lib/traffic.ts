/**
 * Requests through a cluster's gateway, for the traffic stories (./traffic-stories.ts): a
 * bounded burst (`send`) and a steady open-loop client (`steady`), both recording who answered
 * each request (the version's `x-gati-served-by`), its status, the pin header it echoed, and
 * connection errors. And what a driver with a real data plane offers those stories
 * (`TrafficPlane`). Every loop here is bounded in count and time and targets the gateway's
 * loopback address only.
 */
import http from 'node:http';

/** One series of a Prometheus instant query. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** How a version's server misbehaves (carried by its image: TrafficPlane.image). */
export interface Behaviour {
  /** Percent of requests answered 500, spread evenly. */
  errorPercent: number;
  /** Delay before each answer. */
  latencyMs: number;
}

/** One kind of request: a path and the headers and query parameters that select a version. */
export interface RequestSpec {
  path: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

/** What one request got. */
export interface Answer {
  /** ms since epoch when it was sent. */
  at: number;
  status: number;
  /** The version that answered (x-gati-served-by), when one did. */
  version?: string;
  /** The x-gati-version the version echoed, when it got one. */
  echo?: string;
  /** The x-gati-transform-from the version echoed: the gateway added it on a bridged pin. */
  transformFrom?: string;
  /** The Deprecation and Sunset response headers, when the gateway set them. */
  deprecation?: string;
  sunset?: string;
  /** A connection error or timeout (status 0). */
  error?: string;
}

/** Answers summed up. */
export interface Tally {
  sent: number;
  /** 2xx answers by the version that gave them. */
  byVersion: Record<string, number>;
  /** Every answer (any status) by the version that gave it. */
  servedBy: Record<string, number>;
  /** 5xx answers. */
  status5xx: number;
  /** 4xx answers (no route matched: a gateway's 404). */
  status4xx: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** Answers whose echoed pin header differs from the one sent. */
  echoMismatches: number;
  /** Answers by the x-gati-transform-from their version echoed (bridged pins). */
  transformedFrom: Record<string, number>;
  /** The first few failures, for messages. */
  samples: string[];
}

/** A steady client: started at once, bounded by its maxSeconds. */
export interface SteadyClient {
  /** The answers so far (requests still in flight are not in it). */
  answers(): Answer[];
  /** Stops sending, waits for the requests in flight, and returns every answer. */
  stop(): Promise<Answer[]>;
}

/** What a driver with a real Gateway API data plane and Prometheus offers the traffic stories. */
export interface TrafficPlane {
  /** The controllerName the gateway writes into HTTPRoute status. */
  readonly gatewayController: string;
  /** Seconds the gateway may take to route by a route after it reported the route's status. */
  readonly applySeconds: number;
  /** Seconds between two scrapes of Prometheus. */
  readonly scrapeSeconds: number;
  /** An image whose version answers like `behaviour` (healthy when omitted). */
  image(tag: string, behaviour?: Partial<Behaviour>): string;
  /** Sends `count` requests through the gateway and sums up what they got. */
  send(req: RequestSpec, count: number, opts?: { concurrency?: number }): Promise<Tally>;
  /** Starts sending `perSecond` requests a second through the gateway, for at most maxSeconds. */
  steady(req: RequestSpec, perSecond: number, maxSeconds: number): SteadyClient;
  /** A Prometheus instant query (the one the hook server asks). */
  query(promql: string): Promise<Sample[]>;
  /** Keeps a story's measurement for bench/results/loop-traffic-*.json. */
  record(story: string, key: string, value: unknown): void;
}

/** tally sums up answers; `pin` is the x-gati-version the requests carried, if any. */
export function tally(answers: Answer[], pin?: string): Tally {
  const t: Tally = {
    sent: answers.length,
    byVersion: {},
    servedBy: {},
    status5xx: 0,
    status4xx: 0,
    errors: 0,
    echoMismatches: 0,
    transformedFrom: {},
    samples: [],
  };
  const fail = (a: Answer, why: string) => {
    if (t.samples.length < 5) t.samples.push(`${new Date(a.at).toISOString()} ${why}`);
  };
  for (const a of answers) {
    if (a.version) t.servedBy[a.version] = (t.servedBy[a.version] ?? 0) + 1;
    if (a.error) {
      t.errors++;
      fail(a, a.error);
    } else if (a.status >= 500) {
      t.status5xx++;
      fail(a, `${a.status} from ${a.version ?? 'the gateway'}`);
    } else if (a.status >= 400) {
      t.status4xx++;
      fail(a, `${a.status} from ${a.version ?? 'the gateway'}`);
    } else if (a.version) t.byVersion[a.version] = (t.byVersion[a.version] ?? 0) + 1;
    if (pin !== undefined && a.version && a.echo !== pin) t.echoMismatches++;
    if (a.transformFrom)
      t.transformedFrom[a.transformFrom] = (t.transformedFrom[a.transformFrom] ?? 0) + 1;
  }
  return t;
}

/** Failed requests of a tally: 5xx, 4xx and connection errors. */
export const failures = (t: Tally): number => t.status5xx + t.status4xx + t.errors;

/** Percent of `t`'s answered requests (2xx or not) that `version` served, to one decimal. */
export function share(t: Tally, version: string): number {
  const answered = Object.values(t.servedBy).reduce((a, b) => a + b, 0);
  return answered === 0 ? 0 : Math.round((1000 * (t.servedBy[version] ?? 0)) / answered) / 10;
}

const REQUEST_TIMEOUT_MS = 5_000;

/** One request through the gateway at baseUrl. Never rejects: failures are in the answer. */
function request(agent: http.Agent, baseUrl: string, spec: RequestSpec): Promise<Answer> {
  const u = new URL(spec.path, baseUrl);
  for (const [k, v] of Object.entries(spec.query ?? {})) u.searchParams.set(k, v);
  const at = Date.now();
  return new Promise((resolve) => {
    const req = http.get(
      u,
      { agent, headers: spec.headers ?? {}, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        res.resume();
        res.on('end', () => {
          const header = (name: string) => {
            const v = res.headers[name];
            return typeof v === 'string' ? v : undefined;
          };
          resolve({
            at,
            status: res.statusCode ?? 0,
            version: header('x-gati-served-by'),
            echo: header('x-gati-version'),
            transformFrom: header('x-gati-transform-from'),
            deprecation: header('deprecation'),
            sunset: header('sunset'),
          });
        });
        res.on('error', (e) => resolve({ at, status: 0, error: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve({ at, status: 0, error: e.message }));
  });
}

/** send: `count` requests, at most `concurrency` in flight, over kept-alive connections. */
export async function send(
  baseUrl: string,
  spec: RequestSpec,
  count: number,
  concurrency = 16,
): Promise<Tally> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const answers: Answer[] = [];
  let next = 0;
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count) {
          next++;
          answers.push(await request(agent, baseUrl, spec));
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return tally(answers, spec.headers?.['x-gati-version']);
}

/**
 * steady: an open-loop client — request i leaves at start + i / perSecond whether or not the
 * earlier ones were answered (as users do), until stop() or maxSeconds; at most 4 × perSecond
 * requests in flight (beyond that a request counts as an error: the gateway is not keeping up).
 */
export function steady(
  baseUrl: string,
  spec: RequestSpec,
  perSecond: number,
  maxSeconds: number,
): SteadyClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 * perSecond });
  const answers: Answer[] = [];
  const inFlight = new Set<Promise<void>>();
  const start = Date.now();
  const limit = Math.ceil(perSecond * maxSeconds);
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    const due = Math.min(limit, Math.floor(((Date.now() - start) * perSecond) / 1000) + 1);
    for (; sent < due; sent++) {
      if (inFlight.size >= 4 * perSecond) {
        answers.push({ at: Date.now(), status: 0, error: 'client backlog: gateway too slow' });
        continue;
      }
      const p = request(agent, baseUrl, spec).then((a) => {
        answers.push(a);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    timer = sent < limit ? setTimeout(tick, Math.max(1, Math.floor(1000 / perSecond))) : undefined;
  };
  tick();
  return {
    answers: () => [...answers].sort((a, b) => a.at - b.at),
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      await Promise.all([...inFlight]);
      agent.destroy();
      return [...answers].sort((a, b) => a.at - b.at);
    },
  };
}

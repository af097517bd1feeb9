/**
 * Versions that answer: what the pods of a handler version would serve if the loop had a
 * kubelet and a container runtime. One tiny HTTP server per running version Deployment
 * answers every path with its version id, echoes the request's `x-gati-version` and
 * `x-gati-transform-from` (the version whose transformer a Gati app would apply), and counts
 * `http_requests_total{version,code}` on /metrics. How a version misbehaves is part of its
 * image, as it would be of a build: `<repo>:<tag>-errors20` answers 20 % of requests 500,
 * `-latency50ms` delays every answer by 50 ms (imageWith() writes such a tag).
 */
import http from 'node:http';
import type net from 'node:net';
import type { Behaviour } from '../../e2e/lib/traffic.js';

const ERRORS = /-errors(\d{1,3})(?=-|$)/;
const LATENCY = /-latency(\d{1,5})ms(?=-|$)/;

/** The behaviour an image's tag asks for (healthy and immediate when it asks for nothing). */
export function behaviourOf(image: string): Behaviour {
  const tag = image.slice(image.lastIndexOf(':') + 1);
  return {
    errorPercent: Math.min(100, Number(ERRORS.exec(tag)?.[1] ?? 0)),
    latencyMs: Number(LATENCY.exec(tag)?.[1] ?? 0),
  };
}

/** An image whose tag asks for `behaviour` (the inverse of behaviourOf). */
export function imageWith(image: string, behaviour: Partial<Behaviour>): string {
  const errors = behaviour.errorPercent ? `-errors${behaviour.errorPercent}` : '';
  const latency = behaviour.latencyMs ? `-latency${behaviour.latencyMs}ms` : '';
  return `${image}${errors}${latency}`;
}

/** The response header naming the version that answered. */
const SERVED_BY_HEADER = 'x-gati-served-by';
/** The pin header the server echoes back. */
const PIN_HEADER = 'x-gati-version';
/** The bridge header (a retired version's pins, served through a transformer), echoed back. */
const TRANSFORM_HEADER = 'x-gati-transform-from';

/** One version's server: the app a version's pods would run. */
export class VersionApp {
  private server: http.Server | undefined;
  /** Answers so far by status code; both codes exist from the start so ratios always have series. */
  private readonly answered: Record<'200' | '500', number> = { '200': 0, '500': 0 };
  private requests = 0;
  port = 0;

  constructor(
    readonly versionId: string,
    readonly behaviour: Behaviour,
  ) {}

  /** Listens on host (every interface by default: the gateway reaches it at the node address). */
  async start(host = '0.0.0.0'): Promise<number> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 30_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, resolve);
    });
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.metrics());
      return;
    }
    // Requests n = 1, 2, ... fail when they cross a multiple of 100 / errorPercent.
    const n = ++this.requests;
    const p = this.behaviour.errorPercent;
    const code = Math.floor((n * p) / 100) > Math.floor(((n - 1) * p) / 100) ? 500 : 200;
    const pinned = req.headers[PIN_HEADER];
    const from = req.headers[TRANSFORM_HEADER];
    const answer = () => {
      this.answered[code === 500 ? '500' : '200']++;
      res
        .writeHead(code, {
          'content-type': 'application/json',
          [SERVED_BY_HEADER]: this.versionId,
          ...(typeof pinned === 'string' ? { [PIN_HEADER]: pinned } : {}),
          ...(typeof from === 'string' ? { [TRANSFORM_HEADER]: from } : {}),
        })
        .end(JSON.stringify({ version: this.versionId, code }));
    };
    if (this.behaviour.latencyMs > 0) setTimeout(answer, this.behaviour.latencyMs);
    else answer();
  }

  /** Prometheus text of its counters. */
  metrics(): string {
    const v = this.versionId.replace(/["\\]/g, '\\$&');
    return [
      '# HELP http_requests_total Requests answered, by version and status code.',
      '# TYPE http_requests_total counter',
      ...(['200', '500'] as const).map(
        (code) => `http_requests_total{version="${v}",code="${code}"} ${this.answered[code]}`,
      ),
      '',
    ].join('\n');
  }

  /** Stops accepting, lets answers in flight finish (at most graceMs), then closes every socket. */
  async stop(graceMs = 5_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
  }
}

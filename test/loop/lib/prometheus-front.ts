/**
 * A front between the hook server and Prometheus, for the `hostile` story: queries for a
 * metric named `hostile_*` are answered with a 100 MB streamed vector of many series while
 * `hostile` is on; everything else goes to the real Prometheus of the data plane, unchanged,
 * or — without one — gets an empty vector. It counts what it served, so a story can tell the
 * hostile answer was really sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { streamHugeVector } from '../../helpers/huge-answer.js';

const MB = 1024 * 1024;

export class PrometheusFront {
  private server: http.Server | undefined;
  /** The real Prometheus, when the loop has one. */
  upstream: string | undefined;
  /** Answer `hostile_*` queries with a huge answer. */
  hostile = false;
  /** Hostile answers started. */
  hostileAnswers = 0;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const query = u.searchParams.get('query') ?? '';
    if (this.hostile && /^\s*hostile_/.test(query)) {
      this.hostileAnswers++;
      return streamHugeVector(res, 100 * MB);
    }
    if (!this.upstream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end('{"status":"success","data":{"resultType":"vector","result":[]}}');
    }
    try {
      const up = await fetch(`${this.upstream.replace(/\/+$/, '')}${req.url}`, {
        headers: req.headers.authorization ? { authorization: req.headers.authorization } : {},
        signal: AbortSignal.timeout(10_000),
      });
      res.writeHead(up.status, {
        'content-type': up.headers.get('content-type') ?? 'application/json',
      });
      res.end(Buffer.from(await up.arrayBuffer()));
    } catch {
      res.writeHead(502).end();
    }
  }
}

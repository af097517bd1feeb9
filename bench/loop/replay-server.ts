/**
 * The replay floor of the loop benchmark: a hook server whose own work is as close to nothing
 * as possible. It answers each call with the answer our hooks gave to the same request in a
 * recording run, looked up by a fingerprint of the request; on a miss it asks the real hooks
 * (./real-hook.ts) and remembers the answer. Plain node:http, no framework, no validation.
 *
 *   PORT, HOST          where to listen
 *   RECORDING           a recording to replay (JSON: { "<path> <fingerprint>": "<answer>" })
 *   RECORD_OUT          where POST /recording writes every answer known so far
 *   VERIFY_EVERY        every k-th hit is also answered by the real hooks and compared (0: never)
 *   CAPTURE_OUT         append every hook call to this file, one JSON line each ({ms, path, body}:
 *                       ms since the first call), for bench/loop/replay-calls.ts; a synchronous
 *                       append per call, so a capturing run's CPU figures are not the floor's
 *
 * GET /readyz, GET /stats (calls, hits, misses, bytes per controller/hook).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { realHook } from './real-hook.js';

/** Keys whose values differ between two runs of the same story and that no hook reads. */
const VOLATILE_KEYS = new Set([
  'managedFields',
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'clusterIP',
  'clusterIPs',
  'url', // the controller's webhook urls carry the hook server's loopback port
]);
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** JSON.stringify replacer: volatile keys dropped, timestamps and uids (e.g. controller-uid labels) blanked. */
function stable(key: string, value: unknown): unknown {
  if (VOLATILE_KEYS.has(key)) return undefined;
  if (typeof value === 'string' && (TIMESTAMP.test(value) || UUID.test(value))) return 'X';
  return value;
}

interface HookRequest {
  parent?: { metadata?: { name?: string } };
  related?: Record<string, Record<string, { metadata?: { name?: string } }>>;
}

/**
 * fingerprint of one hook request: its path and a hash of the request without volatile values
 * and with only the related objects whose name contains the parent's or is contained in it.
 * Today a handler's request carries every GatiVersion and GatiHandler of its namespace and a
 * GatiVersion's every GatiHandler, so with N handlers in flight no two runs ever send the same
 * full request; what the hooks read of it is the parent's own objects, which in this benchmark
 * are exactly those (`h-007` owns `h-007-v1`, `h-007-v2`). The floor run must still converge to
 * the same state, and `VERIFY_EVERY` checks replayed answers against the real hooks.
 */
function fingerprint(path: string, request: HookRequest): string {
  const parent = request.parent?.metadata?.name ?? '';
  const related: Record<string, Record<string, unknown>> = {};
  for (const [group, objects] of Object.entries(request.related ?? {})) {
    related[group] = {};
    for (const [key, o] of Object.entries(objects)) {
      const name = o?.metadata?.name ?? '';
      if (name.includes(parent) || parent.includes(name)) related[group][key] = o;
    }
  }
  const text = JSON.stringify({ ...request, related }, stable);
  return `${path} ${createHash('sha1').update(text).digest('base64url')}`;
}

/** An answer without what legitimately differs between runs (timestamps, timer lengths), for VERIFY_EVERY. */
const comparable = (answer: string): string =>
  JSON.stringify(JSON.parse(answer), (k, v) => (k === 'resyncAfterSeconds' ? 0 : stable(k, v)));

interface HookStats {
  calls: number;
  hits: number;
  misses: number;
  errors: number;
  /** Hits checked against the real hooks (VERIFY_EVERY), and how many answered differently. */
  verified: number;
  mismatches: number;
  requestBytes: number;
  responseBytes: number;
}

function main(): void {
  const verifyEvery = Number(process.env.VERIFY_EVERY ?? 0);
  const recording = new Map<string, string>(
    process.env.RECORDING
      ? Object.entries(
          JSON.parse(readFileSync(process.env.RECORDING, 'utf8')) as Record<string, string>,
        )
      : [],
  );
  const stats = new Map<string, HookStats>();
  const statsOf = (hook: string): HookStats => {
    let s = stats.get(hook);
    if (!s)
      stats.set(
        hook,
        (s = {
          calls: 0,
          hits: 0,
          misses: 0,
          errors: 0,
          verified: 0,
          mismatches: 0,
          requestBytes: 0,
          responseBytes: 0,
        }),
      );
    return s;
  };
  const captureOut = process.env.CAPTURE_OUT;
  let firstCallAt: number | undefined;
  const capture = (path: string, body: string) => {
    if (!captureOut) return;
    firstCallAt ??= Date.now();
    appendFileSync(captureOut, `${JSON.stringify({ ms: Date.now() - firstCallAt, path, body })}\n`);
  };
  const json = (res: http.ServerResponse, code: number, body: string) =>
    res.writeHead(code, { 'content-type': 'application/json' }).end(body);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      if (req.method === 'GET' && url === '/readyz') return json(res, 200, '{"status":"ready"}');
      if (req.method === 'GET' && url === '/stats')
        return json(
          res,
          200,
          JSON.stringify({ recorded: recording.size, hooks: Object.fromEntries(stats) }),
        );
      if (req.method === 'POST' && url === '/recording') {
        writeFileSync(
          process.env.RECORD_OUT ?? 'recording.json',
          JSON.stringify(Object.fromEntries(recording)),
        );
        return json(res, 200, JSON.stringify({ recorded: recording.size }));
      }
      const m = /^\/hooks\/([^/]+)\/([^/]+)$/.exec(url);
      if (req.method !== 'POST' || !m) return json(res, 404, '{"error":"not found"}');
      const body = Buffer.concat(chunks).toString('utf8');
      capture(url, body);
      const s = statsOf(`${m[1]}/${m[2]}`);
      s.calls++;
      s.requestBytes += Buffer.byteLength(body);
      let request: HookRequest;
      try {
        request = JSON.parse(body) as HookRequest;
      } catch {
        return json(res, 400, '{"error":"body is not JSON"}');
      }
      const key = fingerprint(url, request);
      const real = () => realHook(m[1]!, m[2]!, request, new Date());
      let answer = recording.get(key);
      try {
        if (answer === undefined) {
          s.misses++;
          answer = real();
          recording.set(key, answer);
        } else {
          s.hits++;
          if (verifyEvery > 0 && s.hits % verifyEvery === 0) {
            s.verified++;
            if (comparable(real()) !== comparable(answer)) s.mismatches++;
          }
        }
      } catch (e) {
        s.errors++;
        return res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
      }
      s.responseBytes += Buffer.byteLength(answer);
      json(res, 200, answer);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.on(sig, () => server.close(() => process.exit(0)));
}

main();

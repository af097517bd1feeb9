import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t from 'tap';
import { HOOKS } from '../helpers/hooks.js';
import { handler, syncRequest, withHpa } from '../helpers/builders.js';

// SIGTERM while hook calls are in flight on many keep-alive connections: every answer that
// starts arrives whole (a truncated 200 could make Metacontroller delete workloads), the rest
// are refused or reset before any byte, and the process exits 0 within its grace period.

const ROOT = join(import.meta.dirname, '..', '..');
const CONNECTIONS = 10;
const GRACE_MS = 10_000;
const BODY = JSON.stringify(syncRequest('gatihandler', handler(withHpa()), [], 'v2'));
const EXPECTED_CHILDREN = HOOKS.gatihandler.sync(JSON.parse(BODY), { now: new Date() }).children
  .length;

type Outcome =
  | { kind: 'complete'; status: number; body: string }
  | { kind: 'refused'; code: string }
  | { kind: 'partial'; status: number; bytes: number; code: string };

/** call posts one hook request and says how it ended: whole answer, refused before any byte, or cut mid-answer. */
function call(port: number, agent: Agent): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/hooks/gatihandler/sync',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve(
            res.complete
              ? {
                  kind: 'complete',
                  status: res.statusCode ?? 0,
                  body: Buffer.concat(chunks).toString(),
                }
              : {
                  kind: 'partial',
                  status: res.statusCode ?? 0,
                  bytes: Buffer.concat(chunks).length,
                  code: 'incomplete',
                },
          ),
        );
        res.on('error', (e: NodeJS.ErrnoException) =>
          resolve({
            kind: 'partial',
            status: res.statusCode ?? 0,
            bytes: Buffer.concat(chunks).length,
            code: e.code ?? e.message,
          }),
        );
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ kind: 'refused', code: e.code ?? e.message }),
    );
    req.end(BODY);
  });
}

t.test(
  'SIGTERM under load: no partial answer, every 200 complete, exit 0 within the grace period',
  async (t) => {
    // Through `env -u`, as in process.test.ts: tap's coverage hooks must not reach the child.
    const child = spawn(
      'env',
      [
        '-u',
        'NODE_OPTIONS',
        '-u',
        'NODE_V8_COVERAGE',
        process.execPath,
        '--import',
        'tsx',
        'src/cli/main.ts',
        'serve',
      ],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          PORT: '0',
          HOST: '127.0.0.1',
          SHUTDOWN_GRACE_MS: String(GRACE_MS),
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const address = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('server did not listen within 30 s')),
        30_000,
      );
      createInterface({ input: child.stdout! }).on('line', (l) => {
        const m = /"address":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(l);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const port = Number(new URL(address).port);

    const outcomes: Outcome[] = [];
    let stopping = false;
    const worker = async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      // Keep calling until the server is gone: a refusal after SIGTERM ends this connection's loop.
      while (outcomes.length < 20_000) {
        const o = await call(port, agent);
        outcomes.push(o);
        if (o.kind === 'refused' && stopping) break;
      }
      agent.destroy();
    };
    const workers = Array.from({ length: CONNECTIONS }, worker);
    // Let the load run until a good number of calls completed, then SIGTERM mid-load.
    const loadStart = Date.now();
    while (
      outcomes.filter((o) => o.kind === 'complete').length < 50 &&
      Date.now() - loadStart < 15_000
    )
      await new Promise((r) => setTimeout(r, 50));
    const before = outcomes.length;
    stopping = true;
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    const shutdownMs = Date.now() - signalled;
    await Promise.all(workers);

    t.equal(code, 0, 'exit 0');
    t.ok(shutdownMs < GRACE_MS, `exited ${shutdownMs} ms after SIGTERM (grace ${GRACE_MS} ms)`);
    t.ok(before >= 50, `${before} calls answered before SIGTERM`);
    const partial = outcomes.filter((o) => o.kind === 'partial');
    t.same(partial, [], 'no answer was cut off mid-body');
    const complete = outcomes.filter(
      (o): o is Extract<Outcome, { kind: 'complete' }> => o.kind === 'complete',
    );
    const ok = complete.filter((o) => o.status === 200);
    t.ok(ok.length >= 50, `${ok.length} complete 200 answers`);
    const badOk = ok.filter((o) => {
      try {
        return (
          (JSON.parse(o.body) as { children: unknown[] }).children.length !== EXPECTED_CHILDREN
        );
      } catch {
        return true;
      }
    });
    t.equal(badOk.length, 0, `every 200 carries valid JSON with all ${EXPECTED_CHILDREN} children`);
    const others = complete.filter((o) => o.status !== 200);
    t.ok(
      others.every((o) => o.status === 503 && typeof (JSON.parse(o.body) as object) === 'object'),
      `answers other than 200 are whole 503s from the closing server (${others.length})`,
    );
    const refusedCodes = new Set(
      outcomes.filter((o) => o.kind === 'refused').map((o) => (o as { code: string }).code),
    );
    t.ok(
      [...refusedCodes].every((c) => ['ECONNREFUSED', 'ECONNRESET', 'EPIPE'].includes(c)),
      `failures are refusals or resets before any byte: ${[...refusedCodes].join(', ') || 'none'}`,
    );
    t.ok(outcomes.length > before, 'calls were in flight or attempted after SIGTERM');
  },
);

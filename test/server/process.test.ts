import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import t, { type Test } from 'tap';

const ROOT = join(import.meta.dirname, '..', '..');

interface Running {
  child: ChildProcess;
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  waitFor(msg: RegExp): Promise<Record<string, unknown>>;
}

/** start runs a TypeScript entry with tsx, collecting its JSON log lines; killed at teardown if still alive. */
function start(t: Test, args: string[], env: Record<string, string>): Running {
  // Through `env -u`: keeps tap's coverage hooks out of the tsx-compiled children, whose
  // offsets would not match tap's own (ts-node) coverage of the same files.
  const child = spawn(
    'env',
    ['-u', 'NODE_OPTIONS', '-u', 'NODE_V8_COVERAGE', process.execPath, '--import', 'tsx', ...args],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const lines: Array<Record<string, unknown>> = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    try {
      lines.push(JSON.parse(l) as Record<string, unknown>);
    } catch {
      lines.push({ msg: l });
    }
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  t.teardown(() => void (child.exitCode === null && child.kill('SIGKILL')));
  const waitFor = (msg: RegExp) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no log line matching ${msg} in 20s: ${JSON.stringify(lines)}`)),
        20000,
      );
      const check = () => {
        const hit = lines.find((l) => msg.test(String(l.msg)));
        if (hit) {
          clearTimeout(timer);
          resolve(hit);
        } else waiters.push(check);
      };
      check();
    });
  return { child, lines, exited, waitFor };
}

// Built inline: importing src/ here would add this process to coverage with nothing exercised.
const deployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'ns1' },
});
const REQUEST = {
  parent: { metadata: { name: 'p', namespace: 'ns1' } },
  children: { 'Deployment.apps/v1': { 'ns1/a': deployment('a'), 'ns1/b': deployment('b') } },
};
const hookCall = (base: string) =>
  fetch(`${base}/hooks/gatihandler/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(REQUEST),
  });

t.test(
  'SIGTERM during a slow hook call: the call completes with 200, new connections are refused, exit 0',
  async (t) => {
    const srv = start(t, ['test/server/slow-server.ts'], {
      GATI_SLOW_SERVER: '1',
      SLOW_MS: '1500',
      LOG_LEVEL: 'debug',
      PORT: '0',
      HOST: '127.0.0.1',
      SHUTDOWN_GRACE_MS: '10000',
    });
    const base = String((await srv.waitFor(/hook server listening/)).address);
    t.match(base, /^http:\/\/127\.0\.0\.1:\d+$/);
    const inFlight = hookCall(base);
    await srv.waitFor(/^hook call$/);
    srv.child.kill('SIGTERM');
    await srv.waitFor(/shutting down/);
    await t.rejects(
      fetch(`${base}/healthz`),
      'the listener is closed: new connections are refused',
    );
    const res = await inFlight;
    t.equal(res.status, 200, 'the in-flight call completed');
    t.equal(((await res.json()) as { children: unknown[] }).children.length, 2);
    t.equal(await srv.exited, 0);
    t.ok(srv.lines.some((l) => l.msg === 'shutdown complete'));
  },
);

t.test('a call outlasting SHUTDOWN_GRACE_MS ends in a hard exit 1', async (t) => {
  const srv = start(t, ['test/server/slow-server.ts'], {
    GATI_SLOW_SERVER: '1',
    SLOW_MS: '5000',
    LOG_LEVEL: 'debug',
    PORT: '0',
    HOST: '127.0.0.1',
    SHUTDOWN_GRACE_MS: '300',
  });
  const base = String((await srv.waitFor(/hook server listening/)).address);
  const inFlight = hookCall(base).catch(() => 'connection lost');
  await srv.waitFor(/^hook call$/);
  srv.child.kill('SIGTERM');
  t.equal(await srv.exited, 1);
  t.equal(await inFlight, 'connection lost');
});

t.test('a bad environment stops `serve` with a message naming the variable', async (t) => {
  const srv = start(t, ['src/cli/main.ts', 'serve'], { PORT: 'abc' });
  let stderr = '';
  srv.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  t.equal(await srv.exited, 1);
  t.match(stderr, 'gati-operator serve: PORT must be an integer 0-65535 (got "abc")');
});

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '0.0.0.0', () => s.close(() => resolve(true)));
  });
}

const busy =
  !(await portFree(8080)) && 'port 8080 is busy on this machine; cannot check the default port';
t.test("npm start's command serves on 0.0.0.0:8080 with no config", { skip: busy }, async (t) => {
  const srv = start(t, ['src/cli/main.ts', 'serve'], {});
  const line = await srv.waitFor(/hook server listening/);
  t.match(String(line.address), /:8080$/);
  const res = await fetch('http://127.0.0.1:8080/healthz');
  t.equal(res.status, 200);
  const hook = await fetch('http://127.0.0.1:8080/hooks/gatimodule/sync', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.equal(hook.status, 400, 'the real hooks are routed (and validate their input)');
  srv.child.kill('SIGINT');
  t.equal(await srv.exited, 0);
});

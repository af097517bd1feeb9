import { createServer } from 'node:net';
import t from 'tap';
import { start } from './lib/process.js';

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

t.test(
  'a log line is on stdout before the next statement runs: a SIGKILL right after loses nothing',
  async (t) => {
    const srv = start(t, ['test/server/lib/log-then-kill.ts'], {});
    const closed = new Promise((r) => srv.child.stdout!.on('close', r));
    t.equal(await srv.exited, null, 'killed by a signal');
    await closed;
    t.match(srv.lines, [{ level: 30, parent: 'ns1/h', msg: 'last words' }]);
  },
);

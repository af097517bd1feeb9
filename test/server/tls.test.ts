import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { buildApp } from '../../src/server/app.js';
import {
  fakeHooks,
  fakeSync,
  logSink,
  manualPressure,
  syncRequest,
  testConfig,
} from './helpers.js';

/** selfSigned makes a throwaway certificate for 127.0.0.1 with openssl. */
function selfSigned(dir: string): { certFile: string; keyFile: string } {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

let haveOpenssl = true;
try {
  execFileSync('openssl', ['version'], { stdio: 'ignore' });
} catch {
  haveOpenssl = false;
}

t.test(
  'TLS files make an HTTPS server; an injected pino logger and the real clock are used',
  { skip: !haveOpenssl && 'openssl not installed' },
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'gati-tls-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const { certFile, keyFile } = selfSigned(dir);
    const sink = logSink();
    let now: Date | undefined;
    const hooks = fakeHooks({
      gatimodule: { sync: (req, ctx) => ((now = ctx.now), fakeSync(req, ctx)) },
    });
    const app = buildApp({
      config: testConfig({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile }),
      hooks,
      logger: pino(sink.stream),
      pressure: manualPressure(),
    });
    t.teardown(() => app.close());
    const address = await app.listen({ host: '127.0.0.1', port: 0 });
    t.match(address, /^https:\/\/127\.0\.0\.1:\d+$/);
    const body = JSON.stringify(syncRequest(1));
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(
        `${address}/hooks/gatimodule/sync`,
        {
          method: 'POST',
          rejectUnauthorized: false,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    t.equal(status, 200);
    t.ok(now && Math.abs(now.getTime() - Date.now()) < 60000, 'the default clock is real time');
    t.ok(
      sink.lines.some((l) => String(l.msg).startsWith('gatimodule sync ns1/p: ok')),
      'logs go to the injected logger',
    );
  },
);

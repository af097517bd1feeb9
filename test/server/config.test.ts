import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, configHelp, configTable, loadConfig } from '../../src/server/config.js';
import { serve, serveCommand } from '../../src/cli/serve.js';

const DOC = join(import.meta.dirname, '..', '..', 'docs', 'configuration.md');
const BEGIN = '<!-- BEGIN GENERATED: configTable() in src/config.ts -->\n';
const END = '<!-- END GENERATED -->';

t.test('defaults with an empty environment', async (t) => {
  t.same(loadConfig({}), {
    port: 8080,
    host: '0.0.0.0',
    logLevel: 'info',
    deploymentTarget: 'kubernetes',
    bodyLimitBytes: 33554432,
    prometheus: {
      timeoutMs: 1500,
      cacheSeconds: 5,
      concurrency: 4,
      maxQueriesPerCall: 8,
      maxAnswerBytes: 1048576,
      reloadMs: 5000,
    },
    webhooks: { allowedHosts: [], timeoutMs: 10000, concurrency: 4, maxAnswerBytes: 65536 },
    shutdownGraceMs: 25000,
    overload: { maxEventLoopDelayMs: 1000, maxHeapPercent: 90, retryAfterSeconds: 5 },
  });
  t.same(loadConfig({ PORT: '', HOST: '  ' }).port, 8080, 'empty values count as unset');
});

t.test('every variable is read', async (t) => {
  const c = loadConfig({
    PORT: '9443',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    DEPLOYMENT_TARGET: 'gitops',
    BODY_LIMIT_BYTES: '1048576',
    AUTH_TOKEN_FILE: '/var/run/token',
    AUTH_TOKEN_RELOAD_MS: '1000',
    TLS_CERT_FILE: '/tls/tls.crt',
    TLS_KEY_FILE: '/tls/tls.key',
    PROMETHEUS_URL: 'http://prometheus.monitoring:9090',
    PROMETHEUS_TIMEOUT_MS: '500',
    PROMETHEUS_CACHE_SECONDS: '0',
    PROMETHEUS_CONCURRENCY: '8',
    PROMETHEUS_MAX_QUERIES_PER_CALL: '3',
    PROMETHEUS_MAX_ANSWER_BYTES: '65536',
    PROMETHEUS_BEARER_TOKEN_FILE: '/var/run/prometheus-token',
    WEBHOOK_ALLOWED_HOSTS: 'ci.example.com, *.hooks.example.com,Approve.example:8443',
    WEBHOOK_TIMEOUT_MS: '3000',
    WEBHOOK_CONCURRENCY: '2',
    WEBHOOK_MAX_ANSWER_BYTES: '1024',
    SHUTDOWN_GRACE_MS: '1000',
    OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: '0',
    OVERLOAD_MAX_HEAP_PERCENT: '80',
    OVERLOAD_RETRY_AFTER_SECONDS: '2',
  });
  t.same(c, {
    port: 9443,
    host: '127.0.0.1',
    logLevel: 'debug',
    deploymentTarget: 'gitops',
    bodyLimitBytes: 1048576,
    auth: { tokenFile: '/var/run/token', reloadMs: 1000 },
    tls: { certFile: '/tls/tls.crt', keyFile: '/tls/tls.key' },
    prometheus: {
      url: 'http://prometheus.monitoring:9090',
      timeoutMs: 500,
      cacheSeconds: 0,
      concurrency: 8,
      maxQueriesPerCall: 3,
      maxAnswerBytes: 65536,
      reloadMs: 1000,
      auth: { bearerTokenFile: '/var/run/prometheus-token' },
    },
    webhooks: {
      allowedHosts: ['ci.example.com', '*.hooks.example.com', 'approve.example:8443'],
      timeoutMs: 3000,
      concurrency: 2,
      maxAnswerBytes: 1024,
    },
    shutdownGraceMs: 1000,
    overload: { maxEventLoopDelayMs: 0, maxHeapPercent: 80, retryAfterSeconds: 2 },
  });
});

t.test('a bad value names the variable and the value', async (t) => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PORT: 'abc' }, 'PORT must be an integer 0-65535 (got "abc")'],
    [{ PORT: '70000' }, 'PORT must be an integer 0-65535 (got "70000")'],
    [{ PORT: '80.5' }, 'PORT must be an integer 0-65535 (got "80.5")'],
    [
      { LOG_LEVEL: 'loud' },
      'LOG_LEVEL must be one of fatal|error|warn|info|debug|trace|silent (got "loud")',
    ],
    [
      { DEPLOYMENT_TARGET: 'nomad' },
      'DEPLOYMENT_TARGET must be one of kubernetes|helm|gitops (got "nomad")',
    ],
    [
      { PROMETHEUS_URL: 'prometheus:9090' },
      'PROMETHEUS_URL must be an http:// or https:// URL (got "prometheus:9090")',
    ],
    [{ BODY_LIMIT_BYTES: '10' }, 'BODY_LIMIT_BYTES must be an integer 1024-1073741824 (got "10")'],
    [
      { TLS_CERT_FILE: '/c' },
      'TLS_CERT_FILE and TLS_KEY_FILE must be set together (got TLS_CERT_FILE="/c", TLS_KEY_FILE="")',
    ],
  ];
  for (const [env, message] of cases)
    t.throws(() => loadConfig(env), new ConfigError(message), message);
});

t.test(
  'docs/configuration.md lists every variable as the schema says (UPDATE_DOCS=1 rewrites it)',
  async (t) => {
    const doc = readFileSync(DOC, 'utf8');
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    t.ok(start >= 0 && end > start, 'generated markers present');
    const current = doc.slice(start + BEGIN.length, end);
    if (process.env.UPDATE_DOCS === '1')
      writeFileSync(DOC, doc.slice(0, start + BEGIN.length) + configTable() + doc.slice(end));
    else
      t.equal(
        current,
        configTable(),
        'run UPDATE_DOCS=1 tap test/server/config.test.ts to regenerate',
      );
  },
);

t.test('serve --help lists the variables; serve takes no arguments', async (t) => {
  t.match(serveCommand.usage, configHelp());
  t.match(configHelp(), /PORT\s+8080/);
  t.match(configHelp(), /AUTH_TOKEN_FILE\s+\(unset\)/);
  await t.rejects(serveCommand.run(['--port', '1']), /serve takes no arguments/);
});

t.test('serve listens with the real hooks and shuts down on a signal', async (t) => {
  const signals = new EventEmitter();
  const exited = new Promise<number>((r) => signals.once('exit', r));
  const address = await serve(
    { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' },
    { signals, exit: (code) => void signals.emit('exit', code) },
  );
  const res = await fetch(`${address}/hooks/gatimodule/sync`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  t.equal(res.status, 400, 'routed to the real hooks, which validate their input');
  signals.emit('SIGTERM');
  t.equal(await exited, 0);
});

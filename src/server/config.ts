import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { WEBHOOK_ENV, webhookConfig, type WebhookConfig } from './webhook-config.js';

const int = (minimum: number, maximum: number, dflt: number, description: string) =>
  Type.Integer({ minimum, maximum, default: dflt, description });
const oneOf = <T extends string>(values: readonly T[], dflt: T, description: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { default: dflt, description },
  );
const file = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, expect: 'a file path', description }));

/**
 * Every environment variable the server reads, with its default and meaning. This one schema
 * parses the environment, gives the Config type and generates docs/configuration.md.
 */
const EnvSchema = Type.Object({
  PORT: int(0, 65535, 8080, 'Port to listen on (0 picks a free port).'),
  HOST: Type.String({
    minLength: 1,
    expect: 'a host name or IP address',
    default: '0.0.0.0',
    description: 'Address to listen on; 0.0.0.0 so kubelet probes reach the pod.',
  }),
  LOG_LEVEL: oneOf(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    'info',
    'pino log level. debug adds request and response sizes.',
  ),
  DEPLOYMENT_TARGET: oneOf(
    ['kubernetes', 'helm', 'gitops'],
    'kubernetes',
    'Where the operator runs; the hook server is used with kubernetes.',
  ),
  BODY_LIMIT_BYTES: int(
    1024,
    1073741824,
    33554432,
    'Largest hook request body accepted (Metacontroller sends whole objects with managedFields).',
  ),
  AUTH_TOKEN_FILE: file(
    'File holding the bearer token hook callers must send (a mounted Secret). Unset: no auth.',
  ),
  AUTH_TOKEN_RELOAD_MS: int(
    0,
    3600000,
    5000,
    'How often the token file (and the Prometheus credential files) are re-read, so a rotated Secret takes effect.',
  ),
  TLS_CERT_FILE: file(
    'PEM certificate; with TLS_KEY_FILE the server speaks HTTPS. Both or neither.',
  ),
  TLS_KEY_FILE: file('PEM private key for TLS_CERT_FILE.'),
  PROMETHEUS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://[^\\s]+$',
      expect: 'an http:// or https:// URL',
      description:
        'Prometheus base URL for drain evidence (spec.drain.metricQuery) and rollout analysis (spec.rollout.analysis). Unset: drains go by timer; analysis checks are inconclusive. Credentials in the URL are refused: use the *_FILE variables below.',
    }),
  ),
  PROMETHEUS_BEARER_TOKEN_FILE: file(
    'File holding a bearer token sent to Prometheus (a mounted Secret, re-read like AUTH_TOKEN_FILE).',
  ),
  PROMETHEUS_USERNAME_FILE: file(
    'File holding the basic-auth user name for Prometheus; with PROMETHEUS_PASSWORD_FILE.',
  ),
  PROMETHEUS_PASSWORD_FILE: file('File holding the basic-auth password for Prometheus.'),
  PROMETHEUS_TIMEOUT_MS: int(
    1,
    60000,
    1500,
    'Deadline of one Prometheus query: connect, headers and the whole answer. A query also waits at most this long for a free slot; one that gets none is not asked this call (never counted as a check).',
  ),
  PROMETHEUS_CACHE_SECONDS: int(
    0,
    14,
    5,
    "How long one query's answer is reused, at most. Below the drain check interval (15 s) so every check can get a new sample; an analysis answer is reused for at most half the check's intervalSeconds.",
  ),
  PROMETHEUS_CONCURRENCY: int(
    1,
    256,
    4,
    'Most Prometheus queries in flight at once, shared round robin between handlers.',
  ),
  PROMETHEUS_MAX_QUERIES_PER_CALL: int(
    1,
    100,
    8,
    'Most queries one hook call sends (the analysis check first, then the drain checks asked longest ago); the rest wait for the next call.',
  ),
  PROMETHEUS_MAX_ANSWER_BYTES: int(
    1024,
    67108864,
    1048576,
    'Largest Prometheus answer read (decompressed); a larger one is inconclusive (AnswerTooLarge) and never held in memory whole.',
  ),
  ...WEBHOOK_ENV,
  SHUTDOWN_GRACE_MS: int(
    0,
    600000,
    25000,
    'After SIGTERM/SIGINT, time for in-flight hooks before a hard exit 1.',
  ),
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: int(
    0,
    60000,
    1000,
    'Mean event-loop delay over a 1 s sample, in ms, above which hook calls get 429 (0 disables).',
  ),
  OVERLOAD_MAX_HEAP_PERCENT: int(
    0,
    100,
    90,
    'Heap use, as a percent of the V8 heap limit, above which hook calls get 429 (0 disables).',
  ),
  OVERLOAD_RETRY_AFTER_SECONDS: int(1, 3600, 5, 'Retry-After sent with a 429.'),
});
type Env = Static<typeof EnvSchema>;

/** The server's configuration, parsed from the environment. */
export interface Config {
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  deploymentTarget: Env['DEPLOYMENT_TARGET'];
  bodyLimitBytes: number;
  auth?: { tokenFile: string; reloadMs: number };
  tls?: { certFile: string; keyFile: string };
  prometheus: {
    url?: string;
    timeoutMs: number;
    cacheSeconds: number;
    concurrency: number;
    maxQueriesPerCall: number;
    maxAnswerBytes: number;
    auth?: { bearerTokenFile: string } | { usernameFile: string; passwordFile: string };
    /** How often the credential files are re-read (AUTH_TOKEN_RELOAD_MS). */
    reloadMs: number;
  };
  webhooks: WebhookConfig;
  shutdownGraceMs: number;
  overload: { maxEventLoopDelayMs: number; maxHeapPercent: number; retryAfterSeconds: number };
}

/** ConfigError is a bad environment value; its message names the variable and the value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** loadConfig parses the environment (empty values count as unset) or throws ConfigError. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const raw: Record<string, unknown> = {};
  for (const name of Object.keys(EnvSchema.properties)) {
    const v = env[name];
    if (v !== undefined && v.trim() !== '') raw[name] = checkVar(name, v.trim());
  }
  const e = Value.Default(EnvSchema, raw) as Env;
  return toConfig(e);
}

function checkVar(name: string, value: string): unknown {
  const schema = (EnvSchema.properties as Record<string, TSchema>)[name] as TSchema;
  // Convert would truncate "80.5" to 80; an integer variable must be written as one.
  const integerLike = (schema as { type?: string }).type !== 'integer' || /^\d+$/.test(value);
  const converted: unknown = Value.Convert(schema, value);
  if (!integerLike || !Value.Check(schema, converted))
    throw new ConfigError(`${name} ${expectation(schema)} (got ${JSON.stringify(value)})`);
  return converted;
}

/** expectation words a schema as the rule a value broke: "must be an integer 1-65535". */
function expectation(schema: TSchema): string {
  const s = schema as {
    type?: string;
    minimum?: number;
    maximum?: number;
    anyOf?: Array<{ const?: unknown }>;
    expect?: string;
  };
  if (s.expect) return `must be ${s.expect}`;
  if (s.anyOf) return `must be one of ${s.anyOf.map((a) => String(a.const)).join('|')}`;
  if (s.type === 'integer') return `must be an integer ${s.minimum}-${s.maximum}`;
  return 'must be a non-empty string';
}

function toConfig(e: Env): Config {
  if (Boolean(e.TLS_CERT_FILE) !== Boolean(e.TLS_KEY_FILE)) {
    throw new ConfigError(
      `TLS_CERT_FILE and TLS_KEY_FILE must be set together (got TLS_CERT_FILE=${JSON.stringify(e.TLS_CERT_FILE ?? '')}, TLS_KEY_FILE=${JSON.stringify(e.TLS_KEY_FILE ?? '')})`,
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    deploymentTarget: e.DEPLOYMENT_TARGET,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    ...(e.AUTH_TOKEN_FILE
      ? { auth: { tokenFile: e.AUTH_TOKEN_FILE, reloadMs: e.AUTH_TOKEN_RELOAD_MS } }
      : {}),
    ...(e.TLS_CERT_FILE && e.TLS_KEY_FILE
      ? { tls: { certFile: e.TLS_CERT_FILE, keyFile: e.TLS_KEY_FILE } }
      : {}),
    prometheus: prometheusConfig(e),
    webhooks: webhookConfig(e),
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    overload: {
      maxEventLoopDelayMs: e.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapPercent: e.OVERLOAD_MAX_HEAP_PERCENT,
      retryAfterSeconds: e.OVERLOAD_RETRY_AFTER_SECONDS,
    },
  };
}

/** prometheusConfig: the Prometheus client's settings; credentials only from files. */
function prometheusConfig(e: Env): Config['prometheus'] {
  if (e.PROMETHEUS_URL && hasCredentials(e.PROMETHEUS_URL))
    throw new ConfigError(
      'PROMETHEUS_URL must not carry credentials (user:password@host); put them in files named by PROMETHEUS_BEARER_TOKEN_FILE, or PROMETHEUS_USERNAME_FILE and PROMETHEUS_PASSWORD_FILE',
    );
  if (Boolean(e.PROMETHEUS_USERNAME_FILE) !== Boolean(e.PROMETHEUS_PASSWORD_FILE))
    throw new ConfigError(
      'PROMETHEUS_USERNAME_FILE and PROMETHEUS_PASSWORD_FILE must be set together',
    );
  if (e.PROMETHEUS_BEARER_TOKEN_FILE && e.PROMETHEUS_USERNAME_FILE)
    throw new ConfigError(
      'PROMETHEUS_BEARER_TOKEN_FILE and PROMETHEUS_USERNAME_FILE/PROMETHEUS_PASSWORD_FILE exclude each other: Prometheus takes one Authorization header',
    );
  const auth = e.PROMETHEUS_BEARER_TOKEN_FILE
    ? { bearerTokenFile: e.PROMETHEUS_BEARER_TOKEN_FILE }
    : e.PROMETHEUS_USERNAME_FILE && e.PROMETHEUS_PASSWORD_FILE
      ? { usernameFile: e.PROMETHEUS_USERNAME_FILE, passwordFile: e.PROMETHEUS_PASSWORD_FILE }
      : undefined;
  return {
    ...(e.PROMETHEUS_URL ? { url: e.PROMETHEUS_URL } : {}),
    timeoutMs: e.PROMETHEUS_TIMEOUT_MS,
    cacheSeconds: e.PROMETHEUS_CACHE_SECONDS,
    concurrency: e.PROMETHEUS_CONCURRENCY,
    maxQueriesPerCall: e.PROMETHEUS_MAX_QUERIES_PER_CALL,
    maxAnswerBytes: e.PROMETHEUS_MAX_ANSWER_BYTES,
    reloadMs: e.AUTH_TOKEN_RELOAD_MS,
    ...(auth ? { auth } : {}),
  };
}

/** hasCredentials: the URL has a user name or password before its host. */
function hasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return /^https?:\/\/[^/]*@/.test(url);
  }
}

/** prometheusHost is where Prometheus is, for logs: the host and port, never the whole URL. */
export function prometheusHost(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** configTable renders every variable as a Markdown table (the generated part of docs/configuration.md). */
export function configTable(): string {
  const rows = ['| Variable | Default | Accepted values | Meaning |', '|---|---|---|---|'];
  for (const [name, schema] of Object.entries(EnvSchema.properties as Record<string, TSchema>)) {
    const s = schema as { default?: unknown; description?: string };
    const dflt = s.default === undefined ? '(unset)' : `\`${String(s.default)}\``;
    rows.push(
      `| \`${name}\` | ${dflt} | ${expectation(schema)
        .replace(/\|/g, ', ')
        .replace(/^must be /, '')} | ${s.description ?? ''} |`,
    );
  }
  return rows.join('\n') + '\n';
}

/** configHelp lists every variable and its default, one per line (for `serve --help`). */
export function configHelp(): string {
  return Object.entries(EnvSchema.properties as Record<string, TSchema>)
    .map(([name, schema]) => {
      const d = (schema as { default?: unknown }).default;
      return `  ${name.padEnd(34)} ${d === undefined ? '(unset)' : String(d)}`;
    })
    .join('\n');
}

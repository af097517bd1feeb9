import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

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
export const EnvSchema = Type.Object({
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
    'How often the token file is re-read, so a rotated Secret takes effect.',
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
        'Prometheus base URL for drain evidence (spec.drain.metricQuery) and rollout analysis (spec.rollout.analysis). Unset: drains go by timer; analysis checks are inconclusive.',
    }),
  ),
  PROMETHEUS_TIMEOUT_MS: int(
    1,
    60000,
    1500,
    'Timeout of one Prometheus query, including the wait for a free slot.',
  ),
  PROMETHEUS_CACHE_SECONDS: int(0, 3600, 15, 'How long one query result (or failure) is reused.'),
  PROMETHEUS_CONCURRENCY: int(1, 256, 4, 'Most Prometheus queries in flight at once.'),
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
    'Event-loop delay above which hook calls get 429 (0 disables).',
  ),
  OVERLOAD_MAX_HEAP_PERCENT: int(
    0,
    100,
    90,
    'Heap use, as a percent of the V8 heap limit, above which hook calls get 429 (0 disables).',
  ),
  OVERLOAD_RETRY_AFTER_SECONDS: int(1, 3600, 5, 'Retry-After sent with a 429.'),
});
export type Env = Static<typeof EnvSchema>;

/** The server's configuration, parsed from the environment. */
export interface Config {
  port: number;
  host: string;
  logLevel: Env['LOG_LEVEL'];
  deploymentTarget: Env['DEPLOYMENT_TARGET'];
  bodyLimitBytes: number;
  auth?: { tokenFile: string; reloadMs: number };
  tls?: { certFile: string; keyFile: string };
  prometheus: { url?: string; timeoutMs: number; cacheSeconds: number; concurrency: number };
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
export function expectation(schema: TSchema): string {
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
    prometheus: {
      ...(e.PROMETHEUS_URL ? { url: e.PROMETHEUS_URL } : {}),
      timeoutMs: e.PROMETHEUS_TIMEOUT_MS,
      cacheSeconds: e.PROMETHEUS_CACHE_SECONDS,
      concurrency: e.PROMETHEUS_CONCURRENCY,
    },
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    overload: {
      maxEventLoopDelayMs: e.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS,
      maxHeapPercent: e.OVERLOAD_MAX_HEAP_PERCENT,
      retryAfterSeconds: e.OVERLOAD_RETRY_AFTER_SECONDS,
    },
  };
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

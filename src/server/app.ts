import { readFileSync } from 'node:fs';
import underPressure, { type FastifyUnderPressureOptions } from '@fastify/under-pressure';
import {
  fastify,
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type onRequestAsyncHookHandler,
} from 'fastify';
import type { DestinationStream, Logger } from 'pino';
import { Registry } from 'prom-client';
import { CONTROLLERS, HOOK_NAMES, withHooks, type ControllerTable } from '../hooks/controllers.js';
import type { HookRegistry } from '../hooks/types.js';
import { toJson } from '../kube/canonical.js';
import { bearerMatches, prometheusAuthorization, tokenFromFile, type TokenSource } from './auth.js';
import { prometheusHost, type Config } from './config.js';
import { parseJsonBody } from './body.js';
import { errorBody, handleError } from './errors.js';
import { createLogger, requestId } from './logging.js';
import { createMetrics, type HookMetrics } from './metrics.js';
import { pressureOptions } from './pressure.js';
import { createObserver, type Observe } from './observe.js';
import { createPrometheusClient } from './prometheus.js';
import { createWebhookClient } from './webhooks.js';
import { registerHookRoutes } from './routes.js';

/** Readiness is flipped to false when shutdown starts, so /readyz turns 503 at once. */
export interface Readiness {
  ready: boolean;
}

/** Everything buildApp needs; all but config have production defaults. */
export interface AppOptions {
  config: Config;
  /** Other hook functions for some controllers (tests, benchmarks). Default: the real hooks. */
  hooks?: Partial<HookRegistry>;
  /** A ready pino logger; when absent one is made at config.logLevel writing to logStream (default stdout). */
  logger?: Logger;
  logStream?: DestinationStream;
  /** One registry per app, so many apps can live in one process (tests). */
  registry?: Registry;
  clock?: () => Date;
  /** Gathers drain evidence; default: the Prometheus client from config.prometheus. */
  observe?: Observe;
  /** Options of the overload plugin over those from config.overload (tests: a health check switched by hand). */
  pressure?: FastifyUnderPressureOptions;
  readiness?: Readiness;
}

/** buildApp assembles the hook server (routes, guards, metrics, health); it never listens. */
export function buildApp(options: AppOptions): FastifyInstance {
  const { config } = options;
  const app = fastify({
    ...(options.logger
      ? { loggerInstance: options.logger }
      : { loggerInstance: createLogger(config.logLevel, options.logStream) }),
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestId,
    // Fastify's own per-request lines would be two more info lines per hook call; the hook
    // routes log one line per call themselves, and the framework's lines go to debug below.
    // (Through a LogController: the top-level disableRequestLogging option warns FSTDEP023.)
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...(config.tls
      ? {
          https: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
        }
      : {}),
  }) as unknown as FastifyInstance;
  // Only JSON is a hook body; anything else is a 415, never a string that fails validation later.
  app.removeContentTypeParser(['text/plain', 'application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.setErrorHandler(handleError);
  const readiness = options.readiness ?? { ready: true };
  app.addHook('onResponse', (req, reply, done) => {
    req.log.debug(
      { req, statusCode: reply.statusCode, responseTime: reply.elapsedTime },
      'request completed',
    );
    done();
  });
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    // Once shutdown starts, answers end their keep-alive connection, so close() need not wait for it to idle out.
    if (!readiness.ready) reply.header('connection', 'close');
    done(null, payload);
  });

  const metrics = createMetrics(options.registry ?? new Registry());
  // Registered first, so its check runs before any route's own (auth): an overloaded server
  // answers 429 without reading the token file.
  void app.register(underPressure, { ...pressureOptions(config.overload), ...options.pressure });

  const guards = config.auth
    ? [authGuard(tokenFromFile(config.auth.tokenFile, config.auth.reloadMs))]
    : [];
  const controllers: ControllerTable = options.hooks ? withHooks(options.hooks) : CONTROLLERS;
  const hookPaths = registerHookRoutes(app, {
    controllers,
    clock: options.clock ?? (() => new Date()),
    observe: options.observe ?? prometheusObserver(config, metrics),
    metrics,
    guards,
  });
  registerOpenRoutes(app, readiness, metrics.registry);
  app.setNotFoundHandler(
    notFound(
      new Map([
        ...hookPaths.map((p): [string, string] => [p, 'POST']),
        ...OPEN_PATHS.map((p): [string, string] => [p, 'GET, HEAD']),
      ]),
    ),
  );
  return app;
}

const OPEN_PATHS = ['/healthz', '/readyz', '/metrics'];

/**
 * prometheusObserver: the observer of the configured Prometheus (NotConfigured answers without
 * one) and of the rollout webhooks (NotAllowed on every host not in WEBHOOK_ALLOWED_HOSTS).
 */
function prometheusObserver(all: Config, metrics: HookMetrics): Observe {
  const config = all.prometheus;
  const client = createPrometheusClient({
    ...config,
    ...(config.auth
      ? { authorization: prometheusAuthorization(config.auth, config.reloadMs) }
      : {}),
    onQuery: metrics.observePrometheusQuery,
  });
  return createObserver(client, {
    maxQueriesPerCall: config.maxQueriesPerCall,
    host: prometheusHost(config.url),
    webhooks: createWebhookClient({ ...all.webhooks, onCall: metrics.observeWebhookCall }),
  });
}

/** Health and metrics stay open (no auth; the overload check lets them through): kubelet and Prometheus must always get in. */
function registerOpenRoutes(app: FastifyInstance, readiness: Readiness, registry: Registry): void {
  const json = (reply: FastifyReply, code: number, body: unknown) =>
    reply.code(code).type('application/json; charset=utf-8').send(toJson(body));
  app.get('/healthz', { logLevel: 'warn' }, async (_req, reply) =>
    json(reply, 200, { status: 'ok' }),
  );
  app.get('/readyz', { logLevel: 'warn' }, async (_req, reply) =>
    readiness.ready
      ? json(reply, 200, { status: 'ready' })
      : json(reply, 503, { status: 'shutting down' }),
  );
  app.get('/metrics', { logLevel: 'warn' }, async (_req, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}

/** authGuard refuses hook calls without the right bearer token (401 with WWW-Authenticate). */
function authGuard(tokens: TokenSource): onRequestAsyncHookHandler {
  return async (req, reply) => {
    const token = await tokens.current();
    if (token && bearerMatches(req.headers.authorization, token)) return;
    if (!token) req.log.error('auth token file is unreadable or empty; refusing every hook call');
    return reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .type('application/json; charset=utf-8')
      .send(errorBody('GATI_ERR_UNAUTHORIZED', 'missing or wrong bearer token'));
  };
}

/** notFound answers 405 with Allow for a known path and a wrong method, else 404 saying what exists. */
function notFound(allowed: Map<string, string>) {
  return (req: FastifyRequest, reply: FastifyReply) => {
    const path = req.url.split('?')[0] ?? '';
    const allow = allowed.get(path);
    const json = reply.type('application/json; charset=utf-8');
    if (allow)
      return json
        .code(405)
        .header('allow', allow)
        .send(
          errorBody(
            'GATI_ERR_METHOD_NOT_ALLOWED',
            `${req.method} is not allowed on ${path}; use ${allow}`,
          ),
        );
    return json.code(404).send(errorBody('GATI_ERR_NOT_FOUND', notFoundMessage(path, allowed)));
  };
}

/** notFoundMessage explains which part of a /hooks/<controller>/<hook> path is unknown. */
function notFoundMessage(path: string, allowed: Map<string, string>): string {
  const m = /^\/hooks\/([^/]*)\/([^/]*)$/.exec(path);
  if (!m) return `no route ${path}; hooks are POST /hooks/<controller>/<hook>`;
  const [, controller, hook] = m as unknown as [string, string, string];
  const names = Object.keys(CONTROLLERS).sort();
  if (!names.includes(controller))
    return `unknown controller "${controller}"; expected one of ${names.join(', ')}`;
  if (!(HOOK_NAMES as readonly string[]).includes(hook))
    return `unknown hook "${hook}"; expected one of ${HOOK_NAMES.join(', ')}`;
  const has = HOOK_NAMES.filter((h) => allowed.has(`/hooks/${controller}/${h}`));
  return `controller ${controller} has no ${hook} hook (it has ${has.join(', ') || 'none'})`;
}

import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  onRequestHookHandler,
} from 'fastify';
import type { Logger } from 'pino';
import type { SyncRequest, SyncResponse } from '../api/metacontroller.js';
import { callHook } from '../hooks/call.js';
import { controllerList, hookNames, hookPath, type ControllerTable } from '../hooks/controllers.js';
import type { ControllerName, HookName, Observations } from '../hooks/types.js';
import type { HookMetrics } from './metrics.js';
import { outcomeOf } from './metrics.js';
import type { Observe, WarnLogger } from './prometheus.js';

/** What the hook routes need from the app. */
export interface HookRouteDeps {
  controllers: ControllerTable;
  clock: () => Date;
  observe: Observe;
  metrics: HookMetrics;
  /** Auth and overload checks, run before the body is even parsed. */
  guards: Array<onRequestHookHandler | onRequestAsyncHookHandler>;
}

/** registerHookRoutes adds POST /hooks/<controller>/<hook> for every hook of the table; returns their paths. */
export function registerHookRoutes(app: FastifyInstance, deps: HookRouteDeps): string[] {
  const paths: string[] = [];
  for (const c of controllerList(deps.controllers)) {
    for (const hook of hookNames(c)) {
      const url = hookPath(c.name, hook);
      app.post(url, {
        // Read back by hookCallOf when the error handler logs a failure of this route.
        config: { hookCall: { controller: c.name, hook } },
        onRequest: deps.guards,
        // Callback style, not async: no promise per call for a hook that never waits.
        onResponse: (req, reply, done) => {
          recordCall(deps.metrics, c.name, hook, req, reply);
          done();
        },
        handler: (req, reply) => answer(deps, c.name, hook, req, reply),
      });
      paths.push(url);
    }
  }
  return paths;
}

/**
 * answer runs one hook call. It stays synchronous unless drain evidence has to be fetched:
 * every await is a trip through the microtask queue, measurable at thousands of calls a second.
 */
function answer(
  deps: HookRouteDeps,
  controller: ControllerName,
  hook: HookName,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<void> | undefined {
  const body = req.body;
  const call = { controller, hook, parent: identity(body) };
  const debug = (req.log as unknown as Logger).isLevelEnabled('debug');
  if (debug)
    req.log.debug(
      { ...call, requestBytes: Number(req.headers['content-length'] ?? 0) },
      'hook call',
    );
  const log: WarnLogger = { warn: (obj, msg) => req.log.warn({ ...call, ...obj }, msg) };
  const send = (observations: Observations) => {
    const response = callHook(
      controller,
      hook,
      body,
      { now: deps.clock(), observations },
      deps.controllers,
    );
    if (controller === 'gatihandler' && hook !== 'customize')
      deps.metrics.observeHandler(body as SyncRequest, response as SyncResponse, hook);
    // callHook answers in canonical form: serialising it as it is gives canonical JSON.
    const text = JSON.stringify(response);
    if (debug) req.log.debug({ ...call, responseBytes: Buffer.byteLength(text) }, 'hook answered');
    reply.type('application/json; charset=utf-8').send(text);
  };
  const observations = hook === 'customize' ? {} : deps.observe(controller, hook, body, log);
  if (observations instanceof Promise) return observations.then(send);
  send(observations);
  return undefined;
}

/** The parent's namespace, name and uid: the only request data put in log bindings. */
type ParentIdentity = { namespace?: string; name: string; uid?: string };

/**
 * hookCallOf names the hook call a request is, for the error log: controller, hook and the
 * parent's identity when the body got far enough to have one; undefined off the hook routes.
 */
export function hookCallOf(
  req: FastifyRequest,
): { controller: string; hook: string; parent?: ParentIdentity } | undefined {
  const route = (req.routeOptions?.config as { hookCall?: { controller: string; hook: string } })
    ?.hookCall;
  if (!route) return undefined;
  const parent = identity(req.body);
  return parent ? { ...route, parent } : { ...route };
}

/** identity reads the parent's namespace, name and uid from a body, if it has them. */
function identity(body: unknown): ParentIdentity | undefined {
  const m = (body as { parent?: { metadata?: Record<string, unknown> } } | undefined)?.parent
    ?.metadata;
  if (typeof m?.name !== 'string') return undefined;
  return {
    namespace: typeof m.namespace === 'string' ? m.namespace : undefined,
    name: m.name,
    uid: typeof m.uid === 'string' ? m.uid : undefined,
  };
}

function recordCall(
  metrics: HookMetrics,
  controller: string,
  hook: string,
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  const outcome = outcomeOf(reply.statusCode);
  const size = (v: unknown) => (Number.isFinite(Number(v)) ? Number(v) : 0);
  metrics.observeCall(
    { controller, hook, outcome },
    reply.elapsedTime / 1000,
    size(req.headers['content-length']),
    size(reply.getHeader('content-length')),
  );
}

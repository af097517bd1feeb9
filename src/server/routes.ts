import { createHash } from 'node:crypto';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  onRequestHookHandler,
} from 'fastify';
import {
  CustomizeRequest,
  SyncRequest,
  type CustomizeResponse,
  type SyncResponse,
} from '../api/metacontroller.js';
import type { Logger } from 'pino';
import type { Observe, WarnLogger } from '../drain/prometheus.js';
import { GatiError } from '../errors.js';
import type {
  ControllerHooks,
  ControllerName,
  HookName,
  HookRegistry,
  Observations,
} from '../hooks/types.js';
import type { HookMetrics } from './metrics.js';
import { outcomeOf } from './metrics.js';

export const CONTROLLER_NAMES: readonly ControllerName[] = [
  'gatihandler',
  'gatimodule',
  'gativersion',
];
export const HOOK_NAMES: readonly HookName[] = ['sync', 'finalize', 'customize'];

/** What the hook routes need from the app. */
export interface HookRouteDeps {
  hooks: HookRegistry;
  clock: () => Date;
  observe: Observe;
  metrics: HookMetrics;
  etag: boolean;
  /** Auth and overload checks, run before the body is even parsed. */
  guards: Array<onRequestHookHandler | onRequestAsyncHookHandler>;
}

/** registerHookRoutes adds POST /hooks/<controller>/<hook> for every hook the registry has; returns their paths. */
export function registerHookRoutes(app: FastifyInstance, deps: HookRouteDeps): string[] {
  const paths: string[] = [];
  for (const controller of CONTROLLER_NAMES) {
    for (const hook of HOOK_NAMES) {
      if (!deps.hooks[controller]?.[hook]) continue;
      const url = `/hooks/${controller}/${hook}`;
      app.post(url, {
        schema: { body: hook === 'customize' ? CustomizeRequest : SyncRequest },
        // Read back by hookCallOf when the error handler logs a failure of this route.
        config: { hookCall: { controller, hook } },
        onRequest: deps.guards,
        // Callback style, not async: no promise per call for a hook that never waits.
        onResponse: (req, reply, done) => {
          recordCall(deps.metrics, controller, hook, req, reply);
          done();
        },
        handler: (req, reply) => answer(deps, controller, hook, req, reply),
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
  const body = req.body as SyncRequest;
  // A pino child logger per call serialises its bindings at once, ~25 µs a call; the
  // bindings go only on the lines a call writes (debug, drain-client warnings, failures).
  const call = { controller, hook, parent: identity(body) };
  const debug = (req.log as unknown as Logger).isLevelEnabled('debug');
  if (debug)
    req.log.debug(
      { ...call, requestBytes: Number(req.headers['content-length'] ?? 0) },
      'hook call',
    );
  const log: WarnLogger = { warn: (obj, msg) => req.log.warn({ ...call, ...obj }, msg) };
  const send = (observations: Observations) => {
    const response = run(deps, controller, hook, body, observations);
    // Hooks answer in canonical form (respond(), canonical()): serialising as-is is canonical JSON.
    const text = JSON.stringify(response);
    if (debug) req.log.debug({ ...call, responseBytes: Buffer.byteLength(text) }, 'hook answered');
    reply.type('application/json; charset=utf-8');
    if (deps.etag) {
      const tag = etagOf(text);
      reply.header('etag', tag);
      if (matches(req.headers['if-none-match'], tag)) return void reply.code(304).send();
    }
    reply.send(text);
  };
  const observations = hook === 'customize' ? {} : deps.observe(controller, hook, body, log);
  if (observations instanceof Promise) return observations.then(send);
  send(observations);
  return undefined;
}

/**
 * hookCallOf names the hook call a request is, for the error log: controller, hook and the
 * parent's identity when the body got far enough to have one; undefined off the hook routes.
 */
export function hookCallOf(
  req: FastifyRequest,
): { controller: string; hook: string; parent?: ReturnType<typeof identity> } | undefined {
  const route = (req.routeOptions?.config as { hookCall?: { controller: string; hook: string } })
    ?.hookCall;
  if (!route) return undefined;
  const parent = (req.body as Partial<SyncRequest> | undefined)?.parent;
  return typeof parent?.metadata?.name === 'string'
    ? { ...route, parent: identity(req.body as SyncRequest) }
    : { ...route };
}

function run(
  deps: HookRouteDeps,
  controller: ControllerName,
  hook: HookName,
  body: SyncRequest,
  observations: Observations,
): SyncResponse | CustomizeResponse {
  const hooks = deps.hooks[controller];
  if (hook === 'customize')
    return checkCustomize((hooks.customize as NonNullable<ControllerHooks['customize']>)(body));
  const fn = hook === 'finalize' ? hooks.finalize : hooks.sync;
  const response = checkSync(
    (fn as ControllerHooks['sync'])(body, { now: deps.clock(), observations }),
    hook,
  );
  if (controller === 'gatihandler') deps.metrics.observeHandler(body, response, hook);
  return response;
}

/** identity is the parent's namespace, name and uid: the only request data put in log bindings. */
function identity(body: SyncRequest): { namespace?: string; name: string; uid?: string } {
  const m = body.parent.metadata;
  return {
    namespace: m.namespace,
    name: m.name,
    uid: typeof m.uid === 'string' ? m.uid : undefined,
  };
}

/**
 * checkSync refuses output Metacontroller would choke on or act wrongly upon (contract P7, P12,
 * and `finalized` only from finalize): a 500 makes it retry instead of deleting children.
 */
export function checkSync(r: SyncResponse, hook: HookName): SyncResponse {
  const bad = (why: string) =>
    new GatiError('GATI_ERR_INVALID_OUTPUT', `hook returned invalid output: ${why}`);
  if (r === null || typeof r !== 'object') throw bad('response is not an object');
  if (r.status === null || typeof r.status !== 'object' || Array.isArray(r.status))
    throw bad('status is not an object');
  if (!Array.isArray(r.children)) throw bad('children is not a list');
  r.children.forEach((c, i) => {
    if (!c?.apiVersion || !c.kind || !c.metadata?.name)
      throw bad(`children[${i}] lacks apiVersion, kind or metadata.name`);
  });
  if (hook !== 'finalize' && r.finalized === true) throw bad('finalized: true from a sync hook');
  return r;
}

/** checkCustomize refuses a customize answer without a relatedResources list. */
export function checkCustomize(r: CustomizeResponse): CustomizeResponse {
  if (!Array.isArray(r?.relatedResources))
    throw new GatiError(
      'GATI_ERR_INVALID_OUTPUT',
      'hook returned invalid output: relatedResources is not a list',
    );
  return r;
}

/** etagOf is a strong ETag: the hash of the exact response bytes. */
export function etagOf(text: string): string {
  return `"${createHash('sha256').update(text).digest('base64url')}"`;
}

function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => t.trim() === tag || t.trim() === '*');
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

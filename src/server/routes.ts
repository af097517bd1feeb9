import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  onRequestHookHandler,
} from 'fastify';
import type { Logger } from 'pino';
import { GatiHandlerStatus } from '../api/gatihandler-status.js';
import { readStatus } from '../api/validate.js';
import type { SyncRequest, SyncResponse } from '../api/metacontroller.js';
import { checkOf, transitionsOf } from '../status/transitions.js';
import { callHook } from '../hooks/call.js';
import { controllerList, hookNames, hookPath, type ControllerTable } from '../hooks/controllers.js';
import type { ControllerName, HookName, Observations } from '../hooks/types.js';
import type { HookMetrics } from './metrics.js';
import { outcomeOf } from './metrics.js';
import type { Observe, WarnLogger } from './observe.js';
import { onceTable } from './once.js';

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
  const firstTime = onceTable();
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
        handler: (req, reply) => answer(deps, c.name, hook, req, reply, firstTime),
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
  firstTime: (key: string | undefined) => boolean,
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
  // One clock reading for the call: the core decides which checks are due and then counts
  // them at the same instant, so the two can never disagree.
  const now = deps.clock();
  const c = deps.controllers[controller];
  const send = (observations: Observations) => {
    const response = callHook(controller, hook, body, { now, observations }, deps.controllers);
    if (c.reportsTransitions && hook !== 'customize')
      report(req, deps.metrics, body as SyncRequest, response as SyncResponse, firstTime);
    // callHook answers in canonical form: serialising it as it is gives canonical JSON.
    const text = JSON.stringify(response);
    if (debug) req.log.debug({ ...call, responseBytes: Buffer.byteLength(text) }, 'hook answered');
    reply.type('application/json; charset=utf-8').send(text);
  };
  const observations = hook === 'customize' ? {} : deps.observe(c, hook, body, log, now);
  if (observations instanceof Promise) return observations.then(send);
  send(observations);
  return undefined;
}

/**
 * report logs each real transition of a handler sync as its own line (what changed, the
 * version, why) and counts it, plus the analysis check it counted — once per parent state, so
 * a replayed request reports nothing twice.
 */
function report(
  req: FastifyRequest,
  metrics: HookMetrics,
  body: SyncRequest,
  response: SyncResponse,
  firstTime: (key: string | undefined) => boolean,
): void {
  // A status the hook refused (InvalidStatus) reports nothing: there is no transition to read.
  const read = readStatus<GatiHandlerStatus>(GatiHandlerStatus, body.parent.status);
  if (!read.ok) return;
  const before = read.value;
  const after = response.status as GatiHandlerStatus;
  const transitions = transitionsOf(before, after);
  const check = checkOf(before, after);
  if (transitions.length === 0 && !check) return;
  const m = body.parent.metadata;
  const state =
    typeof m.uid === 'string' && typeof m.resourceVersion === 'string'
      ? `${m.uid}@${m.resourceVersion}`
      : undefined;
  const fresh = (what: string) => firstTime(state && `${state} ${what}`);
  const handler = `${m.namespace ?? ''}/${m.name}`;
  const told = transitions.filter((t) => fresh(`${t.transition} ${t.versionId} ${t.reason}`));
  const counted =
    check && fresh(`check ${check.versionId} ${after.rollout?.analysis?.lastCheckAt}`);
  metrics.observeHandler(told, counted ? check : undefined);
  for (const t of told)
    req.log.info(
      { handler, version: t.versionId, transition: t.transition, reason: t.reason },
      `${handler} ${t.versionId}: ${t.transition} (${t.reason})${t.message ? `: ${t.message}` : ''}`,
    );
  if (counted)
    req.log.info(
      { handler, version: check.versionId, analysis: check.result },
      `${handler} ${check.versionId}: analysis check ${check.result}: ${check.message}`,
    );
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
  const b = body as { parent?: { metadata?: Record<string, unknown> }; object?: typeof b.parent };
  const m = (b?.parent ?? b?.object)?.metadata;
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
  const p = identity(req.body);
  const parent = p ? `${p.namespace ?? ''}/${p.name}` : undefined;
  req.log.info(
    {
      controller,
      hook,
      parent,
      generation: generationOf(req.body),
      outcome,
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
    },
    `${controller} ${hook} ${parent ?? '(no parent)'}: ${outcome} in ${Math.round(reply.elapsedTime)} ms`,
  );
}

function generationOf(body: unknown): number | undefined {
  const b = body as { parent?: { metadata?: { generation?: unknown } }; object?: typeof b.parent };
  const g = (b?.parent ?? b?.object)?.metadata?.generation;
  return typeof g === 'number' ? g : undefined;
}

import { createHash } from 'node:crypto';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
} from 'fastify';
import {
  CustomizeRequest,
  SyncRequest,
  type CustomizeResponse,
  type SyncResponse,
} from '../api/metacontroller.js';
import type { Observe } from '../drain/prometheus.js';
import { GatiError } from '../errors.js';
import type { ControllerHooks, ControllerName, HookName, HookRegistry } from '../hooks/types.js';
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
  guards: onRequestAsyncHookHandler[];
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
        onRequest: deps.guards,
        onResponse: async (req, reply) => recordCall(deps.metrics, controller, hook, req, reply),
        handler: (req, reply) => answer(deps, controller, hook, req, reply),
      });
      paths.push(url);
    }
  }
  return paths;
}

async function answer(
  deps: HookRouteDeps,
  controller: ControllerName,
  hook: HookName,
  req: FastifyRequest,
  reply: FastifyReply,
) {
  const body = req.body as SyncRequest;
  const log = req.log.child({ controller, hook, parent: identity(body) });
  log.debug({ requestBytes: Number(req.headers['content-length'] ?? 0) }, 'hook call');
  // Hooks answer in canonical form (respond(), canonical()): serialising as-is is canonical JSON.
  const text = JSON.stringify(await run(deps, deps.hooks[controller], controller, hook, body, log));
  log.debug({ responseBytes: Buffer.byteLength(text) }, 'hook answered');
  reply.type('application/json; charset=utf-8');
  if (deps.etag) {
    const tag = etagOf(text);
    reply.header('etag', tag);
    if (matches(req.headers['if-none-match'], tag)) return reply.code(304).send();
  }
  return reply.send(text);
}

async function run(
  deps: HookRouteDeps,
  hooks: ControllerHooks,
  controller: ControllerName,
  hook: HookName,
  body: SyncRequest,
  log: FastifyRequest['log'],
) {
  if (hook === 'customize')
    return checkCustomize((hooks.customize as NonNullable<ControllerHooks['customize']>)(body));
  const observations = await deps.observe(controller, hook, body, log);
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

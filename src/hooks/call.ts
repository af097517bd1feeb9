import type { TSchema } from '@sinclair/typebox';
import { badRequest, GatiError } from '../api/errors.js';
import {
  CustomizeRequest,
  DecoratorRequest,
  SyncRequest,
  type ChildObject,
  type CustomizeResponse,
  type DecoratorResponse,
  type SyncResponse,
} from '../api/metacontroller.js';
import { formatErrors, schemaErrors } from '../api/validate.js';
import { canonical } from '../kube/canonical.js';
import { CONTROLLERS, type ControllerTable } from './controllers.js';
import type { ControllerName, DecoratorHook, HookContext, HookName, SyncHook } from './types.js';

/** A hook's answer, canonical: JSON.stringify of it is the response body. */
export type HookAnswer = SyncResponse | DecoratorResponse | CustomizeResponse;

/**
 * callHook is the one way a hook is called — by the server, `gati-operator hook`, the static
 * renderer and the tests: check the request envelope (a 400 naming the field otherwise), run
 * the pure hook, check its answer against what the controller declares (a 500 otherwise: our
 * bug, and Metacontroller must change nothing), and return the answer in canonical form.
 */
export function callHook(
  controller: ControllerName,
  hook: HookName,
  request: unknown,
  ctx: HookContext,
  table: ControllerTable = CONTROLLERS,
): HookAnswer {
  const c = table[controller];
  const fn = c?.hooks[hook];
  if (!fn)
    throw new GatiError('GATI_ERR_NOT_FOUND', `controller ${controller} has no ${hook} hook`);
  if (hook === 'customize') {
    checkEnvelope(CustomizeRequest, request);
    return canonical(
      checkCustomize((fn as NonNullable<typeof c.hooks.customize>)(request as CustomizeRequest)),
    );
  }
  if (c.kind === 'DecoratorController') {
    checkEnvelope(DecoratorRequest, request);
    const answer = (fn as DecoratorHook)(request as DecoratorRequest, ctx);
    checkDecorator(answer, hook);
    assertChildren(answer.attachments, c.children, controller);
    return canonical(answer);
  }
  checkEnvelope(SyncRequest, request);
  const answer = (fn as SyncHook)(request as SyncRequest, ctx);
  checkSync(answer, hook);
  assertChildren(answer.children, c.children, controller);
  return canonical(answer);
}

function checkEnvelope(schema: TSchema, request: unknown): void {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw badRequest('request: must be a JSON object');
  const errors = schemaErrors(schema, request, '');
  if (errors.length > 0) throw badRequest(formatErrors(errors));
}

function invalid(why: string): GatiError {
  return new GatiError('GATI_ERR_INVALID_OUTPUT', `hook returned invalid output: ${why}`);
}

/**
 * checkSync refuses output Metacontroller would choke on or act wrongly upon (contract P7, P12,
 * and `finalized` only from finalize).
 */
function checkSync(r: SyncResponse, hook: HookName): void {
  if (r === null || typeof r !== 'object') throw invalid('response is not an object');
  if (r.status === null || typeof r.status !== 'object' || Array.isArray(r.status))
    throw invalid('status is not an object');
  if (!Array.isArray(r.children)) throw invalid('children is not a list');
  if (hook !== 'finalize' && r.finalized === true)
    throw invalid('finalized: true from a sync hook');
}

/** checkDecorator: a status object, an attachments list, string labels and annotations. */
function checkDecorator(r: DecoratorResponse, hook: HookName): void {
  if (r === null || typeof r !== 'object') throw invalid('response is not an object');
  if (r.status === null || typeof r.status !== 'object' || Array.isArray(r.status))
    throw invalid('status is not an object');
  if (!Array.isArray(r.attachments)) throw invalid('attachments is not a list');
  for (const key of ['labels', 'annotations'] as const) {
    const m = r[key];
    if (m === undefined) continue;
    if (typeof m !== 'object' || m === null || Object.values(m).some((v) => typeof v !== 'string'))
      throw invalid(`${key} is not a map of strings`);
  }
  if (hook !== 'finalize' && r.finalized === true)
    throw invalid('finalized: true from a sync hook');
}

/** checkCustomize refuses a customize answer without a relatedResources list. */
function checkCustomize(r: CustomizeResponse): CustomizeResponse {
  if (!Array.isArray(r?.relatedResources)) throw invalid('relatedResources is not a list');
  return r;
}

/**
 * assertChildren: every child has apiVersion, kind and metadata.name, is of a kind the
 * controller declares, and appears once.
 */
export function assertChildren(
  children: ChildObject[],
  declared: ControllerTable[ControllerName]['children'],
  controller: string,
): void {
  const kinds = new Set(declared.map((t) => `${t.apiVersion}/${t.kind}`));
  const seen = new Set<string>();
  children.forEach((c, i) => {
    if (!c?.apiVersion || !c.kind || !c.metadata?.name)
      throw invalid(`children[${i}] lacks apiVersion, kind or metadata.name`);
    const kind = `${c.apiVersion}/${c.kind}`;
    if (!kinds.has(kind))
      throw invalid(`children[${i}]: ${kind} is not a child kind of ${controller}`);
    const id = `${kind}/${c.metadata.namespace ?? ''}/${c.metadata.name}`;
    if (seen.has(id)) throw invalid(`children[${i}]: duplicate ${id}`);
    seen.add(id);
  });
}

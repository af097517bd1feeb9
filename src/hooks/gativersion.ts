import { badRequest } from '../api/errors.js';
import type { VersionStatus } from '../api/gatihandler.js';
import { formatErrors, validateVersionSpec } from '../api/index.js';
import { GATI_HANDLER } from '../api/kinds.js';
import type {
  CustomizeRequest,
  CustomizeResponse,
  KubeObject,
  SyncRequest,
  SyncResponse,
} from '../api/metacontroller.js';
import { observedGroup, readParent, type ParentInfo } from '../kube/observed.js';
import { condition } from '../status/conditions.js';
import { invalidVersionStatus, versionStatus, type VersionReport } from '../status/version.js';
import { handlerOf } from '../timescape/membership.js';
import type { ControllerHooks, HookContext } from './types.js';

/**
 * GatiVersion controller. It has no children: the handler's controller runs the version.
 * Its sync mirrors what the handler reports for this versionId; its finalize holds the
 * GatiVersion until the handler reports the version drained and its workloads gone —
 * and releases at once when there is no handler to wait for, so it never deadlocks.
 */

/** What resolving a GatiVersion's handler found: the report plus the handler object. */
interface Resolved extends VersionReport {
  handler?: KubeObject;
}

function resolve(
  gv: KubeObject,
  versionId: string | undefined,
  related: SyncRequest['related'],
): Resolved {
  const handlers = observedGroup(related, GATI_HANDLER);
  const match = handlerOf(
    gv as Parameters<typeof handlerOf>[0],
    handlers.map((h) => h.metadata.name),
  );
  if (!match)
    return {
      found: false,
      message: `no GatiHandler in namespace matches: set spec.handlerRef.name or label gati.dev/handler`,
    };
  const handler = handlers.find((h) => h.metadata.name === match.name);
  if (!handler)
    return {
      found: false,
      handlerName: match.name,
      message: `GatiHandler ${match.name} (by ${match.by}) not found`,
    };
  const versions = (handler.status as { versions?: VersionStatus[] } | undefined)?.versions ?? [];
  return {
    found: true,
    handler,
    handlerName: match.name,
    entry: versions.find((v) => v.versionId === versionId),
    message: `belongs to GatiHandler ${match.name} (by ${match.by})`,
  };
}

function statusOf(
  parent: ParentInfo,
  ctx: HookContext,
  r: Resolved,
  extra = [] as ReturnType<typeof condition>[],
) {
  return versionStatus({
    report: r,
    previousConditions: parent.previousConditions,
    generation: parent.generation,
    now: ctx.now,
    extra,
  });
}

/** syncGatiVersion mirrors the handler's report of this version into the GatiVersion status. */
export function syncGatiVersion(req: SyncRequest, ctx: HookContext): SyncResponse {
  const parent = readParent(req, true);
  const spec = validateVersionSpec(parent.spec);
  const status = spec.ok
    ? statusOf(parent, ctx, resolve(req.parent, spec.value.versionId, req.related))
    : invalidVersionStatus(
        formatErrors(spec.errors),
        parent.previousConditions,
        ctx.now,
        parent.generation,
      );
  return { children: [], status };
}

/** releaseOf decides whether finalize may release the GatiVersion, and says why in words. */
function releaseOf(r: Resolved): { released: boolean; why: string } {
  if (!r.handler) return { released: true, why: 'no handler to drain from' };
  if (r.handler.metadata.deletionTimestamp)
    return { released: true, why: `GatiHandler ${r.handlerName} is being deleted` };
  if (!r.entry)
    return { released: true, why: 'the handler reports the version drained and removed' };
  if (r.entry.source === 'spec')
    return { released: true, why: "the version stays as the handler's spec.version" };
  return {
    released: false,
    why: `waiting for the handler to drain version ${r.entry.versionId} (${r.entry.phase})`,
  };
}

/**
 * finalizeGatiVersion releases the GatiVersion once its version has left the handler's
 * status (drained, decommissioned and its workloads removed), or at once when the handler
 * is missing or being deleted, or when the version lives on as the handler's spec.version
 * (the GatiVersion only carried its metadata). A malformed GatiVersion (no spec) can still
 * be deleted: finalize needs only a name.
 */
export function finalizeGatiVersion(req: SyncRequest, ctx: HookContext): SyncResponse {
  const parent = readParent(req, false);
  const versionId = (parent.spec as { versionId?: unknown } | undefined)?.versionId;
  const r = resolve(req.parent, typeof versionId === 'string' ? versionId : undefined, req.related);
  const { released, why } = releaseOf(r);
  const extra = [
    condition('Finalizing', !released, released ? 'Released' : 'WaitingForDrain', why),
  ];
  const res: SyncResponse = {
    children: [],
    status: statusOf(parent, ctx, r, extra),
    finalized: released,
  };
  // The handler's status change re-triggers us (related watch); the resync is a backstop.
  if (!released) res.resyncAfterSeconds = 30;
  return res;
}

/** customizeGatiVersion asks for the GatiHandlers of the GatiVersion's namespace (its handler is among them). */
export function customizeGatiVersion(req: CustomizeRequest): CustomizeResponse {
  const ns = req.parent.metadata.namespace;
  if (!ns) throw badRequest('parent.metadata.namespace is required: GatiVersion is namespaced');
  return {
    relatedResources: [
      { apiVersion: GATI_HANDLER.apiVersion, resource: GATI_HANDLER.resource, namespace: ns },
    ],
  };
}

/** The GatiVersion controller's hooks. */
export const gativersionHooks: ControllerHooks = {
  sync: syncGatiVersion,
  finalize: finalizeGatiVersion,
  customize: customizeGatiVersion,
};

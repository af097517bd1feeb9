import type {
  KubeObject,
  SyncRequest,
  SyncResponse,
  CustomizeRequest,
  CustomizeResponse,
} from '../api/metacontroller.js';
import type { VersionStatus } from '../api/gatihandler.js';
import { validateVersionSpec, formatErrors } from '../api/index.js';
import { condition, conditions, type Verdict } from '../status/conditions.js';
import { handlerOf } from '../timescape/membership.js';
import { observedGroup, readParent } from './observed.js';
import { GATI_HANDLER } from './kinds.js';
import type { ControllerHooks, HookContext } from './types.js';
import { badRequest } from '../errors.js';
import { canonical } from '../render/canonical.js';

/**
 * GatiVersion controller. It has no children: the handler's controller runs the version.
 * Its sync mirrors what the handler reports for this versionId; its finalize holds the
 * GatiVersion until the handler reports the version drained and its workloads gone —
 * and releases at once when there is no handler to wait for, so it never deadlocks.
 */

interface Resolved {
  handler?: KubeObject;
  handlerName?: string;
  entry?: VersionStatus;
  message: string;
}

/**
 * requireParent: sync needs a spec object like every controller's sync (a 400 otherwise);
 * finalize only needs a name, so a malformed GatiVersion can still be deleted.
 */
function requireParent(req: SyncRequest, needSpec: boolean): KubeObject {
  readParent(req, needSpec);
  return req.parent;
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
      message: `no GatiHandler in namespace matches: set spec.handlerRef.name or label gati.dev/handler`,
    };
  const handler = handlers.find((h) => h.metadata.name === match.name);
  if (!handler)
    return {
      handlerName: match.name,
      message: `GatiHandler ${match.name} (by ${match.by}) not found`,
    };
  const versions = ((handler.status as { versions?: VersionStatus[] } | undefined)?.versions ??
    []) as VersionStatus[];
  const entry = versions.find((v) => v.versionId === versionId);
  return {
    handler,
    handlerName: match.name,
    entry,
    message: `belongs to GatiHandler ${match.name} (by ${match.by})`,
  };
}

function mirrorConditions(r: Resolved): Verdict[] {
  if (!r.handler)
    return [
      condition('Ready', false, 'HandlerNotFound', r.message),
      condition('Stalled', true, 'HandlerNotFound', r.message),
    ];
  const e = r.entry;
  if (!e) {
    const msg = `${r.message}; waiting for the handler to pick this version up`;
    return [
      condition('Ready', false, 'WaitingForHandler', msg),
      condition('Reconciling', true, 'WaitingForHandler', msg),
    ];
  }
  const text =
    e.message ??
    `${e.phase}: effective weight ${e.effectiveWeight}, ${e.trafficPercent}% of weighted traffic`;
  const out = [
    condition(
      'Ready',
      e.phase === 'Active',
      e.phase === 'Active' ? 'Active' : (e.reason ?? e.phase),
      text,
    ),
    condition(
      'Available',
      e.availableReplicas > 0,
      e.availableReplicas > 0 ? 'MinimumReplicasAvailable' : 'NoReplicasAvailable',
      `${e.availableReplicas} available replicas`,
    ),
    condition(
      'TrafficRouted',
      e.effectiveWeight > 0 || e.pinned,
      e.effectiveWeight > 0 ? 'Weighted' : e.pinned ? 'PinnedOnly' : 'NotRouted',
      text,
    ),
  ];
  if (e.phase === 'Draining') out.push(condition('Draining', true, e.reason ?? 'Draining', text));
  if (e.drainedAt) out.push(condition('Drained', true, e.drainReason ?? 'Drained', text));
  if (e.phase === 'Pending' || e.phase === 'Draining')
    out.push(condition('Reconciling', true, e.phase, text));
  if (e.phase === 'Failed') out.push(condition('Stalled', true, e.reason ?? 'Failed', text));
  return out;
}

function mirrorStatus(
  req: SyncRequest,
  ctx: HookContext,
  r: Resolved,
  extra: Verdict[] = [],
): Record<string, unknown> {
  const gv = req.parent;
  const prev = (gv.status ?? {}) as { conditions?: unknown };
  const e = r.entry;
  const status: Record<string, unknown> = {
    phase: e?.phase ?? 'Pending',
    conditions: conditions(
      [...mirrorConditions(r), ...extra],
      prev.conditions,
      ctx.now,
      generationOf(gv),
    ),
  };
  if (r.handlerName) status.handler = r.handlerName;
  if (e) {
    Object.assign(status, {
      desiredWeight: e.desiredWeight,
      effectiveWeight: e.effectiveWeight,
      trafficPercent: e.trafficPercent,
      pinned: e.pinned,
      drainStartedAt: e.drainStartedAt,
      drainedAt: e.drainedAt,
      drainReason: e.drainReason,
    });
  }
  return status;
}

function generationOf(o: KubeObject): number | undefined {
  const g = (o.metadata as { generation?: unknown }).generation;
  return typeof g === 'number' ? g : undefined;
}

/** syncGatiVersion mirrors the handler's report of this version into the GatiVersion status. */
export function syncGatiVersion(req: SyncRequest, ctx: HookContext): SyncResponse {
  const gv = requireParent(req, true);
  const spec = validateVersionSpec(gv.spec);
  if (!spec.ok) {
    const msg = formatErrors(spec.errors);
    const verdicts = [
      condition('Ready', false, 'InvalidSpec', msg),
      condition('Stalled', true, 'InvalidSpec', msg),
    ];
    const previous = (gv.status as { conditions?: unknown } | undefined)?.conditions;
    return canonical({
      status: {
        phase: 'Pending',
        conditions: conditions(verdicts, previous, ctx.now, generationOf(gv)),
      },
      children: [],
    });
  }
  return canonical({
    status: mirrorStatus(req, ctx, resolve(gv, spec.value.versionId, req.related)),
    children: [],
  });
}

/**
 * finalizeGatiVersion releases the GatiVersion once its version has left the handler's
 * status (drained, decommissioned and its workloads removed), or at once when the handler
 * is missing or being deleted, or when the version lives on as the handler's spec.version
 * (the GatiVersion only carried its metadata).
 */
export function finalizeGatiVersion(req: SyncRequest, ctx: HookContext): SyncResponse {
  const gv = requireParent(req, false);
  const versionId = (gv.spec as { versionId?: unknown } | undefined)?.versionId;
  const r = resolve(gv, typeof versionId === 'string' ? versionId : undefined, req.related);
  const handlerGone = !r.handler || Boolean(r.handler.metadata.deletionTimestamp);
  const released = handlerGone || !r.entry || r.entry.source === 'spec';
  const why = !r.handler
    ? 'no handler to drain from'
    : handlerGone
      ? `GatiHandler ${r.handlerName} is being deleted`
      : !r.entry
        ? 'the handler reports the version drained and removed'
        : r.entry.source === 'spec'
          ? "the version stays as the handler's spec.version"
          : `waiting for the handler to drain version ${r.entry.versionId} (${r.entry.phase})`;
  const extra = [
    condition('Finalizing', !released, released ? 'Released' : 'WaitingForDrain', why),
  ];
  const res: SyncResponse = {
    status: mirrorStatus(req, ctx, r, extra),
    children: [],
    finalized: released,
  };
  // The handler's status change re-triggers us (related watch); the resync is a backstop.
  if (!released) res.resyncAfterSeconds = 30;
  return canonical(res);
}

/** customizeGatiVersion asks for the GatiHandlers of the GatiVersion's namespace (its handler is among them). */
export function customizeGatiVersion(req: CustomizeRequest): CustomizeResponse {
  const ns = req.parent.metadata.namespace;
  if (!ns) throw badRequest('parent.metadata.namespace is required: GatiVersion is namespaced');
  return canonical({
    relatedResources: [
      { apiVersion: GATI_HANDLER.apiVersion, resource: GATI_HANDLER.resource, namespace: ns },
    ],
  });
}

/** The GatiVersion controller's hooks. */
export const gativersionHooks: ControllerHooks = {
  sync: syncGatiVersion,
  finalize: finalizeGatiVersion,
  customize: customizeGatiVersion,
};

import { badRequest } from '../api/errors.js';
import { VersionStatus } from '../api/gatihandler.js';
import { check } from '../api/validate.js';
import { formatErrors, validateVersionSpec } from '../api/index.js';
import { HANDLER_LABEL, HANDLER_RESOLVED_BY_ANNOTATION } from '../api/keys.js';
import { GATI_HANDLER } from '../api/kinds.js';
import type {
  CustomizeRequest,
  CustomizeResponse,
  DecoratorRequest,
  DecoratorResponse,
  KubeObject,
} from '../api/metacontroller.js';
import {
  annotationsOf,
  isObject,
  labelsOf,
  observedGroup,
  readParent,
  type ParentInfo,
} from '../kube/observed.js';
import { labelValue } from '../resources/names.js';
import { condition, type Verdict } from '../status/conditions.js';
import { invalidVersionStatus, versionStatus, type VersionReport } from '../status/version.js';
import {
  candidateHandlers,
  recordOf,
  resolveHandler,
  type Resolution,
  type VersionIdentity,
} from '../timescape/membership.js';
import type { DecoratorHooks, HookContext } from './types.js';

/**
 * GatiVersion controller, a Metacontroller DecoratorController (DESIGN §2). It has no
 * children: the handler's controller runs the version. It resolves the GatiVersion's handler
 * once — asking Metacontroller only for the handlers it could belong to — and records it as
 * the label gati.dev/handler, which is how a handler selects its own versions; it mirrors what
 * the handler reports for this versionId into status; its finalize holds the GatiVersion until
 * the handler reports the version drained and its workloads gone, and releases at once when
 * there is no handler to wait for, so it never deadlocks.
 */

/** identityOf reads what the resolution needs, defensively: a malformed spec still resolves. */
function identityOf(o: KubeObject): VersionIdentity {
  const spec = isObject(o.spec) ? o.spec : {};
  const ref = isObject(spec.handlerRef) ? spec.handlerRef.name : undefined;
  return {
    name: o.metadata.name,
    handlerRef: typeof ref === 'string' && ref !== '' ? ref : undefined,
    label: labelsOf(o)[HANDLER_LABEL] || undefined,
    record: annotationsOf(o)[HANDLER_RESOLVED_BY_ANNOTATION],
  };
}

/** What resolving a GatiVersion's handler found: the report, the handler object, the resolution. */
interface Resolved extends VersionReport {
  handler?: KubeObject;
  resolution: Resolution;
}

function resolve(
  gv: KubeObject,
  versionId: string | undefined,
  related: DecoratorRequest['related'],
): Resolved {
  const handlers = observedGroup(related, GATI_HANDLER);
  const resolution = resolveHandler(
    identityOf(gv),
    handlers.map((h) => h.metadata.name),
  );
  if (resolution.kind === 'conflict')
    return {
      found: false,
      resolution,
      conflict: resolution,
      message: `spec.handlerRef.name is ${resolution.handlerRef} but the label ${HANDLER_LABEL} (set by hand) is ${resolution.label}: no handler runs this version until they agree`,
    };
  if (resolution.kind === 'none')
    return {
      found: false,
      resolution,
      message: `no GatiHandler in the namespace matches: set spec.handlerRef.name or the label ${HANDLER_LABEL}`,
    };
  const { name, by } = resolution.match;
  const handler = handlers.find((h) => h.metadata.name === name);
  if (!handler)
    return {
      found: false,
      resolution,
      handlerName: name,
      message: `GatiHandler ${name} (by ${by}) not found`,
    };
  // Another object's status, read defensively: an entry that does not match is not an entry.
  const listed = isObject(handler.status) ? handler.status.versions : undefined;
  const versions = Array.isArray(listed)
    ? (listed as unknown[]).filter((v): v is VersionStatus => check(VersionStatus, v))
    : [];
  return {
    found: true,
    resolution,
    handler,
    handlerName: name,
    entry: versions.find((v) => v.versionId === versionId),
    message: `belongs to GatiHandler ${name} (by ${by})`,
    versionLimit: stalledBy(handler, 'VersionLimit'),
  };
}

/** stalledBy: the message of the handler's Stalled condition when its reason is `reason`. */
function stalledBy(handler: KubeObject, reason: string): string | undefined {
  const conds = isObject(handler.status) ? handler.status.conditions : undefined;
  const c = Array.isArray(conds)
    ? conds.find((x) => isObject(x) && x.type === 'Stalled' && x.status === 'True')
    : undefined;
  return isObject(c) && c.reason === reason && typeof c.message === 'string'
    ? c.message
    : undefined;
}

/**
 * decorate is the answer: the label and its record when a handler is resolved (a label a
 * person wrote stays as written), the status, and no attachments.
 */
function decorate(r: Resolved, status: DecoratorResponse['status']): DecoratorResponse {
  const res: DecoratorResponse = { status, attachments: [] };
  if (r.resolution.kind === 'match') {
    res.labels = { [HANDLER_LABEL]: labelValue(r.resolution.match.name) };
    res.annotations = { [HANDLER_RESOLVED_BY_ANNOTATION]: recordOf(r.resolution.match) };
  }
  return res;
}

function statusOf(parent: ParentInfo, ctx: HookContext, r: Resolved, extra: Verdict[] = []) {
  // Metacontroller writes a decorator's status as given: observedGeneration is ours to set.
  return {
    ...versionStatus({
      report: r,
      previousConditions: parent.previousConditions,
      generation: parent.generation,
      now: ctx.now,
      extra,
    }),
    observedGeneration: parent.generation,
  };
}

/** syncGatiVersion labels the GatiVersion with its handler and mirrors the handler's report of it. */
export function syncGatiVersion(req: DecoratorRequest, ctx: HookContext): DecoratorResponse {
  const parent = readParent({ parent: req.object }, true, 'object');
  const spec = validateVersionSpec(parent.spec);
  const r = resolve(req.object, spec.ok ? spec.value.versionId : undefined, req.related);
  if (!spec.ok) {
    const status = invalidVersionStatus(
      formatErrors(spec.errors),
      parent.previousConditions,
      ctx.now,
      parent.generation,
    );
    return decorate(r, {
      ...status,
      handler: r.handlerName,
      observedGeneration: parent.generation,
    });
  }
  return decorate(r, statusOf(parent, ctx, r));
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
  // Retired and bridged: its pods are gone; its pins live on through another version.
  if (r.entry.bridgedBy !== undefined && r.entry.availableReplicas === 0)
    return {
      released: true,
      why: `the version is retired; ${r.entry.bridgedBy} serves its pinned requests`,
    };
  return {
    released: false,
    why: `waiting for the handler to drain version ${r.entry.versionId} (${r.entry.phase})`,
  };
}

/**
 * finalizeGatiVersion releases the GatiVersion once its version has left the handler's
 * status (drained, decommissioned and its workloads removed), or at once when the handler
 * is missing or being deleted, or when the version lives on as the handler's spec.version
 * (the GatiVersion only carried its metadata) or as a bridged pin once its pods are gone. A malformed GatiVersion (no spec) can still
 * be deleted: finalize needs only a name.
 */
export function finalizeGatiVersion(req: DecoratorRequest, ctx: HookContext): DecoratorResponse {
  const parent = readParent({ parent: req.object }, false, 'object');
  const versionId = (parent.spec as { versionId?: unknown } | undefined)?.versionId;
  const r = resolve(req.object, typeof versionId === 'string' ? versionId : undefined, req.related);
  const { released, why } = releaseOf(r);
  const extra = [
    condition('Finalizing', !released, released ? 'Released' : 'WaitingForDrain', why),
  ];
  const res: DecoratorResponse = {
    ...decorate(r, statusOf(parent, ctx, r, extra)),
    finalized: released,
  };
  // The handler's status change re-triggers us (related watch); the resync is a backstop.
  if (!released) res.resyncAfterSeconds = 30;
  return res;
}

/**
 * customizeGatiVersion asks only for the handlers the GatiVersion could belong to, by name:
 * its handlerRef, its label, and each prefix of its name that ends before a `-`. The cost of a
 * sync then depends on the GatiVersion alone, not on how many handlers share the namespace;
 * a handler created later under one of those names triggers a sync (Metacontroller watches
 * related objects by these rules).
 */
export function customizeGatiVersion(req: CustomizeRequest): CustomizeResponse {
  const parent = readParent(req, false);
  if (!parent.namespace)
    throw badRequest('parent.metadata.namespace is required: GatiVersion is namespaced');
  const names = candidateHandlers(identityOf(req.parent));
  if (names.length === 0) return { relatedResources: [] };
  return {
    relatedResources: [
      {
        apiVersion: GATI_HANDLER.apiVersion,
        resource: GATI_HANDLER.resource,
        namespace: parent.namespace,
        names,
      },
    ],
  };
}

/** The GatiVersion controller's hooks. */
export const gativersionHooks: DecoratorHooks = {
  sync: syncGatiVersion,
  finalize: finalizeGatiVersion,
  customize: customizeGatiVersion,
};

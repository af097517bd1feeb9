import { SERVICE, type ResourceType } from '../api/kinds.js';
import type { ChildObject, SyncRequest, SyncResponse } from '../api/metacontroller.js';
import { formatErrors, type Validated } from '../api/validate.js';
import { controllerNameOf, keepDeclared } from '../kube/declared.js';
import { readParent, type ParentInfo } from '../kube/observed.js';
import { nameHolder, parentIdentity } from '../kube/rivals.js';
import { nameConflictMessage } from '../status/conflict.js';
import { kindNotInstalledMessage } from '../status/missing.js';
import { invalidSpecResponse } from '../status/response.js';

/**
 * The steps every CompositeController sync takes, written once for the GatiHandler and the
 * GatiModule: read and validate the parent (an invalid spec keeps every child), find whether a
 * rival parent keeps the Service name both want, and keep only the child kinds the calling
 * controller declares.
 */

/** validParent reads the parent and validates its spec, or answers InvalidSpec keeping every child. */
export function validParent<S>(
  request: SyncRequest,
  validate: (spec: unknown) => Validated<S>,
  now: Date,
): { parent: ParentInfo; spec: S } | { response: SyncResponse } {
  const parent = readParent(request);
  const spec = validate(parent.spec);
  if (!spec.ok)
    return {
      response: invalidSpecResponse(parent, request.children, formatErrors(spec.errors), now),
    };
  return { parent, spec: spec.value };
}

/**
 * serviceConflict: the rival parent of kind `rival` that keeps the Service `name` this parent
 * wants (src/kube/rivals.ts), and why in words; undefined when this parent keeps it.
 */
export function serviceConflict(
  request: SyncRequest,
  self: ResourceType,
  rival: ResourceType,
  name: string,
  rivalServiceName: (parentName: string) => string,
  leftOut: string,
): string | undefined {
  const me = parentIdentity(self.kind, request.parent);
  const holder = nameHolder(me, request.related, rival, name, rivalServiceName);
  return holder && nameConflictMessage({ kind: SERVICE.kind, name }, me, holder, leftOut);
}

/**
 * declaredOnly keeps the child kinds the calling controller declares; the rest (and the kinds
 * the spec needs that it does not declare) are named, in words, for KindNotInstalled.
 */
export function declaredOnly(
  request: SyncRequest,
  desired: ChildObject[],
  needed: readonly ResourceType[] = [],
): { children: ChildObject[]; missing: ResourceType[]; notInstalled?: string } {
  const { children, missing } = keepDeclared(request.controller, desired, needed);
  return missing.length
    ? {
        children,
        missing,
        notInstalled: kindNotInstalledMessage(missing, controllerNameOf(request.controller)),
      }
    : { children, missing };
}

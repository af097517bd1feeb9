import type { KubeObject, ObjectGroups, SyncRequest } from '../api/metacontroller.js';
import { badRequest } from '../errors.js';
import { groupKey, type ResourceType } from './kinds.js';

/**
 * Reading what Metacontroller observed. Group keys are `<Kind>.<apiVersion>`; keys inside a
 * group are `name` (hook v1) or `namespace/name` (v2): we read the object's own
 * metadata.name and fall back to the key's last segment. A missing group is empty; unknown
 * groups are never looked at.
 */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function nameOf(key: string, obj: KubeObject): string {
  const name = isObject(obj.metadata) ? obj.metadata.name : undefined;
  return typeof name === 'string' && name !== '' ? name : (key.split('/').pop() ?? key);
}

/** observedGroup lists the observed objects of one type, sorted by name (malformed entries skipped). */
export function observedGroup(groups: ObjectGroups | undefined, type: ResourceType): KubeObject[] {
  const group = groups?.[groupKey(type)];
  if (!isObject(group)) return [];
  return Object.entries(group)
    .filter((e): e is [string, KubeObject] => isObject(e[1]))
    .map(([key, obj]) => ({ name: nameOf(key, obj), obj }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(({ name, obj }) => ({
      ...obj,
      metadata: { ...(isObject(obj.metadata) ? obj.metadata : {}), name },
    }));
}

/** observedNamed finds one observed object of a type by name. */
export function observedNamed(
  groups: ObjectGroups | undefined,
  type: ResourceType,
  name: string,
): KubeObject | undefined {
  return observedGroup(groups, type).find((o) => o.metadata.name === name);
}

/** Metadata the apiserver or Metacontroller own; never sent back. */
const SYSTEM_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'ownerReferences',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];
const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration';

/** sanitise strips status, system metadata and Metacontroller's last-applied annotation from an observed object. */
export function sanitise(obj: KubeObject, type: ResourceType): KubeObject {
  const rest: Record<string, unknown> = structuredClone(obj);
  delete rest.status;
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const k of SYSTEM_METADATA) delete metadata[k];
  if (isObject(metadata.annotations)) {
    const annotations = { ...metadata.annotations };
    delete annotations[LAST_APPLIED];
    if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
    else delete metadata.annotations;
  }
  return {
    ...rest,
    apiVersion: type.apiVersion,
    kind: type.kind,
    metadata: metadata as KubeObject['metadata'],
  };
}

/**
 * keepObserved re-emits the observed children of the given types, sanitised, so a response
 * that cannot compute desired children (an invalid spec) still keeps every workload running.
 */
export function keepObserved(
  children: ObjectGroups | undefined,
  types: ResourceType[],
): KubeObject[] {
  return types.flatMap((t) => observedGroup(children, t).map((o) => sanitise(o, t)));
}

/** What the hooks read of a parent. */
export interface ParentInfo {
  name: string;
  namespace?: string;
  generation?: number;
  spec: unknown;
  previousConditions: unknown;
}

/**
 * readParent checks the parent has metadata.name and a spec object; anything less is a
 * malformed request, thrown as a 400 so Metacontroller changes nothing.
 */
export function readParent(request: Pick<SyncRequest, 'parent'>, needSpec = true): ParentInfo {
  const parent: unknown = request?.parent;
  if (!isObject(parent) || !isObject(parent.metadata))
    throw badRequest('parent.metadata: is required');
  const { name, namespace, generation } = parent.metadata;
  if (typeof name !== 'string' || name === '')
    throw badRequest('parent.metadata.name: is required');
  if (needSpec && !isObject(parent.spec)) throw badRequest('parent.spec: is required');
  return {
    name,
    namespace: typeof namespace === 'string' && namespace !== '' ? namespace : undefined,
    generation: typeof generation === 'number' ? generation : undefined,
    spec: parent.spec,
    previousConditions: isObject(parent.status) ? parent.status.conditions : undefined,
  };
}

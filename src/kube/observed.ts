import { badRequest } from '../api/errors.js';
import { LAST_APPLIED_ANNOTATION } from '../api/keys.js';
import { groupKey, type ResourceType } from '../api/kinds.js';
import type { KubeObject, ObjectGroups, SyncRequest } from '../api/metacontroller.js';

/**
 * Reading what Metacontroller observed. Group keys are `<Kind>.<apiVersion>`; keys inside a
 * group are `name` (hook v1) or `namespace/name` (v2): we read the object's own
 * metadata.name and fall back to the key's last segment. A missing group is empty; unknown
 * groups are never looked at.
 */

/** isObject: a plain JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
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

/** sanitise strips status, system metadata and Metacontroller's last-applied annotation from an observed object. */
export function sanitise(
  obj: KubeObject,
  type: Pick<ResourceType, 'apiVersion' | 'kind'>,
): KubeObject & Pick<ResourceType, 'apiVersion' | 'kind'> {
  const rest: Record<string, unknown> = structuredClone(obj);
  delete rest.status;
  const metadata: Record<string, unknown> = { ...obj.metadata };
  for (const k of SYSTEM_METADATA) delete metadata[k];
  if (isObject(metadata.annotations)) {
    const annotations = { ...metadata.annotations };
    delete annotations[LAST_APPLIED_ANNOTATION];
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

/** typeOfGroup reads `<Kind>.<apiVersion>` back (kinds never contain a dot). */
function typeOfGroup(key: string): { apiVersion: string; kind: string } | undefined {
  const dot = key.indexOf('.');
  return dot > 0 && dot < key.length - 1
    ? { kind: key.slice(0, dot), apiVersion: key.slice(dot + 1) }
    : undefined;
}

/**
 * keepObserved re-emits every observed child, sanitised, so a response that cannot compute
 * desired children (an invalid spec) still keeps every workload running. Metacontroller sends
 * a group for every child kind the controller declares, so nothing it owns is left out.
 */
export function keepObserved(
  children: ObjectGroups | undefined,
): Array<KubeObject & Pick<ResourceType, 'apiVersion' | 'kind'>> {
  const keys = Object.keys(children ?? {}).sort();
  return keys.flatMap((key) => {
    const t = typeOfGroup(key);
    if (!t) return [];
    return observedGroup(children, { ...t, resource: '' }).map((o) => sanitise(o, t));
  });
}

/** What the hooks read of a parent. */
export interface ParentInfo {
  name: string;
  namespace?: string;
  generation?: number;
  spec: unknown;
  /** The status the hooks wrote last (an object), if any. */
  status?: Record<string, unknown>;
  previousConditions: unknown;
}

/**
 * readParent checks the parent has metadata.name and a spec object; anything less is a
 * malformed request, thrown as a 400 so Metacontroller changes nothing.
 */
export function readParent(
  request: Pick<SyncRequest, 'parent'>,
  needSpec = true,
  key: 'parent' | 'object' = 'parent',
): ParentInfo {
  const parent: unknown = request?.parent;
  if (!isObject(parent) || !isObject(parent.metadata))
    throw badRequest(`${key}.metadata: is required`);
  const { name, namespace, generation } = parent.metadata;
  if (typeof name !== 'string' || name === '')
    throw badRequest(`${key}.metadata.name: is required`);
  if (needSpec && !isObject(parent.spec)) throw badRequest(`${key}.spec: is required`);
  return {
    name,
    namespace: typeof namespace === 'string' && namespace !== '' ? namespace : undefined,
    generation: typeof generation === 'number' ? generation : undefined,
    spec: parent.spec,
    status: isObject(parent.status) ? parent.status : undefined,
    previousConditions: isObject(parent.status) ? parent.status.conditions : undefined,
  };
}

/** annotationsOf is an object's annotations ({} when it has none or they are malformed). */
export function annotationsOf(o: { metadata?: unknown }): Record<string, string> {
  const a = isObject(o.metadata) ? o.metadata.annotations : undefined;
  return isObject(a) ? (a as Record<string, string>) : {};
}

/** labelsOf is an object's labels ({} when it has none or they are malformed). */
export function labelsOf(o: { metadata?: unknown }): Record<string, string> {
  const l = isObject(o.metadata) ? o.metadata.labels : undefined;
  return isObject(l) ? (l as Record<string, string>) : {};
}

import type { KubeObject, ObjectGroups } from '../api/metacontroller.js';
import type { ResourceType } from '../api/kinds.js';
import { isObject, observedGroup } from './observed.js';

/**
 * Two parents of different kinds that want the same child name (a GatiModule and a GatiHandler
 * called alike both want Service `<name>`): the older parent keeps the name — creationTimestamp,
 * then uid, as Kubernetes itself hands out names first come, first served. A parent being
 * deleted never keeps it (it is leaving). The rule reads only the two parents, so both hooks
 * reach the same answer from their own requests, whatever order Metacontroller syncs them in.
 */

/** What the rule reads of a parent. */
export interface Identity {
  kind: string;
  namespace?: string;
  name: string;
  creationTimestamp?: string;
  uid?: string;
  deleting: boolean;
}

/** parentIdentity reads a parent's identity from its metadata (missing fields stay undefined). */
export function parentIdentity(kind: string, o: { metadata?: unknown }): Identity {
  const m = isObject(o.metadata) ? o.metadata : {};
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    kind,
    namespace: str(m.namespace),
    name: str(m.name) ?? '',
    creationTimestamp: str(m.creationTimestamp),
    uid: str(m.uid),
    deleting: m.deletionTimestamp !== undefined && m.deletionTimestamp !== null,
  };
}

/**
 * keepsName: `a` keeps the shared name against `b`. Exactly one of keepsName(a, b) and
 * keepsName(b, a) holds for two distinct live parents; an unknown creationTimestamp sorts last
 * (a parent not yet persisted is the newcomer), and the kind breaks a tie no uid settles.
 */
export function keepsName(a: Identity, b: Identity): boolean {
  if (a.deleting !== b.deleting) return !a.deleting;
  const key = (x: Identity) => [x.creationTimestamp ?? '\uffff', x.uid ?? '\uffff', x.kind];
  const [ka, kb] = [key(a), key(b)];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]!;
  return true;
}

/**
 * nameHolder: among the related parents of `type`, the one that wants the same child name as
 * `self` (`nameOf` gives each one's name for it) and keeps it; undefined when `self` keeps it.
 */
export function nameHolder(
  self: Identity,
  related: ObjectGroups | undefined,
  type: ResourceType,
  wanted: string,
  nameOf: (parentName: string) => string,
): Identity | undefined {
  return observedGroup(related, type)
    .map((o: KubeObject) => parentIdentity(type.kind, o))
    .find((r) => nameOf(r.name) === wanted && !keepsName(self, r));
}

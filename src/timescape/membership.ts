/**
 * Which GatiHandler a GatiVersion belongs to (DESIGN §2): spec.handlerRef.name, else the label
 * gati.dev/handler, else the longest GatiHandler name that prefixes the GatiVersion's name
 * followed by `-`. The GatiVersion controller resolves it once and records the answer as that
 * label (the handler's name as a label value: labelValue() hashes the rare name over 63
 * characters), so a handler asks only for the GatiVersions carrying its name; the annotation
 * gati.dev/handler-resolved-by (`<rule>/<handler>`) says which rule set the label, so the
 * controller can tell a label it wrote (re-derived on every sync) from one a person wrote
 * (which it follows).
 */

import { labelValue } from '../resources/names.js';

/** How a GatiVersion was matched to its handler (shown in status messages). */
type MatchedBy = 'handlerRef' | 'label' | 'namePrefix';

/** The handler a GatiVersion belongs to, by name, and which rule said so. */
export interface HandlerMatch {
  name: string;
  by: MatchedBy;
}

/** What the resolution reads of a GatiVersion. */
export interface VersionIdentity {
  name: string;
  handlerRef?: string;
  label?: string;
  /** The gati.dev/handler-resolved-by annotation, as written by an earlier sync. */
  record?: string;
}

/** The outcome of resolving a GatiVersion's handler. */
export type Resolution =
  | { kind: 'match'; match: HandlerMatch }
  | { kind: 'conflict'; handlerRef: string; label: string }
  | { kind: 'none' };

/** recordOf is the gati.dev/handler-resolved-by value for a match. */
export function recordOf(m: HandlerMatch): string {
  return `${m.by}/${m.name}`;
}

/**
 * labelIsOurs: the label was written by this controller from handlerRef or the name prefix
 * (the record names that rule and the label's value), so it is re-derived, not followed.
 */
function labelIsOurs(v: VersionIdentity): boolean {
  if (!v.label || !v.record) return false;
  const [by, name] = v.record.split('/', 2);
  return (
    name !== undefined &&
    labelValue(name) === v.label &&
    (by === 'handlerRef' || by === 'namePrefix')
  );
}

/** prefixCandidates: every prefix of the name that ends before a `-`, longest first. */
export function prefixCandidates(name: string): string[] {
  const out: string[] = [];
  for (let i = name.lastIndexOf('-'); i > 0; i = name.lastIndexOf('-', i - 1))
    out.push(name.slice(0, i));
  return out;
}

/**
 * candidateHandlers lists the handler names a GatiVersion could belong to: its handlerRef, its
 * label, and each name prefix — what its customize hook asks Metacontroller for.
 */
export function candidateHandlers(v: VersionIdentity): string[] {
  const names = [v.handlerRef, v.label, ...prefixCandidates(v.name)].filter(
    (n): n is string => typeof n === 'string' && n !== '',
  );
  return [...new Set(names)].sort();
}

/**
 * resolveHandler decides a GatiVersion's handler among the handlers that exist. handlerRef and
 * a label a person wrote name their handler whether it exists or not (the caller reports a
 * missing one); they disagree → a conflict, and no handler runs the version. Otherwise the
 * longest existing name prefix wins.
 */
export function resolveHandler(v: VersionIdentity, existing: Iterable<string>): Resolution {
  const handSetLabel = v.label && !labelIsOurs(v) ? v.label : undefined;
  if (v.handlerRef) {
    if (handSetLabel && handSetLabel !== v.handlerRef)
      return { kind: 'conflict', handlerRef: v.handlerRef, label: handSetLabel };
    return { kind: 'match', match: { name: v.handlerRef, by: 'handlerRef' } };
  }
  if (handSetLabel) return { kind: 'match', match: { name: handSetLabel, by: 'label' } };
  const have = new Set(existing);
  const best = prefixCandidates(v.name).find((p) => have.has(p));
  return best === undefined
    ? { kind: 'none' }
    : { kind: 'match', match: { name: best, by: 'namePrefix' } };
}

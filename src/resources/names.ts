import * as crypto from 'node:crypto';

/**
 * Every child name comes from here; cross-references (a Service's selector target, an
 * autoscaler's scaleTargetRef, the HTTPRoute's backendRefs) call the same functions.
 *
 * Names are DNS-1035 labels (lowercase, start with a letter, [a-z0-9-], ≤ 63), the strictest
 * rule among our child kinds (Service names). When a raw name had to be changed to fit —
 * sanitised or truncated — an 8-hex-digit sha256 of the raw input is appended, so two
 * distinct inputs never end up with the same name.
 */

/** Longest Kubernetes name or label value we emit. */
export const MAX_NAME = 63;
const HASH_LEN = 8;

/**
 * sha256Hex: every sync names each version's children several times, and the one-shot
 * `crypto.hash` (Node ≥ 20.12) costs a third of a `createHash` object; older Node 20 has
 * only the latter.
 */
const sha256Hex: (raw: string) => string =
  typeof crypto.hash === 'function'
    ? (raw) => crypto.hash('sha256', raw, 'hex')
    : /* c8 ignore next */ (raw) => crypto.createHash('sha256').update(raw).digest('hex');

/** hash8 is a stable 8-hex-digit digest of a string. */
export function hash8(raw: string): string {
  return sha256Hex(raw).slice(0, HASH_LEN);
}

/** withHash truncates a sanitised name (it starts with a letter) so `<base>-<hash>` fits in 63. */
function withHash(base: string, raw: string): string {
  return `${base.slice(0, MAX_NAME - HASH_LEN - 1).replace(/-+$/, '')}-${hash8(raw)}`;
}

/**
 * dnsName turns any string into a DNS-1035 label: unchanged when already valid, otherwise
 * sanitised and suffixed with the hash of the raw input.
 */
export function dnsName(raw: string): string {
  const s = sanitiseDns(raw);
  return s === raw && s.length <= MAX_NAME ? s : withHash(s, raw);
}

/** sanitiseDns lowercases, maps every other character to `-` and makes it start with a letter. */
function sanitiseDns(raw: string): string {
  const s = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/^-+|-+$/g, '');
  return /^[a-z]/.test(s) ? s : `g-${s}`.replace(/-+$/, '');
}

/**
 * labelValue turns any string into a valid label value ([A-Za-z0-9._-], alphanumeric at both
 * ends, ≤ 63), hashing as dnsName does when it had to change anything.
 */
export function labelValue(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (s === raw && s.length <= MAX_NAME) return s;
  const head = s.slice(0, MAX_NAME - HASH_LEN - 1).replace(/[^A-Za-z0-9]+$/, '');
  return head === '' ? hash8(raw) : `${head}-${hash8(raw)}`;
}

/**
 * versionName names everything of one handler version: its Deployment, Service, autoscaler
 * and PDB. It always carries the hash of (handler, version): joined with `-` the pair is
 * ambiguous (`a` + `b-c` vs `a-b` + `c`), and a plain `<handler>-<version>` could equal
 * another handler's apex Service name.
 */
export function versionName(handlerName: string, versionId: string): string {
  return withHash(sanitiseDns(`${handlerName}-${versionId}`), `${handlerName}\u0000${versionId}`);
}

/** apexServiceName names the handler's Service that selects every version's pods. */
export function apexServiceName(handlerName: string): string {
  return dnsName(handlerName);
}

/** routeName names the handler's HTTPRoute. */
export function routeName(handlerName: string): string {
  return dnsName(handlerName);
}

/** moduleName names every child of a GatiModule (Deployment, Service, autoscaler, PDB, NetworkPolicy). */
export function moduleName(moduleObjectName: string): string {
  return dnsName(moduleObjectName);
}

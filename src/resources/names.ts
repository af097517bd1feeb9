import { createHash } from 'node:crypto';

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
const MAX_NAME = 63;
const HASH_LEN = 8;

/** hash8 is a stable 8-hex-digit digest of a string. */
export function hash8(raw: string): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, HASH_LEN);
}

/**
 * A sync asks for each version's names several times (its children, its route backend, the
 * plan, the status), and each is a sanitising pass and a sha256. One bounded table per naming
 * function answers the repeats: the functions are pure, so a table can never change a name;
 * each is emptied whole when full.
 */
const MEMO_ENTRIES = 4096;
const dnsNames = new Map<string, string>();
const labelValues = new Map<string, string>();
const versionNames = new Map<string, string>();

function remember(table: Map<string, string>, raw: string, name: string): string {
  if (table.size >= MEMO_ENTRIES) table.clear();
  table.set(raw, name);
  return name;
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
  return dnsNames.get(raw) ?? remember(dnsNames, raw, dnsNameOf(raw));
}

function dnsNameOf(raw: string): string {
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
  return labelValues.get(raw) ?? remember(labelValues, raw, labelValueOf(raw));
}

function labelValueOf(raw: string): string {
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
  const raw = `${handlerName}\u0000${versionId}`;
  return (
    versionNames.get(raw) ??
    remember(versionNames, raw, withHash(sanitiseDns(`${handlerName}-${versionId}`), raw))
  );
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

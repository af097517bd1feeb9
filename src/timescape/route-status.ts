import type { GatiHandlerSpec } from '../api/gatihandler.js';
import type { KubeObject } from '../api/metacontroller.js';
import { isObject } from '../kube/observed.js';

interface Rule {
  matches?: Array<{ headers?: unknown[] }>;
  backendRefs?: Array<{ name?: unknown; weight?: unknown }>;
}

function rulesOf(route: KubeObject | undefined): Rule[] {
  const rules = (route?.spec as { rules?: unknown } | undefined)?.rules;
  return Array.isArray(rules) ? (rules.filter(isObject) as Rule[]) : [];
}

/** isWeightedRule: the rule without header matches (pin rules all match the pin header). */
function isWeightedRule(rule: Rule): boolean {
  const matches = Array.isArray(rule.matches) ? rule.matches : [];
  return !matches.some((m) => isObject(m) && Array.isArray(m.headers) && m.headers.length > 0);
}

/** routeWeights reads the observed weighted rule: backend Service name → weight (default 1, as Gateway API). */
export function routeWeights(route: KubeObject | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const rule of rulesOf(route).filter(isWeightedRule)) {
    for (const b of Array.isArray(rule.backendRefs) ? rule.backendRefs : []) {
      if (isObject(b) && typeof b.name === 'string')
        out.set(b.name, typeof b.weight === 'number' ? b.weight : 1);
    }
  }
  return out;
}

/** refKey: a parentRef as `namespace/name/sectionName`, its namespace defaulting to the route's. */
function refKey(ref: unknown, namespace: unknown): string {
  const r = isObject(ref) ? ref : {};
  return `${String(r.namespace ?? namespace ?? '')}/${String(r.name ?? '')}/${String(r.sectionName ?? '')}`;
}

/** namedOnly: the status entries for parents the route's spec names. */
function namedOnly(route: KubeObject, parents: unknown[]): unknown[] {
  const ns = (route.metadata as { namespace?: unknown }).namespace;
  const refs = (route.spec as { parentRefs?: unknown } | undefined)?.parentRefs;
  const keys = new Set(Array.isArray(refs) ? refs.map((r) => refKey(r, ns)) : []);
  return parents.filter((p) => isObject(p) && keys.has(refKey(p.parentRef, ns)));
}

/**
 * parentConditions: each parent's conditions as the gateway reported them; a malformed entry has
 * none. `named`: only the entries for parents the route's spec names (one a controller left for a
 * parent the route no longer names is left over, not a gateway at work).
 */
function parentConditions(
  route: KubeObject,
  named = false,
): Array<Array<Record<string, unknown>>> | undefined {
  const all = (route.status as { parents?: unknown } | undefined)?.parents;
  if (!Array.isArray(all) || all.length === 0) return undefined;
  return (named ? namedOnly(route, all) : all).map((p) =>
    isObject(p) && Array.isArray(p.conditions)
      ? (p.conditions.filter(isObject) as Array<Record<string, unknown>>)
      : [],
  );
}

/** current: the condition is about the route's current generation (none given counts as 0). */
function current(route: KubeObject, c: Record<string, unknown>): boolean {
  const generation = (route.metadata as { generation?: unknown }).generation;
  return (
    typeof generation !== 'number' ||
    (typeof c.observedGeneration === 'number' ? c.observedGeneration : 0) >= generation
  );
}

/** attached: the route has parents to be accepted by (none: it routes nothing, nothing to wait for). */
const attached = (route: KubeObject | undefined, spec: GatiHandlerSpec): route is KubeObject =>
  route !== undefined && (spec.routing.parentRefs ?? []).length > 0;

/**
 * routeAccepted: every parent the route attaches to reports Accepted=True at the route's
 * current generation (Flagger's check). A route with no parentRefs routes nothing and is
 * trivially accepted; a missing route is accepted (nothing sends traffic through it).
 */
export function routeAccepted(route: KubeObject | undefined, spec: GatiHandlerSpec): boolean {
  if (!attached(route, spec)) return true;
  // The gateway's status, read defensively: a malformed entry accepts nothing.
  const parents = parentConditions(route);
  return (
    parents !== undefined &&
    parents.every((conditions) =>
      conditions.some((c) => c.type === 'Accepted' && c.status === 'True' && current(route, c)),
    )
  );
}

/**
 * unresolvedRefs: why the gateway cannot send to some of the route's backends, from the first
 * parent reporting ResolvedRefs=False at the route's current generation ("<reason>: <message>"),
 * or undefined. Accepted=True says the gateway applied the route; ResolvedRefs=False says the
 * requests it would send to the unresolved backends fail (Gateway API: a 500 for their share),
 * e.g. a Service that does not exist yet or a reference no ReferenceGrant permits. A gateway that
 * reports no ResolvedRefs, or one for an older generation, is taken at its Accepted.
 */
export function unresolvedRefs(
  route: KubeObject | undefined,
  spec: GatiHandlerSpec,
): string | undefined {
  if (!attached(route, spec)) return undefined;
  for (const conditions of parentConditions(route) ?? []) {
    const c = conditions.find(
      (c) => c.type === 'ResolvedRefs' && c.status === 'False' && current(route, c),
    );
    if (!c) continue;
    const reason = typeof c.reason === 'string' && c.reason ? c.reason : 'ResolvedRefs=False';
    const message = typeof c.message === 'string' ? c.message.slice(0, 200) : '';
    return message ? `${reason}: ${message}` : reason;
  }
  return undefined;
}

/** The route's generation and the oldest one a parent reports it has applied. */
export interface RouteLag {
  generation: number;
  applied: number;
}

/**
 * gatewayBehind: a parent the route attaches to reports its Accepted condition for an older
 * generation than the route's — the gateway has not applied the route's current spec (its
 * weights) yet. A gateway that reports nothing cannot be told apart from one that is quick, so
 * it is not behind; nor is a route without a generation (nothing to compare). An entry for a
 * parent the route no longer names is left over, not a gateway at work: it is not counted.
 */
export function gatewayBehind(
  route: KubeObject | undefined,
  spec: GatiHandlerSpec,
): RouteLag | undefined {
  if (!attached(route, spec)) return undefined;
  const generation = (route.metadata as { generation?: unknown }).generation;
  if (typeof generation !== 'number') return undefined;
  let applied = generation;
  for (const conditions of parentConditions(route, true) ?? []) {
    const accepted = conditions.find((c) => c.type === 'Accepted');
    if (typeof accepted?.observedGeneration === 'number')
      applied = Math.min(applied, accepted.observedGeneration);
  }
  return applied < generation ? { generation, applied } : undefined;
}

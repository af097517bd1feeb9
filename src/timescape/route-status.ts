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

/**
 * routeAccepted: every parent the route attaches to reports Accepted=True at the route's
 * current generation (Flagger's check). A route with no parentRefs routes nothing and is
 * trivially accepted; a missing route is accepted (nothing sends traffic through it).
 */
export function routeAccepted(route: KubeObject | undefined, spec: GatiHandlerSpec): boolean {
  if (!route) return true;
  if ((spec.routing.parentRefs ?? []).length === 0) return true;
  const generation = (route.metadata as { generation?: unknown }).generation;
  const parents = (route.status as { parents?: unknown } | undefined)?.parents;
  if (!Array.isArray(parents) || parents.length === 0) return false;
  // The gateway's status, read defensively: a malformed entry accepts nothing.
  const conditionsOf = (p: unknown): unknown[] =>
    isObject(p) && Array.isArray(p.conditions) ? p.conditions : [];
  return parents.every((p) =>
    conditionsOf(p).some(
      (c) =>
        isObject(c) &&
        c.type === 'Accepted' &&
        c.status === 'True' &&
        (typeof generation !== 'number' ||
          (typeof c.observedGeneration === 'number' ? c.observedGeneration : 0) >= generation),
    ),
  );
}

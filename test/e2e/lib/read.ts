/**
 * Reading what the operator wrote, the way a user reads it: route weights and pins, the
 * handler's per-version status, conditions, finalizers.
 */
import { versionName } from '../../../src/resources/names.js';
import type { Obj } from './api.js';

/** Backend Service name → versionId for the given versions of a handler. */
function byService(handler: string, ids: string[]): Map<string, string> {
  return new Map(ids.map((id) => [versionName(handler, id), id]));
}

/** The weighted rule of an HTTPRoute (the rule without header matches) as versionId → weight. */
export function routeWeights(
  route: Obj | undefined,
  handler: string,
  ids: string[],
): Record<string, number> {
  const names = byService(handler, ids);
  const out: Record<string, number> = {};
  for (const rule of (route?.spec?.rules ?? []) as Obj[]) {
    const pinned = ((rule.matches ?? []) as Obj[]).some((m) => (m.headers ?? []).length > 0);
    if (pinned) continue;
    for (const b of (rule.backendRefs ?? []) as Obj[]) {
      out[names.get(b.name) ?? b.name] = typeof b.weight === 'number' ? b.weight : 1;
    }
  }
  return out;
}

/** The pin rules of an HTTPRoute as pinned value (a version or an alias, by header or query) → versionId. */
export function routePins(
  route: Obj | undefined,
  handler: string,
  ids: string[],
): Record<string, string> {
  const names = byService(handler, ids);
  const out: Record<string, string> = {};
  for (const rule of (route?.spec?.rules ?? []) as Obj[]) {
    const backend = ((rule.backendRefs ?? []) as Obj[])[0];
    const selectors = ((rule.matches ?? []) as Obj[]).flatMap(
      (m) => [...(m.headers ?? []), ...(m.queryParams ?? [])] as Obj[],
    );
    if (backend)
      for (const sel of selectors) out[sel.value] = names.get(backend.name) ?? backend.name;
  }
  return out;
}

/** Every parent `controller` (a gateway's controllerName) reports for the route says Accepted=True at the route's current generation. */
export function gatewayAccepted(route: Obj | undefined, controller: string): boolean {
  const parents = ((route?.status?.parents ?? []) as Obj[]).filter(
    (p) => p.controllerName === controller,
  );
  return (
    parents.length > 0 &&
    parents.every((p) =>
      ((p.conditions ?? []) as Obj[]).some(
        (c) =>
          c.type === 'Accepted' &&
          c.status === 'True' &&
          c.observedGeneration === route?.metadata?.generation,
      ),
    )
  );
}

export const versionsOf = (handler: Obj | undefined): Obj[] =>
  (handler?.status?.versions ?? []) as Obj[];

export const versionEntry = (handler: Obj | undefined, id: string): Obj | undefined =>
  versionsOf(handler).find((v) => v.versionId === id);

/** One condition of an object's status, by type. */
export const conditionOf = (obj: Obj | undefined, type: string): Obj | undefined =>
  ((obj?.status?.conditions ?? []) as Obj[]).find((c) => c.type === type);

export const isTrue = (obj: Obj | undefined, type: string): boolean =>
  conditionOf(obj, type)?.status === 'True';

/** The status reflects the object's latest spec. */
export const observedLatest = (obj: Obj | undefined): boolean =>
  obj?.status?.observedGeneration === obj?.metadata?.generation;

/** Two weight maps are equal (key order aside). */
export const same = (a: Record<string, number>, b: Record<string, number>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** A one-line summary of a handler's versions, for pending reasons and failure messages. */
export const brief = (handler: Obj | undefined): string =>
  JSON.stringify(
    versionsOf(handler).map((v) => ({
      id: v.versionId,
      phase: v.phase,
      weight: v.effectiveWeight,
      pct: v.trafficPercent,
      reason: v.reason,
    })),
  );

/** ns/name of an object. */
export const ref = (o: Obj): string =>
  `${o.kind} ${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

import { groupKey, type ResourceType } from '../../api/kinds.js';
import { ALL_KINDS_INSTALL, type InstallOptions } from '../../api/switches.js';
import type { KubeObject, ObjectGroups, RelatedResourceRule } from '../../api/metacontroller.js';
import type { Controller } from '../../hooks/controllers.js';
import {
  controllerName,
  metacontrollerObject as installedObject,
} from '../../install/controllers.js';
import { kindOf, type LoopStore, type RelatedRules, type RulesCacheLike } from './types.js';

// How Metacontroller (v4.17.2, hook version v2) builds the requests it sends: contract §2.2,
// §2.5 and §2.6 in shared/reference/metacontroller-contract.md.

/** The annotation Metacontroller stamps on every attachment of a DecoratorController. */
export const DECORATOR_ANNOTATION = 'metacontroller.k8s.io/decorator-controller';

/** Metacontroller keeps a customize answer for 20 minutes per (parent uid, generation). */
export const CUSTOMIZE_CACHE_SECONDS = 20 * 60;

/**
 * metacontrollerObject is the controller object Metacontroller sends as `controller`: ours as
 * installed (src/install: a CompositeController or a DecoratorController, by the table's
 * kind), with the empty status the API server holds. It declares every optional child kind
 * by default: an offline render does not know the target cluster's install switches, so it
 * renders what the specs ask for (`options` models a particular install).
 */
export function metacontrollerObject(
  c: Controller,
  options: Readonly<InstallOptions> = ALL_KINDS_INSTALL,
): Record<string, unknown> {
  return { ...installedObject(c, options), status: {} };
}

/** finalizerOf is the finalizer Metacontroller puts on a parent of a controller with a finalize hook. */
export function finalizerOf(c: Controller): string {
  const kind = kindOf(c) === 'DecoratorController' ? 'decoratorcontroller' : 'compositecontroller';
  return `metacontroller.io/${kind}-${controllerName(c.name)}`;
}

/** entryKey is an object's key inside a v2 group: `namespace/name`, or `name` when cluster-scoped. */
export function entryKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

function byKey([a]: [string, unknown], [b]: [string, unknown]): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** groupsOf groups objects by `<Kind>.<apiVersion>`, with a (possibly empty) group for every type. */
export function groupsOf(types: readonly ResourceType[], objects: KubeObject[]): ObjectGroups {
  const groups: ObjectGroups = {};
  for (const t of types) groups[groupKey(t)] = {};
  for (const o of objects) {
    const g = groups[`${o.kind}.${o.apiVersion}`];
    if (g) g[entryKey(o)] = o;
  }
  for (const k of Object.keys(groups))
    groups[k] = Object.fromEntries(Object.entries(groups[k]!).sort(byKey));
  return groups;
}

interface OwnerRef {
  uid?: string;
  controller?: boolean;
}

/** controllerUid is the uid in an object's controller ownerReference. */
export function controllerUid(o: KubeObject): string | undefined {
  const refs = o.metadata.ownerReferences as OwnerRef[] | undefined;
  return refs?.find((r) => r.controller === true)?.uid;
}

/**
 * ownedChildren: the objects Metacontroller reports as the parent's — controlled by its uid;
 * for a decorator, only those it stamped as its own attachments.
 */
export function ownedChildren(c: Controller, parent: KubeObject, store: LoopStore): KubeObject[] {
  const owned = store.owned(parent.metadata.uid as string);
  if (kindOf(c) === 'CompositeController') return owned;
  const name = controllerName(c.name);
  return owned.filter(
    (o) =>
      (o.metadata.annotations as Record<string, string> | undefined)?.[DECORATOR_ANNOTATION] ===
      name,
  );
}

/** ruleSelects tells whether a customize rule selects an object of `type` (names, namespace, matchLabels). */
export function ruleSelects(rule: RelatedResourceRule, type: ResourceType, o: KubeObject): boolean {
  if (rule.apiVersion !== type.apiVersion || rule.resource !== type.resource) return false;
  if (o.kind !== type.kind || o.apiVersion !== type.apiVersion) return false;
  if (rule.namespace !== undefined && rule.namespace !== o.metadata.namespace) return false;
  if (rule.names !== undefined && !rule.names.includes(o.metadata.name)) return false;
  const labels = (o.metadata.labels ?? {}) as Record<string, string>;
  return Object.entries(rule.labelSelector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** ruleType resolves a rule to the related type the controller declares; undeclared ones throw. */
export function ruleType(c: Controller, rule: RelatedResourceRule): ResourceType {
  const type = c.related.find(
    (t) => t.apiVersion === rule.apiVersion && t.resource === rule.resource,
  );
  if (!type)
    throw new Error(
      `${c.name}: customize asked for ${rule.apiVersion}/${rule.resource}, not a related type it declares`,
    );
  return type;
}

/** relatedObjects answers customize rules from the store: a group for every rule's type. */
export function relatedObjects(c: Controller, rules: RelatedRules, store: LoopStore): ObjectGroups {
  const types = [...new Set(rules.map((r) => ruleType(c, r)))];
  const selected = types.flatMap((t) =>
    store.list(t).filter((o) => rules.some((r) => ruleSelects(r, t, o))),
  );
  return groupsOf(types, selected);
}

/** hookRequest is a sync/finalize request: composite `parent`/`children`, decorator `object`/`attachments`. */
export function hookRequest(
  c: Controller,
  controller: Record<string, unknown>,
  parent: KubeObject,
  children: ObjectGroups,
  related: ObjectGroups,
  finalizing: boolean,
): Record<string, unknown> {
  return kindOf(c) === 'DecoratorController'
    ? { controller, object: parent, attachments: children, related, finalizing }
    : { controller, parent, children, related, finalizing };
}

/** RulesCache keeps customize answers per (uid, generation) for CUSTOMIZE_CACHE_SECONDS. */
export class RulesCache implements RulesCacheLike {
  private readonly entries = new Map<string, { rules: RelatedRules; until: number }>();

  private static key(p: KubeObject): string {
    return `${String(p.metadata.uid)} ${String(p.metadata.generation)}`;
  }

  /** get returns the cached rules of this parent at its generation, unless expired. */
  get(parent: KubeObject, now: Date): RelatedRules | undefined {
    const e = this.entries.get(RulesCache.key(parent));
    return e && e.until > now.getTime() ? e.rules : undefined;
  }

  /** set caches the rules of this parent at its generation from `now`. */
  set(parent: KubeObject, rules: RelatedRules, now: Date): void {
    this.entries.set(RulesCache.key(parent), {
      rules,
      until: now.getTime() + CUSTOMIZE_CACHE_SECONDS * 1000,
    });
  }
}

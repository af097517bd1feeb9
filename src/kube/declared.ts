import { CHILD_TYPES, type ResourceType } from '../api/kinds.js';
import type { ChildObject } from '../api/metacontroller.js';
import { isObject } from './observed.js';

/**
 * Which child kinds the calling Metacontroller object declares: a CompositeController's
 * `spec.childResources`, a DecoratorController's `spec.attachments` (both `{apiVersion,
 * resource}`), as sent in every request's `controller`. Metacontroller manages only declared
 * kinds and fails a sync that returns another, so the hooks emit only what is declared and
 * report what they had to leave out (KindNotInstalled).
 */

/** The declared types as `apiVersion resource` keys, or undefined when the request does not say. */
function declaredKeys(controller: unknown): Set<string> | undefined {
  if (!isObject(controller) || !isObject(controller.spec)) return undefined;
  const list = controller.spec.childResources ?? controller.spec.attachments;
  if (!Array.isArray(list)) return undefined;
  const keys = new Set<string>();
  for (const r of list)
    if (isObject(r) && typeof r.apiVersion === 'string' && typeof r.resource === 'string')
      keys.add(`${r.apiVersion} ${r.resource}`);
  return keys;
}

/** The children kept, and the types of those left out because the controller does not declare them. */
export interface DeclaredSplit {
  children: ChildObject[];
  missing: ResourceType[];
}

/** controllerNameOf is the calling controller object's name, for messages. */
export function controllerNameOf(controller: unknown): string {
  const name = isObject(controller) && isObject(controller.metadata) && controller.metadata.name;
  return typeof name === 'string' && name !== '' ? name : 'the calling controller';
}

/**
 * keepDeclared splits the desired children by whether the controller declares their type.
 * `needed` are the types the spec asks for whether or not this sync emits one (an HTTPRoute
 * waits for an Available version), so the report is the same from the first sync on. A
 * request whose controller lists no child types (a hand-made request: the CLI, a test)
 * declares every type; Metacontroller always sends the list.
 */
export function keepDeclared(
  controller: unknown,
  desired: ChildObject[],
  needed: readonly ResourceType[] = [],
): DeclaredSplit {
  const declared = declaredKeys(controller);
  if (!declared) return { children: desired, missing: [] };
  const children: ChildObject[] = [];
  const missing = new Map<string, ResourceType>();
  for (const t of needed)
    if (!declared.has(`${t.apiVersion} ${t.resource}`))
      missing.set(`${t.apiVersion} ${t.resource}`, t);
  for (const child of desired) {
    const type = CHILD_TYPES.find(
      (t) => t.apiVersion === child.apiVersion && t.kind === child.kind,
    );
    if (!type || declared.has(`${type.apiVersion} ${type.resource}`)) {
      // An unknown type is left for callHook's table check, which fails the call.
      children.push(child);
      continue;
    }
    missing.set(`${type.apiVersion} ${type.resource}`, type);
  }
  return { children, missing: [...missing.values()] };
}

import type { ResourceType } from '../../api/kinds.js';
import type { KubeObject, RelatedResourceRule } from '../../api/metacontroller.js';
import type { Controller, ControllerTable } from '../../hooks/controllers.js';
import type { ControllerName, HookContext, HookName, Observations } from '../../hooks/types.js';

/** The two kinds of Metacontroller object a controller of the table can run as. */
export type ControllerKind = 'CompositeController' | 'DecoratorController';

/** kindOf reads a controller's kind: which wire format its hooks speak. */
export function kindOf(c: Pick<Controller, 'kind'>): ControllerKind {
  return c.kind;
}

/** A kind as the store files it. */
export type TypeRef = Pick<ResourceType, 'apiVersion' | 'kind'>;

/**
 * What the loop reads and writes: the API server as Metacontroller sees it. The static
 * renderer's store makes every child healthy at once; the scenario harness's store adds
 * resourceVersions, triggers, garbage collection and a write log. Stores own the system
 * fields: uid, generation (bumped when the spec changes) and deletion.
 */
export interface LoopStore {
  /** The stored object of `kind` at namespace/name, or undefined. */
  get(kind: string, namespace: string | undefined, name: string): KubeObject | undefined;
  /** Every stored object of a type, in a stable order. */
  list(type: TypeRef): KubeObject[];
  /** Every stored object whose controller ownerReference has `uid`, in a stable order. */
  owned(uid: string): KubeObject[];
  /** create stores a new object and gives it a uid and generation 1. */
  create(o: KubeObject): void;
  /**
   * update replaces `current` by `next` and writes nothing when they are equal. An object
   * left with a deletionTimestamp and no finalizers is removed, as the API server does.
   */
  update(current: KubeObject, next: KubeObject): void;
  /** delete removes an object, or only marks it deleted while it has finalizers. */
  delete(o: KubeObject): void;
}

/** How the loop calls a hook; callHook() with the loop's table unless a test wraps it. */
export type HookCaller = (
  controller: ControllerName,
  hook: HookName,
  request: Record<string, unknown>,
  ctx: HookContext,
) => unknown;

/** Everything one pass of the loop works with. */
export interface LoopEnv {
  table: ControllerTable;
  store: LoopStore;
  /** The clock of the current sync. */
  now: () => Date;
  /** Observations handed to sync and finalize calls (evaluated at each call). */
  observations?: () => Observations | undefined;
  call?: HookCaller;
  /** Customize answers per (uid, generation); without one, customize is called every sync. */
  rules?: RulesCacheLike;
  /** The Metacontroller object sent as `controller` (default: metacontrollerObject()). */
  controllerObject?: (c: Controller) => Record<string, unknown>;
  /** Told when a desired child's name is taken by an object the parent does not control. */
  onCollision?: (parent: KubeObject, child: KubeObject) => void;
}

/** The part of RulesCache the loop uses (request.ts has the real one). */
export interface RulesCacheLike {
  get(parent: KubeObject, now: Date): RelatedRules | undefined;
  set(parent: KubeObject, rules: RelatedRules, now: Date): void;
}

/** The related-resource rules of one customize answer. */
export type RelatedRules = readonly RelatedResourceRule[];

/** What one sync or finalize call came to. */
export interface SyncOutcome {
  hook: 'sync' | 'finalize';
  /** The children (attachments) the hook asked for, as it answered them. */
  desired: KubeObject[];
  resyncAfterSeconds?: number;
  finalized: boolean;
}

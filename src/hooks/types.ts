import type {
  CustomizeRequest,
  CustomizeResponse,
  DecoratorRequest,
  DecoratorResponse,
  SyncRequest,
  SyncResponse,
} from '../api/metacontroller.js';
import type { Observation } from '../api/signals.js';

/**
 * Observations from outside the request, gathered by the server before a hook runs
 * (the only I/O besides config). Pure hooks read them; they never fetch anything.
 */
export interface Observations {
  /**
   * Request rate (requests/s) of one draining handler version from the drain query, with its
   * sample time, or why there is none; keyed by versionKey(namespace, handler, versionId).
   * Absent: not asked this call (not yet: the drain waits for it).
   */
  requestRates?: Record<string, Observation>;
  /**
   * The rollout analysis query's answer for one handler's rollout target, keyed by
   * versionKey(namespace, handler, versionId): a sample, or why there is none. Absent: not
   * asked this call (not yet: never counted as a check).
   */
  analysis?: Record<string, Observation>;
  /**
   * The demand query's answer (spec.retirement) for one superseded handler version, keyed by
   * versionKey(namespace, handler, versionId). Absent: not asked this call (not yet counted).
   */
  demand?: Record<string, Observation>;
}

export { versionKey } from '../timescape/observations.js';

/** What a hook gets besides the request: the clock and external observations. */
export interface HookContext {
  now: Date;
  observations?: Observations;
}

/** A pure sync or finalize hook. Throws GatiError (or anything) to fail closed. */
export type SyncHook = (request: SyncRequest, ctx: HookContext) => SyncResponse;

/** A pure customize hook: its output depends only on the parent's spec and identity. */
export type CustomizeHook = (request: CustomizeRequest) => CustomizeResponse;

/** A pure DecoratorController sync or finalize hook. */
export type DecoratorHook = (request: DecoratorRequest, ctx: HookContext) => DecoratorResponse;

/** The hooks of a CompositeController. */
export interface CompositeHooks {
  sync: SyncHook;
  finalize?: SyncHook;
  customize?: CustomizeHook;
}

/** The hooks of a DecoratorController. */
export interface DecoratorHooks {
  sync: DecoratorHook;
  finalize?: DecoratorHook;
  customize?: CustomizeHook;
}

/** The hooks of one controller (its kind in the controller table says which). */
export type ControllerHooks = CompositeHooks | DecoratorHooks;

/** Controller names as they appear in hook URLs: /hooks/<controller>/<hook>. */
export type ControllerName = 'gatihandler' | 'gatimodule' | 'gativersion';
export type HookName = 'sync' | 'finalize' | 'customize';

/** The hooks of every controller, each of its controller's kind. */
export interface HookRegistry {
  gatihandler: CompositeHooks;
  gatimodule: CompositeHooks;
  gativersion: DecoratorHooks;
}

// The options of a scenario Cluster (test/scenario/harness.ts).
import type { Controller, ControllerTable } from '../../../src/hooks/controllers.js';
import type { Observations } from '../../../src/hooks/types.js';
import type { Cluster } from '../harness.js';
import type { PartialRegistry } from './contract.js';
import type { Obj } from './objects.js';

/** Start of the fake clock unless a test says otherwise. */
export const DEFAULT_START = new Date('2026-01-01T00:00:00Z');

export interface ClusterOptions {
  /** The hooks to run. Defaults to none: pass `HOOKS` for the product, fakes for harness tests. */
  hooks?: PartialRegistry;
  /** The controller table the hooks are laid over (default CONTROLLERS); its `kind` picks composite or decorator. */
  controllers?: ControllerTable;
  /** The Metacontroller object of a controller (default: the installed one, metacontrollerObject()). */
  controllerObject?: (c: Controller) => Record<string, unknown>;
  /** Start of the fake clock (default 2026-01-01T00:00:00Z). */
  start?: Date;
  /** Prefix of generated uids (default `uid`). */
  uidPrefix?: string;
  /** Seconds after a Deployment's spec last changed until it is Available (default 0: next round). */
  deploymentReadyAfterSeconds?: number;
  /** Deployments for which this returns true never become Available. */
  neverReady?: (deployment: Obj) => boolean;
  /** Observations handed to every hook call; a function is evaluated at each call. */
  observations?: Observations | ((sim: Cluster) => Observations | undefined);
  /** Whether the simulated gateway marks HTTPRoutes Accepted (default true). */
  routeAccepts?: boolean;
  /** Rounds after which reconcile() declares a hot loop (default 50). */
  maxRounds?: number;
  /** resyncPeriodSeconds of every controller (default 60, as installed; 0 disables). */
  resyncPeriodSeconds?: number;
  /** Re-throw a hook's own error (default true). When false it is recorded and retried with backoff. */
  rethrowHookErrors?: boolean;
  /** Call every hook twice and fail unless both answers are byte-identical (default true). */
  checkDeterminism?: boolean;
  /**
   * Fail unless every answer is canonical JSON as it stands (default true): the server sends
   * JSON.stringify of it without re-sorting. Only the harness's own tests, with hand-written
   * fake hooks, turn it off.
   */
  checkCanonical?: boolean;
  /**
   * Call the hooks directly instead of through callHook() — the server's path, with its
   * envelope and output checks and canonical answers. Only the harness's own tests, whose fake
   * hooks break the contract on purpose, set it.
   */
  direct?: boolean;
  /**
   * `watch` (default): sync only parents a trigger of §2.10 enqueued — catches hooks that forget
   * `resyncAfterSeconds`. `all`: sync every parent every round until a round changes nothing.
   */
  triggers?: 'watch' | 'all';
}

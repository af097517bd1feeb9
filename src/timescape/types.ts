import type { GatiHandlerSpec, GatiHandlerStatus, VersionStatus } from '../api/gatihandler.js';
import type { KubeObject } from '../api/metacontroller.js';
import type { VersionWorkload } from '../resources/handler.js';
import type { Announcement } from '../resources/headers.js';
import type { DrainState } from './drain.js';
import type { Lifecycle } from '../api/rollout.js';
import type { Observation } from '../api/signals.js';
import type { RolloutRecord } from './engine.js';
import type { Candidate, OwnedVersion } from './versions.js';
import type { RetirementState } from './retirement.js';

/** Everything one GatiHandler sync knows, already read from the request. */
export interface PlanInput {
  name: string;
  namespace: string;
  spec: GatiHandlerSpec;
  annotations: Record<string, string>;
  previous?: GatiHandlerStatus;
  owned: OwnedVersion[];
  /** Observed Deployments of this handler, by versionId. */
  deployments: Map<string, KubeObject>;
  /** The observed HTTPRoute, if any. */
  route?: KubeObject;
  now: Date;
  /** The drain query's answer per versionId (absent: not asked this call). */
  rates: Record<string, Observation>;
  /** The analysis query's answer per versionId: the move's target's (absent: not asked this call). */
  analysis: Record<string, Observation>;
  /** The demand query's answer per versionId (spec.retirement; absent: not asked this call). */
  demand: Record<string, Observation>;
}

/** What the handler does with one version this sync. */
export interface VersionPlan {
  status: VersionStatus;
  /** Workloads to emit; undefined once the version is removed. */
  workload?: VersionWorkload;
  /** In a pin rule. */
  pin: boolean;
  /** Alias names that pin to it too. */
  aliases: string[];
  /** Weight in the weighted rule; undefined = not a backend there. */
  weight?: number;
  /** Its retirement, announced to clients on its pin rule and weighted backend. */
  announce?: Announcement;
  /** Retired: the version its pins go to, through a transformer. */
  bridgedBy?: string;
}

/** The outcome of planning: per-version plans plus what the handler status reports. */
export interface Plan {
  versions: VersionPlan[];
  /** The rollout of spec.version (kept after it ends). */
  rollout: RolloutRecord;
  /** The gati.dev/rollout-action value when it is not one the operator knows. */
  unknownAction?: string;
  /** Aliases left out of the route, each with why. */
  aliasProblems: string[];
  resyncAfterSeconds?: number;
  /** Versions kept serving because they are the last ones that can (their retirement refused). */
  lastServing: string[];
  /** Versions left out of the route to stay within Gateway API limits. */
  overLimit: string[];
  /** Versions beyond MAX_LIVE_VERSIONS: reported, not built (most urgent first). */
  excessVersions: string[];
  routeAccepted: boolean;
  /** Why the gateway cannot resolve some of the route's backends (ResolvedRefs=False), if it says so. */
  routeRefsUnresolved?: string;
}

/** One version as planning works on it: its candidate facts and what this sync decides. */
export interface Working {
  c: Candidate;
  prev?: VersionStatus;
  name: string;
  available: boolean;
  ready: number;
  availableReplicas: number;
  replicasRunning: number;
  phase: VersionStatus['phase'];
  effective: number;
  reason: string;
  message: string;
  drain: DrainState;
  /**
   * What this sync decides for it (api/rollout.ts Lifecycle): Serving; Standby (displaced, its
   * rollback window open: pods, pin rule and a weight-0 backend kept); Draining (its pin rule
   * and weight-0 backend kept until drained); Retired (drained: Deployment at 0, no autoscaler).
   */
  lifecycle: Lifecycle;
  /** Alias names that pin to this version (spec.routing.aliases). */
  aliases: string[];
  /** A completed move displaced it: its rollback window applies (status reason RollbackWindow). */
  displaced: boolean;
  /** The target of an aborted move: it leaves like any other and is reported Failed (Aborted). */
  aborted: boolean;
  /** The weight moves have granted it before this sync's move (src/timescape/moves.ts). */
  granted: number;
  /** Its replicas, or its autoscaler's minimum, this sync (src/timescape/sizing.ts). */
  size: number;
  /** Superseded under spec.retirement: its demand and dates (src/timescape/retirement.ts). */
  retirement?: RetirementState;
  /** Retired: the live version that serves its pinned requests (src/timescape/bridges.ts). */
  bridgedBy?: string;
  firstSeenAt: string;
  availableAt?: string;
  supersededAt?: string;
}

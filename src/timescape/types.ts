import type { GatiHandlerSpec, GatiHandlerStatus, VersionStatus } from '../api/gatihandler.js';
import type { KubeObject } from '../api/metacontroller.js';
import type { VersionWorkload } from '../resources/handler.js';
import type { DrainState } from './drain.js';
import type { Observation } from '../api/signals.js';
import type { RolloutRecord } from './rollout.js';
import type { Candidate, OwnedVersion } from './versions.js';

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
  /** The analysis query's answer for the rollout target (absent: not asked this call). */
  analysis?: Observation;
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
  serving: boolean;
  /** Alias names that pin to this version (spec.routing.aliases). */
  aliases: string[];
  /** In a drain that has not finished: its backendRef and pin rule stay, at weight 0. */
  draining: boolean;
  /** Drained: its workloads retire (Deployment at 0, no autoscaler). */
  retired: boolean;
  /** The target of an aborted rollout: it drains and is reported Failed (reason Aborted). */
  aborted: boolean;
  firstSeenAt: string;
  availableAt?: string;
  supersededAt?: string;
}

import type { Autoscaling, EnvVar, Resources } from '../api/common.js';
import type { Probes } from '../api/gatihandler.js';
import type { Static } from '@sinclair/typebox';
import type { KubeObject } from '../api/metacontroller.js';
import type { Labels } from './labels.js';
import type { ContainerEnvVar } from './pod.js';

/** Probe and shutdown settings with every default applied. */
export type ProbeSettings = Static<typeof Probes>;

/** Defaults of spec.probes (the schema's), used by modules and by handlers without spec.probes. */
export const DEFAULT_PROBES: ProbeSettings = {
  path: '/health',
  initialDelaySeconds: 0,
  periodSeconds: 10,
  timeoutSeconds: 2,
  failureThreshold: 3,
  preStopSeconds: 10,
};

/**
 * Workload is everything the child builders need to run one Gati process group — a module or
 * one handler version. Builders are parametrised by it rather than duplicated per parent kind.
 */
export interface Workload {
  namespace?: string;
  /** Shared name of the Deployment, Service, autoscaler, PDB and NetworkPolicy. */
  name: string;
  labels: Labels;
  /** Pod selector; a subset of labels, stable for the workload's whole life. */
  selector: Labels;
  annotations?: Record<string, string>;
  image: string;
  port: number;
  /** `http` for handlers (HTTP probes), `grpc` for modules (TCP probes). */
  protocol: 'http' | 'grpc';
  /** Replicas when no autoscaler owns the Deployment. */
  replicas: number;
  resources?: Resources;
  env?: EnvVar[];
  /** The container's env as built from port and env, when the caller shares one between workloads. */
  containerEnv?: ContainerEnvVar[];
  probes: ProbeSettings;
  /** A writable, non-persistent emptyDir at /data (module storage capabilities). */
  dataVolume: boolean;
  /** Absent or mode `none`: fixed replicas. */
  autoscaling?: Autoscaling;
  /** Lowest replica count an autoscaler may reach: 0 only where no traffic can be black-holed. */
  minReplicasFloor: 0 | 1;
  /** Values for `{{key}}` in KEDA trigger metadata. */
  templateVars: Record<string, string>;
}

/** autoscalerMode is the effective autoscaling mode of a workload. */
export function autoscalerMode(w: Workload): 'none' | 'hpa' | 'keda' {
  return w.autoscaling?.mode ?? 'none';
}

/** minReplicas is the autoscaler's lower bound: spec.minReplicas (default 1), never below the floor. */
export function minReplicas(w: Workload): number {
  return Math.max(w.autoscaling?.minReplicas ?? 1, w.minReplicasFloor);
}

/** maxReplicas is the autoscaler's upper bound (validation requires it; never below minReplicas). */
export function maxReplicas(w: Workload): number {
  return Math.max(w.autoscaling?.maxReplicas ?? w.replicas, minReplicas(w), 1);
}

/**
 * objectMeta is the metadata every child of a workload carries. No copies: every builder's
 * output goes through canonical(), which copies what is not already canonical and shares
 * what is (the memoised label sets).
 */
export function objectMeta(
  w: Pick<Workload, 'name' | 'namespace' | 'labels' | 'annotations'>,
): KubeObject['metadata'] {
  return {
    name: w.name,
    namespace: w.namespace,
    labels: w.labels,
    annotations: w.annotations,
  };
}

import type { Static } from '@sinclair/typebox';
import type { Autoscaling, Resources } from '../api/common.js';
import type { Probes } from '../api/gatihandler.js';
import type { PodSettings } from '../api/pod.js';
import type { ObjectMetaModel } from '../kube/types.js';
import type { Labels } from './labels.js';

/** Probe and shutdown settings with every default applied. */
export type ProbeSettings = Static<typeof Probes>;

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
  resources: Resources;
  /** The user's pod settings (env included), a handler version's overrides already merged. */
  pod: PodSettings;
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

/** minReplicas is the autoscaler's lower bound: spec.minReplicas, never below the floor. */
export function minReplicas(w: Workload): number {
  return Math.max(w.autoscaling?.minReplicas ?? 1, w.minReplicasFloor);
}

/** maxReplicas is the autoscaler's upper bound (validation requires it; never below minReplicas). */
export function maxReplicas(w: Workload): number {
  return Math.max(w.autoscaling?.maxReplicas ?? w.replicas, minReplicas(w), 1);
}

/** objectMeta is the metadata every child of a workload carries. */
export function objectMeta(
  w: Pick<Workload, 'name' | 'namespace' | 'labels' | 'annotations'>,
): ObjectMetaModel {
  return { name: w.name, namespace: w.namespace, labels: w.labels, annotations: w.annotations };
}

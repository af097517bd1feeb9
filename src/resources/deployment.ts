import { DEPLOYMENT } from '../api/kinds.js';
import type { Deployment } from '../kube/types.js';
import { podTemplate } from './pod.js';
import { autoscalerMode, objectMeta, type Workload } from './workload.js';

/** Old ReplicaSets kept for `kubectl rollout undo`. */
export const REVISION_HISTORY_LIMIT = 5;

/**
 * makeDeployment runs a workload. `spec.replicas` is omitted when an autoscaler owns it, and
 * the rollout surges new pods before removing old ones (maxUnavailable 0), so capacity never
 * drops below desired.
 */
export function makeDeployment(w: Workload): Deployment {
  return {
    apiVersion: DEPLOYMENT.apiVersion,
    kind: DEPLOYMENT.kind,
    metadata: objectMeta(w),
    spec: {
      replicas: autoscalerMode(w) === 'none' ? w.replicas : undefined,
      minReadySeconds: w.pod.minReadySeconds,
      revisionHistoryLimit: REVISION_HISTORY_LIMIT,
      selector: { matchLabels: w.selector },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
      template: podTemplate(w),
    },
  };
}

import { PDB } from '../api/kinds.js';
import type { PodDisruptionBudget } from '../kube/types.js';
import { objectMeta, type Workload } from './workload.js';

/**
 * makePodDisruptionBudget allows one voluntary eviction at a time: it never blocks a node
 * drain, even at one replica, and unhealthy pods may always be evicted.
 */
export function makePodDisruptionBudget(w: Workload): PodDisruptionBudget {
  return {
    apiVersion: PDB.apiVersion,
    kind: PDB.kind,
    metadata: objectMeta(w),
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: w.selector },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    },
  };
}

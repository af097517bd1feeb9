import { DEPLOYMENT, SCALED_OBJECT } from '../api/kinds.js';
import type { ScaledObject } from '../kube/types.js';
import { substitute } from './template.js';
import { maxReplicas, minReplicas, objectMeta, type Workload } from './workload.js';

function triggers(w: Workload): ScaledObject['spec']['triggers'] {
  return (w.autoscaling?.keda?.triggers ?? []).map((t) => ({
    type: t.type,
    name: t.name,
    metadata: Object.fromEntries(
      Object.entries(t.metadata).map(([k, v]) => [k, substitute(v, w.templateVars)]),
    ),
    authenticationRef: t.authenticationRef && { ...t.authenticationRef },
  }));
}

/**
 * makeScaledObject attaches a KEDA ScaledObject (which owns its own HPA) to a workload's
 * Deployment. minReplicaCount may be 0 only when the workload's floor allows it.
 */
export function makeScaledObject(w: Workload): ScaledObject {
  const keda = w.autoscaling?.keda;
  return {
    apiVersion: SCALED_OBJECT.apiVersion,
    kind: SCALED_OBJECT.kind,
    metadata: objectMeta(w),
    spec: {
      scaleTargetRef: { apiVersion: DEPLOYMENT.apiVersion, kind: DEPLOYMENT.kind, name: w.name },
      minReplicaCount: minReplicas(w),
      maxReplicaCount: maxReplicas(w),
      pollingInterval: keda?.pollingInterval,
      cooldownPeriod: keda?.cooldownPeriod,
      triggers: triggers(w),
      // KEDA owns the HPA it creates; scaling behavior reaches it through the ScaledObject.
      advanced: w.autoscaling?.behavior && {
        horizontalPodAutoscalerConfig: { behavior: w.autoscaling.behavior },
      },
    },
  };
}

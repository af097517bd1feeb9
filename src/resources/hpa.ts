import { DEPLOYMENT, HPA } from '../api/kinds.js';
import type { HorizontalPodAutoscaler } from '../kube/types.js';
import { maxReplicas, minReplicas, objectMeta, type Workload } from './workload.js';

function utilization(name: 'cpu' | 'memory', averageUtilization: number) {
  return {
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  };
}

/** makeHPA scales a workload's Deployment on CPU (and, when asked, memory) utilization; never to zero. */
export function makeHPA(w: Workload): HorizontalPodAutoscaler {
  const a = w.autoscaling;
  const metrics = a ? [utilization('cpu', a.targetCPUUtilization)] : [];
  if (a?.targetMemoryUtilization !== undefined)
    metrics.push(utilization('memory', a.targetMemoryUtilization));
  const min = Math.max(minReplicas(w), 1);
  return {
    apiVersion: HPA.apiVersion,
    kind: HPA.kind,
    metadata: objectMeta(w),
    spec: {
      scaleTargetRef: { apiVersion: DEPLOYMENT.apiVersion, kind: DEPLOYMENT.kind, name: w.name },
      minReplicas: min,
      maxReplicas: Math.max(maxReplicas(w), min),
      metrics,
      behavior: a?.behavior,
    },
  };
}

import type { KubeObject } from '../api/metacontroller.js';
import { canonical } from '../render/canonical.js';
import { DEPLOYMENT, HPA } from '../hooks/kinds.js';
import { maxReplicas, minReplicas, objectMeta, type Workload } from './workload.js';

/** CPU target (percent of requests) when spec.autoscaling.targetCPUUtilization is unset. */
export const DEFAULT_CPU_TARGET = 80;

function utilization(name: 'cpu' | 'memory', averageUtilization: number): object {
  return {
    type: 'Resource',
    resource: { name, target: { type: 'Utilization', averageUtilization } },
  };
}

/** makeHPA scales a workload's Deployment on CPU (and, when asked, memory) utilization; never to zero. */
export function makeHPA(w: Workload): KubeObject {
  const a = w.autoscaling;
  const metrics = [utilization('cpu', a?.targetCPUUtilization ?? DEFAULT_CPU_TARGET)];
  if (a?.targetMemoryUtilization !== undefined)
    metrics.push(utilization('memory', a.targetMemoryUtilization));
  const min = Math.max(minReplicas(w), 1);
  return canonical({
    apiVersion: HPA.apiVersion,
    kind: HPA.kind,
    metadata: objectMeta(w),
    spec: {
      scaleTargetRef: { apiVersion: DEPLOYMENT.apiVersion, kind: DEPLOYMENT.kind, name: w.name },
      minReplicas: min,
      maxReplicas: Math.max(maxReplicas(w), min),
      metrics,
    },
  }) as KubeObject;
}

import type { HorizontalPodAutoscaler, ScaledObject } from '../kube/types.js';
import { makeHPA } from './hpa.js';
import { makeScaledObject } from './scaledobject.js';
import { autoscalerMode, type Workload } from './workload.js';

/**
 * makeAutoscaler returns the workload's one autoscaler, or none. A mode switch simply stops
 * listing the old kind, so Metacontroller deletes it: never both at once.
 */
export function makeAutoscaler(w: Workload): Array<HorizontalPodAutoscaler | ScaledObject> {
  const mode = autoscalerMode(w);
  if (mode === 'hpa') return [makeHPA(w)];
  if (mode === 'keda') return [makeScaledObject(w)];
  return [];
}

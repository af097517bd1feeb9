import { DEPLOYMENT, HTTP_ROUTE } from '../api/kinds.js';
import type { KubeObject } from '../api/metacontroller.js';
import { rfc3339 } from '../kube/time.js';

/** The gateway controller name the simulated HTTPRoute status carries. */
const CONTROLLER_NAME = 'gati.dev/static-render';

function desiredReplicas(o: KubeObject): number {
  const r = (o.spec as { replicas?: unknown } | undefined)?.replicas;
  return typeof r === 'number' ? r : 1;
}

/** simulatedStatus is the status a healthy cluster reports for a child at `generation`. */
export function simulatedStatus(
  child: KubeObject,
  generation: number,
  now: Date,
): Record<string, unknown> | undefined {
  const at = rfc3339(now);
  if (child.kind === DEPLOYMENT.kind) {
    const n = desiredReplicas(child);
    return {
      observedGeneration: generation,
      replicas: n,
      updatedReplicas: n,
      readyReplicas: n,
      availableReplicas: n,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          message: 'Deployment has minimum availability.',
          lastTransitionTime: at,
          lastUpdateTime: at,
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: 'ReplicaSet has successfully progressed.',
          lastTransitionTime: at,
          lastUpdateTime: at,
        },
      ],
    };
  }
  if (child.kind === HTTP_ROUTE.kind) {
    const refs = ((child.spec as { parentRefs?: unknown[] } | undefined)?.parentRefs ??
      []) as Record<string, unknown>[];
    const condition = (type: string) => ({
      type,
      status: 'True',
      reason: type,
      message: '',
      observedGeneration: generation,
      lastTransitionTime: at,
    });
    return {
      parents: refs.map((parentRef) => ({
        parentRef,
        controllerName: CONTROLLER_NAME,
        conditions: [condition('Accepted'), condition('ResolvedRefs')],
      })),
    };
  }
  return undefined;
}

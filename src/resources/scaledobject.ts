import type { KubeObject } from '../api/metacontroller.js';
import { canonical } from '../render/canonical.js';
import { DEPLOYMENT, SCALED_OBJECT } from '../hooks/kinds.js';
import { maxReplicas, minReplicas, objectMeta, type Workload } from './workload.js';

/** substitute replaces `{{key}}` with vars[key]; unknown placeholders are left as written. */
export function substitute(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{\s*([a-zA-Z]+)\s*\}\}/g, (whole, key: string) =>
    Object.hasOwn(vars, key) ? (vars[key] as string) : whole,
  );
}

function triggers(w: Workload): object[] {
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
export function makeScaledObject(w: Workload): KubeObject {
  const keda = w.autoscaling?.keda;
  return canonical({
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
    },
  }) as KubeObject;
}

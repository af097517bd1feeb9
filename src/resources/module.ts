import { PROBE_DEFAULTS } from '../api/defaults.js';
import { STORAGE_CAPABILITIES, type GatiModuleSpec } from '../api/gatimodule.js';
import { RUNTIME_ANNOTATION } from '../api/keys.js';
import type { ChildObject } from '../api/metacontroller.js';
import { makeAutoscaler } from './autoscaler.js';
import { makeDeployment } from './deployment.js';
import { moduleLabels, moduleSelector } from './labels.js';
import { moduleName } from './names.js';
import { makeNetworkPolicy } from './networkpolicy.js';
import { makePodDisruptionBudget } from './pdb.js';
import { makeService } from './service.js';
import type { Workload } from './workload.js';

/** The parts of a GatiModule the builders read (its spec already validated and defaulted). */
export interface ModuleParent {
  metadata: { name: string; namespace?: string };
  spec: GatiModuleSpec;
}

/** Capabilities that allow egress beyond DNS. */
const NETWORK_CAPABILITIES = ['network', 'network:egress'];

function hasAny(caps: string[] | undefined, wanted: string[]): boolean {
  return (caps ?? []).some((c) => wanted.includes(c));
}

/**
 * moduleWorkload describes a GatiModule as a workload. Capabilities become least privilege:
 * storage → an emptyDir at /data (scratch space, not persistent across restarts); never Linux
 * capabilities. A module takes no weighted traffic, so KEDA may scale it to zero.
 */
export function moduleWorkload(m: ModuleParent): Workload {
  const { name, namespace } = m.metadata;
  const workloadName = moduleName(name);
  return {
    namespace,
    name: workloadName,
    labels: moduleLabels(name, m.spec.moduleName),
    selector: moduleSelector(name),
    annotations: { [RUNTIME_ANNOTATION]: m.spec.runtime },
    image: m.spec.image,
    port: m.spec.port,
    protocol: 'grpc',
    replicas: m.spec.replicas,
    resources: m.spec.resources,
    pod: m.spec,
    probes: PROBE_DEFAULTS,
    dataVolume: hasAny(m.spec.capabilities, STORAGE_CAPABILITIES),
    autoscaling: m.spec.autoscaling,
    minReplicasFloor: 0,
    templateVars: { service: workloadName, deployment: workloadName, namespace: namespace ?? '' },
  };
}

/**
 * moduleChildren: Deployment, gRPC Service, the autoscaler if configured, PDB, and — without
 * a network capability — a NetworkPolicy limiting egress to DNS. With one, no policy is
 * emitted (any earlier one is deleted by Metacontroller).
 */
export function moduleChildren(m: ModuleParent): ChildObject[] {
  const w = moduleWorkload(m);
  const out: ChildObject[] = [
    makeDeployment(w),
    makeService(w),
    ...makeAutoscaler(w),
    makePodDisruptionBudget(w),
  ];
  if (!hasAny(m.spec.capabilities, NETWORK_CAPABILITIES)) out.push(makeNetworkPolicy(w));
  return out;
}

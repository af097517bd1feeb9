import type { GatiHandlerSpec } from '../api/gatihandler.js';
import type { KubeObject } from '../api/metacontroller.js';
import { canonical } from '../render/canonical.js';
import type { VersionWorkload } from '../timescape/types.js';
import { VERSION_ID_ANNOTATION } from '../timescape/versions.js';
import { makeAutoscaler } from './autoscaler.js';
import { makeDeployment } from './deployment.js';
import {
  handlerLabels,
  handlerSelector,
  handlerVersionLabels,
  handlerVersionSelector,
} from './labels.js';
import { apexServiceName, versionName } from './names.js';
import { makePodDisruptionBudget } from './pdb.js';
import { containerEnv, type ContainerEnvVar } from './pod.js';
import { makeService } from './service.js';
import { DEFAULT_PROBES, type Workload } from './workload.js';

/** The parts of a GatiHandler the builders read (its spec already validated and defaulted). */
export interface HandlerParent {
  metadata: { name: string; namespace?: string };
  spec: GatiHandlerSpec;
}

/**
 * handlerWorkload describes one handler version as a workload. A retired version has no
 * autoscaler and 0 replicas. A serving version never scales to zero, even with KEDA
 * minReplicas 0: a weighted or pinned version with no pods would black-hole its traffic, so
 * the floor is 1.
 */
export function handlerWorkload(handler: HandlerParent, v: VersionWorkload): Workload {
  const { name, namespace } = handler.metadata;
  const spec = handler.spec;
  const serving = v.state === 'serve';
  const workloadName = versionName(name, v.versionId);
  return {
    namespace,
    name: workloadName,
    labels: handlerVersionLabels(name, v.versionId),
    // Labels hold a sanitised versionId; the raw one lets a later sync recognise this
    // Deployment even when the status that remembered its version is gone.
    annotations: { [VERSION_ID_ANNOTATION]: v.versionId },
    selector: handlerVersionSelector(name, v.versionId),
    image: v.image,
    port: spec.port,
    protocol: 'http',
    replicas: serving ? v.replicas : 0,
    resources: spec.resources,
    env: spec.env,
    containerEnv: sharedEnv(handler),
    probes: { ...DEFAULT_PROBES, ...spec.probes },
    dataVolume: false,
    autoscaling: serving ? spec.autoscaling : undefined,
    minReplicasFloor: 1,
    templateVars: {
      version: v.versionId,
      service: workloadName,
      deployment: workloadName,
      namespace: namespace ?? '',
    },
  };
}

// Every version of a handler runs the same env (often the largest part of a Deployment):
// built once per sync and shared within its answer (canonical(), so the builders share it
// rather than copy it). The key is the HandlerParent, which a sync makes afresh.
const envs = new WeakMap<HandlerParent, ContainerEnvVar[]>();

function sharedEnv(handler: HandlerParent): ContainerEnvVar[] {
  let env = envs.get(handler);
  if (!env) envs.set(handler, (env = canonical(containerEnv(handler.spec.port, handler.spec.env))));
  return env;
}

/**
 * versionChildren: the children of one handler version. `serve`: Deployment, Service, the
 * autoscaler if configured, PDB. `retire`: Deployment at 0 and the Service only, so nothing
 * fights the scale-down and pinned clients still resolve the Service name.
 */
export function versionChildren(handler: HandlerParent, v: VersionWorkload): KubeObject[] {
  const w = handlerWorkload(handler, v);
  const out = [makeDeployment(w), makeService(w)];
  if (v.state === 'serve') out.push(...makeAutoscaler(w), makePodDisruptionBudget(w));
  return out;
}

/** makeApexService selects the pods of every version of a handler (provider `none`, and in-cluster callers). */
export function makeApexService(handler: HandlerParent): KubeObject {
  const { name, namespace } = handler.metadata;
  return makeService({
    namespace,
    name: apexServiceName(name),
    labels: handlerLabels(name),
    selector: handlerSelector(name),
    port: handler.spec.port,
    protocol: 'http',
  });
}

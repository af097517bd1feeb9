import type { GatiHandlerSpec } from '../api/gatihandler.js';
import type { VersionOverrides } from '../api/pod.js';
import { VERSION_ID_ANNOTATION } from '../api/keys.js';
import type {
  Deployment,
  HorizontalPodAutoscaler,
  PodDisruptionBudget,
  ScaledObject,
  Service,
} from '../kube/types.js';
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
import { withOverrides } from './podsettings.js';
import { makeService } from './service.js';
import type { Workload } from './workload.js';

/** The parts of a GatiHandler the builders read (its spec already validated and defaulted). */
export interface HandlerParent {
  metadata: { name: string; namespace?: string };
  spec: GatiHandlerSpec;
}

/**
 * The seam between Timescape (which versions live, with what weight and in which phase) and
 * the builders (what Kubernetes objects run one version): Timescape decides a VersionWorkload
 * per live version; builders turn each into children without knowing why.
 */
export interface VersionWorkload {
  /** The version identifier as users write it (also the pin header value). */
  versionId: string;
  /** Container image this version runs. */
  image: string;
  /** Replicas when no autoscaler owns the Deployment. */
  replicas: number;
  /** The autoscaler's minimum when one owns it (spec.scaling Proportional); default the handler's. */
  minReplicas?: number;
  /**
   * `serve`: Deployment + Service + autoscaler (if configured) + PDB.
   * `retire`: traffic is gone (Decommissioned): Deployment at 0 replicas, Service kept,
   *           no autoscaler, no PDB — so nothing fights the scale-down.
   */
  state: 'serve' | 'retire';
  /** What this version's GatiVersion overrides of the handler's pod settings (env, envFrom, podAnnotations). */
  overrides?: VersionOverrides;
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
    // The spec is its own pod settings (they sit flat on it); a version overrides some.
    pod: withOverrides(spec, v.overrides),
    probes: spec.probes,
    dataVolume: false,
    autoscaling: !serving
      ? undefined
      : v.minReplicas === undefined
        ? spec.autoscaling
        : { ...spec.autoscaling, minReplicas: v.minReplicas },
    minReplicasFloor: 1,
    templateVars: {
      version: v.versionId,
      service: workloadName,
      deployment: workloadName,
      namespace: namespace ?? '',
    },
  };
}

/** The children of one handler version. */
export type VersionChild =
  Deployment | Service | HorizontalPodAutoscaler | ScaledObject | PodDisruptionBudget;

/**
 * versionChildren: the children of one handler version. `serve`: Deployment, Service, the
 * autoscaler if configured, PDB. `retire`: Deployment at 0 and the Service only, so nothing
 * fights the scale-down and pinned clients still resolve the Service name.
 */
export function versionChildren(handler: HandlerParent, v: VersionWorkload): VersionChild[] {
  const w = handlerWorkload(handler, v);
  const out: VersionChild[] = [makeDeployment(w), makeService(w)];
  if (v.state === 'serve') out.push(...makeAutoscaler(w), makePodDisruptionBudget(w));
  return out;
}

/** makeApexService selects the pods of every version of a handler (provider `none`, and in-cluster callers). */
export function makeApexService(handler: HandlerParent): Service {
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

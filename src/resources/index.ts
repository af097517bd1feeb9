// Pure builders: one make<Kind>() per child kind, the names and labels they share, and the
// per-parent assemblies (a handler version, a module).
export * from './names.js';
export * from './labels.js';
export * from './workload.js';
export {
  containerEnv,
  type ContainerEnvVar,
  containerResources,
  podTemplate,
  GATI_STATE_DIR,
  GATI_UID,
  RESERVED_ENV,
  SHUTDOWN_GRACE_SECONDS,
} from './pod.js';
export { makeDeployment, REVISION_HISTORY_LIMIT } from './deployment.js';
export { makeService, type ServiceParams } from './service.js';
export { makeHPA, DEFAULT_CPU_TARGET } from './hpa.js';
export { makeScaledObject, substitute } from './scaledobject.js';
export { makeNetworkPolicy } from './networkpolicy.js';
export { makePodDisruptionBudget } from './pdb.js';
export { makeAutoscaler } from './autoscaler.js';
export {
  handlerWorkload,
  versionChildren,
  makeApexService,
  type HandlerParent,
} from './handler.js';
export {
  moduleWorkload,
  moduleChildren,
  NETWORK_CAPABILITIES,
  STORAGE_CAPABILITIES,
  type ModuleParent,
} from './module.js';
export { assertChildren } from './assert.js';

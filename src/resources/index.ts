// Pure builders: one make<Kind>() per child kind, the names and labels they share, and the
// per-parent assemblies (a handler version, a module).
export * from './names.js';
export * from './labels.js';
export * from './workload.js';
export {
  containerEnv,
  podTemplate,
  GATI_STATE_DIR,
  GATI_UID,
  SHUTDOWN_GRACE_SECONDS,
} from './pod.js';
export { makeDeployment, REVISION_HISTORY_LIMIT } from './deployment.js';
export { makeService } from './service.js';
export { makeHPA } from './hpa.js';
export { makeScaledObject } from './scaledobject.js';
export { substitute, promqlString } from './template.js';
export { makeNetworkPolicy, DNS_EGRESS } from './networkpolicy.js';
export { makePodDisruptionBudget } from './pdb.js';
export { makeAutoscaler } from './autoscaler.js';
export { makeHTTPRoute, type RoutedVersion } from './httproute.js';
export {
  announcementFilter,
  deprecationValue,
  linkValue,
  sunsetValue,
  transformFromFilter,
} from './headers.js';
export {
  handlerWorkload,
  versionChildren,
  makeApexService,
  type VersionWorkload,
} from './handler.js';
export { moduleWorkload, moduleChildren } from './module.js';

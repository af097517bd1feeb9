// The library: what a user of the operator needs to test or embed it — the schemas and their
// types, the controller table with its pure hooks and the one way to call them, and the
// offline renderers. Builders and helpers stay internal.
export * from './api/index.js';
export * from './hooks/index.js';
export { canonical, toJson, toYaml } from './kube/canonical.js';
export { readGatiObjects, parseGati, InputError, type GatiObject } from './render/input.js';
export {
  renderStatic,
  STATIC_EPOCH,
  type StaticOptions,
  type StaticResult,
} from './render/static.js';
export { renderKubernetes, type Payload } from './render/kubernetes.js';
export { renderHelm, type HelmOptions } from './render/helm.js';
export {
  renderGitops,
  GITOPS_DEFAULTS,
  type GitopsOptions,
  type GitopsTool,
} from './render/gitops.js';
export { writeFiles, OutputError, type RenderedFiles } from './render/write.js';
export { GatiManifestGenerator } from './render/contracts.js';

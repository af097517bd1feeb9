// Library entry: the schemas, validation and CRD generation. Hooks and builders are
// exported from here too, so users can unit-test them as pure JSON functions.
export * from './api/index.js';
export { canonical, toJson, toYaml } from './render/canonical.js';
export * from './resources/index.js';
export * from './status/index.js';
export { HOOKS } from './hooks/index.js';
export { gatihandlerHooks, syncHandler, customizeHandler } from './hooks/gatihandler.js';
export { gatimoduleHooks, syncModule } from './hooks/gatimodule.js';
export {
  keepObserved,
  observedGroup,
  observedNamed,
  readParent,
  sanitise,
} from './hooks/observed.js';
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

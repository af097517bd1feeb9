// Library entry: the schemas, validation and CRD generation. Hooks and builders are
// exported from here too, so users can unit-test them as pure JSON functions.
export * from './api/index.js';
export { canonical, toJson, toYaml } from './render/canonical.js';

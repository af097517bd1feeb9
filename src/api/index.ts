import { GatiHandlerSpec, type GatiHandler } from './gatihandler.js';
import { GatiModuleSpec, type GatiModule } from './gatimodule.js';
import { GatiRolloutPolicySpec } from './gatirolloutpolicy.js';
import { GatiVersionSpec, type GatiVersion } from './gativersion.js';
import { validate, type Validated } from './validate.js';

export * from './common.js';
export * from './gatihandler.js';
export * from './gatimodule.js';
export * from './gativersion.js';
export * from './gatirolloutpolicy.js';
export { Baseline, Metric, Webhook, WEBHOOK_TYPES, type WebhookType } from './analysis.js';
export * from './metacontroller.js';
export * from './kinds.js';
export * from './keys.js';
export { GatiError, type ErrorCode } from './errors.js';
export { defaultsOf } from './defaults.js';
export { validate, formatErrors, type FieldError, type Validated } from './validate.js';
export { allCRDs, crdFor, structuralProblems, toStructural } from './crds.js';
export { DEFINITIONS } from './crd-definitions.js';

/** The kinds of Gati resource, and the spec schema of each. */
export const SPEC_SCHEMAS = {
  GatiHandler: GatiHandlerSpec,
  GatiModule: GatiModuleSpec,
  GatiVersion: GatiVersionSpec,
} as const;
export type GatiKind = keyof typeof SPEC_SCHEMAS;

/** isGatiKind tells whether a kind is one of ours. */
export function isGatiKind(kind: unknown): kind is GatiKind {
  return typeof kind === 'string' && Object.hasOwn(SPEC_SCHEMAS, kind);
}

/** validateHandlerSpec defaults and checks a GatiHandler spec. */
export function validateHandlerSpec(spec: unknown): Validated<GatiHandler['spec']> {
  return validate(GatiHandlerSpec, spec, 'spec');
}

/** validateModuleSpec defaults and checks a GatiModule spec. */
export function validateModuleSpec(spec: unknown): Validated<GatiModule['spec']> {
  return validate(GatiModuleSpec, spec, 'spec');
}

/** validateVersionSpec defaults and checks a GatiVersion spec. */
export function validateVersionSpec(spec: unknown): Validated<GatiVersion['spec']> {
  return validate(GatiVersionSpec, spec, 'spec');
}

/** validatePolicySpec defaults and checks a GatiRolloutPolicy spec. */
export function validatePolicySpec(spec: unknown): Validated<GatiRolloutPolicySpec> {
  return validate(GatiRolloutPolicySpec, spec, 'spec');
}

import { validateHandlerSpec, validatePolicySpec } from '../api/index.js';
import { withPolicy } from '../api/gatirolloutpolicy.js';
import type { GatiHandlerSpec } from '../api/gatihandler.js';
import { GATI_ROLLOUT_POLICY } from '../api/kinds.js';
import type { CustomizeRequest, ObjectGroups, RelatedResourceRule } from '../api/metacontroller.js';
import type { Validated } from '../api/validate.js';
import { isObject, observedNamed } from '../kube/observed.js';

/**
 * A GatiHandler's GatiRolloutPolicy (DESIGN §4b "Shared policies stay O(1) per request"): its
 * customize asks for the one policy `spec.rollout.policyRef.name` names, so a request carries
 * one handler's objects however many handlers share the policy; the sync merges it under the
 * handler's own spec.rollout (the handler's fields win) before validating and defaulting.
 */

/** policyName: the policy a raw handler spec names, if any. */
export function policyName(spec: unknown): string | undefined {
  if (!isObject(spec) || !isObject(spec.rollout) || !isObject(spec.rollout.policyRef))
    return undefined;
  const name = spec.rollout.policyRef.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** policyRule is the customize rule for the handler's policy, by name; none without a policyRef. */
export function policyRule(
  request: CustomizeRequest,
  namespace: string | undefined,
): RelatedResourceRule[] {
  const name = policyName((request.parent as { spec?: unknown } | undefined)?.spec);
  if (name === undefined) return [];
  return [
    {
      apiVersion: GATI_ROLLOUT_POLICY.apiVersion,
      resource: GATI_ROLLOUT_POLICY.resource,
      ...(namespace ? { namespace } : {}),
      names: [name],
    },
  ];
}

/**
 * The handler's spec once its policy is merged: valid, invalid (naming the handler's or the
 * policy's fields), or held because the policy it names is not there (PolicyNotFound).
 */
export type HandlerSpec = Validated<GatiHandlerSpec> | { ok: false; missing: string };

/**
 * handlerSpec merges the named policy (from the request's related objects) under the raw spec
 * and validates the result; an invalid policy is an invalid spec naming the policy's fields.
 */
export function handlerSpec(raw: unknown, related: ObjectGroups | undefined): HandlerSpec {
  const name = policyName(raw);
  if (name === undefined) return validateHandlerSpec(raw);
  const policy = observedNamed(related, GATI_ROLLOUT_POLICY, name);
  if (!policy)
    return {
      ok: false,
      missing: `GatiRolloutPolicy ${name} not found (spec.rollout.policyRef): the handler keeps serving what it serves and moves nothing until it exists or the reference is removed`,
    };
  const p = validatePolicySpec(policy.spec ?? {});
  if (!p.ok)
    return {
      ok: false,
      errors: p.errors.map((e) => ({ ...e, field: `GatiRolloutPolicy ${name} ${e.field}` })),
    };
  const spec = raw as Record<string, unknown>;
  const rollout = withPolicy(
    isObject(spec.rollout) ? spec.rollout : undefined,
    policy.spec as Record<string, unknown>,
  );
  return validateHandlerSpec({ ...spec, rollout });
}

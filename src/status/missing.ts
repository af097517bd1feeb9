import type { ResourceType } from '../api/kinds.js';
import { DEFAULT_INSTALL, optionalKind } from '../api/switches.js';
import { condition, type Blocker } from './conditions.js';

/**
 * KindNotInstalled: the spec needs a child kind the calling controller does not declare
 * (src/kube/declared.ts), so the hooks left it out. The words name the kind, what needs it,
 * the install switch that declares it in each format, and the spec that does without it.
 */

export const KIND_NOT_INSTALLED = 'KindNotInstalled';

function words(t: ResourceType, controller: string): string {
  const o = optionalKind(t);
  const what = `${t.kind} (${t.apiVersion})`;
  if (!o)
    return `${what} is not declared by ${controller}: re-apply controllers/ (or operator.yaml) of this release`;
  const on = DEFAULT_INSTALL[o.option]
    ? `leave out the kustomize component ${o.component} (Helm: ${o.helmValue}=true)`
    : `add the kustomize component ${o.component} (Helm: ${o.helmValue}=true)`;
  return `${o.neededBy} needs ${what}, which ${controller} does not declare: install ${o.crds}, then ${on}; or set ${o.instead}`;
}

/** kindNotInstalledMessage: one sentence per missing kind, in the order they were left out. */
export function kindNotInstalledMessage(
  missing: readonly ResourceType[],
  controller: string,
): string {
  return missing.map((t) => words(t, controller)).join('; ');
}

/** kindNotInstalledVerdicts: Ready=False and Stalled=True, both reason KindNotInstalled. */
export function kindNotInstalledVerdicts(message: string): Blocker {
  return {
    ready: condition('Ready', false, KIND_NOT_INSTALLED, message),
    stalled: condition('Stalled', true, KIND_NOT_INSTALLED, message),
  };
}

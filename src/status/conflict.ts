import type { Identity } from '../kube/rivals.js';
import { condition, type Blocker } from './conditions.js';

/**
 * NameConflict: another parent keeps a child name this one wants (src/kube/rivals.ts), so the
 * hooks left that child out; nothing of the other parent is touched.
 */

const NAME_CONFLICT = 'NameConflict';

/**
 * nameConflictMessage: e.g. `Service shop/users belongs to GatiModule shop/users (created
 * 2026-01-01T00:00:00Z, before this GatiHandler): the apex Service is left out; rename one of
 * them`.
 */
export function nameConflictMessage(
  child: { kind: string; name: string },
  self: Identity,
  holder: Identity,
  leftOut: string,
): string {
  const ns = holder.namespace ? `${holder.namespace}/` : '';
  const why =
    holder.creationTimestamp === undefined
      ? `created before this ${self.kind}`
      : holder.creationTimestamp === self.creationTimestamp
        ? `created in the same second as this ${self.kind}; the lower uid keeps the name`
        : `created ${holder.creationTimestamp}, before this ${self.kind}`;
  return `${child.kind} ${ns}${child.name} belongs to ${holder.kind} ${ns}${holder.name} (${why}): ${leftOut} is left out; rename one of them`;
}

/** nameConflictVerdicts: Ready=False and Stalled=True, both reason NameConflict. */
export function nameConflictVerdicts(message: string): Blocker {
  return {
    ready: condition('Ready', false, NAME_CONFLICT, message),
    stalled: condition('Stalled', true, NAME_CONFLICT, message),
  };
}

import type { KubeObject, ObjectGroups, SyncResponse } from '../api/metacontroller.js';
import { canonical } from '../render/canonical.js';
import { assertChildren } from '../resources/assert.js';
import { CONTROLLERS, DEPLOYMENT } from '../hooks/kinds.js';
import { keepObserved, observedGroup, type ParentInfo } from '../hooks/observed.js';
import type { ControllerName } from '../hooks/types.js';
import { conditions } from './conditions.js';
import { invalidSpecVerdicts, replicaCounts, type Phase } from './workload.js';
import type { Verdict } from './conditions.js';

/**
 * respond checks the children (a bad one throws: 5xx, never a bad 200) and returns the
 * response in canonical form, top-level keys included, so the server can serialise it with
 * plain JSON.stringify. Children come canonical from the builders (every make<Kind> ends in
 * canonical()), so only the status is canonicalised here: copying every child a second time
 * was the largest cost of a sync. `finalized` is never set here: only a finalize hook may.
 */
export function respond(
  controller: ControllerName,
  status: Record<string, unknown>,
  children: KubeObject[],
  resyncAfterSeconds?: number,
): SyncResponse {
  assertChildren(children, controller);
  // Key order is canonical order: children, resyncAfterSeconds, status.
  return resyncAfterSeconds
    ? { children, resyncAfterSeconds, status: canonical(status) }
    : { children, status: canonical(status) };
}

/** statusWith settles a phase and verdicts into a status object (conditions with stable timestamps). */
export function statusWith(
  parent: ParentInfo,
  now: Date,
  phase: Phase,
  verdicts: Verdict[],
  extra: Record<string, unknown>,
): Record<string, unknown> {
  return {
    ...extra,
    phase,
    conditions: conditions(verdicts, parent.previousConditions, now, parent.generation),
  };
}

/**
 * invalidSpecResponse: 200 with Ready=False/InvalidSpec naming every bad field, and every
 * observed child kept (sanitised) — an invalid edit must never delete running workloads.
 */
export function invalidSpecResponse(
  controller: ControllerName,
  parent: ParentInfo,
  observed: ObjectGroups | undefined,
  message: string,
  now: Date,
): SyncResponse {
  const { phase, verdicts } = invalidSpecVerdicts(message);
  const counts = replicaCounts(observedGroup(observed, DEPLOYMENT));
  return respond(
    controller,
    statusWith(parent, now, phase, verdicts, counts),
    keepObserved(observed, CONTROLLERS[controller].children).map(canonical),
  );
}

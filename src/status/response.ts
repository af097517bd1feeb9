import { DEPLOYMENT } from '../api/kinds.js';
import type { ChildObject, ObjectGroups, SyncResponse } from '../api/metacontroller.js';
import { keepObserved, observedGroup, type ParentInfo } from '../kube/observed.js';
import { statusWith } from './conditions.js';
import { invalidSpecVerdicts, replicaCounts, type HoldReason } from './module.js';

/**
 * respond is a sync answer: the desired children, the status and, when a timer is running,
 * when to be called again. `finalized` is never set here: only a finalize hook may.
 */
export function respond(
  status: object,
  children: ChildObject[],
  resyncAfterSeconds?: number,
): SyncResponse {
  const res: SyncResponse = { children, status: status as Record<string, unknown> };
  if (resyncAfterSeconds) res.resyncAfterSeconds = resyncAfterSeconds;
  return res;
}

/**
 * invalidSpecResponse: 200 with Ready=False/InvalidSpec (or InvalidStatus) naming every bad
 * field, every observed child kept (sanitised) and the rest of the last status kept as it was
 * — an invalid edit must never delete running workloads, nor the memory of a rollout or drain.
 */
export function invalidSpecResponse(
  parent: ParentInfo,
  observed: ObjectGroups | undefined,
  message: string,
  now: Date,
  reason: HoldReason = 'InvalidSpec',
): SyncResponse {
  const { phase, verdicts } = invalidSpecVerdicts(message, reason);
  const counts = replicaCounts(observedGroup(observed, DEPLOYMENT));
  const kept = { ...parent.status };
  delete kept.conditions;
  delete kept.observedGeneration;
  return respond(
    statusWith(parent, now, phase, verdicts, { ...kept, ...counts }),
    keepObserved(observed),
  );
}

import type { VersionStatus } from '../api/gatihandler.js';
import type { GatiVersionStatus } from '../api/gativersion.js';
import { condition, conditions, type Verdict } from './conditions.js';

/** What a GatiVersion's sync found out about its handler and its version. */
export interface VersionReport {
  /** The handler exists (and is among the related objects). */
  found: boolean;
  /** The resolved handler's name, when there is one. */
  handlerName?: string;
  /** The handler's status entry for this versionId, when it has one. */
  entry?: VersionStatus;
  /** How the handler was resolved, or why not, for messages. */
  message: string;
  /** spec.handlerRef and a hand-set label name different handlers: none runs the version. */
  conflict?: { handlerRef: string; label: string };
  /** The handler reports it builds no more versions (VersionLimit): its message. */
  versionLimit?: string;
}

/** Where the GatiVersion's status comes from besides the report. */
export interface VersionStatusInput {
  report: VersionReport;
  previousConditions: unknown;
  generation?: number;
  now: Date;
  /** Extra conditions (e.g. Finalizing while a finalize hook holds it). */
  extra?: Verdict[];
}

/** versionStatus mirrors what the handler reports for this version into GatiVersion.status. */
export function versionStatus(input: VersionStatusInput): GatiVersionStatus {
  const { report } = input;
  const e = report.entry;
  const verdicts = [...mirrorConditions(report), ...(input.extra ?? [])];
  return {
    phase: e?.phase ?? 'Pending',
    conditions: conditions(verdicts, input.previousConditions, input.now, input.generation),
    handler: report.handlerName,
    desiredWeight: e?.desiredWeight,
    effectiveWeight: e?.effectiveWeight,
    trafficPercent: e?.trafficPercent,
    pinned: e?.pinned,
    drainStartedAt: e?.drainStartedAt,
    drainedAt: e?.drainedAt,
    drainReason: e?.drainReason,
  };
}

/** invalidVersionStatus: Ready=False and Stalled=True with reason InvalidSpec, naming every bad field. */
export function invalidVersionStatus(
  message: string,
  previousConditions: unknown,
  now: Date,
  generation?: number,
): GatiVersionStatus {
  const verdicts = [
    condition('Ready', false, 'InvalidSpec', message),
    condition('Stalled', true, 'InvalidSpec', message),
  ];
  return {
    phase: 'Pending',
    conditions: conditions(verdicts, previousConditions, now, generation),
  };
}

function mirrorConditions(r: VersionReport): Verdict[] {
  if (r.conflict)
    return [
      condition('Ready', false, 'HandlerConflict', r.message),
      condition('Stalled', true, 'HandlerConflict', r.message),
    ];
  if (!r.found)
    return [
      condition('Ready', false, 'HandlerNotFound', r.message),
      condition('Stalled', true, 'HandlerNotFound', r.message),
    ];
  const e = r.entry;
  if (!e && r.versionLimit) {
    const msg = `GatiHandler ${r.handlerName}: ${r.versionLimit}`;
    return [
      condition('Ready', false, 'VersionLimit', msg),
      condition('Stalled', true, 'VersionLimit', msg),
    ];
  }
  if (!e) {
    const msg = `${r.message}; waiting for the handler to pick this version up`;
    return [
      condition('Ready', false, 'WaitingForHandler', msg),
      condition('Reconciling', true, 'WaitingForHandler', msg),
    ];
  }
  const text =
    e.message ??
    `${e.phase}: effective weight ${e.effectiveWeight}, ${e.trafficPercent}% of weighted traffic`;
  const out = [
    readyCondition(e, text),
    availableCondition(e),
    trafficRoutedCondition(e, text),
    ...phaseConditions(e, text),
  ];
  return out;
}

function readyCondition(e: VersionStatus, text: string): Verdict {
  const active = e.phase === 'Active';
  return condition('Ready', active, active ? 'Active' : (e.reason ?? e.phase), text);
}

function availableCondition(e: VersionStatus): Verdict {
  const up = e.availableReplicas > 0;
  return condition(
    'Available',
    up,
    up ? 'MinimumReplicasAvailable' : 'NoReplicasAvailable',
    `${e.availableReplicas} available replicas`,
  );
}

function trafficRoutedCondition(e: VersionStatus, text: string): Verdict {
  const reason = e.effectiveWeight > 0 ? 'Weighted' : e.pinned ? 'PinnedOnly' : 'NotRouted';
  return condition('TrafficRouted', e.effectiveWeight > 0 || e.pinned, reason, text);
}

/** phaseConditions: Draining/Drained while it leaves, Reconciling while it moves, Stalled once Failed. */
function phaseConditions(e: VersionStatus, text: string): Verdict[] {
  const out: Verdict[] = [];
  if (e.phase === 'Draining') out.push(condition('Draining', true, e.reason ?? 'Draining', text));
  if (e.drainedAt) out.push(condition('Drained', true, e.drainReason ?? 'Drained', text));
  if (e.phase === 'Pending' || e.phase === 'Draining')
    out.push(condition('Reconciling', true, e.phase, text));
  if (e.phase === 'Failed') out.push(condition('Stalled', true, e.reason ?? 'Failed', text));
  return out;
}

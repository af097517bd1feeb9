import type { GatiHandlerSpec } from '../api/gatihandler.js';
import type { Capacity, RolloutRecord, RolloutState } from './engine.js';
import type { ObservedRoute } from './lifecycle.js';
import { inFlight } from './records.js';
import type { Working } from './types.js';
import { stepWeights } from './weigh.js';

/**
 * Versions that cost what they serve (issue #25; docs/progressive-delivery.md "What versions
 * cost"): under spec.scaling Proportional a version runs `max(1, ceil(base × share))` pods —
 * base being its replicas, or its autoscaler's minimum — where share is its part of the
 * weighted rule. A version that takes no weighted traffic keeps a floor. The version a move
 * is about to give more traffic is scaled first (the engine's capacity gate waits for its
 * pods); a version losing traffic shrinks only once the gateway carries its lower weight.
 */

/** baseOf: a version's full size — its replicas, or its autoscaler's minimum (never 0 then). */
function baseOf(w: Working, spec: GatiHandlerSpec): number {
  return spec.autoscaling.mode === 'none'
    ? w.c.replicas
    : Math.max(spec.autoscaling.minReplicas, 1);
}

/**
 * sizeFor: `max(1, ceil(base × weight / total))` in integer arithmetic; 0 when the base is 0
 * (the handler is scaled to zero on purpose), 1 when the version carries no weight.
 */
export function sizeFor(base: number, weight: number, total: number): number {
  if (base === 0) return 0;
  if (weight <= 0 || total <= 0) return 1;
  return Math.min(base, Math.max(1, Math.ceil((base * weight) / total)));
}

/** percentAt: how far the move is at step `step` (100 past the last step). */
function percentAt(steps: GatiHandlerSpec['rollout']['steps'], step: number): number {
  const s = steps[step];
  return s && s.weight < 100 ? s.weight : 100;
}

/** The move a sync works on, as the sizing needs it. */
interface MoveView {
  record: RolloutRecord;
  target: Working;
  incumbent?: Working;
}

function moveOf(
  record: RolloutRecord | undefined,
  byId: Map<string, Working>,
): MoveView | undefined {
  const target = record && byId.get(record.versionId);
  if (!record || !target) return undefined;
  const incumbent = record.previousVersionId ? byId.get(record.previousVersionId) : undefined;
  return { record, target, incumbent: incumbent === target ? undefined : incumbent };
}

/** targetNeed: the pods the target of the move needs at step `step`, every other version as now. */
function targetNeed(m: MoveView, work: Working[], spec: GatiHandlerSpec, step: number): number {
  const at = stepWeights(m.record, m.target, percentAt(spec.rollout.steps, step) / 100);
  const others = work
    .filter((w) => w !== m.target && w !== m.incumbent && w.phase === 'Active')
    .reduce((sum, w) => sum + w.effective, 0);
  const incumbent = m.incumbent?.phase === 'Active' ? at.incumbent : 0;
  return sizeFor(baseOf(m.target, spec), at.target, others + at.target + incumbent);
}

/**
 * capacityGate is the engine's gate (EngineContext.capacity): the target of the move in flight
 * runs, Available, the pods step `step` needs. Full scaling, or no target: always ready.
 */
export function capacityGate(
  record: RolloutRecord | undefined,
  byId: Map<string, Working>,
  spec: GatiHandlerSpec,
): ((step: number) => Capacity) | undefined {
  const m = moveOf(record, byId);
  if (spec.scaling === 'Full' || !m) return undefined;
  const work = [...byId.values()];
  return (step) => {
    const replicas = targetNeed(m, work, spec, step);
    return { ready: m.target.availableReplicas >= replicas, replicas };
  };
}

/** aheadOf: the step whose pods the target is scaled for before its weight moves, if any. */
function aheadOf(s: RolloutState): number | undefined {
  if (s.kind === 'Idle') return undefined;
  if (s.record.preScale) return s.record.preScale.step;
  return s.kind === 'WaitingForTarget' && inFlight(s.record) ? s.record.step : undefined;
}

/**
 * routedSize: the size the weight the gateway still carries needs — so a version losing
 * traffic shrinks only after its lower weight is live. While the gateway has not accepted the
 * route's latest generation, the size the version last had stays.
 */
function routedSize(w: Working, base: number, route: ObservedRoute): number {
  if (route.provider === 'none') return 0;
  if (!route.accepted) return w.prev?.desiredReplicas ?? 0;
  const weight = route.weights.get(w.name) ?? 0;
  if (weight === 0) return 0;
  const total = [...route.weights.values()].reduce((a, b) => a + b, 0);
  return sizeFor(base, weight, total);
}

/**
 * sizeVersions sets each version's size (Working.size) once its weight and lifecycle are
 * decided. Full: the base. Proportional: its share of weighted traffic; floors — Standby (its
 * rollback window) keeps the base, so going back is one step; pinned-only, aliased, draining
 * and deprecated versions keep 1 pod (an autoscaler may still add up to its maximum). A
 * retired version has none.
 */
export function sizeVersions(
  work: Working[],
  state: RolloutState,
  spec: GatiHandlerSpec,
  route: ObservedRoute,
): void {
  const byId = new Map(work.map((w) => [w.c.versionId, w]));
  const m = moveOf(state.kind === 'Idle' ? undefined : state.record, byId);
  const ahead = aheadOf(state);
  const total = work.filter((w) => w.phase === 'Active').reduce((sum, w) => sum + w.effective, 0);
  // A version on its way in is sized for the weight it will be granted beside the others.
  const pending = (w: Working) => w.lifecycle === 'Serving' && w.phase !== 'Active';
  const soon = total + work.filter(pending).reduce((sum, w) => sum + w.granted, 0);
  for (const w of work) {
    const base = baseOf(w, spec);
    if (w.lifecycle === 'Retired') w.size = 0;
    else if (spec.scaling === 'Full' || w.lifecycle === 'Standby') w.size = base;
    else {
      const now =
        w.phase === 'Active'
          ? sizeFor(base, w.effective, total)
          : pending(w)
            ? sizeFor(base, w.granted, soon)
            : sizeFor(base, 0, total);
      const next =
        m && w === m.target && ahead !== undefined ? targetNeed(m, work, spec, ahead) : 0;
      w.size = Math.max(now, next, Math.min(base, routedSize(w, base, route)));
    }
  }
}

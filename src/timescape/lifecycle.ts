import type { VersionStatus } from '../api/gatihandler.js';
import { elapsed, rfc3339 } from '../kube/time.js';
import { inWindow } from './records.js';
import type { Announcement } from '../resources/headers.js';
import { stepDrain, type DrainState } from './drain.js';
import { pickRetirement, stepRetirement } from './retirement.js';
import { routeAccepted, routeWeights } from './route-status.js';
import type { PlanInput, Working } from './types.js';

/** wasServing: the version served weighted traffic at the last sync. */
function wasServing(prev: VersionStatus | undefined): boolean {
  return prev?.phase === 'Active' && prev.effectiveWeight > 0;
}

/** setPhase records a version's phase and why. */
export function setPhase(
  w: Working,
  phase: VersionStatus['phase'],
  reason: string,
  message: string,
): void {
  w.phase = phase;
  w.reason = reason;
  w.message = message;
}

/** supersede: a rollout moved away from this version; it drains from now on. */
export function supersede(w: Working, now: Date): void {
  w.lifecycle = 'Draining';
  w.effective = 0;
  w.c = { ...w.c, wanted: false };
  w.supersededAt = w.supersededAt ?? rfc3339(now);
}

/**
 * holdLastServing refuses to retire the last versions able to serve: when no serving version
 * carries weight, versions that did and are still Available keep their weight (DESIGN §4).
 */
export function holdLastServing(work: Working[]): string[] {
  if (work.some((w) => w.lifecycle === 'Serving' && w.phase === 'Active' && w.effective > 0))
    return [];
  const held = work.filter((w) => w.lifecycle !== 'Serving' && w.available && wasServing(w.prev));
  for (const w of held) {
    w.lifecycle = 'Serving';
    w.phase = 'Active';
    w.aborted = false;
    w.effective = w.prev!.effectiveWeight;
    w.reason = 'LastServingVersion';
    w.message = 'retirement refused: it is the last version that can serve weighted traffic';
  }
  return held.map((w) => w.c.versionId);
}

/** What the observed HTTPRoute says, read once per sync for every draining version. */
export interface ObservedRoute {
  weights: Map<string, number>;
  accepted: boolean;
  provider: 'gateway-api' | 'none';
}

/** observedRoute reads the observed HTTPRoute's weighted backends and acceptance once. */
export function observedRoute(input: PlanInput): ObservedRoute {
  return {
    weights: routeWeights(input.route),
    accepted: routeAccepted(input.route, input.spec),
    provider: input.spec.routing.provider,
  };
}

/**
 * drain advances a version that should no longer take weighted traffic. The target of an
 * aborted rollout drains the same way but is reported Failed with reason Aborted.
 */
export function drain(w: Working, input: PlanInput, route: ObservedRoute, dues: number[]): void {
  if (standby(w, input, dues)) return;
  if (retiresByDemand(w, input)) return retire(w, input, dues);
  const prevState: DrainState = inDrain(w.prev) ? pickDrain(w.prev!) : {};
  const programmed =
    route.provider === 'none' || ((route.weights.get(w.name) ?? 0) === 0 && route.accepted);
  const step = stepDrain(prevState, {
    now: input.now,
    policy: input.spec.drain,
    routeProgrammed: programmed,
    forced: w.c.forced,
    neverServed: !w.availableAt,
    rate: input.rates[w.c.versionId],
  });
  w.drain = step.state;
  w.effective = 0;
  w.lifecycle = step.drained ? 'Retired' : 'Draining';
  if (w.aborted)
    setPhase(
      w,
      'Failed',
      'Aborted',
      `rollout aborted; ${step.drained ? 'drained' : 'draining'}: ${step.message}`,
    );
  else setPhase(w, step.drained ? 'Decommissioned' : 'Draining', step.reason, step.message);
  if (step.dueInSeconds) dues.push(step.dueInSeconds);
}

/**
 * standby: a version a move displaced keeps its pods, its pin rule and a weight-0 backend for
 * spec.rollout.rollbackWindowSeconds, so going back to it is one step (a Rollback move); its
 * drain starts when the window closes. Only a version a completed move displaced has one — not
 * an abandoned or aborted target, nor one forced out.
 */
function standby(w: Working, input: PlanInput, dues: number[]): boolean {
  const window = input.spec.rollout.rollbackWindowSeconds;
  if (!w.displaced || w.aborted || w.c.forced) return false;
  if (!inWindow(w.supersededAt, w.available, window, input.now)) return false;
  const left = window - elapsed(w.supersededAt!, input.now);
  const until = rfc3339(new Date(Date.parse(w.supersededAt!) + window * 1000));
  w.lifecycle = 'Standby';
  w.effective = 0;
  setPhase(
    w,
    'Draining',
    'RollbackWindow',
    `displaced by a rollout; kept running until ${until} so spec.version can go back to it in one step`,
  );
  dues.push(Math.max(1, Math.ceil(left)));
  return true;
}

/** inDrain: the last status has this version's drain under way (its bookkeeping carries over). */
function inDrain(prev: VersionStatus | undefined): boolean {
  return prev?.drainStartedAt !== undefined && prev.phase !== 'Active' && prev.phase !== 'Pending';
}

function pickDrain(v: VersionStatus): DrainState {
  const { drainStartedAt, trafficRemovedAt, quietChecks, lastCheckAt, lastSampleAt } = v;
  const { drainedAt, drainReason } = v;
  return {
    drainStartedAt,
    trafficRemovedAt,
    quietChecks,
    lastCheckAt,
    lastSampleAt,
    drainedAt,
    drainReason,
  };
}

/** retiresByDemand: spec.retirement governs this version's way out (not a drain). */
function retiresByDemand(w: Working, input: PlanInput): boolean {
  return (
    input.spec.retirement !== undefined &&
    w.supersededAt !== undefined &&
    !w.aborted &&
    !w.c.forced &&
    !w.c.deleting
  );
}

/**
 * retire moves a superseded version on under spec.retirement: kept (phase Active, reason
 * Deprecated: its pin rule, a weight-0 backend and a floor of pods stay) or Retired.
 */
function retire(w: Working, input: PlanInput, dues: number[]): void {
  const step = stepRetirement(pickRetirement(w.prev), {
    now: input.now,
    policy: input.spec.retirement!,
    supersededAt: w.supersededAt!,
    demand: input.demand[w.c.versionId],
  });
  w.retirement = step.state;
  w.effective = 0;
  if (step.retired) {
    w.lifecycle = 'Retired';
    w.drain = {
      drainStartedAt: step.state.drainStartedAt,
      drainedAt: step.state.drainedAt,
      drainReason: step.state.drainReason,
    };
    setPhase(w, 'Decommissioned', step.reason, step.message);
    return;
  }
  w.lifecycle = 'Draining';
  setPhase(w, 'Active', step.reason, step.message);
  if (step.dueInSeconds) dues.push(step.dueInSeconds);
}

/**
 * announcementOf: what the route tells a version's clients — a version superseded under
 * spec.retirement (in its rollback window, or kept for demand) its Deprecation and Sunset
 * dates; a retired version served by a bridge its Deprecation date. Nothing otherwise.
 */
export function announcementOf(w: Working, input: PlanInput): Announcement | undefined {
  const link = w.c.deprecationLink;
  if (w.bridgedBy) {
    const at = w.supersededAt ?? w.drain.drainedAt;
    return at ? { deprecatedAt: at, link } : undefined;
  }
  const policy = input.spec.retirement;
  if (!policy || !w.supersededAt) return undefined;
  const kept = w.lifecycle === 'Standby' || (w.lifecycle === 'Draining' && w.retirement);
  if (!kept || w.retirement?.drainedAt) return undefined;
  const sunsetAt =
    w.retirement?.sunsetAt ?? rfc3339(new Date(Date.parse(w.supersededAt) + policy.notice * 1000));
  return { deprecatedAt: w.supersededAt, sunsetAt, link };
}

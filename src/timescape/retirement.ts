import { RETIREMENT_REASONS, type DemandStatus, type Retirement } from '../api/cost.js';
import type { VersionStatus } from '../api/gatihandler.js';
import { describeObservation, isNewer, type Observation } from '../api/signals.js';
import { elapsed, rfc3339 } from '../kube/time.js';

/**
 * Retirement by measured demand (issue #25; docs/progressive-delivery.md "Retirement"): a
 * superseded version that clients still call keeps its pin rule and a floor of pods, and
 * announces its end (Deprecation, Sunset); it retires once demand stays at or below
 * `minRequestsPerSecond` for `consecutiveChecks` checks after its notice, or at
 * `maxAgeSeconds`. A state machine in the manner of stepDrain: typed input and output, timers
 * returned as `dueInSeconds`, no I/O.
 */

/** What a version carries in status between syncs while it retires. */
export interface RetirementState {
  demand?: DemandStatus;
  sunsetAt: string;
  retiresAt?: string;
  drainStartedAt?: string;
  drainedAt?: string;
  drainReason?: string;
}

/** What one sync knows about a superseded version under spec.retirement. */
export interface RetirementInput {
  now: Date;
  policy: Retirement;
  /** When a move superseded it: its Deprecation date. */
  supersededAt: string;
  /** The demand query's answer; undefined when the server did not ask this call (not yet). */
  demand?: Observation;
}

/** One step of the retirement state machine. */
export interface RetirementStep {
  state: RetirementState;
  retired: boolean;
  reason: string;
  message: string;
  dueInSeconds?: number;
}

/** How soon a due check whose sample did not come this call is asked for again. */
const ASK_AGAIN_SECONDS = 2;

const plus = (at: string, seconds: number) => rfc3339(new Date(Date.parse(at) + seconds * 1000));

/** checkDemand counts one due check with a new sample; anything else leaves the record. */
function checkDemand(
  prev: DemandStatus | undefined,
  input: RetirementInput,
): { demand: DemandStatus | undefined; due: boolean; fresh: boolean } {
  const { now, policy } = input;
  const due = !prev?.checkedAt || elapsed(prev.checkedAt, now) >= policy.intervalSeconds;
  const obs = input.demand;
  if (!due || obs === undefined) return { demand: prev, due, fresh: false };
  if ('inconclusive' in obs)
    // Not being able to see demand is never evidence that it stopped: the streak starts over.
    return {
      demand: {
        ...prev,
        checkedAt: rfc3339(now),
        quietChecks: 0,
        message: `demand unavailable (${describeObservation(obs)})`,
      },
      due,
      fresh: true,
    };
  if (!isNewer(obs.sampleAt, prev?.sampleAt)) return { demand: prev, due, fresh: false };
  const quiet = obs.value <= policy.minRequestsPerSecond;
  return {
    demand: {
      requestsPerSecond: obs.value,
      sampleAt: obs.sampleAt,
      checkedAt: rfc3339(now),
      quietChecks: quiet ? (prev?.quietChecks ?? 0) + 1 : 0,
      message: `${obs.value} req/s ${quiet ? '≤' : '>'} ${policy.minRequestsPerSecond}`,
    },
    due,
    fresh: true,
  };
}

/**
 * stepRetirement advances a superseded version's retirement: retired at maxAgeSeconds after
 * it was superseded whatever its demand; retired by demand once `consecutiveChecks` checks in
 * a row (one new sample each) measured at most minRequestsPerSecond and its notice has passed;
 * else kept, pin-routable. Every timestamp is set once, on its transition.
 */
export function stepRetirement(
  prev: RetirementState | undefined,
  input: RetirementInput,
): RetirementStep {
  const { now, policy } = input;
  const sunsetAt = plus(input.supersededAt, policy.notice);
  const retiresAt =
    policy.maxAgeSeconds === undefined ? undefined : plus(input.supersededAt, policy.maxAgeSeconds);
  const base: RetirementState = { ...prev, sunsetAt, retiresAt };
  if (prev?.drainedAt)
    return {
      state: base,
      retired: true,
      reason: prev.drainReason ?? 'Retired',
      message: `retired (${prev.drainReason})`,
    };
  const done = (reason: string, message: string, state: RetirementState): RetirementStep => ({
    state: { ...state, drainStartedAt: rfc3339(now), drainedAt: rfc3339(now), drainReason: reason },
    retired: true,
    reason,
    message,
  });
  if (retiresAt && Date.parse(retiresAt) <= now.getTime())
    return done(
      RETIREMENT_REASONS.RetiredByAge,
      `retired at ${retiresAt}: maxAgeSeconds ${policy.maxAgeSeconds} after it was superseded`,
      base,
    );
  const c = checkDemand(prev?.demand, input);
  const state = { ...base, demand: c.demand };
  const quiet = c.demand?.quietChecks ?? 0;
  const noticed = Date.parse(sunsetAt) <= now.getTime();
  if (quiet >= policy.consecutiveChecks && noticed)
    return done(
      RETIREMENT_REASONS.RetiredByDemand,
      `demand ≤ ${policy.minRequestsPerSecond} req/s for ${quiet} checks after its Sunset date ${sunsetAt}`,
      state,
    );
  const nextCheck =
    c.due && !c.fresh
      ? ASK_AGAIN_SECONDS
      : policy.intervalSeconds -
        (c.demand?.checkedAt ? elapsed(c.demand.checkedAt, now) : policy.intervalSeconds);
  const dues = [Math.max(1, nextCheck)];
  if (!noticed) dues.push(Math.max(1, -elapsed(sunsetAt, now)));
  if (retiresAt) dues.push(Math.max(1, -elapsed(retiresAt, now)));
  const measured = c.demand?.message ?? 'demand not measured yet';
  const until = retiresAt ? `, or at ${retiresAt}` : '';
  return {
    state,
    retired: false,
    reason: RETIREMENT_REASONS.Deprecated,
    message: `superseded; kept for the clients that still call it (${measured}; ${quiet}/${policy.consecutiveChecks} quiet checks): Sunset ${sunsetAt}, retires when demand stays ≤ ${policy.minRequestsPerSecond} req/s after it${until}`,
    dueInSeconds: Math.ceil(Math.min(...dues)),
  };
}

/** pickRetirement reads the retirement bookkeeping from the last status. */
export function pickRetirement(v: VersionStatus | undefined): RetirementState | undefined {
  if (!v?.sunsetAt) return undefined;
  const { demand, sunsetAt, retiresAt, drainStartedAt, drainedAt, drainReason } = v;
  return { demand, sunsetAt, retiresAt, drainStartedAt, drainedAt, drainReason };
}

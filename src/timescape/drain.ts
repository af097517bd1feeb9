import type { GatiHandlerSpec, VersionStatus } from '../api/gatihandler.js';
import { FORCE_ANNOTATION } from '../api/keys.js';
import { describeObservation, isNewer, type Observation } from '../api/signals.js';
import { elapsed, rfc3339 } from '../kube/time.js';

/** Drain policy (spec.drain, every default applied by the schema). */
type DrainPolicy = GatiHandlerSpec['drain'];

/** Minimum seconds between two metric checks that count towards consecutiveChecks. */
export const CHECK_INTERVAL_SECONDS = 15;

/** The drain bookkeeping a version carries in status between syncs. */
export type DrainState = Pick<
  VersionStatus,
  | 'drainStartedAt'
  | 'trafficRemovedAt'
  | 'quietChecks'
  | 'lastCheckAt'
  | 'lastSampleAt'
  | 'drainedAt'
  | 'drainReason'
>;

/** What one sync knows about a draining version. */
export interface DrainInput {
  now: Date;
  policy: DrainPolicy;
  /** The route no longer sends it weighted traffic, and the gateway has accepted that. */
  routeProgrammed: boolean;
  /** gati.dev/force-decommission on its GatiVersion. */
  forced: boolean;
  /** It never took traffic (never Available): nothing to drain. */
  neverServed: boolean;
  /**
   * The drain query's answer: a request rate with its sample time, or why there is none;
   * undefined when the server did not ask this call (not yet: the drain waits for it).
   */
  rate?: Observation;
}

/** One step of the drain state machine. */
export interface DrainStep {
  state: DrainState;
  drained: boolean;
  /** Stable reason: why it is drained, or what it waits for. */
  reason: string;
  message: string;
  /** Seconds until something time-based can change (for resyncAfterSeconds). */
  dueInSeconds?: number;
}

function done(state: DrainState, now: Date, reason: string, message: string): DrainStep {
  return {
    state: {
      ...state,
      drainedAt: state.drainedAt ?? rfc3339(now),
      drainReason: state.drainReason ?? reason,
    },
    drained: true,
    reason,
    message,
  };
}

/**
 * stepDrain advances a version's drain (DESIGN §4): its weight is already 0; wait until the
 * route is programmed, then at least minSeconds, then — when a metric query is configured
 * and answers — for consecutive quiet checks, else drained by timer; on timeout apply
 * onTimeout. Force skips the wait. Every timestamp is set once, on its transition.
 */
export function stepDrain(prev: DrainState, input: DrainInput): DrainStep {
  const { now, policy } = input;
  if (prev.drainedAt)
    return {
      state: prev,
      drained: true,
      reason: prev.drainReason ?? 'Drained',
      message: `drained (${prev.drainReason})`,
    };
  const state: DrainState = { ...prev, drainStartedAt: prev.drainStartedAt ?? rfc3339(now) };
  if (input.forced) return done(state, now, 'Forced', `${FORCE_ANNOTATION} is set: drain skipped`);
  if (input.neverServed) return done(state, now, 'NeverServed', 'the version never took traffic');
  if (!state.trafficRemovedAt && input.routeProgrammed) state.trafficRemovedAt = rfc3339(now);
  const sinceStart = elapsed(state.drainStartedAt!, now);
  const timedOut = sinceStart >= policy.timeoutSeconds;
  const evidence = state.trafficRemovedAt ? evidenceStep(state, input) : undefined;
  if (evidence?.drained) return done(evidence.state, now, evidence.reason, evidence.message);
  const waiting = evidence ?? {
    state,
    reason: 'WaitingForRoute',
    message: 'waiting for the gateway to accept the route without this version',
    dueInSeconds: 5,
  };
  if (timedOut && policy.onTimeout === 'Proceed')
    return done(
      waiting.state,
      now,
      'DrainTimeout',
      `not proven drained after ${policy.timeoutSeconds}s; onTimeout Proceed`,
    );
  if (timedOut)
    return {
      ...waiting,
      drained: false,
      reason: 'DrainTimeoutHeld',
      message: `not proven drained after ${policy.timeoutSeconds}s; onTimeout Hold keeps it (${waiting.message})`,
    };
  const toTimeout = Math.max(1, policy.timeoutSeconds - sinceStart);
  return {
    ...waiting,
    drained: false,
    dueInSeconds: Math.min(waiting.dueInSeconds ?? toTimeout, toTimeout),
  };
}

/** evidenceStep: after the route is programmed, the floor, then the metric or the timer. */
function evidenceStep(
  state: DrainState,
  input: DrainInput,
): Omit<DrainStep, 'drained'> & { drained: boolean } {
  const { now, policy } = input;
  const sinceRemoved = elapsed(state.trafficRemovedAt!, now);
  if (sinceRemoved < policy.minSeconds) {
    return {
      state,
      drained: false,
      reason: 'MinimumDrainTime',
      message: `waiting ${policy.minSeconds}s after the route stopped weighting it`,
      dueInSeconds: Math.max(1, policy.minSeconds - sinceRemoved),
    };
  }
  if (!policy.metricQuery)
    return {
      state,
      drained: true,
      reason: 'DrainedByTimer',
      message: `no drain metric configured: drained ${policy.minSeconds}s after the route stopped weighting it`,
    };
  const rate = input.rate;
  if (rate !== undefined && 'inconclusive' in rate)
    return {
      state,
      drained: true,
      reason: 'DrainedByTimer',
      message: `request rate unavailable (${describeObservation(rate)}): drained by timer`,
    };
  const due = !state.lastCheckAt || elapsed(state.lastCheckAt, now) >= CHECK_INTERVAL_SECONDS;
  // A check counts only a sample newer than the last one counted, so no cache, replica or
  // replayed request counts one quiet sample twice; without one this call it is not yet.
  const fresh = rate !== undefined && isNewer(rate.sampleAt, state.lastSampleAt);
  const next: DrainState =
    due && fresh
      ? {
          ...state,
          lastCheckAt: rfc3339(now),
          lastSampleAt: rate.sampleAt,
          quietChecks: rate.value <= policy.threshold ? (state.quietChecks ?? 0) + 1 : 0,
        }
      : state;
  const checks = next.quietChecks ?? 0;
  if (checks >= policy.consecutiveChecks) {
    return {
      state: next,
      drained: true,
      reason: 'DrainedByMetric',
      message: `request rate ≤ ${policy.threshold} for ${checks} checks`,
    };
  }
  return {
    state: next,
    drained: false,
    reason: 'WaitingForQuiet',
    message: `${rate === undefined ? 'request rate not observed yet' : `request rate ${rate.value}`} (threshold ${policy.threshold}); ${checks}/${policy.consecutiveChecks} quiet checks`,
    dueInSeconds: due && !fresh ? 2 : CHECK_INTERVAL_SECONDS,
  };
}

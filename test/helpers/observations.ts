// Observations as the server hands them to the hooks, for tests: a sample taken at a time, or a
// fixed reason there is none.
import type { InconclusiveReason, Observation } from '../../src/api/signals.js';

/** sampled is a Prometheus sample of `value` taken at `at` (a Date or seconds since 2026-01-01). */
export function sampled(value: number, at: Date | number): Observation {
  const t = typeof at === 'number' ? new Date(Date.parse('2026-01-01T00:00:00Z') + at * 1000) : at;
  return { value, sampleAt: t.toISOString() };
}

/** unavailable is an observation without a value, for a fixed reason. */
export function unavailable(
  reason: InconclusiveReason = 'Unreachable',
  detail?: string,
): Observation {
  return detail === undefined ? { inconclusive: reason } : { inconclusive: reason, detail };
}

/**
 * What an external signal (a Prometheus answer, a webhook's) may tell the hooks, in one place: the shape of
 * an observation and the closed list of reasons one is inconclusive. The server produces them,
 * the core judges them, status and logs carry the reason, docs list the words.
 */

/** Why an observation carries no usable number. Stable words: status, logs and docs use them. */
export const INCONCLUSIVE_REASONS = {
  NotConfigured: 'PROMETHEUS_URL is not set on the hook server',
  Unreachable: 'the connection to Prometheus failed',
  Timeout: 'Prometheus did not answer in time',
  HTTPError: 'Prometheus answered with an HTTP error',
  AnswerTooLarge: 'the answer was larger than the hook server reads',
  BadAnswer: 'the answer was not a successful instant-query result',
  NoSeries: 'the query returned no series',
  ManySeries: 'the query returned more than one series (aggregate it to one, e.g. sum(...))',
  NotFinite: 'the value is NaN or infinite',
  NotAllowed: 'the host is not in WEBHOOK_ALLOWED_HOSTS on the hook server: never called',
  NoBaseline: 'no incumbent version serves to compare with',
} as const;
export type InconclusiveReason = keyof typeof INCONCLUSIVE_REASONS;

/**
 * One observation of one query: a finite value and the time of its sample, or why there is
 * none. A webhook's answer is its HTTP status as the value, at the time it answered. `detail` is a short fixed-form text the server writes (an HTTP status, a series count,
 * an error code) — never text from the answer or an error message, which may hold credentials.
 */
export type Observation =
  { value: number; sampleAt: string } | { inconclusive: InconclusiveReason; detail?: string };

/** describeObservation words an observation for status messages and logs. */
export function describeObservation(o: Observation): string {
  if ('value' in o) return `value ${o.value} (sample at ${o.sampleAt})`;
  return `${o.inconclusive}: ${INCONCLUSIVE_REASONS[o.inconclusive]}${o.detail ? ` (${o.detail})` : ''}`;
}

/** isNewer: sample time `at` is strictly after `than` (absent `than`: nothing counted yet). */
export function isNewer(at: string, than: string | undefined): boolean {
  return than === undefined || Date.parse(at) > Date.parse(than);
}

import type { Analysis, Baseline, Webhook } from '../api/analysis.js';
import type { MetricStatus, WebhookStatus } from '../api/analysis-status.js';
import type { AnalysisStatus, VersionStatus } from '../api/gatihandler-status.js';
import {
  describeObservation,
  INCONCLUSIVE_REASONS,
  isNewer,
  type InconclusiveReason,
  type Observation,
} from '../api/signals.js';

/**
 * One check of a move's gates (docs/progressive-delivery.md): every metric of the new version
 * (a baseline metric also of the incumbent, asked at the same time) and the webhooks of the
 * gate, judged together. The same one-sample rule as a single metric: a check counts only when
 * every answer is there and each sample is newer than the one that part counted last.
 */

/** A metric to check: the named ones of analysis.metrics, or the unnamed shorthand. */
export interface MetricSpec {
  /** Undefined for the shorthand (spec.rollout.analysis.metricQuery): status as before. */
  name?: string;
  query: string;
  threshold?: number;
  comparison: '<=' | '>=';
  baseline?: Baseline;
}

/** metricsOf lists the metrics of an analysis: the shorthand first, then the named ones. */
export function metricsOf(a: Analysis | undefined): MetricSpec[] {
  if (!a) return [];
  const short: MetricSpec[] =
    a.metricQuery !== undefined && a.threshold !== undefined
      ? [{ query: a.metricQuery, threshold: a.threshold, comparison: a.comparison }]
      : [];
  return [...short, ...(a.metrics ?? [])];
}

/** What one check asks for: the versions, the metrics and the webhooks of its gate. */
export interface CheckPlan {
  target: string;
  /** The incumbent the baseline metrics compare with (none: they are inconclusive). */
  baseline?: string;
  metrics: MetricSpec[];
  webhooks: Webhook[];
}

/**
 * Keys of a handler's gate observations, under its versionKey prefix: the shorthand metric of
 * a version is the version itself (as before metrics had names), a named one `<v>#m:<name>`,
 * a webhook called for the target `<v>#w:<name>`. A versionId never holds `#`.
 */
export function metricKey(versionId: string, metric: string | undefined): string {
  return metric === undefined ? versionId : `${versionId}#m:${metric}`;
}
export function webhookKey(versionId: string, webhook: string): string {
  return `${versionId}#w:${webhook}`;
}

/** baselineOf: the move's incumbent, else the version that served the most weight besides it. */
export function baselineOf(
  target: string,
  incumbent: string | undefined,
  versions: VersionStatus[],
): string | undefined {
  if (incumbent) return incumbent;
  return versions
    .filter((v) => v.versionId !== target && v.phase === 'Active' && v.effectiveWeight > 0)
    .sort(
      (a, b) => b.effectiveWeight - a.effectiveWeight || (a.versionId < b.versionId ? -1 : 1),
    )[0]?.versionId;
}

type Result = 'Passed' | 'Failed' | 'Inconclusive';

/** One part of a check: a metric or a webhook, judged. */
interface Part {
  result: Result;
  words: string;
  reason?: InconclusiveReason;
}

/** What one check found, when every answer it needs was new. */
export interface Judged {
  result: Result;
  message: string;
  /** The first metric's value and sample time (status.rollout.analysis.lastValue). */
  value?: number;
  sampleAt?: string;
  reason?: InconclusiveReason;
  /** The named metrics (the shorthand reports as the record itself). */
  metrics: MetricStatus[];
  webhooks: WebhookStatus[];
}

const NO_BASELINE: Observation = { inconclusive: 'NoBaseline' };

/**
 * judge reads a check's answers: undefined while one is missing or not newer than the one its
 * part counted last ("not yet": never a vote), else every part judged.
 */
export function judge(
  plan: CheckPlan,
  obs: Record<string, Observation>,
  prev: AnalysisStatus,
  hooks: WebhookStatus[],
  now: string,
): Judged | undefined {
  const metrics: MetricStatus[] = [];
  const parts: Part[] = [];
  let first: { value?: number; sampleAt?: string } | undefined;
  for (const m of plan.metrics) {
    const last =
      m.name === undefined ? lastOfShorthand(prev) : prev.metrics?.find((x) => x.name === m.name);
    const mine = obs[metricKey(plan.target, m.name)];
    const base = m.baseline
      ? plan.baseline
        ? obs[metricKey(plan.baseline, m.name)]
        : NO_BASELINE
      : undefined;
    if (!fresh(mine, last?.sampleAt) || (m.baseline && !fresh(base, last?.baselineSampleAt)))
      return undefined;
    const s = metricStatus(m, mine!, base);
    first ??= { value: s.value, sampleAt: s.sampleAt };
    parts.push({ result: s.result, words: s.message!, reason: s.reason });
    if (m.name !== undefined) metrics.push(s);
  }
  const webhooks: WebhookStatus[] = [];
  for (const w of plan.webhooks) {
    const answer = obs[webhookKey(plan.target, w.name)];
    if (!fresh(answer, hooks.find((h) => h.name === w.name)?.at)) return undefined;
    const s = webhookStatus(w, answer!, now);
    webhooks.push(s);
    parts.push({ result: s.result as Result, words: s.message!, reason: s.reason });
  }
  return summed(parts, first, metrics, webhooks);
}

function lastOfShorthand(prev: AnalysisStatus): { sampleAt?: string; baselineSampleAt?: string } {
  return { sampleAt: prev.lastSampleAt };
}

/** fresh: an answer is there and, if it is a sample, newer than the last one counted. */
function fresh(o: Observation | undefined, last: string | undefined): boolean {
  if (o === undefined) return false;
  return 'inconclusive' in o || isNewer(o.sampleAt, last);
}

function summed(
  parts: Part[],
  first: { value?: number; sampleAt?: string } | undefined,
  metrics: MetricStatus[],
  webhooks: WebhookStatus[],
): Judged {
  const failed = parts.filter((p) => p.result === 'Failed');
  const unsure = parts.filter((p) => p.result === 'Inconclusive');
  const result: Result = failed.length ? 'Failed' : unsure.length ? 'Inconclusive' : 'Passed';
  const told = failed.length ? failed : unsure.length ? unsure : parts;
  return {
    result,
    message: told.map((p) => p.words).join('; '),
    ...(first?.value !== undefined ? { value: first.value } : {}),
    ...(first?.sampleAt !== undefined ? { sampleAt: first.sampleAt } : {}),
    ...(unsure[0]?.reason && !failed.length ? { reason: unsure[0].reason } : {}),
    metrics,
    webhooks,
  };
}

/** metricStatus judges one metric of the new version (and of the incumbent, for a baseline). */
export function metricStatus(m: MetricSpec, mine: Observation, base?: Observation): MetricStatus {
  const named = m.name === undefined ? '' : `${m.name}: `;
  const out = (s: Omit<MetricStatus, 'name'>): MetricStatus =>
    m.name === undefined ? ({ name: '', ...s } as MetricStatus) : { name: m.name, ...s };
  const times = {
    ...('sampleAt' in mine ? { value: mine.value, sampleAt: mine.sampleAt } : {}),
    ...(base && 'sampleAt' in base
      ? { baselineValue: base.value, baselineSampleAt: base.sampleAt }
      : {}),
  };
  if ('inconclusive' in mine)
    return out({
      result: 'Inconclusive',
      reason: mine.inconclusive,
      message: `${named}metric unavailable: ${describeObservation(mine)}`,
      ...times,
    });
  if (base && 'inconclusive' in base)
    return out({
      result: 'Inconclusive',
      reason: base.inconclusive,
      message: `${named}baseline unavailable: ${describeObservation(base)}`,
      ...times,
    });
  if (base && m.baseline) {
    const over = overBaseline(mine.value, base.value, m.baseline);
    return out({
      result: over ? 'Failed' : 'Passed',
      message: `${named}value ${mine.value} against baseline ${base.value}: ${over ?? `within ${bounds(m.baseline)}`}`,
      ...times,
    });
  }
  const t = m.threshold!;
  const pass = m.comparison === '>=' ? mine.value >= t : mine.value <= t;
  return out({
    result: pass ? 'Passed' : 'Failed',
    message: `${named}value ${mine.value} ${pass ? '' : 'not '}${m.comparison} threshold ${t}`,
    ...times,
  });
}

/** overBaseline words how the value exceeds what the baseline allows, or undefined within it. */
export function overBaseline(value: number, base: number, b: Baseline): string | undefined {
  if (b.maxRatio !== undefined && value > base * b.maxRatio)
    return `over maxRatio ${b.maxRatio} (at most ${round(base * b.maxRatio)})`;
  if (b.maxIncrease !== undefined && value - base > b.maxIncrease)
    return `over maxIncrease ${b.maxIncrease} (at most ${round(base + b.maxIncrease)})`;
  return undefined;
}

function bounds(b: Baseline): string {
  return [
    ...(b.maxRatio !== undefined ? [`maxRatio ${b.maxRatio}`] : []),
    ...(b.maxIncrease !== undefined ? [`maxIncrease ${b.maxIncrease}`] : []),
  ].join(' and ');
}

/** round keeps 12 significant digits, so 0.01 × 1.5 reads 0.015, not 0.015000000000000001. */
function round(n: number): number {
  return Number(n.toPrecision(12));
}

/** Words for a webhook answer that is not an HTTP status (the signals' are Prometheus's). */
const WEBHOOK_WORDS: Partial<Record<InconclusiveReason, string>> = {
  Unreachable: 'the connection failed',
  Timeout: 'no answer in time',
  AnswerTooLarge: 'the answer was larger than the hook server reads',
};

/** webhookStatus judges one webhook answer: 2xx passes, another status fails, no answer is inconclusive. */
export function webhookStatus(w: Webhook, o: Observation, now: string): WebhookStatus {
  const base = { name: w.name, type: w.type };
  if ('inconclusive' in o) {
    const words = WEBHOOK_WORDS[o.inconclusive] ?? INCONCLUSIVE_REASONS[o.inconclusive];
    const detail = o.detail ? ` (${o.detail})` : '';
    return {
      ...base,
      result: 'Inconclusive',
      reason: o.inconclusive,
      at: now,
      message: `webhook ${w.name}: ${o.inconclusive}: ${words}${detail}`,
    };
  }
  const ok = o.value >= 200 && o.value < 300;
  return {
    ...base,
    result: ok ? 'Passed' : 'Failed',
    code: o.value,
    at: o.sampleAt,
    message: `webhook ${w.name} answered ${o.value}`,
  };
}

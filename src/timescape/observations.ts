import type { GatiHandlerSpec, GatiHandlerStatus, VersionStatus } from '../api/gatihandler.js';
import { elapsed } from '../kube/time.js';
import { RETIREMENT_REASONS } from '../api/cost.js';
import { versionName } from '../resources/names.js';
import { promqlString, substitute } from '../resources/template.js';
import { readAction } from './actions.js';
import { analysisDue } from './analysis.js';
import { CHECK_INTERVAL_SECONDS } from './drain.js';
import { advance, fromRecord, type RolloutEvent } from './engine.js';
import { inFlight } from './records.js';

/**
 * What the server must observe for one handler sync, computed by the same rules that consume
 * the answers (DESIGN §4b): the server only executes the list. Only checks that are due are
 * asked for, so a handler costs Prometheus one query per interval, not one per sync.
 */
export interface Needed {
  purpose: 'analysis' | 'drain' | 'demand';
  versionId: string;
  /** Where the answer goes in Observations: versionKey(namespace, handler, versionId). */
  key: string;
  promql: string;
  /** An answer older than this cannot be counted as a new sample: it is not reused. */
  maxAgeSeconds: number;
  /** Analysis: an empty answer is no answer. Drain and demand: no series means no requests. */
  empty: 'nothing' | 'zero';
}

/** versionKey is the key of one handler version in Observations (requestRates and analysis). */
export function versionKey(namespace: string, handler: string, versionId: string): string {
  return `${namespace}/${handler}/${versionId}`;
}

/** What observationsNeeded reads: the validated spec and the last status. */
export interface NeedsInput {
  namespace: string;
  name: string;
  spec: GatiHandlerSpec;
  status?: GatiHandlerStatus;
  /** The handler's annotations: the rollout action decides whether a step runs this sync. */
  annotations: Record<string, string>;
  now: Date;
}

/**
 * observationsNeeded lists the queries due now, most urgent first: the rollout target's
 * analysis check, then drain checks, then demand checks of superseded versions
 * (spec.retirement) — each kind the one checked longest ago first (never-checked before all),
 * so a cap on queries per call serves every version in turn.
 */
export function observationsNeeded(input: NeedsInput): Needed[] {
  const analysis = analysisNeeded(input);
  return [...(analysis ? [analysis] : []), ...drainsNeeded(input), ...demandNeeded(input)];
}

function vars(input: NeedsInput, versionId: string, service?: string) {
  return {
    namespace: input.namespace,
    handler: input.name,
    version: versionId,
    service: service ?? versionName(input.name, versionId),
  };
}

/**
 * analysisNeeded: a check of the step in flight is due — after this sync's action, computed by
 * the same engine the hook runs, so the sync that resumes a paused move asks for its check.
 */
function analysisNeeded(input: NeedsInput): Needed | undefined {
  const config = input.spec.rollout.analysis;
  const prev = input.status?.rollout;
  if (!config || !prev) return undefined;
  const action = readAction(input.annotations, prev.lastAction);
  const events: RolloutEvent[] = [
    ...(action.kind === 'one-shot' && action.fresh
      ? [{ kind: 'Action' as const, action: action.action, value: action.value }]
      : []),
    action.kind === 'pause' ? { kind: 'Pause' } : { kind: 'PauseLifted' },
  ];
  const { state } = advance(fromRecord(prev), events, {
    now: input.now,
    steps: input.spec.rollout.steps,
    analysis: config,
    targetReady: true,
    over: false,
  });
  if (state.kind !== 'Stepping' || !inFlight(state.record)) return undefined;
  const r = state.record;
  if (!analysisDue(config, r.analysis, r.step, r.stepStartedAt!, input.now)) return undefined;
  return {
    purpose: 'analysis',
    versionId: r.versionId,
    key: versionKey(input.namespace, input.name, r.versionId),
    promql: substitute(config.metricQuery, vars(input, r.versionId), promqlString),
    maxAgeSeconds: Math.floor(config.intervalSeconds / 2),
    empty: 'nothing',
  };
}

/** drainsNeeded: draining versions past their minimum wait whose next quiet check is due. */
function drainsNeeded(input: NeedsInput): Needed[] {
  const { drain } = input.spec;
  if (!drain.metricQuery) return [];
  const template = drain.metricQuery;
  return (input.status?.versions ?? [])
    .filter((v) => checkDue(v, drain.minSeconds, input.now))
    .sort(
      (a, b) =>
        cmp(a.lastCheckAt ?? '', b.lastCheckAt ?? '') ||
        cmp(a.drainStartedAt ?? '', b.drainStartedAt ?? '') ||
        cmp(a.versionId, b.versionId),
    )
    .map((v) => ({
      purpose: 'drain' as const,
      versionId: v.versionId,
      key: versionKey(input.namespace, input.name, v.versionId),
      promql: substitute(template, vars(input, v.versionId, v.service), promqlString),
      maxAgeSeconds: Math.floor(CHECK_INTERVAL_SECONDS / 2),
      empty: 'zero' as const,
    }));
}

/**
 * demandNeeded: superseded versions kept for their clients (reason Deprecated) whose next
 * demand check is due, by the interval stepRetirement counts them with.
 */
function demandNeeded(input: NeedsInput): Needed[] {
  const policy = input.spec.retirement;
  if (!policy) return [];
  const due = (v: VersionStatus) =>
    v.phase === 'Active' &&
    v.reason === RETIREMENT_REASONS.Deprecated &&
    (!v.demand?.checkedAt || elapsed(v.demand.checkedAt, input.now) >= policy.intervalSeconds);
  return (input.status?.versions ?? [])
    .filter(due)
    .sort(
      (a, b) =>
        cmp(a.demand?.checkedAt ?? '', b.demand?.checkedAt ?? '') || cmp(a.versionId, b.versionId),
    )
    .map((v) => ({
      purpose: 'demand' as const,
      versionId: v.versionId,
      key: versionKey(input.namespace, input.name, v.versionId),
      promql: substitute(policy.demandQuery, vars(input, v.versionId, v.service), promqlString),
      maxAgeSeconds: Math.floor(policy.intervalSeconds / 2),
      empty: 'zero' as const,
    }));
}

function checkDue(v: VersionStatus, minSeconds: number, now: Date): boolean {
  if (!v.drainStartedAt || v.drainedAt || !v.trafficRemovedAt) return false;
  if (v.phase === 'Active' || v.phase === 'Pending') return false;
  if (elapsed(v.trafficRemovedAt, now) < minSeconds) return false;
  return !v.lastCheckAt || elapsed(v.lastCheckAt, now) >= CHECK_INTERVAL_SECONDS;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

import type { GatiHandlerSpec, GatiHandlerStatus, VersionStatus } from '../api/gatihandler.js';
import type { KubeObject } from '../api/metacontroller.js';
import { versionName } from '../resources/names.js';
import { rfc3339 } from '../status/conditions.js';
import { deploymentFacts } from '../status/workload.js';
import { DEFAULT_DRAIN, stepDrain, type DrainPolicy, type DrainState } from './drain.js';
import {
  advanceRollout,
  DEFAULT_STEPS,
  elapsed,
  startRollout,
  type RolloutState,
} from './rollout.js';
import { routeAccepted, routeWeights } from './route-status.js';
import type { VersionWorkload } from './types.js';
import { candidates, type Candidate, type OwnedVersion } from './versions.js';
import { MAX_BACKENDS, MAX_RULES, percentages } from './weights.js';

/** Everything one GatiHandler sync knows, already read from the request. */
export interface PlanInput {
  name: string;
  namespace: string;
  spec: GatiHandlerSpec;
  annotations: Record<string, string>;
  previous?: GatiHandlerStatus;
  owned: OwnedVersion[];
  /** Observed Deployments of this handler, by versionId. */
  deployments: Map<string, KubeObject>;
  /** The observed HTTPRoute, if any. */
  route?: KubeObject;
  now: Date;
  /** Request rate per versionId from the drain query (absent: unknown). */
  rates: Record<string, number>;
}

/** What the handler does with one version this sync. */
export interface VersionPlan {
  status: VersionStatus;
  /** Workloads to emit; undefined once the version is removed. */
  workload?: VersionWorkload;
  /** In a pin rule. */
  pin: boolean;
  /** Weight in the weighted rule; undefined = not a backend there. */
  weight?: number;
}

/** The outcome of planning: per-version plans plus what the handler status reports. */
export interface Plan {
  versions: VersionPlan[];
  rollout?: RolloutState;
  resyncAfterSeconds?: number;
  /** Versions kept serving because they are the last ones that can (their retirement refused). */
  lastServing: string[];
  /** Versions left out of the route to stay within Gateway API limits. */
  overLimit: string[];
  routeAccepted: boolean;
}

const DEFAULT_DEADLINE = 600;

interface Working {
  c: Candidate;
  prev?: VersionStatus;
  name: string;
  available: boolean;
  ready: number;
  availableReplicas: number;
  replicasRunning: number;
  phase: VersionStatus['phase'];
  effective: number;
  reason: string;
  message: string;
  drain: DrainState;
  serving: boolean;
  firstSeenAt: string;
  availableAt?: string;
  supersededAt?: string;
}

function wasServing(prev: VersionStatus | undefined): boolean {
  return prev?.phase === 'Active' && prev.effectiveWeight > 0;
}

/**
 * planVersions is Timescape for one handler (DESIGN §4): which versions live, in which
 * phase, with what weight, whether each is pinned and routed, how far rollouts and drains
 * have come — a pure function of the request, the clock and the observations.
 */
export function planVersions(input: PlanInput): Plan {
  const { spec, now } = input;
  const previous = input.previous?.versions ?? [];
  const prevOf = new Map(previous.map((v) => [v.versionId, v]));
  const work = candidates({
    spec,
    handlerAnnotations: input.annotations,
    owned: input.owned,
    previous,
    deployments: input.deployments,
  }).map((c) => observe(c, prevOf.get(c.versionId), input));
  const byId = new Map(work.map((w) => [w.c.versionId, w]));
  const dues: number[] = [];

  let rollout = startRollout(input.previous, spec.version, (id) => wasServing(prevOf.get(id)));
  const incumbent = rollout?.previousVersionId ? byId.get(rollout.previousVersionId) : undefined;
  for (const w of work) decideServing(w, rollout?.previousVersionId, input, dues);

  // Rollout: the new version's weight walks the steps; the incumbent yields the rest of the pair's weight.
  const target = byId.get(spec.version)!;
  if (rollout && incumbent?.phase === 'Active') {
    const progress = advanceRollout(
      rollout,
      target.phase === 'Active' && !target.c.pinnedOnly,
      spec.rollout?.steps ?? DEFAULT_STEPS,
      now,
    );
    rollout = progress.state;
    if (progress.dueInSeconds) dues.push(progress.dueInSeconds);
    const pair = target.c.desiredWeight;
    target.effective = Math.round((pair * progress.share) / 100);
    if (rollout) {
      incumbent.effective = pair - target.effective;
      incumbent.reason = 'RollingOut';
      incumbent.message = `rolling out ${spec.version}: ${100 - progress.share}% of the pair's weight stays here`;
      target.reason = 'RollingOut';
      target.message = `rolling out: step ${rollout.step + 1}, ${progress.share}% of the pair's weight`;
    } else {
      supersede(incumbent, now);
    }
  } else if (rollout) {
    rollout = undefined; // the incumbent stopped serving: nothing to hand over from
    if (incumbent) supersede(incumbent, now);
  }

  const lastServing = holdLastServing(work);
  const route = observedRoute(input);
  for (const w of work)
    if (!w.serving && !lastServing.includes(w.c.versionId)) drain(w, input, route, dues);
  return assemble(work, input, rollout, lastServing, dues);
}

/** observe reads the version's Deployment and carries over its remembered timestamps. */
function observe(c: Candidate, prev: VersionStatus | undefined, input: PlanInput): Working {
  const name = versionName(input.name, c.versionId);
  const dep = input.deployments.get(c.versionId);
  const f = deploymentFacts(name, dep);
  const available = f.found && f.available > 0 && f.desired > 0;
  return {
    c,
    prev,
    name,
    available,
    ready: f.ready,
    availableReplicas: f.available,
    replicasRunning: f.found ? f.replicas : 0,
    phase: 'Pending',
    effective: 0,
    reason: '',
    message: '',
    drain: {},
    serving: false,
    firstSeenAt: prev?.firstSeenAt ?? rfc3339(input.now),
    availableAt: prev?.availableAt ?? (available ? rfc3339(input.now) : undefined),
    supersededAt: c.source === 'spec' ? undefined : prev?.supersededAt,
  };
}

/** decideServing sets phase and base weight of versions that should take traffic. */
function decideServing(
  w: Working,
  incumbentId: string | undefined,
  input: PlanInput,
  dues: number[],
): void {
  const { c } = w;
  w.serving = (c.wanted && (c.desiredWeight > 0 || c.pinnedOnly)) || c.versionId === incumbentId;
  if (!w.serving) return;
  const firstSeen = w.firstSeenAt;
  const deadline = input.spec.rollout?.progressDeadlineSeconds ?? DEFAULT_DEADLINE;
  if (!c.image) {
    setPhase(w, 'Failed', 'NoImage', 'no image: set spec.image on its GatiVersion');
  } else if (w.available) {
    setPhase(
      w,
      'Active',
      c.pinnedOnly ? 'PinnedOnly' : 'Weighted',
      c.pinnedOnly ? pinnedOnlyMessage(c) : `weight ${c.desiredWeight}`,
    );
    w.effective = c.pinnedOnly ? 0 : c.desiredWeight;
  } else if (elapsed(firstSeen, input.now) >= deadline) {
    setPhase(
      w,
      'Failed',
      'ProgressDeadlineExceeded',
      `Deployment ${w.name} not Available within ${deadline}s: it gets no traffic`,
    );
  } else {
    setPhase(
      w,
      'Pending',
      'WaitingForAvailable',
      `waiting for Deployment ${w.name} to become Available`,
    );
    dues.push(Math.max(1, deadline - elapsed(firstSeen, input.now)));
  }
}

function pinnedOnlyMessage(c: Candidate): string {
  return `breaking version without transformers: pinned traffic only until ${c.gatiVersion ? 'its GatiVersion' : 'the GatiHandler'} is annotated gati.dev/route-breaking=true`;
}

function setPhase(
  w: Working,
  phase: VersionStatus['phase'],
  reason: string,
  message: string,
): void {
  w.phase = phase;
  w.reason = reason;
  w.message = message;
}

/** supersede: a rollout has finished over this version; it drains from now on. */
function supersede(w: Working, now: Date): void {
  w.serving = false;
  w.effective = 0;
  w.supersededAt = w.supersededAt ?? rfc3339(now);
}

/**
 * holdLastServing refuses to retire the last versions able to serve: when no serving version
 * carries weight, versions that did and are still Available keep their weight (DESIGN §4).
 */
function holdLastServing(work: Working[]): string[] {
  if (work.some((w) => w.serving && w.phase === 'Active' && w.effective > 0)) return [];
  const held = work.filter((w) => !w.serving && w.available && wasServing(w.prev));
  for (const w of held) {
    w.phase = 'Active';
    w.effective = w.prev!.effectiveWeight;
    w.reason = 'LastServingVersion';
    w.message = 'retirement refused: it is the last version that can serve weighted traffic';
  }
  return held.map((w) => w.c.versionId);
}

/** What the observed HTTPRoute says, read once per sync for every draining version. */
interface ObservedRoute {
  weights: Map<string, number>;
  accepted: boolean;
  provider: 'gateway-api' | 'none';
}

function observedRoute(input: PlanInput): ObservedRoute {
  return {
    weights: routeWeights(input.route),
    accepted: routeAccepted(input.route, input.spec),
    provider: input.spec.routing?.provider ?? 'gateway-api',
  };
}

/** drain advances a version that should no longer take weighted traffic. */
function drain(w: Working, input: PlanInput, route: ObservedRoute, dues: number[]): void {
  const inDrain = w.prev?.phase === 'Draining' || w.prev?.phase === 'Decommissioned';
  const prevState: DrainState = inDrain && w.prev ? pickDrain(w.prev) : {};
  const programmed =
    route.provider === 'none' || ((route.weights.get(w.name) ?? 0) === 0 && route.accepted);
  const step = stepDrain(prevState, {
    now: input.now,
    policy: policyOf(input.spec),
    routeProgrammed: programmed,
    forced: w.c.forced,
    neverServed: !w.availableAt,
    rate: input.rates[w.c.versionId],
  });
  w.drain = step.state;
  w.effective = 0;
  setPhase(w, step.drained ? 'Decommissioned' : 'Draining', step.reason, step.message);
  if (step.dueInSeconds) dues.push(step.dueInSeconds);
}

function pickDrain(v: VersionStatus): DrainState {
  const { drainStartedAt, trafficRemovedAt, quietChecks, lastCheckAt, drainedAt, drainReason } = v;
  return { drainStartedAt, trafficRemovedAt, quietChecks, lastCheckAt, drainedAt, drainReason };
}

/** policyOf is spec.drain with its defaults. */
export function policyOf(spec: GatiHandlerSpec): DrainPolicy {
  return { ...DEFAULT_DRAIN, ...spec.drain };
}

/** assemble builds the version plans: workloads, pins, weighted backends, percentages, limits. */
function assemble(
  work: Working[],
  input: PlanInput,
  rollout: RolloutState | undefined,
  lastServing: string[],
  dues: number[],
): Plan {
  const kept = work.filter(
    (w) => !(w.phase === 'Decommissioned' && !w.c.wanted && w.replicasRunning === 0),
  );
  if (kept.length !== work.length) dues.push(1);
  if (kept.some((w) => w.phase === 'Decommissioned' && !w.c.wanted)) dues.push(5); // waiting for pods to go
  const routed = input.spec.routing?.provider !== 'none';
  const pins = routed
    ? kept.filter((w) => w.available && (w.phase === 'Active' || w.phase === 'Draining'))
    : [];
  const backends = routed
    ? kept.filter(
        (w) => w.available && ((w.phase === 'Active' && w.effective > 0) || w.phase === 'Draining'),
      )
    : [];
  const overLimit: string[] = [];
  const pinIds = limit(pins, MAX_RULES - 1, overLimit, (w) => (w.phase === 'Active' ? 0 : 1));
  const backendIds = limit(backends, MAX_BACKENDS, overLimit, (w) => -w.effective);
  const weighted = kept.filter((w) => backendIds.has(w.c.versionId));
  const anyWeight = weighted.some((w) => w.effective > 0);
  const percents = percentages(kept.map((w) => (backendIds.has(w.c.versionId) ? w.effective : 0)));
  const versions = kept.map((w, i): VersionPlan => ({
    status: statusOf(w, percents[i]!, pinIds.has(w.c.versionId)),
    workload: workloadOf(w),
    pin: pinIds.has(w.c.versionId),
    weight: anyWeight && backendIds.has(w.c.versionId) ? w.effective : undefined,
  }));
  const accepted = !routed || routeAccepted(input.route, input.spec);
  if (routed && !accepted && kept.length > 0) dues.push(5);
  const resyncAfterSeconds = dues.length > 0 ? Math.ceil(Math.min(...dues)) : undefined;
  return {
    versions,
    rollout,
    resyncAfterSeconds,
    lastServing,
    overLimit: [...new Set(overLimit)].sort(),
    routeAccepted: accepted,
  };
}

/** limit keeps at most `max` versions (by priority, then versionId) and records the rest. */
function limit(
  ws: Working[],
  max: number,
  dropped: string[],
  priority: (w: Working) => number,
): Set<string> {
  const sorted = [...ws].sort(
    (a, b) => priority(a) - priority(b) || (a.c.versionId < b.c.versionId ? -1 : 1),
  );
  for (const w of sorted.slice(max)) dropped.push(w.c.versionId);
  return new Set(sorted.slice(0, max).map((w) => w.c.versionId));
}

function workloadOf(w: Working): VersionWorkload | undefined {
  if (!w.c.image) return undefined;
  return {
    versionId: w.c.versionId,
    image: w.c.image,
    replicas: w.c.replicas,
    state: w.phase === 'Decommissioned' ? 'retire' : 'serve',
  };
}

function statusOf(w: Working, trafficPercent: number, pinned: boolean): VersionStatus {
  const active = w.phase === 'Active' || w.phase === 'Pending' || w.phase === 'Failed';
  return {
    versionId: w.c.versionId,
    image: w.c.image,
    source: w.c.source,
    gatiVersion: w.c.gatiVersion,
    phase: w.phase,
    desiredWeight: w.c.desiredWeight,
    effectiveWeight: w.effective,
    trafficPercent,
    pinned,
    breaking: w.c.breaking,
    deployment: w.name,
    service: w.name,
    readyReplicas: w.ready,
    availableReplicas: w.availableReplicas,
    firstSeenAt: w.firstSeenAt,
    availableAt: w.availableAt,
    supersededAt: w.supersededAt,
    ...(active ? {} : w.drain),
    reason: w.reason,
    message: w.message,
  };
}

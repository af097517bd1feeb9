import type { VersionStatus } from '../api/gatihandler.js';
import { deploymentFacts } from '../kube/deployment.js';
import { elapsed, rfc3339 } from '../kube/time.js';
import { versionName } from '../resources/names.js';
import { assemble } from './assemble.js';
import { stepDrain, type DrainState } from './drain.js';
import { advanceRollout, startRollout } from './rollout.js';
import { routeAccepted, routeWeights } from './route-status.js';
import type { Plan, PlanInput, Working } from './types.js';
import { candidates, type Candidate } from './versions.js';

export type { Plan, PlanInput, VersionPlan, Working } from './types.js';

/** wasServing: the version served weighted traffic at the last sync. */
export function wasServing(prev: VersionStatus | undefined): boolean {
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
      spec.rollout.steps,
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
  const deadline = input.spec.rollout.progressDeadlineSeconds;
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
    provider: input.spec.routing.provider,
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
    policy: input.spec.drain,
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

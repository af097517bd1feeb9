import type { VersionStatus } from '../api/gatihandler.js';
import { deploymentFacts } from '../kube/deployment.js';
import { elapsed, rfc3339 } from '../kube/time.js';
import { versionName } from '../resources/names.js';
import { readAction } from './actions.js';
import { planAliases, type AliasPlan } from './aliases.js';
import { assemble } from './assemble.js';
import { drain, holdLastServing, observedRoute, setPhase, supersede } from './lifecycle.js';
import { advanceRollout, type Advanced } from './progress.js';
import { incumbentOf, inFlight, resolveRollout } from './rollout.js';
import type { Plan, PlanInput, Working } from './types.js';
import { candidates, withinLimit, type Candidate } from './versions.js';

export type { Plan, PlanInput, VersionPlan, Working } from './types.js';
export { wasServing } from './lifecycle.js';

/**
 * planVersions is Timescape for one handler (DESIGN §4): which versions live, in which
 * phase, with what weight, whether each is pinned and routed, how far rollouts and drains
 * have come — a pure function of the request, the clock and the observations.
 */
export function planVersions(input: PlanInput): Plan {
  const { spec, now } = input;
  const previous = input.previous?.versions ?? [];
  const prevOf = new Map(previous.map((v) => [v.versionId, v]));
  const resolved = resolveRollout({
    prev: input.previous?.rollout,
    lastVersion: input.previous?.version,
    versions: previous,
    version: spec.version,
    image: spec.image,
    now,
  });
  const { kept, excess } = withinLimit(
    candidates({
      spec,
      handlerAnnotations: input.annotations,
      owned: input.owned,
      previous,
      deployments: input.deployments,
    }),
    previous,
    input.deployments,
  );
  const work = kept.map((c) => observe(c, prevOf.get(c.versionId), input));
  const byId = new Map(work.map((w) => [w.c.versionId, w]));
  for (const id of resolved.abandoned) {
    const w = byId.get(id);
    if (w && w.c.source !== 'spec') supersede(w, now);
  }
  const dues: number[] = [];
  const incumbentId = incumbentOf(resolved.record);
  const aliases = planAliases(
    spec,
    work.map((w) => w.c.versionId),
  );
  for (const w of work) decideServing(w, incumbentId, aliases, input, dues);

  const target = byId.get(spec.version)!;
  const incumbent = incumbentId === undefined ? undefined : byId.get(incumbentId);
  const action = readAction(input.annotations, resolved.record.lastAction);
  const progress = advanceRollout(resolved.record, {
    targetReady: target.phase === 'Active' && !target.c.pinnedOnly,
    incumbentServing: incumbent?.phase === 'Active',
    steps: spec.rollout.steps,
    analysis: spec.rollout.analysis,
    observation: input.analysis,
    action,
    now,
    over: resolved.record.versionId !== spec.version,
  });
  if (progress.dueInSeconds) dues.push(progress.dueInSeconds);
  sharePair(target, incumbent, progress, now);

  const lastServing = holdLastServing(work);
  const route = observedRoute(input);
  for (const w of work)
    if (!w.serving && !lastServing.includes(w.c.versionId)) drain(w, input, route, dues);
  return assemble(work, input, progress.record, lastServing, dues, {
    unknownAction: unknownOf(action),
    aliases,
    excess,
  });
}

function unknownOf(action: ReturnType<typeof readAction>): string | undefined {
  return action.kind === 'unknown' ? action.value : undefined;
}

/**
 * sharePair splits the pair's weight (the target's desired weight) between the target and the
 * incumbent while a rollout is in flight; an aborted target gets none and drains; a completed
 * rollout supersedes its incumbent.
 */
function sharePair(target: Working, incumbent: Working | undefined, p: Advanced, now: Date): void {
  if (p.targetAborted) {
    target.serving = false;
    target.aborted = true;
  }
  if (!incumbent || incumbent === target || incumbent.phase !== 'Active') return;
  const pair = target.c.desiredWeight;
  if (p.targetAborted) {
    incumbent.effective = pair;
    setPhase(
      incumbent,
      'Active',
      'RolloutAborted',
      `the rollout of ${target.c.versionId} was aborted: this version serves its full share`,
    );
  } else if (inFlight(p.record)) {
    target.effective = Math.round((pair * p.share) / 100);
    incumbent.effective = pair - target.effective;
    const paused = p.record.phase === 'Paused' ? ' (paused)' : '';
    setPhase(
      incumbent,
      'Active',
      'RollingOut',
      `rolling out ${target.c.versionId}${paused}: ${100 - p.share}% of the pair's weight stays here`,
    );
    if (target.phase === 'Active')
      setPhase(
        target,
        'Active',
        'RollingOut',
        `rolling out${paused}: step ${p.record.step + 1}, ${p.share}% of the pair's weight`,
      );
  } else if (p.supersedeIncumbent) {
    supersede(incumbent, now);
  }
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
    aliases: [],
    draining: false,
    retired: false,
    aborted: false,
    firstSeenAt: prev?.firstSeenAt ?? rfc3339(input.now),
    availableAt: prev?.availableAt ?? (available ? rfc3339(input.now) : undefined),
    supersededAt: c.source === 'spec' ? undefined : prev?.supersededAt,
  };
}

/** decideServing sets phase and base weight of versions that should take traffic. */
function decideServing(
  w: Working,
  incumbentId: string | undefined,
  aliases: AliasPlan,
  input: PlanInput,
  dues: number[],
): void {
  const { c } = w;
  w.aliases = aliases.byVersion.get(c.versionId) ?? [];
  const wanted = (c.wanted && (c.desiredWeight > 0 || c.pinnedOnly)) || c.versionId === incumbentId;
  // An aliased version is never decommissioned while aliased: it keeps its pin rule (and its
  // aliases') and its workloads, at no weighted traffic unless it is wanted for that too.
  w.serving = wanted || w.aliases.length > 0;
  if (!w.serving) return;
  const firstSeen = w.firstSeenAt;
  const deadline = input.spec.rollout.progressDeadlineSeconds;
  if (!c.image) {
    setPhase(w, 'Failed', 'NoImage', 'no image: set spec.image on its GatiVersion');
  } else if (w.available && !wanted) {
    setPhase(
      w,
      'Active',
      'Aliased',
      `aliased as ${w.aliases.join(', ')}: pinned traffic only, kept while aliased`,
    );
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

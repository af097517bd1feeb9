import type { VersionStatus } from '../api/gatihandler.js';
import { deploymentFacts } from '../kube/deployment.js';
import { elapsed, rfc3339 } from '../kube/time.js';
import { versionName } from '../resources/names.js';
import { readAction, type ActionRequest } from './actions.js';
import { planAliases, type AliasPlan } from './aliases.js';
import { assemble } from './assemble.js';
import { advance, fromRecord, toRecord, type RolloutEvent, type RolloutRecord } from './engine.js';
import { drain, holdLastServing, observedRoute, setPhase, supersede } from './lifecycle.js';
import { resolveMoves } from './moves.js';
import { gatewayBehind } from './route-status.js';
import { capacityGate, sizeVersions } from './sizing.js';
import { planBridges } from './bridges.js';
import { desireOf, grantedOf, justDone, weigh } from './weigh.js';
import { incumbentOf } from './records.js';
import { postRollout, postRolloutPending } from './gates.js';
import { baselineOf } from './metrics.js';
import type { Plan, PlanInput, Working } from './types.js';
import { candidates, withinLimit, type Candidate } from './versions.js';

export type { Plan, PlanInput } from './types.js';
export { routedVersions } from './assemble.js';

/**
 * planVersions is Timescape for one handler (DESIGN §4): which versions live, in which
 * phase, with what weight, whether each is pinned and routed, how far the traffic move in
 * flight and the drains have come — a pure function of the request, the clock and the
 * observations. The move itself is the rollout engine's (engine.ts); this file weighs its
 * outcome into each version.
 */
export function planVersions(input: PlanInput): Plan {
  const { spec, now } = input;
  const previous = input.previous?.versions ?? [];
  const prevOf = new Map(previous.map((v) => [v.versionId, v]));
  const prevRecord = input.previous?.rollout;
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
  const served = previous.some((v) => v.phase === 'Active' && v.effectiveWeight > 0);
  for (const w of work) w.granted = grantedOf(w, prevRecord, served);
  const resolved = resolveMoves({
    prev: prevRecord,
    lastVersion: input.previous?.version,
    versions: previous,
    version: spec.version,
    image: spec.image,
    now,
    candidates: work.map((w) => ({
      versionId: w.c.versionId,
      desired: desireOf(w),
      granted: w.granted,
      available: w.available,
      prev: w.prev,
    })),
    rollbackWindowSeconds: spec.rollout.rollbackWindowSeconds,
  });
  for (const id of resolved.abandoned) {
    const w = byId.get(id);
    if (w && w.c.source !== 'spec') supersede(w, now);
  }
  const ctx = {
    now,
    steps: spec.rollout.steps,
    analysis: spec.rollout.analysis,
    webhooks: spec.rollout.webhooks,
    targetReady: false,
    over: false,
  };
  const action = readAction(input.annotations, prevRecord?.lastAction);
  // First the move this sync works on (which decides who the incumbent is), then what happens to it.
  const cleared: RolloutEvent[] = action.kind === 'none' ? [{ kind: 'AnnotationCleared' }] : [];
  const head = advance(fromRecord(prevRecord), [...cleared, ...resolved.events], ctx);
  const dues: number[] = [];
  const aliases = planAliases(
    spec,
    work.map((w) => w.c.versionId),
  );
  const incumbentId = incumbentOf(toRecord(head.state));
  for (const w of work) decideServing(w, incumbentId, aliases, input, dues);

  const record = toRecord(head.state);
  const target = record && byId.get(record.versionId);
  const incumbent = record?.previousVersionId ? byId.get(record.previousVersionId) : undefined;
  const targetReady = target?.phase === 'Active' && !target.c.pinnedOnly;
  // spec.version went back after an abort: the record is only history, nothing acts on it.
  const over =
    record !== undefined && kindOf(record) === 'Version' && record.versionId !== spec.version;
  const tail = advance(head.state, eventsOf(action, record, incumbent, input), {
    ...ctx,
    baseline: record && baselineOf(record.versionId, record.previousVersionId, previous),
    targetReady,
    capacity: capacityGate(record, byId, spec),
    over,
    routeBehind: gatewayBehind(input.route, spec),
  });
  if (tail.dueInSeconds) dues.push(tail.dueInSeconds);
  const done = justDone(fromRecord(prevRecord), tail.state);
  const granted = weigh(byId, tail.state, targetReady, [...head.effects, ...tail.effects], {
    now,
    done,
    over,
  });

  const lastServing = holdLastServing(work);
  const route = observedRoute(input);
  for (const w of work) if (w.lifecycle !== 'Serving') drain(w, input, route, dues);
  sizeVersions(work, tail.state, spec, route);
  planBridges(work);
  // A first deploy starts a move, so from the first sync on there is always a record.
  const final = postRollout(toRecord(tail.state)!, input.analysis, ctx);
  if (postRolloutPending(final, ctx).length > 0) dues.push(2);
  return assemble(
    work,
    input,
    { ...final, queue: resolved.queue.length > 0 ? resolved.queue : undefined },
    lastServing,
    dues,
    {
      unknownAction: action.kind === 'unknown' ? action.value : undefined,
      aliases,
      excess,
      granted: (w: Working) =>
        w.lifecycle !== 'Serving'
          ? 0
          : done && w.c.versionId === final.versionId
            ? granted
            : w.granted,
    },
  );
}

function kindOf(r: RolloutRecord) {
  return r.move?.kind ?? 'Version';
}

/** eventsOf: what the annotation, the incumbent and the step's own business say this sync. */
function eventsOf(
  action: ActionRequest,
  r: RolloutRecord | undefined,
  incumbent: Working | undefined,
  input: PlanInput,
): RolloutEvent[] {
  const out: RolloutEvent[] = [];
  if (action.kind === 'one-shot' && action.fresh)
    out.push({ kind: 'Action', action: action.action, value: action.value });
  if (r?.previousVersionId && incumbent?.phase !== 'Active') out.push({ kind: 'IncumbentGone' });
  out.push(action.kind === 'pause' ? { kind: 'Pause' } : { kind: 'PauseLifted' });
  out.push({ kind: 'Step', observations: input.analysis });
  return out;
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
    lifecycle: 'Draining',
    aliases: [],
    aborted: false,
    displaced: c.source !== 'spec' && prev?.reason === 'RollbackWindow',
    granted: 0,
    size: 0,
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
  w.lifecycle = wanted || w.aliases.length > 0 ? 'Serving' : 'Draining';
  if (w.lifecycle !== 'Serving') return;
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
    w.effective = w.granted;
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

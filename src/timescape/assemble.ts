import type { VersionStatus } from '../api/gatihandler.js';
import type { VersionWorkload } from '../resources/handler.js';
import type { RoutedVersion } from '../resources/httproute.js';
import type { AliasPlan } from './aliases.js';
import type { RolloutRecord } from './engine.js';
import type { Plan, PlanInput, VersionPlan, Working } from './types.js';
import { routeAccepted, unresolvedRefs } from './route-status.js';
import { MAX_BACKENDS, MAX_RULES } from '../api/limits.js';
import { percentages } from './weights.js';
import { announcementOf } from './lifecycle.js';

/** assemble builds the version plans: workloads, pins, weighted backends, percentages, limits. */
export function assemble(
  work: Working[],
  input: PlanInput,
  rollout: RolloutRecord,
  lastServing: string[],
  dues: number[],
  extra: {
    unknownAction?: string;
    aliases: AliasPlan;
    excess: string[];
    /** The weight each version has been granted after this sync (status grantedWeight). */
    granted: (w: Working) => number;
  },
): Plan {
  const retired = (w: Working) => w.lifecycle === 'Retired';
  // A retired version a live one bridges stays (its pins go to the bridge) without workloads.
  const gone = (w: Working) => retired(w) && !w.c.wanted && w.replicasRunning === 0;
  const kept = work.filter((w) => !gone(w) || w.bridgedBy);
  if (kept.length !== work.length) dues.push(1);
  if (kept.some((w) => retired(w) && !w.c.wanted && !gone(w))) dues.push(5); // waiting for pods to go
  // Draining and standby versions keep their pin rule and a weight-0 backendRef.
  const leaving = (w: Working) => w.lifecycle === 'Draining' || w.lifecycle === 'Standby';
  const routed = input.spec.routing.provider !== 'none';
  // A draining version keeps its pin rule and its backendRef (at weight 0) until drained.
  const pins = routed
    ? kept.filter((w) => (w.available && (w.phase === 'Active' || leaving(w))) || w.bridgedBy)
    : [];
  const backends = routed
    ? kept.filter((w) => w.available && ((w.phase === 'Active' && w.effective > 0) || leaving(w)))
    : [];
  const overLimit: string[] = [];
  const pinIds = limit(pins, MAX_RULES - 1, overLimit, (w) => (w.phase === 'Active' ? 0 : 1));
  const backendIds = limit(backends, MAX_BACKENDS, overLimit, (w) => -w.effective);
  const weighted = kept.filter((w) => backendIds.has(w.c.versionId));
  const anyWeight = weighted.some((w) => w.effective > 0);
  const percents = percentages(kept.map((w) => (backendIds.has(w.c.versionId) ? w.effective : 0)));
  const versions = kept.map((w, i): VersionPlan => ({
    status: statusOf(w, percents[i]!, pinIds.has(w.c.versionId), extra.granted(w)),
    workload: gone(w) ? undefined : workloadOf(w, input.spec.autoscaling.mode !== 'none'),
    pin: pinIds.has(w.c.versionId),
    aliases: pinIds.has(w.c.versionId) ? w.aliases : [],
    weight: anyWeight && backendIds.has(w.c.versionId) ? w.effective : undefined,
    announce: announcementOf(w, input),
    bridgedBy: w.bridgedBy,
  }));
  const accepted = !routed || routeAccepted(input.route, input.spec);
  const refsUnresolved = routed ? unresolvedRefs(input.route, input.spec) : undefined;
  if (routed && (!accepted || refsUnresolved) && kept.length > 0) dues.push(5);
  const resyncAfterSeconds = dues.length > 0 ? Math.ceil(Math.min(...dues)) : undefined;
  const targetPercent = versions.find((v) => v.status.versionId === rollout.versionId)?.status
    .trafficPercent;
  return {
    versions,
    rollout: { ...rollout, trafficPercent: targetPercent ?? 0 },
    unknownAction: extra.unknownAction,
    aliasProblems: extra.aliases.problems,
    resyncAfterSeconds,
    lastServing,
    overLimit: [...new Set(overLimit)].sort(),
    excessVersions: extra.excess,
    routeAccepted: accepted,
    ...(refsUnresolved ? { routeRefsUnresolved: refsUnresolved } : {}),
  };
}

/** routedVersions: what the route builder needs of each version plan (makeHTTPRoute). */
export function routedVersions(versions: VersionPlan[]): RoutedVersion[] {
  return versions.map((v) => ({
    versionId: v.status.versionId,
    pin: v.pin,
    weight: v.weight,
    aliases: v.aliases,
    announce: v.announce,
    bridgedBy: v.bridgedBy,
  }));
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

function workloadOf(w: Working, autoscaled: boolean): VersionWorkload | undefined {
  if (!w.c.image) return undefined;
  const retired = w.lifecycle === 'Retired';
  return {
    versionId: w.c.versionId,
    image: w.c.image,
    // Autoscaled: the autoscaler's minimum follows the size; the replicas field is not emitted.
    replicas: autoscaled || retired ? w.c.replicas : w.size,
    minReplicas: autoscaled && !retired ? w.size : undefined,
    state: retired ? 'retire' : 'serve',
    overrides: w.c.overrides,
  };
}

function statusOf(
  w: Working,
  trafficPercent: number,
  pinned: boolean,
  granted: number,
): VersionStatus {
  const inDrain = w.lifecycle === 'Draining' || w.lifecycle === 'Retired';
  return {
    versionId: w.c.versionId,
    image: w.c.image,
    source: w.c.source,
    gatiVersion: w.c.gatiVersion,
    phase: w.phase,
    desiredWeight: w.c.desiredWeight,
    effectiveWeight: w.effective,
    grantedWeight: granted,
    trafficPercent,
    pinned,
    aliases: pinned && w.aliases.length > 0 ? w.aliases : undefined,
    breaking: w.c.breaking,
    deployment: w.name,
    service: w.name,
    readyReplicas: w.ready,
    availableReplicas: w.availableReplicas,
    desiredReplicas: w.size,
    firstSeenAt: w.firstSeenAt,
    availableAt: w.availableAt,
    supersededAt: w.supersededAt,
    ...(inDrain ? w.drain : {}),
    demand: w.retirement?.demand,
    sunsetAt: w.retirement?.sunsetAt,
    retiresAt: w.retirement?.retiresAt,
    bridgedBy: w.bridgedBy,
    reason: w.reason,
    message: w.message,
  };
}

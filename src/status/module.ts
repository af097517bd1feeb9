import type { KubeObject } from '../api/metacontroller.js';
import { deploymentFacts, type DeploymentFacts } from '../kube/deployment.js';
import type { ParentInfo } from '../kube/observed.js';
import { statusWith, withBlocker, type Verdict } from './conditions.js';
import { nameConflictVerdicts } from './conflict.js';
import { kindNotInstalledVerdicts } from './missing.js';

/**
 * Workload status from observed Deployments only. Phases (seed-compatible, plus Degraded):
 * Pending — not yet available; Running — available; Degraded — the rollout exceeded its
 * progress deadline; Failed — the spec is invalid (see invalidSpecVerdicts).
 */
export type Phase = 'Pending' | 'Running' | 'Degraded' | 'Failed';

/** replicaCounts sums replicas, readyReplicas and availableReplicas over observed Deployments. */
export function replicaCounts(deployments: KubeObject[]): {
  replicas: number;
  readyReplicas: number;
  availableReplicas: number;
} {
  const facts = deployments.map((d) => deploymentFacts(d.metadata.name, d));
  const sum = (f: (x: DeploymentFacts) => number) => facts.reduce((n, x) => n + f(x), 0);
  return {
    replicas: sum((x) => x.replicas),
    readyReplicas: sum((x) => x.ready),
    availableReplicas: sum((x) => x.available),
  };
}

function rolledOut(f: DeploymentFacts): boolean {
  return f.current && f.updated >= f.desired && f.available >= f.desired && f.replicas <= f.desired;
}

function available(f: DeploymentFacts): Verdict {
  if (!f.found)
    return {
      type: 'Available',
      status: 'False',
      reason: 'DeploymentNotFound',
      message: `Deployment ${f.name} does not exist yet`,
    };
  const counts = `${f.available}/${f.desired} replicas available`;
  return f.available >= f.desired
    ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: counts }
    : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: counts };
}

function ready(f: DeploymentFacts): Verdict {
  if (!f.found)
    return {
      type: 'Ready',
      status: 'False',
      reason: 'DeploymentNotFound',
      message: `Deployment ${f.name} does not exist yet`,
    };
  const counts = `${f.updated}/${f.desired} updated, ${f.available}/${f.desired} available`;
  if (f.stalled)
    return {
      type: 'Ready',
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: `Deployment ${f.name} exceeded its progress deadline: ${counts}`,
    };
  if (rolledOut(f))
    return {
      type: 'Ready',
      status: 'True',
      reason: 'AllReplicasReady',
      message: `${f.available}/${f.desired} replicas available`,
    };
  return {
    type: 'Ready',
    status: 'False',
    reason: 'RolloutInProgress',
    message: `Deployment ${f.name} is rolling out: ${counts}`,
  };
}

/**
 * workloadVerdicts: Ready and Available, plus the kstatus abnormal-true conditions —
 * Reconciling while a rollout is under way, Stalled once it exceeded its deadline.
 */
export function workloadVerdicts(f: DeploymentFacts): { phase: Phase; verdicts: Verdict[] } {
  const r = ready(f);
  const a = available(f);
  const verdicts = [r, a];
  if (f.stalled)
    verdicts.push({ type: 'Stalled', status: 'True', reason: r.reason, message: r.message });
  else if (r.status !== 'True')
    verdicts.push({ type: 'Reconciling', status: 'True', reason: r.reason, message: r.message });
  const phase: Phase = f.stalled ? 'Degraded' : a.status === 'True' ? 'Running' : 'Pending';
  return { phase, verdicts };
}

/**
 * Why a parent is held as it is (every child kept, the status kept): its spec, its status, or
 * (a GatiHandler) the GatiRolloutPolicy it names is missing.
 */
export type HoldReason = 'InvalidSpec' | 'InvalidStatus' | 'PolicyNotFound';

/** invalidSpecVerdicts: Ready=False and Stalled=True with the hold's reason; the phase is Failed. */
export function invalidSpecVerdicts(
  message: string,
  reason: HoldReason = 'InvalidSpec',
): { phase: Phase; verdicts: Verdict[] } {
  return {
    phase: 'Failed',
    verdicts: [
      { type: 'Ready', status: 'False', reason, message },
      { type: 'Stalled', status: 'True', reason, message },
    ],
  };
}

/** What a GatiModule's status is computed from. */
export interface ModuleStatusInput {
  parent: ParentInfo;
  now: Date;
  facts: DeploymentFacts;
  /** Child kinds left out because the controller does not declare them, in words. */
  notInstalled?: string;
  /** A GatiHandler keeps the Service name (NameConflict), in words. */
  nameConflict?: string;
  /** The Service it owns, when it owns one. */
  service?: string;
}

/**
 * moduleStatus: replicas, phase and conditions of a GatiModule from its observed Deployment; a
 * blocker (KindNotInstalled, NameConflict) names Ready and Stalled, and a Running module it
 * blocks is Degraded.
 */
export function moduleStatus(input: ModuleStatusInput): Record<string, unknown> {
  const { facts } = input;
  const workload = workloadVerdicts(facts);
  const verdicts = withBlocker(
    workload.verdicts,
    input.notInstalled === undefined ? undefined : kindNotInstalledVerdicts(input.notInstalled),
    input.nameConflict === undefined ? undefined : nameConflictVerdicts(input.nameConflict),
  );
  const blocked = input.notInstalled !== undefined || input.nameConflict !== undefined;
  const phase = blocked && workload.phase === 'Running' ? 'Degraded' : workload.phase;
  return statusWith(input.parent, input.now, phase, verdicts, {
    replicas: facts.replicas,
    readyReplicas: facts.ready,
    availableReplicas: facts.available,
    ...(input.service ? { service: input.service } : {}),
  });
}

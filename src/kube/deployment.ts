import type { KubeObject } from '../api/metacontroller.js';

/** The numbers and flags of one observed Deployment that status is computed from. */
export interface DeploymentFacts {
  name: string;
  found: boolean;
  desired: number;
  replicas: number;
  ready: number;
  available: number;
  updated: number;
  /** The Deployment controller has seen its latest spec. */
  current: boolean;
  /** Progressing=False/ProgressDeadlineExceeded. */
  stalled: boolean;
}

function num(v: unknown, fallback = 0): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

function isStalled(status: Record<string, unknown>): boolean {
  const conds = Array.isArray(status.conditions) ? status.conditions : [];
  return conds.some((c) => {
    const r = record(c);
    return (
      r.type === 'Progressing' && r.status === 'False' && r.reason === 'ProgressDeadlineExceeded'
    );
  });
}

/** deploymentFacts reads an observed Deployment (absent: not created yet). */
export function deploymentFacts(name: string, obj: KubeObject | undefined): DeploymentFacts {
  const spec = record(obj?.spec);
  const status = record(obj?.status);
  const generation = num(obj?.metadata.generation, 0);
  return {
    name,
    found: obj !== undefined,
    desired: num(spec.replicas, 1),
    replicas: num(status.replicas),
    ready: num(status.readyReplicas),
    available: num(status.availableReplicas),
    updated: num(status.updatedReplicas),
    current: num(status.observedGeneration, -1) >= generation,
    stalled: isStalled(status),
  };
}

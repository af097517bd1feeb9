// Status computed from observed children only.
export { condition, conditions, rfc3339, type Verdict } from './conditions.js';
export {
  deploymentFacts,
  replicaCounts,
  workloadVerdicts,
  invalidSpecVerdicts,
  type DeploymentFacts,
  type Phase,
} from './workload.js';
export { respond, statusWith, invalidSpecResponse } from './response.js';

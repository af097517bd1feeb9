// Status computed from observed children and the plan only.
export { condition, conditions, statusWith, type Verdict } from './conditions.js';
export { replicaCounts, workloadVerdicts, invalidSpecVerdicts, type Phase } from './module.js';
export { handlerStatus, type HandlerStatusInput, type HandlerPhase } from './handler.js';
export {
  versionStatus,
  invalidVersionStatus,
  type VersionReport,
  type VersionStatusInput,
} from './version.js';
export { respond, invalidSpecResponse } from './response.js';

import type { TSchema } from '@sinclair/typebox';
import { GatiHandlerSpec, GatiHandlerStatus } from './gatihandler.js';
import { GatiModuleSpec, GatiModuleStatus } from './gatimodule.js';
import { GatiRolloutPolicySpec } from './gatirolloutpolicy.js';
import { GatiVersionSpec, GatiVersionStatus } from './gativersion.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

export interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  spec: TSchema;
  /** Absent: no controller writes one (no status subresource). */
  status?: TSchema;
  columns: PrinterColumn[];
}

const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
};
const PHASE: PrinterColumn = { name: 'Phase', type: 'string', jsonPath: '.status.phase' };
const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** The Gati resources, in the order their CRDs are written (crds.ts builds each CRD). */
export const DEFINITIONS: CrdDefinition[] = [
  {
    kind: 'GatiHandler',
    plural: 'gatihandlers',
    singular: 'gatihandler',
    shortNames: ['gh'],
    spec: GatiHandlerSpec,
    status: GatiHandlerStatus,
    columns: [
      { name: 'Path', type: 'string', jsonPath: '.spec.handlerPath' },
      { name: 'Version', type: 'string', jsonPath: '.spec.version' },
      {
        name: 'Rollout',
        type: 'string',
        jsonPath: '.status.rollout.phase',
        description:
          'Phase of the rollout of spec.version: Progressing, Paused, Aborted, Succeeded',
      },
      {
        name: 'Traffic',
        type: 'integer',
        jsonPath: '.status.rollout.trafficPercent',
        description: 'Percent of weighted traffic the rollout target carries',
      },
      { name: 'Replicas', type: 'integer', jsonPath: '.status.availableReplicas' },
      PHASE,
      READY,
      AGE,
    ],
  },
  {
    kind: 'GatiModule',
    plural: 'gatimodules',
    singular: 'gatimodule',
    shortNames: ['gm'],
    spec: GatiModuleSpec,
    status: GatiModuleStatus,
    columns: [
      { name: 'Module', type: 'string', jsonPath: '.spec.moduleName' },
      { name: 'Type', type: 'string', jsonPath: '.spec.moduleType' },
      { name: 'Replicas', type: 'integer', jsonPath: '.status.availableReplicas' },
      PHASE,
      READY,
      AGE,
    ],
  },
  {
    kind: 'GatiVersion',
    plural: 'gativersions',
    singular: 'gativersion',
    shortNames: ['gv'],
    spec: GatiVersionSpec,
    status: GatiVersionStatus,
    columns: [
      { name: 'Version', type: 'string', jsonPath: '.spec.versionId' },
      { name: 'Handler', type: 'string', jsonPath: '.status.handler' },
      { name: 'Weight', type: 'integer', jsonPath: '.spec.routingWeight' },
      {
        name: 'Traffic',
        type: 'integer',
        jsonPath: '.status.trafficPercent',
        description: 'Percent of weighted traffic',
      },
      PHASE,
      READY,
      AGE,
    ],
  },
  {
    kind: 'GatiRolloutPolicy',
    plural: 'gatirolloutpolicies',
    singular: 'gatirolloutpolicy',
    shortNames: ['grp'],
    spec: GatiRolloutPolicySpec,
    columns: [{ name: 'Steps', type: 'string', jsonPath: '.spec.steps[*].weight' }, AGE],
  },
];

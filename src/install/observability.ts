import { APP_PART_OF_LABEL, PART_OF } from '../api/keys.js';
import { GATI_HANDLER } from '../api/kinds.js';

type Obj = Record<string, unknown>;

/**
 * Per-version state (phase, weight, traffic percent) and the rollout's phase, step and analysis
 * value live in GatiHandler status, not in the hook server: the server keeps no per-parent
 * state, so two replicas add up and a deleted handler leaves no series behind. kube-state-
 * metrics exports that status with this CustomResourceState configuration; metric names are
 * `gati_<name>` (metricNamePrefix gati), labelled namespace and handler.
 */
const KSM_PREFIX = 'gati';

const HANDLER_LABELS = { namespace: ['metadata', 'namespace'], handler: ['metadata', 'name'] };

function gauge(name: string, help: string, path: string[], extra: Obj = {}): Obj {
  return { name, help, each: { type: 'Gauge', gauge: { path, ...extra } } };
}

function perVersion(name: string, help: string, field: string): Obj {
  return gauge(name, help, ['status', 'versions'], {
    labelsFromPath: { version: ['versionId'] },
    valueFrom: [field],
  });
}

/** kubeStateMetricsConfig is the CustomResourceStateMetrics configuration for GatiHandlers. */
export function kubeStateMetricsConfig(): Obj {
  const [group, version] = GATI_HANDLER.apiVersion.split('/');
  return {
    kind: 'CustomResourceStateMetrics',
    spec: {
      resources: [
        {
          groupVersionKind: { group, version, kind: GATI_HANDLER.kind },
          metricNamePrefix: KSM_PREFIX,
          labelsFromPath: HANDLER_LABELS,
          metrics: [
            {
              name: 'handler_rollout_phase',
              help: 'Phase of the rollout of spec.version (1 for the current one).',
              each: {
                type: 'StateSet',
                stateSet: {
                  labelName: 'phase',
                  path: ['status', 'rollout', 'phase'],
                  list: ['Progressing', 'Paused', 'Aborted', 'Succeeded'],
                },
              },
            },
            gauge('handler_rollout_step', 'Index of the current rollout step (0 = first).', [
              'status',
              'rollout',
              'step',
            ]),
            gauge(
              'handler_rollout_step_weight',
              'How far the traffic move in flight has come, in percent (the current step weight).',
              ['status', 'rollout', 'stepWeight'],
            ),
            gauge(
              'handler_rollout_traffic_percent',
              'Percent of weighted traffic the rollout target carries.',
              ['status', 'rollout'],
              { labelsFromPath: { version: ['versionId'] }, valueFrom: ['trafficPercent'] },
            ),
            gauge(
              'handler_rollout_analysis_value',
              'Last value of the rollout analysis query.',
              ['status', 'rollout'],
              { labelsFromPath: { version: ['versionId'] }, valueFrom: ['analysis', 'lastValue'] },
            ),
            gauge(
              'handler_rollout_analysis_threshold',
              'Threshold of the rollout analysis query.',
              ['spec', 'rollout', 'analysis', 'threshold'],
            ),
            {
              name: 'handler_version_info',
              help: 'One series per live version, labelled with its phase.',
              each: {
                type: 'Info',
                info: {
                  path: ['status', 'versions'],
                  labelsFromPath: { version: ['versionId'], phase: ['phase'], reason: ['reason'] },
                },
              },
            },
            perVersion(
              'handler_version_desired_weight',
              'Desired relative weight of a live version.',
              'desiredWeight',
            ),
            perVersion(
              'handler_version_effective_weight',
              'Effective weight of a live version in the weighted rule.',
              'effectiveWeight',
            ),
            perVersion(
              'handler_version_traffic_percent',
              'Percent of weighted traffic a live version carries.',
              'trafficPercent',
            ),
            perVersion(
              'handler_version_available_replicas',
              'Available replicas of a live version.',
              'availableReplicas',
            ),
          ],
        },
      ],
    },
  };
}

/** The RBAC kube-state-metrics needs to read GatiHandlers (bind it to its ServiceAccount). */
export function kubeStateMetricsRole(): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name: 'kube-state-metrics-gati',
      labels: { [APP_PART_OF_LABEL]: PART_OF },
    },
    rules: [
      { apiGroups: [group()], resources: [GATI_HANDLER.resource], verbs: ['list', 'watch'] },
      {
        apiGroups: ['apiextensions.k8s.io'],
        resources: ['customresourcedefinitions'],
        verbs: ['list', 'watch'],
      },
    ],
  };
}

function group(): string {
  return GATI_HANDLER.apiVersion.split('/')[0]!;
}

/** KSM metric names the configuration produces (for the dashboard test). */
export function kubeStateMetricNames(): string[] {
  const res = (
    kubeStateMetricsConfig().spec as { resources: Array<{ metrics: Array<{ name: string }> }> }
  ).resources[0]!;
  return res.metrics.map((m) => `${KSM_PREFIX}_${m.name}`);
}

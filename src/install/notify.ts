import { APP_NAME_LABEL, APP_PART_OF_LABEL, APP_VERSION_LABEL, PART_OF } from '../api/keys.js';
import { GROUP } from '../api/common.js';
import { GATI_HANDLER, GATI_ROLLOUT_POLICY, GATI_VERSION } from '../api/kinds.js';
import { CONTAINER_SECURITY, IMAGE, NAME, NAMESPACE, OPERATOR_VERSION } from './constants.js';

/**
 * The optional notifier (`gati-operator notify`, docs/security.md): its own ServiceAccount, a
 * ClusterRole that reads the Gati objects it needs and creates (and reads) Events — nothing
 * else — and a Deployment of the same image. Its labels are not the hook server's, so the hook
 * server's Service, PodDisruptionBudget and NetworkPolicy never select it.
 */

type Obj = Record<string, unknown>;

export const NOTIFY_NAME = `${NAME}-notify`;
const NOTIFY_SELECTOR: Record<string, string> = { [APP_NAME_LABEL]: NOTIFY_NAME };
const NOTIFY_LABELS = {
  ...NOTIFY_SELECTOR,
  [APP_PART_OF_LABEL]: PART_OF,
  [APP_VERSION_LABEL]: `v${OPERATOR_VERSION}`,
};

/** The notifier's rules: read three Gati kinds; create Events, and read one to see a post was recorded. */
const NOTIFY_RULES = [
  {
    apiGroups: [GROUP],
    resources: [GATI_HANDLER.resource, GATI_ROLLOUT_POLICY.resource, GATI_VERSION.resource].sort(),
    verbs: ['get', 'list', 'watch'],
  },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'get'] },
];

const meta = (namespaced = true): Obj =>
  namespaced
    ? { name: NOTIFY_NAME, namespace: NAMESPACE, labels: NOTIFY_LABELS }
    : { name: NOTIFY_NAME, labels: NOTIFY_LABELS };

function notifyServiceAccount(): Obj {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta() };
}

function notifyClusterRole(): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: meta(false),
    rules: NOTIFY_RULES,
  };
}

function notifyClusterRoleBinding(): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: meta(false),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NOTIFY_NAME },
    subjects: [{ kind: 'ServiceAccount', name: NOTIFY_NAME, namespace: NAMESPACE }],
  };
}

/**
 * notifyDeployment: one replica is enough (two are safe: Events and notifications are written
 * once whichever replica sees a transition first). NOTIFY_ALLOWED_HOSTS starts empty: every
 * target is refused (and says so in an Event) until the installer names the hosts.
 */
function notifyDeployment(): Obj {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(),
    spec: {
      replicas: 1,
      revisionHistoryLimit: 5,
      selector: { matchLabels: NOTIFY_SELECTOR },
      template: {
        metadata: { labels: NOTIFY_LABELS },
        spec: {
          serviceAccountName: NOTIFY_NAME,
          enableServiceLinks: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'notify',
              image: IMAGE,
              imagePullPolicy: 'IfNotPresent',
              args: ['notify'],
              env: [
                { name: 'NOTIFY_ALLOWED_HOSTS', value: '' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              resources: {
                requests: { cpu: '20m', memory: '64Mi' },
                limits: { cpu: '500m', memory: '256Mi' },
              },
              securityContext: CONTAINER_SECURITY,
            },
          ],
        },
      },
    },
  };
}

/** notifyObjects: the component's objects, in apply order. */
export function notifyObjects(): Array<{ file: string; object: Obj }> {
  return [
    { file: 'serviceaccount.yaml', object: notifyServiceAccount() },
    { file: 'clusterrole.yaml', object: notifyClusterRole() },
    { file: 'clusterrolebinding.yaml', object: notifyClusterRoleBinding() },
    { file: 'deployment.yaml', object: notifyDeployment() },
  ];
}

import { GROUP } from '../api/common.js';
import { DEFINITIONS } from '../api/crd-definitions.js';
import { LABELS } from './constants.js';

type Obj = Record<string, unknown>;

/** Read verbs (gati-view) and what gati-edit adds; status stays Metacontroller's to write. */
const VIEW_VERBS = ['get', 'list', 'watch'];
const EDIT_VERBS = [...VIEW_VERBS, 'create', 'update', 'patch', 'delete', 'deletecollection'];

const AGGREGATE_TO = (roles: string[]): Record<string, string> =>
  Object.fromEntries(roles.map((r) => [`rbac.authorization.k8s.io/aggregate-to-${r}`, 'true']));

/** gatiRules: one rule over every Gati kind (src/api/crds.ts), the policies included. */
function gatiRules(verbs: string[]): Obj[] {
  return [{ apiGroups: [GROUP], resources: DEFINITIONS.map((d) => d.plural).sort(), verbs }];
}

/**
 * gatiViewRole lets whoever holds the built-in `view` (and so `edit`, `admin`) role read the
 * Gati objects of a namespace. Labelled into all three, as Kubernetes' own view rules are,
 * since `edit` and `admin` aggregate only their own label.
 */
export function gatiViewRole(): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {
      name: 'gati-view',
      labels: { ...LABELS, ...AGGREGATE_TO(['view', 'edit', 'admin']) },
    },
    rules: gatiRules(VIEW_VERBS),
  };
}

/**
 * gatiEditRole lets holders of the built-in `edit` and `admin` roles write Gati objects.
 * Writing a GatiHandler runs pods with any ServiceAccount and pull secret of the namespace
 * (docs/security.md), which is what `edit` grants through Deployments already; `view` never
 * gets it.
 */
export function gatiEditRole(): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'gati-edit', labels: { ...LABELS, ...AGGREGATE_TO(['edit', 'admin']) } },
    rules: gatiRules(EDIT_VERBS),
  };
}

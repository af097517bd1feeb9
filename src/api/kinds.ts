/** A Kubernetes resource type as Metacontroller names it (children, related, parents). */
export interface ResourceType {
  apiVersion: string;
  kind: string;
  /** Lower-case plural, as in a CompositeController's childResources. */
  resource: string;
}

export const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  resource: 'deployments',
} as const satisfies ResourceType;
export const SERVICE = {
  apiVersion: 'v1',
  kind: 'Service',
  resource: 'services',
} as const satisfies ResourceType;
export const HPA = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  resource: 'horizontalpodautoscalers',
} as const satisfies ResourceType;
export const SCALED_OBJECT = {
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  resource: 'scaledobjects',
} as const satisfies ResourceType;
export const PDB = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  resource: 'poddisruptionbudgets',
} as const satisfies ResourceType;
export const NETWORK_POLICY = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  resource: 'networkpolicies',
} as const satisfies ResourceType;
export const HTTP_ROUTE = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  resource: 'httproutes',
} as const satisfies ResourceType;
export const GATI_HANDLER = {
  apiVersion: 'gati.dev/v1alpha1',
  kind: 'GatiHandler',
  resource: 'gatihandlers',
} as const satisfies ResourceType;
export const GATI_MODULE = {
  apiVersion: 'gati.dev/v1alpha1',
  kind: 'GatiModule',
  resource: 'gatimodules',
} as const satisfies ResourceType;
export const GATI_VERSION = {
  apiVersion: 'gati.dev/v1alpha1',
  kind: 'GatiVersion',
  resource: 'gativersions',
} as const satisfies ResourceType;

export const GATI_ROLLOUT_POLICY = {
  apiVersion: 'gati.dev/v1alpha1',
  kind: 'GatiRolloutPolicy',
  resource: 'gatirolloutpolicies',
} as const satisfies ResourceType;

/** groupKey is the key Metacontroller uses for a type in `children`/`related`: `<Kind>.<apiVersion>`. */
export function groupKey(t: ResourceType): string {
  return `${t.kind}.${t.apiVersion}`;
}

/** Every child type the hooks may emit, for reading a child object's type from its apiVersion and kind. */
export const CHILD_TYPES: readonly ResourceType[] = [
  DEPLOYMENT,
  SERVICE,
  HPA,
  SCALED_OBJECT,
  PDB,
  NETWORK_POLICY,
  HTTP_ROUTE,
];

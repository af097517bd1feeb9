import type { ControllerName } from './types.js';

/** A child or related resource type as Metacontroller names it. */
export interface ResourceType {
  apiVersion: string;
  kind: string;
  /** Lower-case plural, as in a CompositeController's childResources. */
  resource: string;
}

export const DEPLOYMENT: ResourceType = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  resource: 'deployments',
};
export const SERVICE: ResourceType = { apiVersion: 'v1', kind: 'Service', resource: 'services' };
export const HPA: ResourceType = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  resource: 'horizontalpodautoscalers',
};
export const SCALED_OBJECT: ResourceType = {
  apiVersion: 'keda.sh/v1alpha1',
  kind: 'ScaledObject',
  resource: 'scaledobjects',
};
export const PDB: ResourceType = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  resource: 'poddisruptionbudgets',
};
export const NETWORK_POLICY: ResourceType = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  resource: 'networkpolicies',
};
export const HTTP_ROUTE: ResourceType = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  resource: 'httproutes',
};
export const GATI_HANDLER: ResourceType = {
  apiVersion: 'gati.dev/v1alpha1',
  kind: 'GatiHandler',
  resource: 'gatihandlers',
};
export const GATI_MODULE: ResourceType = {
  apiVersion: 'gati.dev/v1alpha1',
  kind: 'GatiModule',
  resource: 'gatimodules',
};
export const GATI_VERSION: ResourceType = {
  apiVersion: 'gati.dev/v1alpha1',
  kind: 'GatiVersion',
  resource: 'gativersions',
};

/** groupKey is the key Metacontroller uses for a type in `children`/`related`: `<Kind>.<apiVersion>`. */
export function groupKey(t: ResourceType): string {
  return `${t.kind}.${t.apiVersion}`;
}

/** Each controller's parent, the children it may emit, and the related types its customize hook asks for. */
export const CONTROLLERS: Record<
  ControllerName,
  { parent: ResourceType; children: ResourceType[]; related: ResourceType[] }
> = {
  // A handler reads the other handlers of its namespace too: the name-prefix rule gives a
  // GatiVersion to the LONGEST matching handler name, so each handler must see its rivals.
  gatihandler: {
    parent: GATI_HANDLER,
    children: [DEPLOYMENT, SERVICE, HPA, SCALED_OBJECT, PDB, HTTP_ROUTE],
    related: [GATI_HANDLER, GATI_VERSION],
  },
  gatimodule: {
    parent: GATI_MODULE,
    children: [DEPLOYMENT, SERVICE, HPA, SCALED_OBJECT, PDB, NETWORK_POLICY],
    related: [],
  },
  gativersion: { parent: GATI_VERSION, children: [], related: [GATI_HANDLER] },
};

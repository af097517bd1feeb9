import { HTTP_ROUTE, SCALED_OBJECT, type ResourceType } from './kinds.js';

/**
 * The switches of an install: which optional child kinds the Metacontroller objects declare.
 * Metacontroller resolves every declared child kind through discovery and does not start a
 * controller while one is missing, so a kind is declared only where its CRDs are expected.
 * The install (src/install) writes the switches; the hooks read which kinds the calling
 * controller declares and name the switch when a spec needs a kind it lacks (KindNotInstalled).
 */
export interface InstallOptions {
  /** Declare Gateway API HTTPRoute children (needs the Gateway API CRDs). */
  gatewayApi: boolean;
  /** Declare KEDA ScaledObject children (needs the KEDA CRDs). */
  keda: boolean;
}

/** The default install: Gateway API routing is the default provider; KEDA is opt-in. */
export const DEFAULT_INSTALL: Readonly<InstallOptions> = { gatewayApi: true, keda: false };

/** Every optional kind declared: what offline renderers assume (they do not know the cluster's install). */
export const ALL_KINDS_INSTALL: Readonly<InstallOptions> = { gatewayApi: true, keda: true };

/** One optional child kind, the switches that declare it in each install format, and what needs it. */
export interface OptionalKind {
  type: ResourceType;
  option: keyof InstallOptions;
  /** The kustomize component that flips the default (adds a default-off kind, removes a default-on one). */
  component: string;
  /** The boolean Helm value of the operator chart. */
  helmValue: string;
  /** The CRDs that must exist before the kind is declared, in words. */
  crds: string;
  /** The spec setting that makes the hooks emit the kind, and the ones that do without it. */
  neededBy: string;
  instead: string;
}

/**
 * The optional kinds, default-on first. Controllers declare their required kinds in table
 * order, then the optional ones that are switched on in this order: so a component that
 * appends a default-off kind, or removes a default-on one, yields the same list as the
 * generator with that switch — the tests compare them.
 */
export const OPTIONAL_KINDS: readonly OptionalKind[] = [
  {
    type: HTTP_ROUTE,
    option: 'gatewayApi',
    component: 'manifests/components/no-gateway-api',
    helmValue: 'gatewayApi.enabled',
    crds: 'the Gateway API CRDs',
    neededBy: 'spec.routing.provider gateway-api (the default)',
    instead: 'spec.routing.provider none',
  },
  {
    type: SCALED_OBJECT,
    option: 'keda',
    component: 'manifests/components/keda',
    helmValue: 'keda.enabled',
    crds: 'the KEDA CRDs',
    neededBy: 'spec.autoscaling.mode keda',
    instead: 'spec.autoscaling.mode hpa or none',
  },
];

/** sameType: two resource types are one (apiVersion and plural resource). */
export const sameType = (a: ResourceType, b: ResourceType): boolean =>
  a.apiVersion === b.apiVersion && a.resource === b.resource;

/** optionalKind is the switch entry of a child type, or undefined when the type is always declared. */
export function optionalKind(t: ResourceType): OptionalKind | undefined {
  return OPTIONAL_KINDS.find((o) => sameType(o.type, t));
}

import { HTTP_ROUTE, SCALED_OBJECT, type ResourceType } from '../api/kinds.js';

/**
 * The switches of an install: which optional child kinds the Metacontroller objects declare.
 * Metacontroller resolves every declared child kind through discovery and does not start a
 * controller while one is missing, so a kind is declared only where its CRDs are expected.
 */
export interface InstallOptions {
  /** Declare Gateway API HTTPRoute children (needs the Gateway API CRDs). */
  gatewayApi: boolean;
  /** Declare KEDA ScaledObject children (needs the KEDA CRDs). */
  keda: boolean;
}

/** The default install: Gateway API routing is the default provider; KEDA is opt-in. */
export const DEFAULT_INSTALL: Readonly<InstallOptions> = { gatewayApi: true, keda: false };

/** One optional child kind and the switches that declare it in each install format. */
export interface OptionalKind {
  type: ResourceType;
  option: keyof InstallOptions;
  /** The kustomize component that flips the default (adds a default-off kind, removes a default-on one). */
  component: string;
  /** The boolean Helm value of the operator chart. */
  helmValue: string;
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
  },
  {
    type: SCALED_OBJECT,
    option: 'keda',
    component: 'manifests/components/keda',
    helmValue: 'keda.enabled',
  },
];

const sameType = (a: ResourceType, b: ResourceType): boolean =>
  a.apiVersion === b.apiVersion && a.resource === b.resource;

/** optionalKind is the switch entry of a child type, or undefined when the type is always declared. */
export function optionalKind(t: ResourceType): OptionalKind | undefined {
  return OPTIONAL_KINDS.find((o) => sameType(o.type, t));
}

/**
 * declaredChildren is what a controller whose hooks may emit `children` declares under
 * `options`: the required kinds in table order, then the switched-on optional ones.
 */
export function declaredChildren(
  children: readonly ResourceType[],
  options: Readonly<InstallOptions> = DEFAULT_INSTALL,
): ResourceType[] {
  const required = children.filter((t) => optionalKind(t) === undefined);
  const optional = OPTIONAL_KINDS.filter(
    (o) => options[o.option] && children.some((t) => sameType(t, o.type)),
  ).map((o) => children.find((t) => sameType(t, o.type))!);
  return [...required, ...optional];
}

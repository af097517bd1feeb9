import type { GatiHandlerSpec } from '../api/gatihandler.js';
import { HTTP_ROUTE } from '../api/kinds.js';
import type { HTTPRoute } from '../kube/types.js';
import { handlerLabels } from './labels.js';
import {
  announcementFilter,
  transformFromFilter,
  type Announcement,
  type RouteFilter,
} from './headers.js';
import { routeName, versionName } from './names.js';

type Rule = NonNullable<NonNullable<HTTPRoute['spec']>['rules']>[number];
type BackendRef = NonNullable<Rule['backendRefs']>[number];

type Match = NonNullable<Rule['matches']>[number];

/** What the route needs to know about one version. */
export interface RoutedVersion {
  versionId: string;
  /** In a pin rule (exact header match). */
  pin: boolean;
  /** Alias names (spec.routing.aliases) that pin to it like its versionId. */
  aliases?: string[];
  /** Weight in the weighted rule; undefined = not a backend there. */
  weight?: number;
  /** Its retirement, announced on its pin rule and its weighted backend (issue #25). */
  announce?: Announcement;
  /** Retired and bridged: its pins go to this live version's Service, with x-gati-transform-from. */
  bridgedBy?: string;
}

interface RouteParent {
  metadata: { name: string; namespace?: string };
  spec: GatiHandlerSpec;
}

function backend(
  handler: RouteParent,
  versionId: string,
  weight: number,
  filters?: RouteFilter[],
): BackendRef {
  // group, kind, port and weight written out: the apiserver would default them and GitOps tools would see drift.
  return {
    group: '',
    kind: 'Service',
    name: versionName(handler.metadata.name, versionId),
    port: handler.spec.port,
    weight,
    filters,
  };
}

/** pinFilters: a bridged pin tells its bridge where the request comes from; a retiring one says so. */
function pinFilters(v: RoutedVersion): RouteFilter[] | undefined {
  const out = [
    ...(v.bridgedBy ? [transformFromFilter(v.versionId)] : []),
    ...(v.announce ? [announcementFilter(v.announce)] : []),
  ];
  return out.length > 0 ? out : undefined;
}

function pathMatch(handler: RouteParent) {
  return { type: 'PathPrefix' as const, value: handler.spec.handlerPath };
}

/** pinHeadersOf: spec.routing.pinHeader (the one-element form) when set, else pinHeaders. */
export function pinHeadersOf(spec: GatiHandlerSpec): string[] {
  return spec.routing.pinHeader ? [spec.routing.pinHeader] : spec.routing.pinHeaders;
}

/**
 * pinMatches: every way a request selects this version, ORed in its one rule — each pin header
 * and each pin query parameter, with the versionId or any of its aliases as the exact value.
 */
function pinMatches(handler: RouteParent, v: RoutedVersion): Match[] {
  const values = [v.versionId, ...[...(v.aliases ?? [])].sort()];
  const path = pathMatch(handler);
  return values.flatMap((value) => [
    ...pinHeadersOf(handler.spec).map((name) => ({
      path,
      headers: [{ type: 'Exact' as const, name, value }],
    })),
    ...handler.spec.routing.pinQueryParams.map((name) => ({
      path,
      queryParams: [{ type: 'Exact' as const, name, value }],
    })),
  ]);
}

/**
 * makeHTTPRoute builds the Gateway API HTTPRoute of a handler (DESIGN §4): one pin rule per
 * pinned version (its header and query matches → that version's Service, or a retired
 * version's bridge with x-gati-transform-from; a retiring version's rule and backend add
 * Deprecation and Sunset response headers), then one weighted rule over
 * the versions with a weight — omitted when every weight is 0, since gateways disagree on
 * what an all-zero rule does. Returns undefined when there is no rule to write.
 */
export function makeHTTPRoute(
  handler: RouteParent,
  versions: RoutedVersion[],
): HTTPRoute | undefined {
  const sorted = [...versions].sort((a, b) =>
    a.versionId < b.versionId ? -1 : a.versionId > b.versionId ? 1 : 0,
  );
  const rules: Rule[] = sorted
    .filter((v) => v.pin)
    .map((v) => ({
      matches: pinMatches(handler, v),
      filters: pinFilters(v),
      backendRefs: [backend(handler, v.bridgedBy ?? v.versionId, 1)],
    }));
  const weighted = sorted.filter((v) => v.weight !== undefined);
  if (weighted.some((v) => (v.weight ?? 0) > 0)) {
    rules.push({
      matches: [{ path: pathMatch(handler) }],
      // A retiring version's backend says so too (a backendRef filter applies to its share only).
      backendRefs: weighted.map((v) =>
        backend(
          handler,
          v.versionId,
          v.weight!,
          v.announce ? [announcementFilter(v.announce)] : undefined,
        ),
      ),
    });
  }
  if (rules.length === 0) return undefined;
  const { name, namespace } = handler.metadata;
  const parentRefs = (handler.spec.routing.parentRefs ?? []).map((p) => ({
    group: 'gateway.networking.k8s.io',
    kind: 'Gateway',
    ...p,
  }));
  return {
    apiVersion: HTTP_ROUTE.apiVersion,
    kind: HTTP_ROUTE.kind,
    metadata: { name: routeName(name), namespace, labels: handlerLabels(name) },
    spec: {
      parentRefs: parentRefs.length > 0 ? parentRefs : undefined,
      hostnames: handler.spec.routing.hostnames,
      rules,
    },
  };
}

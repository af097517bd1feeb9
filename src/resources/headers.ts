import {
  DEPRECATION_HEADER,
  LINK_HEADER,
  SUNSET_HEADER,
  TRANSFORM_FROM_HEADER,
} from '../api/cost.js';
import type { HTTPRoute } from '../kube/types.js';

type Rule = NonNullable<NonNullable<HTTPRoute['spec']>['rules']>[number];
/** A Gateway API HTTPRoute filter (the same shape on a rule and on a backendRef). */
export type RouteFilter = NonNullable<Rule['filters']>[number];

/**
 * What the route tells the clients of a version that will retire, or did and is bridged
 * (issue #25): the response headers of RFC 9745 (Deprecation), RFC 8594 (Sunset) and a
 * RFC 8288 Link to its migration page.
 */
export interface Announcement {
  /** When it was superseded (or retired): the Deprecation date. */
  deprecatedAt: string;
  /** Its Sunset date, when one is announced. */
  sunsetAt?: string;
  /** Its migration page (GatiVersion spec.deprecationLink). */
  link?: string;
}

/** deprecationValue: an RFC 9745 Structured Field Date, `@<seconds since the epoch>`. */
export function deprecationValue(at: string): string {
  return `@${Math.floor(Date.parse(at) / 1000)}`;
}

/** sunsetValue: an RFC 8594 HTTP-date (IMF-fixdate), `Thu, 01 Jan 2026 01:00:00 GMT`. */
export function sunsetValue(at: string): string {
  return new Date(Date.parse(at)).toUTCString();
}

/** linkValue: an RFC 8288 Link with RFC 9745's relation, `<url>; rel="deprecation"`. */
export function linkValue(url: string): string {
  return `<${url}>; rel="deprecation"`;
}

/** announcementFilter sets the Deprecation, Sunset and Link response headers of a version. */
export function announcementFilter(a: Announcement): RouteFilter {
  const set = [
    { name: DEPRECATION_HEADER, value: deprecationValue(a.deprecatedAt) },
    ...(a.link ? [{ name: LINK_HEADER, value: linkValue(a.link) }] : []),
    ...(a.sunsetAt ? [{ name: SUNSET_HEADER, value: sunsetValue(a.sunsetAt) }] : []),
  ];
  return { type: 'ResponseHeaderModifier', responseHeaderModifier: { set } };
}

/**
 * transformFromFilter tells the bridging version which version a request was written for:
 * its app applies the transformer from that version (GatiVersion transformers `{from}`).
 */
export function transformFromFilter(versionId: string): RouteFilter {
  return {
    type: 'RequestHeaderModifier',
    requestHeaderModifier: { set: [{ name: TRANSFORM_FROM_HEADER, value: versionId }] },
  };
}

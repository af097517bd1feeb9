import { MAX_MATCHES } from '../api/limits.js';
import type { GatiHandlerSpec } from '../api/gatihandler.js';
import { pinHeadersOf } from '../resources/httproute.js';

/** Gateway API allows 64 matches in one HTTPRoute rule. */

/** Which aliases pin to which live version, and the ones left out (with why). */
export interface AliasPlan {
  byVersion: Map<string, string[]>;
  problems: string[];
}

/**
 * planAliases resolves spec.routing.aliases against the live versions: an alias pins to its
 * version like the versionId does (every pin header and query parameter, in that version's one
 * rule). An alias that names no live version, or that is itself a live versionId (it would
 * shadow that version's own pin), is left out and reported; so are aliases past what one
 * rule's 64 matches can hold.
 */
export function planAliases(spec: GatiHandlerSpec, liveIds: readonly string[]): AliasPlan {
  const live = new Set(liveIds);
  const perValue = pinHeadersOf(spec).length + spec.routing.pinQueryParams.length;
  const room = Math.floor(MAX_MATCHES / Math.max(1, perValue)) - 1;
  const byVersion = new Map<string, string[]>();
  const problems: string[] = [];
  for (const [alias, id] of Object.entries(spec.routing.aliases ?? {}).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    if (live.has(alias)) problems.push(`alias ${alias} is also a version id: left out`);
    else if (!live.has(id))
      problems.push(`alias ${alias} names ${id}, which is not a live version`);
    else if ((byVersion.get(id)?.length ?? 0) >= room)
      problems.push(
        `alias ${alias}: ${id} already has as many aliases as one route rule can match`,
      );
    else byVersion.set(id, [...(byVersion.get(id) ?? []), alias]);
  }
  return { byVersion, problems };
}

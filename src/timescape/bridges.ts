import { RETIREMENT_REASONS } from '../api/cost.js';
import { TRANSFORM_FROM_HEADER } from '../api/cost.js';
import type { Working } from './types.js';

/**
 * Serving retired pins through transformers (issue #25; docs/progressive-delivery.md
 * "Bridges"): a GatiVersion whose transformers say `{from: v1}` serves requests written for
 * v1. Once v1 is retired, its pin rule (and its aliases) stays and points at the bridging
 * version's Service, with `x-gati-transform-from: v1` set, and v1's pods go.
 *
 * Chains: X bridges Y directly when X's transformers name Y, or when it is remembered that X
 * served Y (status bridgedBy of a retired Y); X bridges Y through a chain when X bridges some Z
 * that bridges Y — as the Gati runtime does, the newest code carries the transformers of every
 * version it bridges and applies them hop by hop. Of every live version that bridges Y,
 * directly or in at most MAX_CHAIN hops, the newest wins: spec.version, then the one the
 * handler saw last, then the higher versionId.
 */

/** The most transformer hops one request may take (the Gati runtime's maxTransformerChain). */
export const MAX_CHAIN = 10;

/** live: it runs and can take requests now. */
function live(w: Working): boolean {
  return w.lifecycle !== 'Retired' && w.available && w.phase !== 'Failed';
}

/** newer orders bridges newest first: spec.version, then latest firstSeenAt, then versionId. */
function newer(a: Working, b: Working): number {
  const spec = (w: Working) => (w.c.source === 'spec' ? 0 : 1);
  return (
    spec(a) - spec(b) ||
    (a.firstSeenAt < b.firstSeenAt ? 1 : a.firstSeenAt > b.firstSeenAt ? -1 : 0) ||
    (a.c.versionId < b.c.versionId ? 1 : -1)
  );
}

/** bridgeOf: the newest live version that bridges `id`, directly or through a chain. */
export function bridgeOf(id: string, work: Working[]): Working | undefined {
  const byId = new Map(work.map((w) => [w.c.versionId, w]));
  const bridgers = (y: string): string[] => [
    ...work.filter((x) => x.c.bridges.includes(y)).map((x) => x.c.versionId),
    ...(byId.get(y)?.prev?.bridgedBy ? [byId.get(y)!.prev!.bridgedBy!] : []),
  ];
  const seen = new Set([id]);
  const found: Working[] = [];
  let frontier = [id];
  for (let hop = 0; hop < MAX_CHAIN && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const x of frontier.flatMap(bridgers)) {
      if (seen.has(x)) continue;
      seen.add(x);
      next.push(x);
      const w = byId.get(x);
      if (w && live(w)) found.push(w);
    }
    frontier = next;
  }
  return found.sort(newer)[0];
}

/**
 * planBridges gives every retired version a live bridge when one exists: it keeps its pin
 * rule, pointed at the bridge (status reason Bridged, bridgedBy). A retired version nothing
 * bridges leaves the route as before: its pinned clients fall to the weighted rule.
 */
export function planBridges(work: Working[]): void {
  for (const w of work) {
    if (w.lifecycle !== 'Retired') continue;
    const bridge = bridgeOf(w.c.versionId, work);
    if (!bridge) continue;
    w.bridgedBy = bridge.c.versionId;
    w.phase = 'Decommissioned';
    w.reason = RETIREMENT_REASONS.Bridged;
    w.message = `retired; requests pinned to it go to ${bridge.c.versionId} with ${TRANSFORM_FROM_HEADER}: ${w.c.versionId}`;
  }
}

import { HANDLER_LABEL } from '../api/keys.js';

/** How a GatiVersion was matched to its handler (shown in status messages). */
export type MatchedBy = 'handlerRef' | 'label' | 'namePrefix';

/** The handler a GatiVersion belongs to, by name, and which rule said so. */
export interface HandlerMatch {
  name: string;
  by: MatchedBy;
}

interface VersionLike {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { handlerRef?: { name?: string } };
}

/**
 * handlerOf resolves the handler a GatiVersion belongs to (DESIGN §2): spec.handlerRef.name,
 * else the label gati.dev/handler, else the longest of `handlerNames` that prefixes the
 * GatiVersion's name followed by `-` (so `user-handler-v1` belongs to `user-handler`, not
 * `user`). The first two need no handler to exist; the caller checks that.
 */
export function handlerOf(
  gv: VersionLike,
  handlerNames: Iterable<string>,
): HandlerMatch | undefined {
  const ref = gv.spec?.handlerRef?.name;
  if (ref) return { name: ref, by: 'handlerRef' };
  const label = gv.metadata.labels?.[HANDLER_LABEL];
  if (label) return { name: label, by: 'label' };
  let best: string | undefined;
  for (const h of handlerNames) {
    if (gv.metadata.name.startsWith(`${h}-`) && (best === undefined || h.length > best.length))
      best = h;
  }
  return best === undefined ? undefined : { name: best, by: 'namePrefix' };
}

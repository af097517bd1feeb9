/**
 * once is a bounded memory of keys already seen, for the one thing the server must not do
 * twice: report a parent's transitions when Metacontroller replays the same request (same uid
 * and resourceVersion) after a failed status write or a resync. It holds at most `max` keys,
 * forgetting the oldest first; at worst a transition is counted twice, never lost.
 */
export function onceTable(max = 10_000): (key: string | undefined) => boolean {
  const seen = new Set<string>();
  return (key) => {
    if (key === undefined) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    if (seen.size > max) seen.delete(seen.values().next().value as string);
    return true;
  };
}

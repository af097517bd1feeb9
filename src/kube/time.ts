/** rfc3339 renders a time at second precision, as Kubernetes does. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** elapsed is the number of seconds from an RFC 3339 time to now. */
export function elapsed(since: string, now: Date): number {
  return (now.getTime() - Date.parse(since)) / 1000;
}

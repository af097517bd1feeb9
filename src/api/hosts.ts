/**
 * Which hosts a URL from an object's spec may reach: the rule the hook server's webhooks
 * (WEBHOOK_ALLOWED_HOSTS) and the notifier's targets (NOTIFY_ALLOWED_HOSTS) share. An object's
 * author writes the URL; the operator's installer decides where it may go.
 */

/** Why a URL is never called: not a URL, not http(s), credentials in it, or a host not allowed. */
export type Refusal = { detail: string } | undefined;

/** refusalOf words why a URL is refused, naming only its host; undefined when it is allowed. */
export function refusalOf(url: string, allowed: readonly string[]): Refusal {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { detail: 'not a URL' };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return { detail: 'not http or https' };
  if (u.username || u.password) return { detail: `credentials in the URL of ${u.hostname}` };
  return hostAllowed(u, allowed) ? undefined : { detail: u.host };
}

/** hostAllowed: the URL's host (or host:port) matches an entry; `*.example.com` matches below it. */
export function hostAllowed(u: URL, allowed: readonly string[]): boolean {
  const host = u.hostname.toLowerCase();
  const withPort = u.host.toLowerCase();
  return allowed.some((raw) => {
    const a = raw.trim().toLowerCase();
    if (a === '') return false;
    if (a.startsWith('*.')) return host.endsWith(a.slice(1)) && host.length > a.length - 1;
    return a === host || a === withPort;
  });
}

/** hostList parses a comma-separated allow list (an environment variable). */
export function hostList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
}

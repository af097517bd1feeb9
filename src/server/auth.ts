import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** TokenSource yields the current bearer token, re-reading its file so Secret rotation works. */
export interface TokenSource {
  /** The token, or undefined when the file cannot be read or is empty (every call is then refused). */
  current(): Promise<string | undefined>;
}

/**
 * tokenFromFile reads the token file at most once per `reloadMs` (0: on every call). A
 * mounted Secret changes by a symlink swap, which file watchers miss; re-reading does not.
 */
export function tokenFromFile(
  path: string,
  reloadMs: number,
  now: () => number = Date.now,
): TokenSource {
  let cached: { at: number; token: Promise<string | undefined> } | undefined;
  return {
    current() {
      if (!cached || now() - cached.at >= reloadMs) {
        cached = {
          at: now(),
          token: readFile(path, 'utf8').then(
            (s) => s.trim() || undefined,
            () => undefined,
          ),
        };
      }
      return cached.token;
    },
  };
}

/** bearerMatches compares an Authorization header with the token in constant time. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer +(\S+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  // Hashing first gives equal-length buffers, so neither content nor length leaks through timing.
  return timingSafeEqual(digest(m[1] as string), digest(token));
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Where the Prometheus credentials are: a bearer token file, or user name and password files. */
export type PrometheusAuth =
  { bearerTokenFile: string } | { usernameFile: string; passwordFile: string };

/**
 * prometheusAuthorization gives the Authorization header for Prometheus, re-reading the files
 * like the hook server's own token; undefined while a file is unreadable or empty (the query is
 * then sent without it and Prometheus refuses it: HTTPError, never a crash or a leak).
 */
export function prometheusAuthorization(
  auth: PrometheusAuth,
  reloadMs: number,
): () => Promise<string | undefined> {
  if ('bearerTokenFile' in auth) {
    const token = tokenFromFile(auth.bearerTokenFile, reloadMs);
    return async () => {
      const t = await token.current();
      return t && `Bearer ${t}`;
    };
  }
  const user = tokenFromFile(auth.usernameFile, reloadMs);
  const password = tokenFromFile(auth.passwordFile, reloadMs);
  return async () => {
    const [u, p] = await Promise.all([user.current(), password.current()]);
    return u && p ? `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` : undefined;
  };
}

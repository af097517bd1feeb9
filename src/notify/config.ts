import { hostname } from 'node:os';
import { hostList } from '../api/hosts.js';

/**
 * The notifier's settings, from its environment (docs/configuration.md, "The notifier"). A bad
 * value is an error naming the variable, as for the hook server.
 */
export interface NotifyConfig {
  /** Hosts notifications may be posted to. Empty: none (each target is reported refused). */
  allowedHosts: string[];
  /** Watch one namespace; unset: every namespace (a ClusterRole). */
  namespace?: string;
  timeoutMs: number;
  leaseSeconds: number;
  maxAgeSeconds: number;
  /** reportingInstance of the Events: the pod's name. */
  instance: string;
  logLevel: string;
}

/** The variables, their defaults and bounds, for docs and --help. */
export const NOTIFY_ENV = {
  NOTIFY_ALLOWED_HOSTS: {
    description:
      'Hosts notification targets may be posted to (host, host:port or *.domain), comma-separated. Unset: none — each target is reported NotificationRefused, never posted to.',
  },
  NOTIFY_NAMESPACE: { description: 'Watch only this namespace. Unset: every namespace.' },
  NOTIFY_TIMEOUT_MS: { default: 10000, min: 100, max: 60000, description: 'Deadline of one post.' },
  NOTIFY_LEASE_SECONDS: {
    default: 60,
    min: 10,
    max: 3600,
    description:
      'How long one replica owns the retries of one notification before another may take them over.',
  },
  NOTIFY_MAX_AGE_SECONDS: {
    default: 1800,
    min: 60,
    max: 3000,
    description:
      "Transitions older than this are not notified (kept below the API server's one-hour Event TTL, so an Event is never written twice).",
  },
  POD_NAME: { description: 'reportingInstance of the Events. Default: the host name.' },
  LOG_LEVEL: { description: 'pino log level (default info).' },
} as const;

/** NotifyConfigError names the variable and the value. */
class NotifyConfigError extends Error {
  override name = 'NotifyConfigError';
}

/** loadNotifyConfig parses the environment. */
export function loadNotifyConfig(env: Record<string, string | undefined>): NotifyConfig {
  const int = (name: 'NOTIFY_TIMEOUT_MS' | 'NOTIFY_LEASE_SECONDS' | 'NOTIFY_MAX_AGE_SECONDS') => {
    const spec = NOTIFY_ENV[name];
    const raw = env[name]?.trim();
    if (!raw) return spec.default;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < spec.min || n > spec.max)
      throw new NotifyConfigError(
        `${name} must be an integer ${spec.min}-${spec.max} (got ${JSON.stringify(raw)})`,
      );
    return n;
  };
  const namespace = env.NOTIFY_NAMESPACE?.trim();
  const lease = int('NOTIFY_LEASE_SECONDS');
  const timeout = int('NOTIFY_TIMEOUT_MS');
  // A lease must hold a few posts, or no replica ever gets one through before the next takes over.
  if (lease * 1000 < 3 * timeout)
    throw new NotifyConfigError(
      `NOTIFY_LEASE_SECONDS (${lease}) must be at least three times NOTIFY_TIMEOUT_MS (${timeout} ms)`,
    );
  return {
    allowedHosts: hostList(env.NOTIFY_ALLOWED_HOSTS),
    ...(namespace ? { namespace } : {}),
    timeoutMs: timeout,
    leaseSeconds: lease,
    maxAgeSeconds: int('NOTIFY_MAX_AGE_SECONDS'),
    instance: env.POD_NAME?.trim() || hostname(),
    logLevel: env.LOG_LEVEL?.trim() || 'info',
  };
}

import type { TransitionRecord } from '../api/analysis-status.js';
import type { Notification } from '../api/gatirolloutpolicy.js';
import { refusalOf } from '../api/hosts.js';
import { markerEvent, type KubeEvent, type Regarding, type Reporter } from './events.js';
import { payloadFor, type Payload } from './payloads.js';

/**
 * Delivering one transition to one notification target, at least once, by as few posts as the
 * Events API allows (the notifier may create and read Events, nothing else):
 *
 * - the replica that created the transition's Event owns the first lease: it posts, retrying
 *   with backoff until the lease ends, then records `NotificationSent` (an Event whose name
 *   derives from uid, number and target);
 * - any replica that finds no `NotificationSent` after a lease claims the next lease by
 *   creating a `NotificationRetry` Event named after that lease — only one create succeeds —
 *   and posts; so a replica that stopped mid-way is taken over, and two replicas never post in
 *   the same lease;
 * - a post that succeeded just before its replica stopped (before the record) is posted again:
 *   that is the "at least once", and the idempotency key lets the receiver drop it;
 * - past the age limit the notification is given up (`NotificationFailed`); a host not allowed
 *   is never posted to (`NotificationRefused`).
 */

/** Creates and reads Events (events.k8s.io/v1) of the notifier's namespaces. */
export interface EventStore {
  /** Creates it; 'exists' when an Event of that name is there already (AlreadyExists). */
  create(e: KubeEvent): Promise<'created' | 'exists'>;
  exists(namespace: string, name: string): Promise<boolean>;
}

/** Posts one payload; true on a 2xx answer. Never rejects. */
export type Post = (url: string, p: Payload, timeoutMs: number) => Promise<boolean>;

export interface DeliveryOptions {
  events: EventStore;
  post: Post;
  allowedHosts: readonly string[];
  leaseSeconds: number;
  maxAgeSeconds: number;
  timeoutMs: number;
  /** Pauses between attempts within a lease. */
  backoffMs: readonly number[];
  reporter: Reporter;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

/** Done, or look again at this time (ms since the epoch). */
export type Delivery = { settled: true } | { settled: false; retryAt: number };

/** deliver takes one (transition, target) as far as this replica may take it now. */
export async function deliver(
  o: Regarding,
  t: TransitionRecord,
  target: Notification,
  ownsFirstLease: boolean,
  d: DeliveryOptions,
): Promise<Delivery> {
  const now = d.now();
  const mark = (reason: Parameters<typeof markerEvent>[3], note: string, period?: number) =>
    markerEvent(o, t, target.name, reason, note, now, d.reporter, period);
  const sent = mark('NotificationSent', '');
  if (await d.events.exists(o.namespace, sent.metadata.name)) return { settled: true };
  const refused = refusalOf(target.url, d.allowedHosts);
  if (refused) {
    const why = `${target.name} not notified of ${t.transition} #${t.seq}: ${refused.detail} is not in NOTIFY_ALLOWED_HOSTS`;
    await d.events.create(mark('NotificationRefused', why));
    return { settled: true };
  }
  const leaseMs = d.leaseSeconds * 1000;
  const age = now.getTime() - Date.parse(t.at);
  if (age > d.maxAgeSeconds * 1000) {
    const why = `${target.name} not notified of ${t.transition} #${t.seq}: no post succeeded within ${d.maxAgeSeconds}s`;
    await d.events.create(mark('NotificationFailed', why));
    return { settled: true };
  }
  const period = Math.max(0, Math.floor(age / leaseMs));
  const periodEnd = Date.parse(t.at) + (period + 1) * leaseMs;
  if (!(ownsFirstLease && period === 0)) {
    if (period === 0) return { settled: false, retryAt: periodEnd };
    const claim = mark(
      'NotificationRetry',
      `${target.name}: retrying ${t.transition} #${t.seq}`,
      period,
    );
    if ((await d.events.create(claim)) === 'exists') return { settled: false, retryAt: periodEnd };
  }
  const host = new URL(target.url).host;
  const payload = payloadFor(target.type, o, t);
  // Stop early enough that the last post ends inside this lease: the next lease is another's.
  const stopAt = periodEnd - d.timeoutMs;
  for (const pause of [0, ...d.backoffMs]) {
    if (d.now().getTime() + pause > stopAt) break;
    if (pause > 0) await d.sleep(pause);
    if (await d.post(target.url, payload, d.timeoutMs)) {
      const note = `${target.name} (${target.type}, ${host}) notified of ${t.transition} #${t.seq}`;
      await d.events.create(
        markerEvent(o, t, target.name, 'NotificationSent', note, d.now(), d.reporter),
      );
      return { settled: true };
    }
  }
  return { settled: false, retryAt: periodEnd };
}

/** httpPost is the default Post: fetch with a deadline, no redirects, the answer body dropped. */
export const httpPost: Post = async (url, p, timeoutMs) => {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: p.headers,
      body: p.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
};

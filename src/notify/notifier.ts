import type { TransitionRecord } from '../api/analysis-status.js';
import type { GatiHandlerStatus } from '../api/gatihandler-status.js';
import { DEFAULT_NOTIFIED, withPolicy, type Notification } from '../api/gatirolloutpolicy.js';
import { GATI_HANDLER, GATI_VERSION } from '../api/kinds.js';
import { deliver, type Delivery, type DeliveryOptions } from './deliver.js';
import { transitionEvent, type Regarding } from './events.js';

/**
 * The notifier's core (docs/progressive-delivery.md, "Events and notifications"): it is told
 * every GatiHandler its informer sees and turns each numbered transition of its status into one
 * Event on the handler (and one on the GatiVersion carrying that version) and one delivery per
 * notification target. Nothing is remembered that the cluster does not hold: a restarted
 * replica reads the transitions from status and finds what was done from the Events' names.
 */

/** A GatiHandler as the informer hands it over. */
export interface HandlerObject {
  metadata?: { name?: string; namespace?: string; uid?: string };
  spec?: { rollout?: Record<string, unknown> };
  status?: Pick<GatiHandlerStatus, 'transitions' | 'versions'>;
}

export interface NotifierOptions extends DeliveryOptions {
  /** The spec of GatiRolloutPolicy namespace/name, from the policy informer's cache. */
  policy(namespace: string, name: string): Record<string, unknown> | undefined;
  /** The uid of GatiVersion namespace/name, from the version informer's cache. */
  versionUid(namespace: string, name: string): string | undefined;
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void };
  /** Schedules a look again (default setTimeout); tests run it by hand. */
  later?: (ms: number, fn: () => void) => void;
}

export interface Notifier {
  /** handle: a handler was added or changed (or relisted). */
  handle(h: HandlerObject): void;
  /** forget: a handler was deleted. */
  forget(h: HandlerObject): void;
  /** idle resolves once nothing is in flight (tests). */
  idle(): Promise<void>;
  stop(): void;
}

/** notificationsOf: the handler's own targets, else its policy's; filtered by transition. */
export function notificationsOf(
  h: HandlerObject,
  policy: Record<string, unknown> | undefined,
  t: Pick<TransitionRecord, 'transition'>,
): Notification[] {
  const merged = withPolicy(h.spec?.rollout, policy ?? {});
  const all = (merged.notifications ?? []) as Notification[];
  return all
    .map((n) => ({ ...n, type: n.type ?? 'webhook' }))
    .filter((n) => (n.on ?? DEFAULT_NOTIFIED).includes(t.transition));
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const done = new Map<string, number>();
  const running = new Map<string, Promise<void>>();
  const latest = new Map<string, HandlerObject>();
  let stopped = false;
  const later = opts.later ?? ((ms, fn) => setTimeout(fn, ms).unref());

  const handle = (h: HandlerObject) => {
    const m = h.metadata;
    if (stopped || !m?.uid || !m.name || !m.namespace) return;
    latest.set(m.uid, h);
    const now = opts.now().getTime();
    for (const t of h.status?.transitions ?? []) {
      const key = `${m.uid}/${t.seq}`;
      if (done.has(key) || running.has(key)) continue;
      if (now - Date.parse(t.at) > opts.maxAgeSeconds * 1000) continue;
      const work = process(h, t, key).finally(() => running.delete(key));
      running.set(key, work);
    }
    prune(now);
  };

  const process = async (h: HandlerObject, t: TransitionRecord, key: string) => {
    const m = h.metadata as Required<NonNullable<HandlerObject['metadata']>>;
    const o: Regarding = {
      apiVersion: GATI_HANDLER.apiVersion,
      kind: GATI_HANDLER.kind,
      namespace: m.namespace,
      name: m.name,
      uid: m.uid,
    };
    try {
      const mine = (await opts.events.create(transitionEvent(o, t, opts.reporter))) === 'created';
      if (mine)
        opts.log.info(
          { handler: `${m.namespace}/${m.name}`, seq: t.seq },
          `${t.transition} recorded`,
        );
      await versionEvent(h, o, t);
      const policyRef = (h.spec?.rollout?.policyRef as { name?: string } | undefined)?.name;
      const policy = policyRef ? opts.policy(m.namespace, policyRef) : undefined;
      const results: Delivery[] = await Promise.all(
        notificationsOf(h, policy, t).map((n) => deliver(o, t, n, mine, opts)),
      );
      const waits = results.flatMap((r) => (r.settled ? [] : [r.retryAt]));
      if (waits.length === 0) done.set(key, Date.parse(t.at));
      else again(m.uid, Math.min(...waits));
    } catch (err) {
      // The API server failed us (not a post): look again soon, from the start.
      const code = (err as { code?: unknown })?.code;
      opts.log.warn(
        {
          handler: `${m.namespace}/${m.name}`,
          seq: t.seq,
          code: typeof code === 'number' ? code : undefined,
        },
        `${t.transition} #${t.seq}: the API server did not take an Event; trying again`,
      );
      again(m.uid, opts.now().getTime() + 5000);
    }
  };

  /** versionEvent: the same transition on the GatiVersion carrying the version, if one does. */
  const versionEvent = async (h: HandlerObject, o: Regarding, t: TransitionRecord) => {
    const gv = h.status?.versions?.find((v) => v.versionId === t.versionId)?.gatiVersion;
    const uid = gv ? opts.versionUid(o.namespace, gv) : undefined;
    if (!gv || !uid) return;
    const regarding = {
      ...o,
      apiVersion: GATI_VERSION.apiVersion,
      kind: GATI_VERSION.kind,
      name: gv,
      uid,
    };
    await opts.events.create(transitionEvent(regarding, t, opts.reporter));
  };

  const again = (uid: string, at: number) =>
    later(Math.max(0, at - opts.now().getTime()), () => {
      const h = latest.get(uid);
      if (h) handle(h);
    });

  const prune = (now: number) => {
    for (const [k, at] of done) if (now - at > opts.maxAgeSeconds * 1000) done.delete(k);
  };

  return {
    handle,
    forget(h) {
      if (h.metadata?.uid) latest.delete(h.metadata.uid);
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running.values()]);
    },
    stop() {
      stopped = true;
    },
  };
}

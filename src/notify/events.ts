import { createHash } from 'node:crypto';
import type { TransitionRecord } from '../api/analysis-status.js';
import type { TransitionName } from '../api/rollout.js';

/**
 * The Kubernetes Events `gati-operator notify` writes (events.k8s.io/v1), built purely from an
 * object and one numbered transition of its status. Every name is derived from (object uid,
 * transition number[, target, purpose]), so two notifier replicas, a restart or an informer
 * replay write each one once: the second create is an AlreadyExists.
 */

/** The object an Event is about. */
export interface Regarding {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
}

/** Who writes the Events (reportingController) and which replica (reportingInstance). */
export interface Reporter {
  controller: string;
  instance: string;
}

export const REPORTING_CONTROLLER = 'gati.dev/notify';

/** The transitions that are warnings: a person may need to act. */
const WARNINGS: ReadonlySet<TransitionName> = new Set(['RolloutAborted', 'RolloutPaused']);

/** What a notification marker Event records: a post done, refused, retried after a crash, or given up. */
export type MarkerReason =
  'NotificationSent' | 'NotificationRefused' | 'NotificationRetry' | 'NotificationFailed';

export interface KubeEvent {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  metadata: { name: string; namespace: string; labels: Record<string, string> };
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  action: string;
  reason: string;
  note: string;
  type: 'Normal' | 'Warning';
  regarding: Regarding;
}

/**
 * eventName: `<object name>.<16 hex of the parts>` — the object's name first, as kubectl shows
 * Events, then a hash of (uid, transition number, ...), within the 253 characters of a name.
 */
export function eventName(
  o: Pick<Regarding, 'name' | 'uid'>,
  ...parts: Array<string | number>
): string {
  const hash = createHash('sha256')
    .update([o.uid, ...parts].join('/'))
    .digest('hex')
    .slice(0, 16);
  return `${o.name.slice(0, 253 - 17)}.${hash}`;
}

/** microTime: an RFC 3339 time at microsecond precision, as events.k8s.io/v1 eventTime wants. */
export function microTime(rfc3339: string): string {
  return new Date(Date.parse(rfc3339)).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

const LABEL = { 'app.kubernetes.io/managed-by': 'gati-operator' };

/** transitionEvent is the one Event of one transition on one object (the handler, or its GatiVersion). */
export function transitionEvent(o: Regarding, t: TransitionRecord, by: Reporter): KubeEvent {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: eventName(o, t.seq), namespace: o.namespace, labels: LABEL },
    eventTime: microTime(t.at),
    reportingController: by.controller,
    reportingInstance: by.instance.slice(0, 128),
    action:
      t.transition === 'DrainStarted' || t.transition === 'Decommissioned' ? 'Drain' : 'Rollout',
    reason: t.transition,
    note: noteOf(`${t.versionId}: ${t.reason}${t.message ? `: ${t.message}` : ''}`),
    type: WARNINGS.has(t.transition) ? 'Warning' : 'Normal',
    regarding: o,
  };
}

/**
 * markerEvent records what happened to one transition's notification to one target, named
 * after (uid, number, target, reason[, period]): the record a replica reads to know a post was
 * done, and the claim a replica makes to retry one after another stopped mid-way.
 */
export function markerEvent(
  o: Regarding,
  t: TransitionRecord,
  target: string,
  reason: MarkerReason,
  note: string,
  at: Date,
  by: Reporter,
  period?: number,
): KubeEvent {
  const parts = period === undefined ? [t.seq, target, reason] : [t.seq, target, reason, period];
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name: eventName(o, ...parts), namespace: o.namespace, labels: LABEL },
    eventTime: at.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z'),
    reportingController: by.controller,
    reportingInstance: by.instance.slice(0, 128),
    action: 'Notify',
    reason,
    note: noteOf(note),
    type: reason === 'NotificationSent' || reason === 'NotificationRetry' ? 'Normal' : 'Warning',
    regarding: o,
  };
}

/** A note holds at most 1 kB. */
function noteOf(s: string): string {
  return Buffer.byteLength(s) <= 1024 ? s : `${Buffer.from(s).subarray(0, 1020).toString()}…`;
}

import type { TransitionRecord } from '../api/analysis-status.js';
import type { NotificationType } from '../api/gatirolloutpolicy.js';
import type { Regarding } from './events.js';

/**
 * What a notification target is sent for one transition, per target type: a generic JSON body,
 * a Slack-compatible incoming-webhook message, or a CloudEvent 1.0 in structured mode. Every
 * one carries the idempotency key (the object's uid and the transition's number), so a
 * receiver can drop the repeats an at-least-once delivery may make.
 */

export interface Payload {
  headers: Record<string, string>;
  body: string;
}

/** idempotencyKey is the same for every post of one transition, whichever replica posts it. */
function idempotencyKey(o: Pick<Regarding, 'uid'>, t: Pick<TransitionRecord, 'seq'>): string {
  return `${o.uid}.${t.seq}`;
}

/** payloadFor builds the request one target type gets. */
export function payloadFor(type: NotificationType, o: Regarding, t: TransitionRecord): Payload {
  const key = idempotencyKey(o, t);
  const what = `${o.kind} ${o.namespace}/${o.name}`;
  const data = {
    transition: t.transition,
    seq: t.seq,
    version: t.versionId,
    reason: t.reason,
    ...(t.message ? { message: t.message } : {}),
    at: t.at,
    object: {
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.namespace,
      name: o.name,
      uid: o.uid,
    },
  };
  switch (type) {
    case 'webhook':
      return {
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ idempotencyKey: key, ...data }),
      };
    case 'slack': {
      const text = `${icon(t)} *${t.transition}* ${what} ${t.versionId}: ${t.reason}${t.message ? ` — ${t.message}` : ''}`;
      return {
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ text }),
      };
    }
    case 'cloudevents':
      return {
        headers: { 'content-type': 'application/cloudevents+json', 'idempotency-key': key },
        body: JSON.stringify({
          specversion: '1.0',
          id: key,
          source: `/apis/${o.apiVersion}/namespaces/${o.namespace}/${plural(o.kind)}/${o.name}`,
          type: `dev.gati.rollout.${t.transition}`,
          subject: t.versionId,
          time: t.at,
          datacontenttype: 'application/json',
          data,
        }),
      };
  }
}

function icon(t: TransitionRecord): string {
  if (t.transition === 'RolloutAborted') return ':rotating_light:';
  if (t.transition === 'RolloutPaused') return ':double_vertical_bar:';
  if (t.transition === 'RolloutSucceeded') return ':white_check_mark:';
  return ':information_source:';
}

function plural(kind: string): string {
  return `${kind.toLowerCase()}s`;
}

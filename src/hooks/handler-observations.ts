import { GatiHandlerStatus } from '../api/gatihandler-status.js';
import type { KubeObject, SyncRequest } from '../api/metacontroller.js';
import type { Observation } from '../api/signals.js';
import { readStatus } from '../api/validate.js';
import { HTTP_ROUTE } from '../api/kinds.js';
import { annotationsOf, isObject, observedNamed } from '../kube/observed.js';
import { routeName } from '../resources/names.js';
import { observationsNeeded, versionKey, type Needed } from '../timescape/observations.js';
import { handlerSpec, policyName } from './policy.js';

/**
 * handlerObservations is what the server must observe before a handler sync: the core's list of
 * due checks and webhook calls. A spec without analysis, webhooks, a policy, a drain query or
 * retirement asks for nothing (and is not validated twice); a request the hook would refuse or hold
 * (an invalid spec or status, a missing policy) asks for nothing either.
 */
export function handlerObservations(request: unknown, now: Date): Needed[] {
  const r = request as Partial<SyncRequest> | null;
  const parent = r?.parent;
  const spec = parent?.spec;
  if (!isObject(spec) || !isObject(parent?.metadata)) return [];
  const rollout = isObject(spec.rollout) ? spec.rollout : {};
  const wantsSignals =
    (isObject(spec.drain) && spec.drain.metricQuery !== undefined) ||
    rollout.analysis !== undefined ||
    rollout.webhooks !== undefined ||
    policyName(spec) !== undefined ||
    spec.retirement !== undefined;
  const name = parent.metadata.name;
  if (!wantsSignals || typeof name !== 'string') return [];
  const valid = handlerSpec(spec, r?.related);
  const status = readStatus<GatiHandlerStatus>(GatiHandlerStatus, parent.status);
  if (!valid.ok || !status.ok) return [];
  const namespace = parent.metadata.namespace;
  return observationsNeeded({
    namespace: typeof namespace === 'string' ? namespace : '',
    name,
    spec: valid.value,
    status: status.value,
    annotations: annotationsOf(parent as KubeObject),
    route: observedNamed(r?.children, HTTP_ROUTE, routeName(name)),
    now,
  });
}

/** forHandler: this handler's observations, by their local key (versionId, or metrics.ts keys). */
export function forHandler(
  all: Record<string, Observation> | undefined,
  namespace: string,
  name: string,
): Record<string, Observation> {
  const prefix = versionKey(namespace, name, '');
  const out: Record<string, Observation> = {};
  for (const [k, v] of Object.entries(all ?? {}))
    if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

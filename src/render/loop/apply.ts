import type { KubeObject } from '../../api/metacontroller.js';
import type { Controller } from '../../hooks/controllers.js';
import { controllerName } from '../../install/controllers.js';
import { controllerUid, DECORATOR_ANNOTATION, ownedChildren } from './request.js';
import { kindOf, type LoopEnv } from './types.js';

// How Metacontroller applies an answer: contract §2.3 (CompositeController), §2.4
// (finalizers) and §2.5 (DecoratorController).

/** The annotation where Metacontroller keeps the desired object it last applied. */
export const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration';
/** The selector label Metacontroller adds to children under `generateSelector: true`. */
export const CONTROLLER_UID_LABEL = 'controller-uid';

/** Metadata a hook cannot set on a child: the API server's, reverted or ignored. */
export const SYSTEM_META = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
];

type Meta = KubeObject['metadata'];
type StringMap = Record<string, string>;

function copy<T>(x: T): T {
  return structuredClone(x);
}

/**
 * childBody is a desired child as Metacontroller writes it: status and system metadata
 * dropped, the parent's namespace, the selector label (composite) or the decorator's stamp,
 * the last-applied annotation and a controller ownerReference to the parent.
 */
function childBody(c: Controller, parent: KubeObject, desired: KubeObject): KubeObject {
  const { status: _status, ...body } = copy(desired);
  const meta: Meta = { ...body.metadata };
  for (const k of SYSTEM_META) delete meta[k];
  const namespace = desired.metadata.namespace ?? parent.metadata.namespace;
  if (namespace !== undefined) meta.namespace = namespace;
  const uid = parent.metadata.uid as string;
  const composite = kindOf(c) === 'CompositeController';
  if (composite)
    meta.labels = { ...((meta.labels as StringMap) ?? {}), [CONTROLLER_UID_LABEL]: uid };
  meta.annotations = {
    ...((meta.annotations as StringMap) ?? {}),
    [LAST_APPLIED]: JSON.stringify(desired),
    ...(composite ? {} : { [DECORATOR_ANNOTATION]: controllerName(c.name) }),
  };
  meta.ownerReferences = [
    {
      apiVersion: parent.apiVersion,
      kind: parent.kind,
      name: parent.metadata.name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  return { ...body, metadata: meta };
}

function childId(o: KubeObject, namespace: string | undefined): string {
  return `${o.kind}.${o.apiVersion} ${o.metadata.namespace ?? namespace ?? ''}/${o.metadata.name}`;
}

/**
 * manageChildren makes the parent's children the desired set: every observed child not in
 * it is deleted (unless already terminating), missing ones are created, the others updated
 * in place (InPlace, the strategy our controllers declare) keeping their status. A name
 * taken by an object the parent does not control is left alone (Metacontroller swallows
 * AlreadyExists). Duplicates: the last one wins, as in Metacontroller's map.
 */
export function manageChildren(
  env: LoopEnv,
  c: Controller,
  parent: KubeObject,
  desiredList: KubeObject[],
): void {
  const { store } = env;
  const ns = parent.metadata.namespace;
  const desired = new Map(desiredList.map((d) => [childId(d, ns), d]));
  for (const o of ownedChildren(c, parent, store))
    if (!desired.has(childId(o, ns)) && !o.metadata.deletionTimestamp) store.delete(o);
  for (const d of desired.values()) {
    const body = childBody(c, parent, d);
    const existing = store.get(d.kind as string, body.metadata.namespace, d.metadata.name);
    if (!existing) store.create(body);
    else if (controllerUid(existing) !== parent.metadata.uid) env.onCollision?.(parent, d);
    else if (!existing.metadata.deletionTimestamp) {
      const next: KubeObject = {
        ...body,
        metadata: {
          ...copy(existing.metadata),
          labels: body.metadata.labels,
          annotations: body.metadata.annotations,
        },
      };
      if (existing.status !== undefined) next.status = copy(existing.status);
      store.update(existing, next);
    }
  }
}

/** current re-reads an object from the store. */
export function current(env: LoopEnv, o: KubeObject): KubeObject | undefined {
  return env.store.get(o.kind as string, o.metadata.namespace, o.metadata.name);
}

/** releaseFinalizer removes one finalizer (the store removes an object left terminating without any). */
export function releaseFinalizer(env: LoopEnv, o: KubeObject, finalizer: string): void {
  const finalizers = (o.metadata.finalizers as string[] | undefined) ?? [];
  if (!finalizers.includes(finalizer)) return;
  const next = copy(o);
  const left = finalizers.filter((f) => f !== finalizer);
  if (left.length > 0) next.metadata.finalizers = left;
  else delete next.metadata.finalizers;
  env.store.update(o, next);
}

/** addFinalizer adds one finalizer unless it is there. */
export function addFinalizer(env: LoopEnv, o: KubeObject, finalizer: string): void {
  const finalizers = (o.metadata.finalizers as string[] | undefined) ?? [];
  if (finalizers.includes(finalizer)) return;
  const next = copy(o);
  next.metadata.finalizers = [...finalizers, finalizer];
  env.store.update(o, next);
}

/**
 * writeCompositeStatus replaces the parent's status whole with the answer's (an absent one
 * wipes it) and injects `observedGeneration`, as Metacontroller does for CompositeControllers.
 */
export function writeCompositeStatus(
  env: LoopEnv,
  parent: KubeObject,
  status: Record<string, unknown> | undefined,
): void {
  const cur = current(env, parent);
  if (!cur) return;
  env.store.update(cur, {
    ...copy(cur),
    status: { ...(status ?? {}), observedGeneration: cur.metadata.generation },
  });
}

/** mergeStrings applies a decorator's label/annotation answer: a string sets, null deletes. */
export function mergeStrings(
  have: StringMap | undefined,
  answer: Record<string, string | null> | undefined,
): StringMap | undefined {
  const out: StringMap = { ...(have ?? {}) };
  for (const [k, v] of Object.entries(answer ?? {})) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** What a decorator's answer asks of its parent. */
export interface DecoratorParentAnswer {
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
  status?: Record<string, unknown> | null;
}

/**
 * writeDecoratorParent applies a decorator's answer to its parent as Metacontroller does:
 * the status (when not null) replaces the old one whole, with no observedGeneration added,
 * through the status subresource; then one update merges labels and annotations and
 * removes `release`, the finalizer, when the answer said finalized.
 */
export function writeDecoratorParent(
  env: LoopEnv,
  parent: KubeObject,
  answer: DecoratorParentAnswer,
  release?: string,
): void {
  const cur = current(env, parent);
  if (!cur) return;
  if (answer.status !== undefined && answer.status !== null)
    env.store.update(cur, { ...copy(cur), status: answer.status });
  const now = current(env, parent)!;
  const next = copy(now);
  const labels = mergeStrings(now.metadata.labels as StringMap | undefined, answer.labels);
  const annotations = mergeStrings(
    now.metadata.annotations as StringMap | undefined,
    answer.annotations,
  );
  for (const [k, v] of [
    ['labels', labels],
    ['annotations', annotations],
  ] as const) {
    if (v === undefined) delete next.metadata[k];
    else next.metadata[k] = v;
  }
  const finalizers = ((now.metadata.finalizers as string[] | undefined) ?? []).filter(
    (f) => f !== release,
  );
  if (finalizers.length > 0) next.metadata.finalizers = finalizers;
  else delete next.metadata.finalizers;
  env.store.update(now, next);
}

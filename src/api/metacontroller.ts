import { Type, type Static } from '@sinclair/typebox';

/** Any Kubernetes object as Metacontroller sends it (only the shape we rely on is checked). */
export const KubeObject = Type.Object(
  {
    apiVersion: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    metadata: Type.Object(
      { name: Type.String({ minLength: 1 }), namespace: Type.Optional(Type.String()) },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true },
);
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** Observed objects grouped by `<Kind>.<apiVersion>`, keyed by `name` (v1) or `namespace/name` (v2). */
export const ObjectGroups = Type.Record(Type.String(), Type.Record(Type.String(), KubeObject));
export type ObjectGroups = Record<string, Record<string, KubeObject>>;

/** Request body of a CompositeController sync or finalize hook (v1 and v2). */
export const SyncRequest = Type.Object(
  {
    controller: Type.Optional(Type.Object({}, { additionalProperties: true })),
    parent: KubeObject,
    children: Type.Optional(ObjectGroups),
    related: Type.Optional(ObjectGroups),
    finalizing: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);
export interface SyncRequest {
  controller?: Record<string, unknown>;
  parent: KubeObject;
  children?: ObjectGroups;
  related?: ObjectGroups;
  finalizing?: boolean;
}

/**
 * A desired child as a hook emits it: a Kubernetes object with apiVersion, kind and a name.
 * Builders return the upstream model types (src/kube/types.ts), which all fit this shape.
 */
export interface ChildObject {
  /** Required, as are kind and metadata.name: callHook refuses a child without them. */
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

/** Response of a sync or finalize hook: exactly these keys (v2 decoding is strict). */
export interface SyncResponse {
  status: Record<string, unknown>;
  children: ChildObject[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
}

/** Request body of a customize hook. */
export const CustomizeRequest = Type.Object(
  {
    controller: Type.Optional(Type.Object({}, { additionalProperties: true })),
    parent: KubeObject,
  },
  { additionalProperties: true },
);
export type CustomizeRequest = Static<typeof CustomizeRequest>;

/** One related-resource rule of a customize response. */
export interface RelatedResourceRule {
  apiVersion: string;
  resource: string;
  namespace?: string;
  names?: string[];
  labelSelector?: { matchLabels?: Record<string, string> };
}

/** Response of a customize hook. */
export interface CustomizeResponse {
  relatedResources: RelatedResourceRule[];
}

/**
 * Request body of a DecoratorController sync or finalize hook (v2): the decorated object is
 * `object`, its attachments (children) are `attachments`.
 */
export const DecoratorRequest = Type.Object(
  {
    controller: Type.Optional(Type.Object({}, { additionalProperties: true })),
    object: KubeObject,
    attachments: Type.Optional(ObjectGroups),
    related: Type.Optional(ObjectGroups),
    finalizing: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: true },
);
export interface DecoratorRequest {
  controller?: Record<string, unknown>;
  object: KubeObject;
  attachments?: ObjectGroups;
  related?: ObjectGroups;
  finalizing?: boolean;
}

/**
 * Response of a DecoratorController sync or finalize hook: labels and annotations are merged
 * into the object's (a value sets a key; keys left out stay as they are), status replaces its
 * status whole (Metacontroller injects no observedGeneration for decorators), attachments are
 * its children.
 */
export interface DecoratorResponse {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  status: Record<string, unknown>;
  attachments: ChildObject[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
}

// The object model of the scenario harness: what its API server stores, what it records,
// and the JSON helpers every part of it shares.
import type { ControllerName, HookName, Observations } from '../../../src/hooks/types.js';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [k: string]: unknown;
}

/** An object as the simulated API server stores it (spec/status loosely typed for assertions). */
export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: Record<string, any>;
  status?: Record<string, any>;
  [k: string]: unknown;
}

/** One hook call as the harness made it. */
export interface HookCall {
  seq: number;
  at: string;
  controller: ControllerName;
  hook: HookName;
  /** `namespace/name` of the parent. */
  parent: string;
  request: unknown;
  /** The response as Metacontroller decoded it (after a JSON round trip). */
  response?: unknown;
  /** JSON.stringify of what the hook returned. */
  responseJson?: string;
  error?: string;
  observations?: Observations;
}

/** One write to the simulated API server. */
export interface WriteRecord {
  seq: number;
  at: string;
  round: number;
  /** `user`, `kubelet`, `gateway`, `gc`, or `<controller>:<ns>/<name>` of the syncing parent. */
  by: string;
  op: 'create' | 'update' | 'delete';
  kind: string;
  namespace: string;
  name: string;
  /** Changed field paths of an update (resourceVersion excluded). */
  paths: string[];
}

export interface TraceStep<T = undefined> {
  at: string;
  /** Every write during the step, as `op Kind ns/name paths by actor`. */
  writes: string[];
  snapshot?: T;
}

/** reconcile() did not settle within maxRounds. */
export class HotLoopError extends Error {
  override name = 'HotLoopError';
  constructor(
    message: string,
    readonly lastRound: WriteRecord[],
  ) {
    super(message);
  }
}

/** deleteAll() left objects behind. */
export class StuckError extends Error {
  override name = 'StuckError';
  constructor(
    message: string,
    readonly stuck: Obj[],
  ) {
    super(message);
  }
}

/** iso formats a time as Kubernetes does (RFC 3339, seconds). */
export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** isPlain: a JSON object (not an array, not null). */
export function isPlain(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** canon is JSON with sorted keys: equal values give equal strings. */
export function canon(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    isPlain(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  );
}

/** clone is a JSON deep copy (what crossing the wire does to a value). */
export function clone<T>(x: T): T {
  return x === undefined ? x : (JSON.parse(JSON.stringify(x)) as T);
}

/** diffPaths lists the paths where two JSON values differ (at most 12). */
export function diffPaths(a: unknown, b: unknown, path = '', out: string[] = []): string[] {
  if (out.length >= 12 || canon(a) === canon(b)) return out;
  if (isPlain(a) && isPlain(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (path === 'metadata' && k === 'resourceVersion') continue;
      diffPaths(a[k], b[k], path ? `${path}.${k}` : k, out);
    }
  } else if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    a.forEach((x, i) => diffPaths(x, b[i], `${path}[${i}]`, out));
  } else out.push(path || '(root)');
  return out;
}

/** nsOf is an object's namespace, `default` when unset (kubectl's). */
export function nsOf(o: { metadata: { namespace?: string } }): string {
  return o.metadata.namespace ?? 'default';
}

/** objKey is the store key of an object. */
export function objKey(kind: string, ns: string, name: string): string {
  return `${kind}/${ns}/${name}`;
}

/** controllerRef is an object's controller ownerReference. */
export function controllerRef(o: Obj): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** typeOf is an object's group key, `<Kind>.<apiVersion>`. */
export function typeOf(o: { apiVersion?: string; kind?: string }): string {
  return `${o.kind}.${o.apiVersion}`;
}

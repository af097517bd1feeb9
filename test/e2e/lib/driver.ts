/**
 * The cluster driver: what a story needs from the cluster it runs in. Stories talk to the API
 * server only (apply/get/patch/delete and bounded waits) and ask the driver for the few things
 * that differ between clusters: images that become Available or never do, the Gateway to attach
 * routes to, and knobs that break something on purpose. A knob a cluster cannot offer is
 * `{ unsupported: why }`, and a story that needs it is skipped with that reason.
 *
 * Two drivers: kind (test/e2e/lib/kind.ts: a real kubelet, no Gateway controller, the hook
 * server in-cluster) and loop (test/loop/lib/driver.ts: a loopback control plane with the real
 * Metacontroller, stand-ins for the kubelet and the Gateway, the hook server as a child process).
 */
import type { Api, Obj } from './api.js';
import type { TrafficPlane } from './traffic.js';

/** A knob: an action on the cluster, or why this cluster cannot do it. */
export type Knob<A extends unknown[] = []> =
  ((...args: A) => Promise<void>) | { unsupported: string };

interface Knobs {
  /**
   * The Gateway answers Accepted=False (true) for this HTTPRoute, or accepts it again (false).
   * A real gateway may do it for every route of the route's namespace.
   */
  gatewayRejects: Knob<[namespace: string, route: string, reject: boolean]>;
  /**
   * The Gateway controller stops (true): it applies and reports nothing new, as a slow or stuck
   * one would, and every route keeps the status it had; false: it goes on where it was.
   */
  gatewayFreezes: Knob<[on: boolean]>;
  /** Stops the hook server (every hook call fails to connect) and waits until it is down. */
  stopHookServer: Knob;
  /** Starts it again and waits until it is ready. */
  startHookServer: Knob;
  /** Every hook call is answered 500 (true), or answered normally again (false). */
  failHooks: Knob<[on: boolean]>;
  /**
   * The hook server's Prometheus answers queries for metrics named `hostile_*` with a 100 MB
   * answer of many series (true), or normally again (false).
   */
  hostilePrometheus: Knob<[on: boolean]>;
}

/** Hook calls counted so far: `<controller>/<hook>` totals, and per parent when the driver sees them. */
export interface HookCalls {
  total: Record<string, number>;
  /** `<controller>/<hook> <namespace>/<name>` → calls. */
  perParent?: Record<string, number>;
  /** Calls answered with a non-2xx status. */
  failed: number;
}

export interface ClusterDriver {
  /** 'kind' or 'loop', for log lines and skip reasons. */
  readonly name: string;
  readonly api: Api;
  /** Multiplies every bounded wait, for slow machines. */
  readonly waitScale: number;
  /** resyncPeriodSeconds the installed controllers use. */
  readonly resyncPeriodSeconds: number;
  /** The finalizer Metacontroller puts on GatiVersions (derived from the installed controller). */
  readonly gatiVersionFinalizer: string;
  /** parentRefs for story routes: a Gateway this cluster reports status for, or none (a route without parents counts as accepted). */
  readonly parentRefs: Obj[];
  /** An image whose pods become Available. */
  image(tag: string): string;
  /** An image whose pods never become Available. */
  unavailableImage(tag: string): string;
  readonly knobs: Knobs;
  /** A real Gateway API data plane and Prometheus for requests and queries, or why there is none. */
  readonly traffic: TrafficPlane | { unsupported: string };
  /** Hook calls so far, or undefined when this cluster cannot count them. */
  hookCalls(): Promise<HookCalls | undefined>;
  /** The hook server's process id and readiness, when this cluster can see its process. */
  hookServer?(): Promise<{ pid?: number; ready: boolean }>;
  /** A dump of the given namespaces' Gati objects and children, plus controller logs, for a failure message. */
  diagnose(what: string, namespaces: string[]): Promise<string>;
}

/** What a story may need from its cluster: a knob, or the real data plane. */
export type Need = keyof Knobs | 'traffic';

/** Why a knob (or the data plane) is unavailable, or undefined when it can be used. */
export function unsupported(
  knob: Knob<any[]> | TrafficPlane | { unsupported: string },
): string | undefined {
  return 'unsupported' in knob ? knob.unsupported : undefined;
}

/** Calls a knob the story checked beforehand; throws if it is unsupported after all. */
export function use<A extends unknown[]>(knob: Knob<A>, ...args: A): Promise<void> {
  if (typeof knob !== 'function') throw new Error(`knob unsupported: ${knob.unsupported}`);
  return knob(...args);
}

/**
 * Scenario harness: Metacontroller's loop over the pure hooks of our three controllers, with a
 * fake clock, kubelet and gateway, so whole Timescape stories can be tested in-process. One
 * sync of one parent is the loop the static renderer runs too (src/render/loop; composite and
 * decorator alike). Around it, in lib/: the API server (store.ts), when parents are synced
 * (triggers.ts), the kubelet and gateway (kubelet.ts), and the call checks (contract.ts) —
 * stricter than Metacontroller on purpose: a null in a response (but a decorator's label
 * deletion), undeclared kinds, duplicate or foreign-namespace children, ownerReferences,
 * invalid names or labels, a hook that mutates its request or answers differently to the same
 * request all throw ContractViolation. See docs/testing.md.
 */
import type { KubeObject } from '../../src/api/metacontroller.js';
import { CONTROLLERS, type Controller, type ControllerTable } from '../../src/hooks/controllers.js';
import type { ControllerName, Observations } from '../../src/hooks/types.js';
import { metacontrollerObject, RulesCache } from '../../src/render/loop/request.js';
import { syncParent } from '../../src/render/loop/sync.js';
import type { LoopEnv } from '../../src/render/loop/types.js';
import { CheckedCalls, HookCallFailed, HookError, type PartialRegistry } from './lib/contract.js';
import { Gateway, Kubelet, routePins, routeWeights } from './lib/kubelet.js';
import {
  clone,
  HotLoopError,
  iso,
  nsOf,
  StuckError,
  type HookCall,
  type Obj,
  type TraceStep,
  type WriteRecord,
} from './lib/objects.js';
import { Store } from './lib/store.js';
import { DEFAULT_START, type ClusterOptions } from './lib/options.js';
import { parentKey, Triggers } from './lib/triggers.js';

export { ContractViolation, HookError, type PartialRegistry } from './lib/contract.js';
export { type ClusterOptions } from './lib/options.js';
export { CONTROLLER_UID_LABEL, LAST_APPLIED } from '../../src/render/loop/apply.js';
export { HotLoopError, StuckError } from './lib/objects.js';
export type { HookCall, Obj, TraceStep, WriteRecord } from './lib/objects.js';

const ORDER: ControllerName[] = ['gatihandler', 'gatimodule', 'gativersion'];

/** finalizerName is the finalizer Metacontroller adds for one of our controllers (table: which kind it is). */
export function finalizerName(c: ControllerName, table: ControllerTable = CONTROLLERS): string {
  const kind = String(table[c].kind) === 'DecoratorController' ? 'decorator' : 'composite';
  return `metacontroller.io/${kind}controller-${c}-controller`;
}

/** Cluster is a fake API server + Metacontroller + kubelet + gateway driven by a fake clock. */
export class Cluster {
  readonly hooks: PartialRegistry;
  /** Mutable knobs, read at every step. */
  deploymentReadyAfterSeconds: number;
  neverReady: ((deployment: Obj) => boolean) | undefined;
  observations: ClusterOptions['observations'];
  routeAccepts: boolean;
  readonly maxRounds: number;
  readonly resyncPeriodSeconds: number;
  readonly rethrowHookErrors: boolean;
  readonly triggers: 'watch' | 'all';
  /** Things Metacontroller does silently that a test may want to see (e.g. name collisions). */
  readonly warnings: string[] = [];

  private readonly table: ControllerTable;
  private readonly startMs: number;
  private nowMs: number;
  private readonly store: Store;
  private readonly calls: CheckedCalls;
  private readonly queue: Triggers;
  private readonly kubelet: Kubelet;
  private readonly gateway: Gateway;
  private readonly env: LoopEnv;
  /** The controller whose parent is being synced. */
  private syncing: ControllerName | undefined;

  constructor(opts: ClusterOptions = {}) {
    this.hooks = opts.hooks ?? {};
    this.startMs = (opts.start ?? DEFAULT_START).getTime();
    this.nowMs = this.startMs;
    this.deploymentReadyAfterSeconds = opts.deploymentReadyAfterSeconds ?? 0;
    this.neverReady = opts.neverReady;
    this.observations = opts.observations;
    this.routeAccepts = opts.routeAccepts ?? true;
    this.maxRounds = opts.maxRounds ?? 50;
    this.resyncPeriodSeconds = opts.resyncPeriodSeconds ?? 60;
    this.rethrowHookErrors = opts.rethrowHookErrors ?? true;
    this.triggers = opts.triggers ?? 'watch';
    const base = opts.controllers ?? CONTROLLERS;
    this.table = { ...base };
    for (const c of Object.keys(this.hooks) as ControllerName[])
      this.table[c] = { ...base[c], hooks: this.hooks[c]! } as Controller;
    const now = () => this.nowMs;
    this.store = new Store({
      now,
      uidPrefix: opts.uidPrefix ?? 'uid',
      onWrite: (n, o) => this.queue.touch(n, o),
      onRemove: (o) => {
        this.kubelet.forget(o.metadata.uid!);
        this.queue.forget(o);
      },
    });
    this.calls = new CheckedCalls({
      table: this.table,
      hooks: this.hooks,
      direct: opts.direct ?? false,
      checkCanonical: opts.checkCanonical ?? true,
      checkDeterminism: opts.checkDeterminism ?? true,
    });
    const controllerObject = opts.controllerObject ?? metacontrollerObject;
    this.env = {
      table: this.table,
      store: this.store,
      now: () => new Date(this.nowMs),
      observations: () => this.currentObservations(),
      call: this.calls.call,
      rules: new RulesCache(),
      controllerObject,
      onCollision: (p, d) =>
        this.warnings.push(
          `t+${this.elapsedSeconds}s ${this.syncing} ${nsOf(p)}/${p.metadata.name}: ${d.kind} ${nsOf(p)}/${d.metadata.name} exists and is not ours (create AlreadyExists swallowed)`,
        ),
    };
    this.queue = new Triggers({
      store: this.store,
      table: this.table,
      active: ORDER.filter((c) => this.hooks[c]),
      env: this.env,
      controllerObject,
      now,
      resyncPeriodSeconds: this.resyncPeriodSeconds,
      startMs: this.startMs,
    });
    this.kubelet = new Kubelet(this.store, this, now);
    this.gateway = new Gateway(this.store, this, now);
  }

  /** The fake clock. */
  get now(): Date {
    return new Date(this.nowMs);
  }

  /** Seconds since start. */
  get elapsedSeconds(): number {
    return (this.nowMs - this.startMs) / 1000;
  }

  /** Every hook call, in order. */
  get responses(): HookCall[] {
    return this.calls.responses;
  }

  /** Hook calls that failed (also in responses). */
  get errors(): HookCall[] {
    return this.calls.errors;
  }

  /** Every write to the API server, in order. */
  get writes(): WriteRecord[] {
    return this.store.writes;
  }

  /* ------------------------------------------------------------ user API */

  /** apply creates or updates an object (spec, labels, annotations; status is ignored). */
  apply(input: KubeObject | Obj): Obj {
    if (
      typeof input.apiVersion !== 'string' ||
      typeof input.kind !== 'string' ||
      !input.metadata?.name
    ) {
      throw new Error(`apply needs apiVersion, kind and metadata.name: ${JSON.stringify(input)}`);
    }
    this.store.actor = 'user';
    this.store.apply(input);
    return this.mustGet(input.kind, nsOf(input), input.metadata.name);
  }

  /** delete sets deletionTimestamp when finalizers remain, else removes the object and GCs its dependents. */
  delete(kind: string, ns: string, name: string): void {
    const o = this.store.get(kind, ns, name);
    if (!o) throw new Error(`delete: ${kind} ${ns}/${name} not found`);
    this.store.actor = 'user';
    this.store.delete(o);
  }

  /** deleteAll deletes every Gati object at once, reconciles (and advances up to withinSeconds), and throws StuckError unless nothing is left. */
  deleteAll(opts: { withinSeconds?: number; stepSeconds?: number } = {}): void {
    const parentKinds = new Set(ORDER.map((c) => this.table[c].parent.kind));
    for (const o of this.store.all((x) => parentKinds.has(x.kind))) {
      const live = this.store.get(o.kind, nsOf(o), o.metadata.name);
      if (live && !live.metadata.deletionTimestamp) {
        this.store.actor = 'user';
        this.store.delete(live);
      }
    }
    this.reconcile();
    const left = (): Obj[] =>
      this.store.all((x) => parentKinds.has(x.kind) || Boolean(x.metadata.ownerReferences?.length));
    const until = this.nowMs + (opts.withinSeconds ?? 0) * 1000;
    while (left().length > 0 && this.nowMs < until)
      this.advance(Math.min(opts.stepSeconds ?? 1, (until - this.nowMs) / 1000));
    const stuck = left();
    if (stuck.length > 0) {
      const lines = stuck.map(
        (o) =>
          `${o.kind} ${nsOf(o)}/${o.metadata.name} finalizers=${JSON.stringify(o.metadata.finalizers ?? [])} deleting=${o.metadata.deletionTimestamp ?? 'no'} status=${JSON.stringify(o.status ?? {})}`,
      );
      throw new StuckError(
        `deleteAll left ${stuck.length} object(s) at t+${this.elapsedSeconds}s:\n  ${lines.join('\n  ')}`,
        stuck,
      );
    }
  }

  /** patchStatus replaces an object's status as an outside writer would (HPA, a test double). */
  patchStatus(kind: string, ns: string, name: string, status: Record<string, unknown>): void {
    const o = this.store.mustGet(kind, ns, name);
    this.store.actor = 'user';
    this.store.update(o, { ...clone(o), status: clone(status) });
  }

  /** removeFinalizer removes one finalizer by hand (the documented recovery for a stuck finalize). */
  removeFinalizer(kind: string, ns: string, name: string, finalizer: string): void {
    this.store.actor = 'user';
    this.store.dropFinalizer(this.store.mustGet(kind, ns, name), finalizer);
  }

  /** get returns a copy of an object, or undefined. */
  get(kind: string, ns: string, name: string): Obj | undefined {
    return clone(this.store.get(kind, ns, name));
  }

  /** mustGet returns a copy of an object or throws. */
  mustGet(kind: string, ns: string, name: string): Obj {
    return clone(this.store.mustGet(kind, ns, name));
  }

  /** list returns copies of every object of a kind (optionally in one namespace), sorted. */
  list(kind: string, ns?: string): Obj[] {
    return clone(this.store.all((o) => o.kind === kind && (ns === undefined || nsOf(o) === ns)));
  }

  /** children returns copies of the objects a parent controls, sorted by kind then name. */
  children(parentKind: string, ns: string, name: string): Obj[] {
    return clone(this.store.owned(this.store.mustGet(parentKind, ns, name).metadata.uid!));
  }

  /** route is the HTTPRoute a GatiHandler controls, if any. */
  route(ns: string, handler: string): Obj | undefined {
    return this.children('GatiHandler', ns, handler).find((o) => o.kind === 'HTTPRoute');
  }

  /**
   * weights reads the weighted rule (the rule none of whose matches has a header match) of a
   * handler's route: versionId (the backend Service's `gati.dev/version` label, else its name)
   * or Service name → weight (Gateway API default 1 when unset).
   */
  weights(
    ns: string,
    handler: string,
    by: 'version' | 'service' = 'version',
  ): Record<string, number> {
    return routeWeights(this.store, ns, this.route(ns, handler), by);
  }

  /** pins reads the header-matched rules of a handler's route: header value → backend Service name (or versionId). */
  pins(ns: string, handler: string, by: 'service' | 'version' = 'service'): Record<string, string> {
    return routePins(this.store, ns, this.route(ns, handler), by);
  }

  /** lastCall is the latest sync/finalize call for a parent (`controller`, `ns`, `name`). */
  lastCall(controller: ControllerName, ns: string, name: string): HookCall | undefined {
    return [...this.responses]
      .reverse()
      .find(
        (c) =>
          c.controller === controller && c.parent === `${ns}/${name}` && c.hook !== 'customize',
      );
  }

  /**
   * assertDeterministic re-sends the last request of every parent (and its last customize) and
   * throws ContractViolation unless the hook answers byte-identically.
   */
  assertDeterministic(): void {
    this.calls.assertDeterministic();
  }

  /* ------------------------------------------------------------ the loop */

  /** reconcile runs controllers until quiescent; throws HotLoopError after maxRounds. */
  reconcile(): void {
    this.queue.fireDue();
    for (let i = 0; i < this.maxRounds; i++) {
      this.store.round++;
      const before = this.writes.length;
      this.kubelet.run();
      this.gateway.run();
      const targets =
        this.triggers === 'all' ? this.queue.allParentKeys() : [...this.queue.dirty].sort();
      this.queue.dirty.clear();
      if (this.triggers === 'watch' && targets.length === 0) return;
      for (const k of targets) this.syncKey(k);
      if (this.triggers === 'all' && this.writes.length === before) return;
    }
    const lastRound = this.writes.filter((w) => w.round === this.store.round);
    const lines = lastRound.map((w) => this.describe(w));
    throw new HotLoopError(
      `reconcile did not settle after ${this.maxRounds} rounds at t+${this.elapsedSeconds}s (hot loop); writes in the last round:\n  ${lines.join('\n  ') || '(none; parents still enqueued: ' + [...this.queue.dirty].join(', ') + ')'}`,
      lastRound,
    );
  }

  /** advance moves the clock, firing resyncs, periodic resyncs and kubelet transitions in time order. */
  advance(seconds: number): void {
    if (!(seconds >= 0)) throw new Error(`advance: seconds must be ≥ 0, got ${seconds}`);
    this.reconcile();
    const target = this.nowMs + Math.round(seconds * 1000);
    for (;;) {
      const t = this.nextEventMs();
      if (t === undefined || t > target) break;
      this.nowMs = t;
      this.reconcile();
    }
    this.nowMs = target;
    this.reconcile();
  }

  /** runFor advances in steps and returns what was written in each (plus an optional snapshot). */
  runFor<T = undefined>(
    seconds: number,
    stepSeconds: number,
    snapshot?: (sim: Cluster) => T,
  ): Array<TraceStep<T>> {
    if (!(stepSeconds > 0)) throw new Error(`runFor: stepSeconds must be > 0, got ${stepSeconds}`);
    const out: Array<TraceStep<T>> = [];
    const endMs = this.nowMs + Math.round(seconds * 1000);
    while (this.nowMs < endMs) {
      const from = this.writes.length;
      this.advance(Math.min(stepSeconds, (endMs - this.nowMs) / 1000));
      const step: TraceStep<T> = {
        at: iso(this.nowMs),
        writes: this.writes.slice(from).map((w) => this.describe(w)),
      };
      if (snapshot) step.snapshot = snapshot(this);
      out.push(step);
    }
    return out;
  }

  /** describe renders a write as one line. */
  describe(w: WriteRecord): string {
    return `${w.op} ${w.kind} ${w.namespace}/${w.name}${w.paths.length ? ' ' + w.paths.join(',') : ''} by ${w.by}`;
  }

  /* ------------------------------------------------------------ internals */

  private nextEventMs(): number | undefined {
    const times = [this.queue.nextMs(), this.kubelet.nextMs()].filter(
      (t): t is number => t !== undefined,
    );
    return times.length > 0 ? Math.max(Math.min(...times), this.nowMs) : undefined;
  }

  private currentObservations(): Observations | undefined {
    const o = this.observations;
    return clone(typeof o === 'function' ? o(this) : o);
  }

  private syncKey(key: string): void {
    const [c, ref] = key.split(' ') as [ControllerName, string];
    const [ns, name] = ref.split('/') as [string, string];
    const p = this.store.get(this.table[c].parent.kind, ns, name);
    if (!p) return;
    this.store.actor = `${c}:${ns}/${name}`;
    this.syncing = c;
    let outcome;
    try {
      outcome = syncParent(this.env, this.table[c], p);
    } catch (e) {
      if (!(e instanceof HookCallFailed)) throw e;
      this.queue.failed(key);
      if (this.rethrowHookErrors) throw new HookError(c, e.hook, ref, e.cause);
      return;
    }
    this.queue.succeeded(key);
    const after = outcome.resyncAfterSeconds;
    if (after !== undefined && after > 0 && this.store.get(p.kind, ns, name))
      this.queue.schedule(parentKey(c, p), after * 1000);
  }
}

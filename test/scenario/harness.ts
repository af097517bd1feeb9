/**
 * Scenario harness: replays Metacontroller's CompositeController loop (contract §2) over the
 * pure hooks of our three controllers, with a fake clock, a fake kubelet (Deployment status)
 * and a fake gateway (HTTPRoute status), so whole Timescape stories can be tested in-process.
 *
 * What is simulated faithfully:
 * - requests (§2.2): a key for every declared child type, v2 `namespace/name` keys, `related`
 *   from the customize rules (cached per uid+generation, like Metacontroller), `finalizing`;
 * - responses (§2.3): strict v2 decoding, children as the full desired set (create, InPlace
 *   update, delete the rest), status replaced whole then `observedGeneration` injected,
 *   one-shot `resyncAfterSeconds`, `finalized` only from finalize;
 * - finalizers (§2.4), garbage collection through ownerReferences, generateSelector labels;
 * - triggers (§2.10): parent, owned-child and related-object changes, periodic resync,
 *   `resyncAfterSeconds`, error retries with backoff.
 *
 * Stricter than Metacontroller on purpose (each is a product bug that would otherwise be
 * silent or slow to show): null anywhere in a response, undeclared child kinds or related
 * resources, duplicate children, children in another namespace, ownerReferences in desired
 * children, invalid names/labels, a hook that mutates its request or answers differently to the
 * same request — all throw ContractViolation.
 */
import { groupKey, type ResourceType } from '../../src/api/kinds.js';
import { CONTROLLERS } from '../../src/hooks/controllers.js';
import { toJson } from '../../src/kube/canonical.js';
import { callHook } from '../../src/hooks/call.js';
import { withHooks, type ControllerTable } from '../../src/hooks/controllers.js';
import type {
  ControllerHooks,
  ControllerName,
  HookName,
  Observations,
} from '../../src/hooks/types.js';
import type { KubeObject, ObjectGroups, SyncRequest } from '../../src/api/metacontroller.js';

/* ------------------------------------------------------------------ types */

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

/** Hooks per controller; a controller absent here is not run (its parents just sit there). */
export type PartialRegistry = Partial<Record<ControllerName, ControllerHooks>>;

export interface ClusterOptions {
  /** The hooks to run. Defaults to none: pass `HOOKS` for the product, fakes for harness tests. */
  hooks?: PartialRegistry;
  /** Start of the fake clock (default 2026-01-01T00:00:00Z). */
  start?: Date;
  /** Prefix of generated uids (default `uid`). */
  uidPrefix?: string;
  /** Seconds after a Deployment's spec last changed until it is Available (default 0: next round). */
  deploymentReadyAfterSeconds?: number;
  /** Deployments for which this returns true never become Available. */
  neverReady?: (deployment: Obj) => boolean;
  /** Observations handed to every hook call; a function is evaluated at each call. */
  observations?: Observations | ((sim: Cluster) => Observations | undefined);
  /** Whether the simulated gateway marks HTTPRoutes Accepted (default true). */
  routeAccepts?: boolean;
  /** Rounds after which reconcile() declares a hot loop (default 50). */
  maxRounds?: number;
  /** CompositeController resyncPeriodSeconds (default 60, as installed; 0 disables). */
  resyncPeriodSeconds?: number;
  /** Re-throw a hook's own error (default true). When false it is recorded and retried with backoff. */
  rethrowHookErrors?: boolean;
  /** Call every hook twice and fail unless both answers are byte-identical (default true). */
  checkDeterminism?: boolean;
  /**
   * Fail unless every answer is canonical JSON as it stands (default true): the server sends
   * JSON.stringify of it without re-sorting. Only the harness's own tests, with hand-written
   * fake hooks, turn it off.
   */
  checkCanonical?: boolean;
  /**
   * Call the hooks directly instead of through callHook() — the server's path, with its
   * envelope and output checks and canonical answers. Only the harness's own tests, whose fake
   * hooks break the contract on purpose, set it.
   */
  direct?: boolean;
  /**
   * `watch` (default): sync only parents a trigger of §2.10 enqueued — catches hooks that forget
   * `resyncAfterSeconds`. `all`: sync every parent every round until a round changes nothing.
   */
  triggers?: 'watch' | 'all';
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

/** A hook answered something Metacontroller would reject, or broke a rule of the design. Always thrown. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** A hook threw (Metacontroller: non-2xx, nothing applied, retried with backoff). */
export class HookError extends Error {
  override name = 'HookError';
  constructor(
    readonly controller: ControllerName,
    readonly hook: HookName,
    readonly parent: string,
    override readonly cause: unknown,
  ) {
    super(
      `${controller}.${hook} failed for ${parent}: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
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

/* ---------------------------------------------------------------- helpers */

export const DEFAULT_START = new Date('2026-01-01T00:00:00Z');
export const LAST_APPLIED = 'metacontroller.k8s.io/last-applied-configuration';
export const CONTROLLER_UID_LABEL = 'controller-uid';
export const GATEWAY_CONTROLLER = 'gateway.gati.dev/simulated';
/** Label of a version's Service that weights()/pins() read to name a backend by versionId. */
export const VERSION_LABEL = 'gati.dev/version';
const ORDER: ControllerName[] = ['gatihandler', 'gatimodule', 'gativersion'];
const RESPONSE_KEYS = new Set(['status', 'children', 'resyncAfterSeconds', 'finalized']);
const RULE_KEYS = new Set([
  'apiVersion',
  'resource',
  'namespace',
  'names',
  'labelSelector',
  'namespaceSelector',
]);
const SYSTEM_META = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** finalizerName is the finalizer Metacontroller adds for a controller with a finalize hook. */
export function finalizerName(c: ControllerName): string {
  return `metacontroller.io/compositecontroller-${c}-controller`;
}

/** iso formats a time as Kubernetes does (RFC 3339, seconds). */
export function iso(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
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

function isPlain(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function clone<T>(x: T): T {
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

/** findNull returns the path of the first null (or non-finite number) in a JSON value. */
function findNull(v: unknown, path: string): string | undefined {
  if (v === null) return path || '(root)';
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const p = findNull(v[i], `${path}[${i}]`);
      if (p) return p;
    }
  } else if (isPlain(v)) {
    for (const [k, x] of Object.entries(v)) {
      const p = findNull(x, path ? `${path}.${k}` : k);
      if (p) return p;
    }
  }
  return undefined;
}

function nsOf(o: { metadata: { namespace?: string } }): string {
  return o.metadata.namespace ?? 'default';
}

function objKey(kind: string, ns: string, name: string): string {
  return `${kind}/${ns}/${name}`;
}

function controllerRef(o: Obj): OwnerReference | undefined {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

function typeOf(o: { apiVersion?: string; kind?: string }): string {
  return `${o.kind}.${o.apiVersion}`;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** condition keeps the previous lastTransitionTime unless the status changed. */
function condition(
  prev: unknown,
  c: Omit<Condition, 'lastTransitionTime'>,
  now: string,
): Condition {
  const old = Array.isArray(prev)
    ? (prev as Condition[]).find((p) => isPlain(p) && p.type === c.type)
    : undefined;
  return {
    ...c,
    lastTransitionTime:
      old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now,
  };
}

/* ---------------------------------------------------------------- cluster */

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
  readonly checkDeterminism: boolean;
  readonly checkCanonical: boolean;
  readonly direct: boolean;
  private readonly table: ControllerTable;
  readonly triggers: 'watch' | 'all';

  /** Every hook call, in order. */
  readonly responses: HookCall[] = [];
  /** Every write to the API server, in order. */
  readonly writes: WriteRecord[] = [];
  /** Hook calls that failed (also in responses). */
  readonly errors: HookCall[] = [];
  /** Things Metacontroller does silently that a test may want to see (e.g. name collisions). */
  readonly warnings: string[] = [];

  private readonly startMs: number;
  private nowMs: number;
  private readonly uidPrefix: string;
  private readonly store = new Map<string, Obj>();
  private readonly byUid = new Map<string, string>();
  private uidSeq = 0;
  private rvSeq = 0;
  private callSeq = 0;
  private round = 0;
  private actor = 'user';
  private readonly dirty = new Set<string>();
  private readonly resyncAt = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private readonly kubeletSeen = new Map<string, { generation: number; since: number }>();
  private readonly customizeCache = new Map<string, unknown[]>();
  private nextPeriodicMs: number;

  constructor(opts: ClusterOptions = {}) {
    this.hooks = opts.hooks ?? {};
    this.startMs = (opts.start ?? DEFAULT_START).getTime();
    this.nowMs = this.startMs;
    this.uidPrefix = opts.uidPrefix ?? 'uid';
    this.deploymentReadyAfterSeconds = opts.deploymentReadyAfterSeconds ?? 0;
    this.neverReady = opts.neverReady;
    this.observations = opts.observations;
    this.routeAccepts = opts.routeAccepts ?? true;
    this.maxRounds = opts.maxRounds ?? 50;
    this.resyncPeriodSeconds = opts.resyncPeriodSeconds ?? 60;
    this.rethrowHookErrors = opts.rethrowHookErrors ?? true;
    this.checkDeterminism = opts.checkDeterminism ?? true;
    this.checkCanonical = opts.checkCanonical ?? true;
    this.direct = opts.direct ?? false;
    this.table = withHooks(this.hooks);
    this.triggers = opts.triggers ?? 'watch';
    this.nextPeriodicMs =
      this.resyncPeriodSeconds > 0 ? this.startMs + this.resyncPeriodSeconds * 1000 : Infinity;
  }

  /** The fake clock. */
  get now(): Date {
    return new Date(this.nowMs);
  }

  /** Seconds since start. */
  get elapsedSeconds(): number {
    return (this.nowMs - this.startMs) / 1000;
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
    const ns = input.metadata.namespace ?? 'default';
    const existing = this.store.get(objKey(input.kind, ns, input.metadata.name));
    this.actor = 'user';
    const body = clone(input) as Obj;
    delete body.status;
    if (!existing) {
      const meta: ObjectMeta = { ...body.metadata };
      for (const k of SYSTEM_META) delete meta[k];
      this.put(
        {
          ...body,
          metadata: {
            ...meta,
            namespace: ns,
            uid: this.newUid(),
            generation: 1,
            creationTimestamp: iso(this.nowMs),
          },
        },
        undefined,
      );
    } else {
      const next: Obj = {
        apiVersion: existing.apiVersion,
        kind: existing.kind,
        metadata: clone(existing.metadata),
      };
      for (const [k, v] of Object.entries(body))
        if (k !== 'apiVersion' && k !== 'kind' && k !== 'metadata') next[k] = v;
      if (existing.status !== undefined) next.status = clone(existing.status);
      if (body.metadata.labels) next.metadata.labels = body.metadata.labels;
      if (body.metadata.annotations) next.metadata.annotations = body.metadata.annotations;
      this.update(existing, next);
    }
    return this.mustGet(input.kind, ns, input.metadata.name);
  }

  /** delete sets deletionTimestamp when finalizers remain, else removes the object and GCs its dependents. */
  delete(kind: string, ns: string, name: string): void {
    const o = this.store.get(objKey(kind, ns, name));
    if (!o) throw new Error(`delete: ${kind} ${ns}/${name} not found`);
    this.actor = 'user';
    this.deleteObject(o);
  }

  /** deleteAll deletes every Gati object at once, reconciles (and advances up to withinSeconds), and throws StuckError unless nothing is left. */
  deleteAll(opts: { withinSeconds?: number; stepSeconds?: number } = {}): void {
    const parentKinds = new Set(ORDER.map((c) => CONTROLLERS[c].parent.kind));
    for (const o of this.sorted([...this.store.values()].filter((x) => parentKinds.has(x.kind)))) {
      const live = this.store.get(objKey(o.kind, nsOf(o), o.metadata.name));
      if (live && !live.metadata.deletionTimestamp) {
        this.actor = 'user';
        this.deleteObject(live);
      }
    }
    this.reconcile();
    const left = (): Obj[] =>
      this.sorted(
        [...this.store.values()].filter(
          (x) => parentKinds.has(x.kind) || x.metadata.ownerReferences?.length,
        ),
      );
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
    const o = this.mustRaw(kind, ns, name);
    this.actor = 'user';
    this.update(o, { ...clone(o), status: clone(status) });
  }

  /** removeFinalizer removes one finalizer by hand (the documented recovery for a stuck finalize). */
  removeFinalizer(kind: string, ns: string, name: string, finalizer: string): void {
    this.actor = 'user';
    this.dropFinalizer(this.mustRaw(kind, ns, name), finalizer);
  }

  /** get returns a copy of an object, or undefined. */
  get(kind: string, ns: string, name: string): Obj | undefined {
    return clone(this.store.get(objKey(kind, ns, name)));
  }

  /** mustGet returns a copy of an object or throws. */
  mustGet(kind: string, ns: string, name: string): Obj {
    return clone(this.mustRaw(kind, ns, name));
  }

  /** list returns copies of every object of a kind (optionally in one namespace), sorted. */
  list(kind: string, ns?: string): Obj[] {
    return clone(
      this.sorted(
        [...this.store.values()].filter(
          (o) => o.kind === kind && (ns === undefined || nsOf(o) === ns),
        ),
      ),
    );
  }

  /** children returns copies of the objects a parent controls, sorted by kind then name. */
  children(parentKind: string, ns: string, name: string): Obj[] {
    const p = this.mustRaw(parentKind, ns, name);
    return clone(this.ownedBy(p.metadata.uid!));
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
    const out: Record<string, number> = {};
    const rule = this.rules(ns, handler).find(
      (r) => !(r.matches ?? []).some((m) => (m.headers ?? []).length > 0),
    );
    for (const b of rule?.backendRefs ?? []) {
      const k = by === 'version' ? this.versionOfService(ns, b.name) : b.name;
      out[k] = (out[k] ?? 0) + (b.weight ?? 1);
    }
    return out;
  }

  /** pins reads the header-matched rules of a handler's route: header value → backend Service name (or versionId). */
  pins(ns: string, handler: string, by: 'service' | 'version' = 'service'): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of this.rules(ns, handler)) {
      const backend = r.backendRefs?.[0]?.name;
      if (backend === undefined) continue;
      for (const m of r.matches ?? []) {
        for (const h of m.headers ?? [])
          out[h.value] = by === 'version' ? this.versionOfService(ns, backend) : backend;
      }
    }
    return out;
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
    const last = new Map<string, HookCall>();
    for (const c of this.responses)
      if (c.responseJson !== undefined) last.set(`${c.controller} ${c.hook} ${c.parent}`, c);
    for (const c of last.values()) {
      const again = JSON.stringify(
        this.invoke(c.controller, c.hook, clone(c.request), new Date(c.at), clone(c.observations)),
      );
      if (again !== c.responseJson) {
        const where = diffPaths(
          JSON.parse(c.responseJson!),
          again === undefined ? undefined : JSON.parse(again),
        ).join(', ');
        throw new ContractViolation(
          `${c.controller}.${c.hook} for ${c.parent} is not deterministic: replaying call #${c.seq} differs at ${where}`,
        );
      }
    }
  }

  /* ------------------------------------------------------------ the loop */

  /** reconcile runs controllers until quiescent; throws HotLoopError after maxRounds. */
  reconcile(): void {
    this.fireDue();
    for (let i = 0; i < this.maxRounds; i++) {
      this.round++;
      const before = this.writes.length;
      this.kubelet();
      this.gateway();
      const targets = this.triggers === 'all' ? this.allParentKeys() : [...this.dirty].sort();
      this.dirty.clear();
      if (this.triggers === 'watch' && targets.length === 0) return;
      for (const k of targets) this.syncKey(k);
      if (this.triggers === 'all' && this.writes.length === before) return;
    }
    const lastRound = this.writes.filter((w) => w.round === this.round);
    const lines = lastRound.map((w) => this.describe(w));
    throw new HotLoopError(
      `reconcile did not settle after ${this.maxRounds} rounds at t+${this.elapsedSeconds}s (hot loop); writes in the last round:\n  ${lines.join('\n  ') || '(none; parents still enqueued: ' + [...this.dirty].join(', ') + ')'}`,
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

  /* ------------------------------------------------------------ internals: store */

  private newUid(): string {
    return `${this.uidPrefix}-${String(++this.uidSeq).padStart(4, '0')}`;
  }

  private mustRaw(kind: string, ns: string, name: string): Obj {
    const o = this.store.get(objKey(kind, ns, name));
    if (!o) throw new Error(`${kind} ${ns}/${name} not found`);
    return o;
  }

  private sorted(objs: Obj[]): Obj[] {
    return objs.sort((a, b) =>
      objKey(a.kind, nsOf(a), a.metadata.name).localeCompare(
        objKey(b.kind, nsOf(b), b.metadata.name),
      ),
    );
  }

  private ownedBy(uid: string): Obj[] {
    return this.sorted([...this.store.values()].filter((o) => controllerRef(o)?.uid === uid));
  }

  private update(old: Obj, next: Obj): boolean {
    if (canon(old.spec) !== canon(next.spec))
      next.metadata.generation = (old.metadata.generation ?? 1) + 1;
    next.metadata.resourceVersion = old.metadata.resourceVersion;
    if (canon(old) === canon(next)) return false;
    this.put(next, old);
    return true;
  }

  private put(obj: Obj, old: Obj | undefined): void {
    obj.metadata.resourceVersion = String(++this.rvSeq);
    const key = objKey(obj.kind, nsOf(obj), obj.metadata.name);
    this.store.set(key, obj);
    this.byUid.set(obj.metadata.uid!, key);
    this.record(old ? 'update' : 'create', obj, old ? diffPaths(old, obj) : []);
    this.touch(obj, old);
  }

  private remove(o: Obj): void {
    this.store.delete(objKey(o.kind, nsOf(o), o.metadata.name));
    this.byUid.delete(o.metadata.uid!);
    this.kubeletSeen.delete(o.metadata.uid!);
    this.resyncAt.forEach((_t, k) => {
      if (
        k.endsWith(` ${nsOf(o)}/${o.metadata.name}`) &&
        CONTROLLERS[k.split(' ')[0] as ControllerName]?.parent.kind === o.kind
      )
        this.resyncAt.delete(k);
    });
    this.record('delete', o, []);
    this.touch(undefined, o);
    // Background garbage collection of dependents.
    const prev = this.actor;
    this.actor = 'gc';
    for (const d of this.sorted(
      [...this.store.values()].filter((x) =>
        x.metadata.ownerReferences?.some((r) => r.uid === o.metadata.uid),
      ),
    )) {
      this.deleteObject(d);
    }
    this.actor = prev;
  }

  private deleteObject(o: Obj): void {
    if (o.metadata.finalizers?.length) {
      if (!o.metadata.deletionTimestamp) {
        const next = clone(o);
        next.metadata.deletionTimestamp = iso(this.nowMs);
        next.metadata.deletionGracePeriodSeconds = 0;
        this.put(next, o);
      }
    } else this.remove(o);
  }

  private dropFinalizer(o: Obj, f: string): void {
    let cur = o;
    if (o.metadata.finalizers?.includes(f)) {
      cur = clone(o);
      cur.metadata.finalizers = o.metadata.finalizers.filter((x) => x !== f);
      if (cur.metadata.finalizers.length === 0) delete cur.metadata.finalizers;
      this.put(cur, o);
    }
    if (cur.metadata.deletionTimestamp && !cur.metadata.finalizers?.length) this.remove(cur);
  }

  private record(op: WriteRecord['op'], o: Obj, paths: string[]): void {
    this.writes.push({
      seq: this.writes.length + 1,
      at: iso(this.nowMs),
      round: this.round,
      by: this.actor,
      op,
      kind: o.kind,
      namespace: nsOf(o),
      name: o.metadata.name,
      paths,
    });
  }

  /* ------------------------------------------------------------ internals: triggers */

  private parentController(kind: string): ControllerName | undefined {
    return ORDER.find((c) => CONTROLLERS[c].parent.kind === kind && this.hooks[c]);
  }

  private parentKey(c: ControllerName, o: Obj): string {
    return `${c} ${nsOf(o)}/${o.metadata.name}`;
  }

  private allParentKeys(): string[] {
    const keys: string[] = [];
    for (const o of this.store.values()) {
      const c = this.parentController(o.kind);
      if (c) keys.push(this.parentKey(c, o));
    }
    return keys.sort();
  }

  /** touch enqueues every parent a change concerns: the object itself, its controller, parents relating to it (§2.10). */
  private touch(now: Obj | undefined, old: Obj | undefined): void {
    const c = now && this.parentController(now.kind);
    if (c && now) this.dirty.add(this.parentKey(c, now));
    for (const o of [now, old]) {
      const ref = o && controllerRef(o);
      const ownerKey = ref && this.byUid.get(ref.uid);
      const owner = ownerKey && this.store.get(ownerKey);
      const oc = owner && this.parentController(owner.kind);
      if (owner && oc) this.dirty.add(this.parentKey(oc, owner));
    }
    for (const pc of ORDER) {
      if (!this.hooks[pc]?.customize) continue;
      for (const p of this.store.values()) {
        if (p.kind !== CONTROLLERS[pc].parent.kind) continue;
        let rules: RelatedRule[];
        try {
          rules = this.customizeRules(pc, p);
        } catch {
          this.dirty.add(this.parentKey(pc, p)); // its sync will fail and report properly
          continue;
        }
        if (
          [now, old].some(
            (o) =>
              o &&
              rules.some(
                (r) =>
                  r.type.kind === o.kind && r.type.apiVersion === o.apiVersion && matchRule(r, o),
              ),
          )
        ) {
          this.dirty.add(this.parentKey(pc, p));
        }
      }
    }
  }

  private nextEventMs(): number | undefined {
    let t = this.nextPeriodicMs;
    for (const at of this.resyncAt.values()) t = Math.min(t, at);
    const k = this.kubeletNextMs();
    if (k !== undefined) t = Math.min(t, k);
    return Number.isFinite(t) ? Math.max(t, this.nowMs) : undefined;
  }

  private fireDue(): void {
    if (this.nowMs >= this.nextPeriodicMs) {
      for (const k of this.allParentKeys()) this.dirty.add(k);
      while (this.nextPeriodicMs <= this.nowMs)
        this.nextPeriodicMs += this.resyncPeriodSeconds * 1000;
    }
    for (const [k, at] of [...this.resyncAt]) {
      if (at <= this.nowMs) {
        this.resyncAt.delete(k);
        this.dirty.add(k);
      }
    }
  }

  /** schedule is workqueue.AddAfter: an earlier pending time wins. */
  private schedule(key: string, afterMs: number): void {
    const at = this.nowMs + Math.max(1, Math.ceil(afterMs));
    const cur = this.resyncAt.get(key);
    if (cur === undefined || at < cur) this.resyncAt.set(key, at);
  }

  /* ------------------------------------------------------------ internals: sync */

  private currentObservations(): Observations | undefined {
    const o = this.observations;
    return clone(typeof o === 'function' ? o(this) : o);
  }

  /** invoke calls one hook (twice when checking determinism) and returns its raw answer. */
  private invoke(
    c: ControllerName,
    hook: HookName,
    request: unknown,
    now: Date,
    observations: Observations | undefined,
  ): unknown {
    const h = this.hooks[c];
    const fn = hook === 'customize' ? h?.customize : hook === 'finalize' ? h?.finalize : h?.sync;
    if (!fn) throw new Error(`no ${c}.${hook} hook`);
    const ctx = observations === undefined ? { now } : { now, observations };
    if (!this.direct) return callHook(c, hook, request, ctx, this.table);
    if (hook === 'customize')
      return (fn as NonNullable<ControllerHooks['customize']>)(request as SyncRequest);
    return (fn as NonNullable<ControllerHooks['sync']>)(request as SyncRequest, ctx);
  }

  /** call makes one logged hook call and returns the response as decoded from the wire. */
  private call(
    c: ControllerName,
    hook: HookName,
    parent: Obj,
    request: object,
  ): { ok: true; body: unknown } | { ok: false; error: unknown } {
    const observations = hook === 'customize' ? undefined : this.currentObservations();
    const entry: HookCall = {
      seq: ++this.callSeq,
      at: iso(this.nowMs),
      controller: c,
      hook,
      parent: `${nsOf(parent)}/${parent.metadata.name}`,
      request: clone(request),
    };
    if (observations !== undefined) entry.observations = observations;
    this.responses.push(entry);
    const sent = JSON.stringify(request);
    const arg = JSON.parse(sent) as object;
    let raw: unknown;
    try {
      raw = this.invoke(c, hook, arg, new Date(this.nowMs), clone(observations));
    } catch (error) {
      entry.error = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.errors.push(entry);
      return { ok: false, error };
    }
    const where = `${c}.${hook} for ${entry.parent} (call #${entry.seq})`;
    if (JSON.stringify(arg) !== sent)
      throw new ContractViolation(
        `${where} mutated its request at ${diffPaths(JSON.parse(sent), arg).join(', ')}`,
      );
    const json = JSON.stringify(raw);
    if (json === undefined)
      throw new ContractViolation(`${where} returned no JSON body (${String(raw)})`);
    // The server sends JSON.stringify of the answer as it is: it must already be canonical.
    if (this.checkCanonical && json !== toJson(raw))
      throw new ContractViolation(
        `${where} answered non-canonical JSON (keys out of order, or a null or undefined)`,
      );
    entry.responseJson = json;
    entry.response = JSON.parse(json);
    if (this.checkDeterminism) {
      const again = JSON.stringify(
        this.invoke(c, hook, JSON.parse(sent), new Date(this.nowMs), clone(observations)),
      );
      if (again !== json) {
        throw new ContractViolation(
          `${where} is not deterministic: a second identical call differs at ${diffPaths(entry.response, again === undefined ? undefined : JSON.parse(again)).join(', ')}`,
        );
      }
    }
    const nul = findNull(entry.response, '');
    if (nul)
      throw new ContractViolation(`${where} answered null (or a non-finite number) at ${nul}`);
    return { ok: true, body: entry.response };
  }

  private hookFailed(c: ControllerName, hook: HookName, p: Obj, key: string, error: unknown): void {
    if (error instanceof ContractViolation) throw error;
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    // Metacontroller's per-item backoff: 5 ms × 2ⁿ capped at 1000 s.
    this.schedule(key, Math.min(5 * 2 ** (n - 1), 1_000_000));
    if (this.rethrowHookErrors)
      throw new HookError(c, hook, `${nsOf(p)}/${p.metadata.name}`, error);
  }

  private syncKey(key: string): void {
    const [c, ref] = key.split(' ') as [ControllerName, string];
    const [ns, name] = ref.split('/') as [string, string];
    const p = this.store.get(objKey(CONTROLLERS[c].parent.kind, ns, name));
    if (p) this.sync(c, p, key);
  }

  private sync(c: ControllerName, p0: Obj, key: string): void {
    const hooks = this.hooks[c]!;
    const fin = finalizerName(c);
    const where = `${c} ${nsOf(p0)}/${p0.metadata.name}`;
    this.actor = `${c}:${nsOf(p0)}/${p0.metadata.name}`;
    let p = p0;
    if (hooks.finalize && !p.metadata.deletionTimestamp && !p.metadata.finalizers?.includes(fin)) {
      p = clone(p0);
      p.metadata.finalizers = [...(p.metadata.finalizers ?? []), fin];
      this.put(p, p0);
    }
    const finalizing = Boolean(hooks.finalize && p.metadata.deletionTimestamp);
    const hook: HookName = finalizing ? 'finalize' : 'sync';
    let related: ObjectGroups;
    try {
      related = this.related(c, p);
    } catch (e) {
      return this.hookFailed(c, 'customize', p, key, e);
    }
    const request = {
      controller: { metadata: { name: `${c}-controller` } },
      parent: clone(p),
      children: this.observed(c, p),
      related,
      finalizing,
    };
    const res = this.call(c, hook, p, request);
    if (!res.ok) return this.hookFailed(c, hook, p, key, res.error);
    this.failures.delete(key);
    const body = validateResponse(
      res.body,
      `${c}.${hook} for ${nsOf(p)}/${p.metadata.name}`,
      [...CONTROLLERS[c].children],
      nsOf(p),
    );
    if (body.finalized === true && !finalizing)
      throw new ContractViolation(
        `${where}: sync returned finalized: true (only finalize may; contract §2.3)`,
      );
    this.actor = `${c}:${nsOf(p)}/${p.metadata.name}`;
    // Children are managed unless the parent is terminating without our finalizer (§2.4).
    if (!p.metadata.deletionTimestamp || (finalizing && p.metadata.finalizers?.includes(fin)))
      this.manageChildren(c, p, body.children);
    const cur = this.store.get(objKey(p.kind, nsOf(p), p.metadata.name));
    if (!cur) return;
    const status = { ...body.status, observedGeneration: cur.metadata.generation };
    let latest = cur;
    if (canon(cur.status) !== canon(status)) {
      latest = { ...clone(cur), status };
      this.put(latest, cur);
    }
    if (body.resyncAfterSeconds !== undefined && body.resyncAfterSeconds > 0)
      this.schedule(key, body.resyncAfterSeconds * 1000);
    if (body.finalized === true) this.dropFinalizer(latest, fin);
  }

  private observed(c: ControllerName, p: Obj): ObjectGroups {
    const groups: ObjectGroups = {};
    for (const t of CONTROLLERS[c].children) groups[groupKey(t)] = {};
    for (const o of this.ownedBy(p.metadata.uid!)) {
      const g = groups[typeOf(o)];
      if (g) g[`${nsOf(o)}/${o.metadata.name}`] = clone(o) as KubeObject;
    }
    return groups;
  }

  private customizeRules(c: ControllerName, p: Obj): RelatedRule[] {
    const cacheKey = `${p.metadata.uid} ${p.metadata.generation}`;
    const cached = this.customizeCache.get(cacheKey) as RelatedRule[] | undefined;
    if (cached) return cached;
    const res = this.call(c, 'customize', p, {
      controller: { metadata: { name: `${c}-controller` } },
      parent: clone(p),
    });
    if (!res.ok) throw res.error;
    const rules = validateRules(res.body, `${c}.customize for ${nsOf(p)}/${p.metadata.name}`, [
      ...CONTROLLERS[c].related,
    ]);
    this.customizeCache.set(cacheKey, rules);
    return rules;
  }

  private related(c: ControllerName, p: Obj): ObjectGroups {
    const out: ObjectGroups = {};
    if (!this.hooks[c]?.customize) return out;
    const all = this.sorted([...this.store.values()]);
    for (const r of this.customizeRules(c, p)) {
      const g = (out[groupKey(r.type)] ??= {});
      for (const o of all)
        if (o.kind === r.type.kind && o.apiVersion === r.type.apiVersion && matchRule(r, o))
          g[`${nsOf(o)}/${o.metadata.name}`] = clone(o) as KubeObject;
    }
    for (const k of Object.keys(out))
      out[k] = Object.fromEntries(Object.entries(out[k]!).sort(([a], [b]) => a.localeCompare(b)));
    return out;
  }

  private manageChildren(c: ControllerName, p: Obj, desiredList: Obj[]): void {
    const pns = nsOf(p);
    const desired = new Map<string, Obj>();
    for (const d of desiredList) {
      const k = `${typeOf(d)} ${d.metadata.namespace ?? pns}/${d.metadata.name}`;
      if (desired.has(k))
        throw new ContractViolation(
          `${c} ${pns}/${p.metadata.name}: duplicate child ${k} (Metacontroller silently keeps the last)`,
        );
      desired.set(k, d);
    }
    for (const o of this.ownedBy(p.metadata.uid!)) {
      if (
        !desired.has(`${typeOf(o)} ${nsOf(o)}/${o.metadata.name}`) &&
        !o.metadata.deletionTimestamp
      )
        this.deleteObject(o);
    }
    for (const d of desired.values()) {
      const existing = this.store.get(objKey(d.kind, pns, d.metadata.name));
      const body = this.childBody(p, d);
      if (!existing) {
        this.put(
          {
            ...body,
            metadata: {
              ...body.metadata,
              uid: this.newUid(),
              generation: 1,
              creationTimestamp: iso(this.nowMs),
            },
          },
          undefined,
        );
      } else if (controllerRef(existing)?.uid === p.metadata.uid) {
        if (existing.metadata.deletionTimestamp) continue;
        const next: Obj = {
          ...body,
          metadata: {
            ...clone(existing.metadata),
            labels: body.metadata.labels!,
            annotations: body.metadata.annotations!,
          },
        };
        if (existing.status !== undefined) next.status = clone(existing.status);
        this.update(existing, next);
      } else {
        this.warnings.push(
          `t+${this.elapsedSeconds}s ${c} ${pns}/${p.metadata.name}: ${d.kind} ${pns}/${d.metadata.name} exists and is not ours (create AlreadyExists swallowed)`,
        );
      }
    }
  }

  /** childBody is the desired child as Metacontroller writes it: system fields dropped, selector label, last-applied, controller ref. */
  private childBody(p: Obj, d: Obj): Obj {
    const body = clone(d);
    delete body.status;
    const meta: ObjectMeta = { ...body.metadata };
    for (const k of SYSTEM_META) delete meta[k];
    meta.namespace = nsOf(p);
    meta.labels = { ...(meta.labels ?? {}), [CONTROLLER_UID_LABEL]: p.metadata.uid! };
    meta.annotations = { ...(meta.annotations ?? {}), [LAST_APPLIED]: JSON.stringify(d) };
    meta.ownerReferences = [
      {
        apiVersion: p.apiVersion,
        kind: p.kind,
        name: p.metadata.name,
        uid: p.metadata.uid!,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
    return { ...body, metadata: meta };
  }

  /* ------------------------------------------------------------ internals: kubelet and gateway */

  private kubeletState(d: Obj): { generation: number; since: number } {
    const generation = d.metadata.generation ?? 1;
    let seen = this.kubeletSeen.get(d.metadata.uid!);
    if (!seen || seen.generation !== generation) {
      seen = { generation, since: this.nowMs };
      this.kubeletSeen.set(d.metadata.uid!, seen);
    }
    return seen;
  }

  private kubeletNextMs(): number | undefined {
    let next: number | undefined;
    for (const d of this.store.values()) {
      if (d.kind !== 'Deployment' || d.metadata.deletionTimestamp) continue;
      const seen = this.kubeletSeen.get(d.metadata.uid!);
      if (!seen || seen.generation !== (d.metadata.generation ?? 1) || replicasOf(d) === 0)
        continue;
      const never = this.neverReady?.(clone(d)) ?? false;
      const due =
        seen.since + (never ? progressDeadline(d) : this.deploymentReadyAfterSeconds) * 1000;
      if (due > this.nowMs && (next === undefined || due < next)) next = due;
    }
    return next;
  }

  /** kubelet writes the status a Deployment controller would (zero counts omitted, as omitempty does). */
  private kubelet(): void {
    this.actor = 'kubelet';
    for (const d of this.sorted(
      [...this.store.values()].filter(
        (o) => o.kind === 'Deployment' && !o.metadata.deletionTimestamp,
      ),
    )) {
      const status = this.deploymentStatus(d, this.kubeletState(d));
      if (canon(d.status) !== canon(status)) this.put({ ...clone(d), status }, d);
    }
  }

  private deploymentStatus(
    d: Obj,
    seen: { generation: number; since: number },
  ): Record<string, unknown> {
    const now = iso(this.nowMs);
    const prev = d.status ?? {};
    const want = replicasOf(d);
    const rs = `${d.metadata.name}-sim`;
    const counts = (n: Record<string, number>): Record<string, number> =>
      Object.fromEntries(Object.entries(n).filter(([, v]) => v > 0));
    const ready =
      want === 0 ||
      (!(this.neverReady?.(clone(d)) ?? false) &&
        this.nowMs - seen.since >= this.deploymentReadyAfterSeconds * 1000);
    if (ready) {
      return {
        observedGeneration: seen.generation,
        ...counts({
          replicas: want,
          updatedReplicas: want,
          readyReplicas: want,
          availableReplicas: want,
        }),
        conditions: [
          condition(
            prev.conditions,
            {
              type: 'Available',
              status: 'True',
              reason: 'MinimumReplicasAvailable',
              message: 'Deployment has minimum availability.',
            },
            now,
          ),
          condition(
            prev.conditions,
            {
              type: 'Progressing',
              status: 'True',
              reason: 'NewReplicaSetAvailable',
              message: `ReplicaSet "${rs}" has successfully progressed.`,
            },
            now,
          ),
        ],
      };
    }
    // Rolling or never ready: old pods keep serving (maxUnavailable 25%), new ones are not ready.
    const available = Math.min(
      typeof prev.availableReplicas === 'number' ? prev.availableReplicas : 0,
      want,
    );
    const availableOk = available > 0 && available >= want - Math.floor(want / 4);
    const stalled = this.nowMs - seen.since >= progressDeadline(d) * 1000;
    return {
      observedGeneration: seen.generation,
      ...counts({
        replicas: want,
        updatedReplicas: want,
        readyReplicas: available,
        availableReplicas: available,
        unavailableReplicas: want - available,
      }),
      conditions: [
        availableOk
          ? condition(
              prev.conditions,
              {
                type: 'Available',
                status: 'True',
                reason: 'MinimumReplicasAvailable',
                message: 'Deployment has minimum availability.',
              },
              now,
            )
          : condition(
              prev.conditions,
              {
                type: 'Available',
                status: 'False',
                reason: 'MinimumReplicasUnavailable',
                message: 'Deployment does not have minimum availability.',
              },
              now,
            ),
        stalled
          ? condition(
              prev.conditions,
              {
                type: 'Progressing',
                status: 'False',
                reason: 'ProgressDeadlineExceeded',
                message: `ReplicaSet "${rs}" has timed out progressing.`,
              },
              now,
            )
          : condition(
              prev.conditions,
              {
                type: 'Progressing',
                status: 'True',
                reason: 'ReplicaSetUpdated',
                message: `ReplicaSet "${rs}" is progressing.`,
              },
              now,
            ),
      ],
    };
  }

  /** gateway writes status.parents of every HTTPRoute with parentRefs (none: left alone), when routeAccepts. */
  private gateway(): void {
    if (!this.routeAccepts) return;
    this.actor = 'gateway';
    const now = iso(this.nowMs);
    for (const r of this.sorted(
      [...this.store.values()].filter(
        (o) => o.kind === 'HTTPRoute' && !o.metadata.deletionTimestamp,
      ),
    )) {
      const refs: unknown[] = Array.isArray(r.spec?.parentRefs) ? r.spec.parentRefs : [];
      if (refs.length === 0) continue;
      const generation = r.metadata.generation ?? 1;
      const missing = this.missingBackends(r);
      const prevParents: Array<{ parentRef?: unknown; conditions?: unknown }> = Array.isArray(
        r.status?.parents,
      )
        ? r.status.parents
        : [];
      const parents = refs.map((ref) => {
        const prev = prevParents.find((pp) => canon(pp.parentRef) === canon(ref))?.conditions;
        return {
          parentRef: ref,
          controllerName: GATEWAY_CONTROLLER,
          conditions: [
            condition(
              prev,
              {
                type: 'Accepted',
                status: 'True',
                reason: 'Accepted',
                message: 'Route is accepted.',
                observedGeneration: generation,
              },
              now,
            ),
            missing.length === 0
              ? condition(
                  prev,
                  {
                    type: 'ResolvedRefs',
                    status: 'True',
                    reason: 'ResolvedRefs',
                    message: 'All references resolved.',
                    observedGeneration: generation,
                  },
                  now,
                )
              : condition(
                  prev,
                  {
                    type: 'ResolvedRefs',
                    status: 'False',
                    reason: 'BackendNotFound',
                    message: `Backends not found: ${missing.join(', ')}`,
                    observedGeneration: generation,
                  },
                  now,
                ),
          ],
        };
      });
      const status = { ...(r.status ?? {}), parents };
      if (canon(r.status) !== canon(status)) this.put({ ...clone(r), status }, r);
    }
  }

  private missingBackends(r: Obj): string[] {
    const missing: string[] = [];
    for (const rule of (r.spec?.rules ?? []) as RouteRule[]) {
      for (const b of rule.backendRefs ?? []) {
        const ns = b.namespace ?? nsOf(r);
        const isService = (b.kind ?? 'Service') === 'Service' && (b.group ?? '') === '';
        if (!isService || !this.store.has(objKey('Service', ns, b.name)))
          missing.push(`${b.kind ?? 'Service'} ${ns}/${b.name}`);
      }
    }
    return [...new Set(missing)].sort();
  }

  private rules(ns: string, handler: string): RouteRule[] {
    const r = this.route(ns, handler);
    return Array.isArray(r?.spec?.rules) ? (r.spec.rules as RouteRule[]) : [];
  }

  private versionOfService(ns: string, name: string): string {
    return this.store.get(objKey('Service', ns, name))?.metadata.labels?.[VERSION_LABEL] ?? name;
  }
}

/* ---------------------------------------------------------------- validation */

interface RouteRule {
  matches?: Array<{ headers?: Array<{ name: string; value: string; type?: string }> }>;
  backendRefs?: Array<{
    name: string;
    namespace?: string;
    kind?: string;
    group?: string;
    port?: number;
    weight?: number;
  }>;
}

interface RelatedRule {
  type: ResourceType;
  namespace?: string;
  names?: string[];
  matchLabels?: Record<string, string>;
}

function replicasOf(d: Obj): number {
  return typeof d.spec?.replicas === 'number' ? d.spec.replicas : 1;
}

function progressDeadline(d: Obj): number {
  return typeof d.spec?.progressDeadlineSeconds === 'number' ? d.spec.progressDeadlineSeconds : 600;
}

function matchRule(r: RelatedRule, o: Obj): boolean {
  if (r.namespace !== undefined && nsOf(o) !== r.namespace) return false;
  if (r.names !== undefined && !r.names.includes(o.metadata.name)) return false;
  return Object.entries(r.matchLabels ?? {}).every(([k, v]) => o.metadata.labels?.[k] === v);
}

/** validateResponse decodes a sync/finalize body as v2 strict decoding would, plus our design rules. */
function validateResponse(
  body: unknown,
  where: string,
  declared: ResourceType[],
  ns: string,
): {
  status: Record<string, unknown>;
  children: Obj[];
  resyncAfterSeconds?: number;
  finalized?: boolean;
} {
  const fail = (msg: string): never => {
    throw new ContractViolation(`${where}: ${msg}`);
  };
  if (!isPlain(body)) return fail(`response must be a JSON object, got ${JSON.stringify(body)}`);
  for (const k of Object.keys(body))
    if (!RESPONSE_KEYS.has(k)) fail(`unknown top-level key "${k}" (v2 strict decoding rejects it)`);
  if (body.status !== undefined && !isPlain(body.status))
    fail(`status must be an object, got ${JSON.stringify(body.status)}`);
  if (body.children !== undefined && !Array.isArray(body.children))
    fail(`children must be a list, got ${JSON.stringify(body.children)}`);
  if (body.resyncAfterSeconds !== undefined && typeof body.resyncAfterSeconds !== 'number')
    fail(`resyncAfterSeconds must be a number, got ${JSON.stringify(body.resyncAfterSeconds)}`);
  if (body.finalized !== undefined && typeof body.finalized !== 'boolean')
    fail(`finalized must be a boolean, got ${JSON.stringify(body.finalized)}`);
  const children = (body.children ?? []) as unknown[];
  children.forEach((c, i) => {
    const at = `children[${i}]`;
    if (!isPlain(c) || !isPlain(c.metadata)) return fail(`${at} must be an object with metadata`);
    const name = c.metadata.name;
    if (
      typeof c.apiVersion !== 'string' ||
      typeof c.kind !== 'string' ||
      typeof name !== 'string' ||
      name === ''
    ) {
      return fail(
        `${at} needs apiVersion, kind and metadata.name, got ${JSON.stringify({ apiVersion: c.apiVersion, kind: c.kind, name })}`,
      );
    }
    const label = `${at} (${c.kind} ${name})`;
    if (!declared.some((t) => t.apiVersion === c.apiVersion && t.kind === c.kind)) {
      fail(
        `${label}: ${c.kind}.${c.apiVersion} is not a declared child type (declared: ${declared.map(groupKey).join(', ') || 'none'})`,
      );
    }
    if (c.metadata.namespace !== undefined && c.metadata.namespace !== ns)
      fail(
        `${label}: namespace "${String(c.metadata.namespace)}" differs from the parent's "${ns}"`,
      );
    if (c.metadata.ownerReferences !== undefined)
      fail(`${label}: sets metadata.ownerReferences (Metacontroller adds them; design §3)`);
    const nameOk =
      c.kind === 'Service'
        ? DNS_LABEL.test(name) && name.length <= 63
        : DNS_SUBDOMAIN.test(name) && name.length <= 253;
    if (!nameOk)
      fail(
        `${label}: invalid name "${name}" (${c.kind === 'Service' ? 'DNS-1035 label ≤ 63' : 'DNS subdomain'})`,
      );
    const labels = c.metadata.labels;
    if (labels !== undefined) {
      if (!isPlain(labels)) return fail(`${label}: metadata.labels must be an object`);
      for (const [k, v] of Object.entries(labels)) {
        const [prefix, lname] = k.includes('/')
          ? [k.slice(0, k.indexOf('/')), k.slice(k.indexOf('/') + 1)]
          : [undefined, k];
        const keyOk =
          LABEL_NAME.test(lname) &&
          lname.length <= 63 &&
          (prefix === undefined || (DNS_SUBDOMAIN.test(prefix) && prefix.length <= 253));
        if (!keyOk) fail(`${label}: invalid label key "${k}"`);
        if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63)
          fail(`${label}: invalid value of label "${k}": ${JSON.stringify(v)}`);
      }
    }
  });
  const out: {
    status: Record<string, unknown>;
    children: Obj[];
    resyncAfterSeconds?: number;
    finalized?: boolean;
  } = {
    status: (body.status ?? {}) as Record<string, unknown>,
    children: children as Obj[],
  };
  if (typeof body.resyncAfterSeconds === 'number') out.resyncAfterSeconds = body.resyncAfterSeconds;
  if (typeof body.finalized === 'boolean') out.finalized = body.finalized;
  return out;
}

/** validateRules decodes a customize response and resolves each rule to a declared related type. */
function validateRules(body: unknown, where: string, declared: ResourceType[]): RelatedRule[] {
  const fail = (msg: string): never => {
    throw new ContractViolation(`${where}: ${msg}`);
  };
  if (!isPlain(body) || !Array.isArray(body.relatedResources))
    return fail(`response must be {relatedResources: [...]}, got ${JSON.stringify(body)}`);
  for (const k of Object.keys(body))
    if (k !== 'relatedResources') fail(`unknown top-level key "${k}"`);
  return body.relatedResources.map((r: unknown, i: number): RelatedRule => {
    const at = `relatedResources[${i}]`;
    if (!isPlain(r)) return fail(`${at} must be an object`);
    for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) fail(`${at}: unknown key "${k}"`);
    const type = declared.find((t) => t.apiVersion === r.apiVersion && t.resource === r.resource);
    if (!type)
      return fail(
        `${at}: ${String(r.apiVersion)}/${String(r.resource)} is not a declared related type (declared: ${declared.map((t) => `${t.apiVersion}/${t.resource}`).join(', ') || 'none'})`,
      );
    if (r.namespaceSelector !== undefined)
      fail(`${at}: namespaceSelector is not supported by the harness`);
    if (r.names !== undefined && r.labelSelector !== undefined)
      fail(`${at}: names cannot be combined with labelSelector (contract §2.6)`);
    if (
      r.names !== undefined &&
      (!Array.isArray(r.names) || !r.names.every((n) => typeof n === 'string'))
    )
      fail(`${at}: names must be a list of strings`);
    if (r.namespace !== undefined && typeof r.namespace !== 'string')
      fail(`${at}: namespace must be a string`);
    const sel = r.labelSelector;
    if (sel !== undefined) {
      if (!isPlain(sel)) return fail(`${at}: labelSelector must be an object`);
      for (const k of Object.keys(sel))
        if (k !== 'matchLabels') fail(`${at}: labelSelector.${k} is not supported by the harness`);
      if (sel.matchLabels !== undefined && !isPlain(sel.matchLabels))
        fail(`${at}: labelSelector.matchLabels must be an object`);
    }
    const rule: RelatedRule = { type };
    if (typeof r.namespace === 'string') rule.namespace = r.namespace;
    if (Array.isArray(r.names)) rule.names = r.names as string[];
    if (isPlain(sel) && isPlain(sel.matchLabels))
      rule.matchLabels = sel.matchLabels as Record<string, string>;
    return rule;
  });
}

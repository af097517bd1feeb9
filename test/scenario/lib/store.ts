// The harness's API server: objects with uids, resourceVersions and generations, finalizers
// and deletion, background garbage collection through ownerReferences, and a log of every
// write naming who made it. It is the store the shared Metacontroller loop
// (src/render/loop) reads and writes; every write is reported to `onWrite` (the triggers).
import type { KubeObject } from '../../../src/api/metacontroller.js';
import { SYSTEM_META } from '../../../src/render/loop/apply.js';
import type { LoopStore, TypeRef } from '../../../src/render/loop/types.js';
import {
  canon,
  clone,
  controllerRef,
  diffPaths,
  iso,
  nsOf,
  objKey,
  type Obj,
  type ObjectMeta,
  type WriteRecord,
} from './objects.js';

export interface StoreOptions {
  /** The fake clock, in ms. */
  now: () => number;
  /** Prefix of generated uids. */
  uidPrefix: string;
  /** Called after every write with the new and the old object (undefined: created / deleted). */
  onWrite: (now: Obj | undefined, old: Obj | undefined) => void;
  /** Called when an object is gone for good. */
  onRemove: (o: Obj) => void;
}

export class Store implements LoopStore {
  /** Every write, in order. */
  readonly writes: WriteRecord[] = [];
  /** Who the next writes are by (see WriteRecord.by). */
  actor = 'user';
  /** The reconcile round the next writes belong to. */
  round = 0;
  private readonly objects = new Map<string, Obj>();
  private readonly byUid = new Map<string, string>();
  private uidSeq = 0;
  private rvSeq = 0;

  constructor(private readonly opts: StoreOptions) {}

  /* ------------------------------------------------------------ reads */

  get(kind: string, ns: string | undefined, name: string): Obj | undefined {
    return this.objects.get(objKey(kind, ns ?? 'default', name));
  }

  mustGet(kind: string, ns: string, name: string): Obj {
    const o = this.get(kind, ns, name);
    if (!o) throw new Error(`${kind} ${ns}/${name} not found`);
    return o;
  }

  byUidKey(uid: string): Obj | undefined {
    const k = this.byUid.get(uid);
    return k === undefined ? undefined : this.objects.get(k);
  }

  /** values is every stored object, unordered (for lookups whose order cannot matter). */
  values(): IterableIterator<Obj> {
    return this.objects.values();
  }

  /** all is every stored object (matching `keep`), sorted by kind, namespace and name. */
  all(keep: (o: Obj) => boolean = () => true): Obj[] {
    return sorted([...this.objects.values()].filter(keep));
  }

  list(type: TypeRef): Obj[] {
    return this.all((o) => o.kind === type.kind && o.apiVersion === type.apiVersion);
  }

  owned(uid: string): Obj[] {
    return this.all((o) => controllerRef(o)?.uid === uid);
  }

  /* ------------------------------------------------------------ the loop's writes */

  create(o: KubeObject): void {
    const body = clone(o) as Obj;
    this.put(
      {
        ...body,
        metadata: {
          ...body.metadata,
          namespace: nsOf(body),
          uid: this.newUid(),
          generation: 1,
          creationTimestamp: iso(this.opts.now()),
        },
      },
      undefined,
    );
  }

  /** update bumps the generation when the spec changed; writes nothing when nothing did. */
  update(old: KubeObject, nextIn: KubeObject): boolean {
    const prev = old as Obj;
    const next = clone(nextIn) as Obj;
    if (canon(prev.spec) !== canon(next.spec))
      next.metadata.generation = (prev.metadata.generation ?? 1) + 1;
    next.metadata.resourceVersion = prev.metadata.resourceVersion;
    if (canon(prev) === canon(next)) return false;
    this.put(next, prev);
    if (next.metadata.deletionTimestamp && !next.metadata.finalizers?.length) this.remove(next);
    return true;
  }

  /** delete sets deletionTimestamp while finalizers remain, else removes the object and GCs its dependents. */
  delete(o: KubeObject): void {
    const obj = o as Obj;
    if (!obj.metadata.finalizers?.length) return this.remove(obj);
    if (obj.metadata.deletionTimestamp) return;
    const next = clone(obj);
    next.metadata.deletionTimestamp = iso(this.opts.now());
    next.metadata.deletionGracePeriodSeconds = 0;
    this.put(next, obj);
  }

  /* ------------------------------------------------------------ user writes */

  /** apply creates or updates an object as `kubectl apply` would (spec, labels, annotations; status ignored). */
  apply(input: KubeObject | Obj): void {
    const body = clone(input) as Obj;
    delete body.status;
    const existing = this.get(body.kind, body.metadata.namespace, body.metadata.name);
    if (!existing) {
      const meta: ObjectMeta = { ...body.metadata };
      for (const k of SYSTEM_META) delete meta[k];
      return this.create({ ...body, metadata: meta });
    }
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

  /** dropFinalizer removes one finalizer; an object terminating without finalizers goes. */
  dropFinalizer(o: Obj, f: string): void {
    if (o.metadata.finalizers?.includes(f)) {
      const next = clone(o);
      next.metadata.finalizers = o.metadata.finalizers.filter((x) => x !== f);
      if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
      this.update(o, next);
    } else if (o.metadata.deletionTimestamp && !o.metadata.finalizers?.length) this.remove(o);
  }

  /* ------------------------------------------------------------ internals */

  private newUid(): string {
    return `${this.opts.uidPrefix}-${String(++this.uidSeq).padStart(4, '0')}`;
  }

  private put(obj: Obj, old: Obj | undefined): void {
    obj.metadata.resourceVersion = String(++this.rvSeq);
    const key = objKey(obj.kind, nsOf(obj), obj.metadata.name);
    this.objects.set(key, obj);
    this.byUid.set(obj.metadata.uid!, key);
    this.record(old ? 'update' : 'create', obj, old ? diffPaths(old, obj) : []);
    this.opts.onWrite(obj, old);
  }

  private remove(o: Obj): void {
    this.objects.delete(objKey(o.kind, nsOf(o), o.metadata.name));
    this.byUid.delete(o.metadata.uid!);
    this.opts.onRemove(o);
    this.record('delete', o, []);
    this.opts.onWrite(undefined, o);
    // Background garbage collection of dependents.
    const prev = this.actor;
    this.actor = 'gc';
    for (const d of this.all((x) =>
      Boolean(x.metadata.ownerReferences?.some((r) => r.uid === o.metadata.uid)),
    ))
      this.delete(d);
    this.actor = prev;
  }

  private record(op: WriteRecord['op'], o: Obj, paths: string[]): void {
    this.writes.push({
      seq: this.writes.length + 1,
      at: iso(this.opts.now()),
      round: this.round,
      by: this.actor,
      op,
      kind: o.kind,
      namespace: nsOf(o),
      name: o.metadata.name,
      paths,
    });
  }
}

/** sorted orders objects by kind, namespace and name. */
function sorted(objs: Obj[]): Obj[] {
  return objs.sort((a, b) =>
    objKey(a.kind, nsOf(a), a.metadata.name).localeCompare(
      objKey(b.kind, nsOf(b), b.metadata.name),
    ),
  );
}

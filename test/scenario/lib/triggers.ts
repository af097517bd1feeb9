// When the harness's Metacontroller syncs a parent (contract §2.10): a change to the parent
// (status-only changes skipped under ignoreStatusChanges), to a child it controls, or to an
// object its cached customize rules select; the periodic resync; a one-shot
// resyncAfterSeconds; and error retries with Metacontroller's per-item backoff.
import type { Controller, ControllerTable } from '../../../src/hooks/controllers.js';
import type { ControllerName } from '../../../src/hooks/types.js';
import { ruleSelects, ruleType } from '../../../src/render/loop/request.js';
import { customizeRules } from '../../../src/render/loop/sync.js';
import type { LoopEnv, RelatedRules } from '../../../src/render/loop/types.js';
import { canon, controllerRef, nsOf, type Obj } from './objects.js';
import type { Store } from './store.js';

/** What the triggers read of the cluster. */
export interface WatchContext {
  store: Store;
  table: ControllerTable;
  /** The controllers that run (those given hooks). */
  active: ControllerName[];
  env: LoopEnv;
  controllerObject: (c: Controller) => Record<string, unknown>;
  now: () => number;
  resyncPeriodSeconds: number;
  startMs: number;
}

/** parentKey is a parent's work-queue key: `<controller> <namespace>/<name>`. */
export function parentKey(c: ControllerName, o: Obj): string {
  return `${c} ${nsOf(o)}/${o.metadata.name}`;
}

/** ignoresStatusChanges reads `ignoreStatusChanges` of the controller object's rule for its parent. */
function ignoresStatusChanges(object: Record<string, unknown>, c: Controller): boolean {
  const spec = (object.spec ?? {}) as { parentResource?: unknown; resources?: unknown[] };
  const rules = (spec.parentResource ? [spec.parentResource] : (spec.resources ?? [])) as Array<
    Record<string, unknown>
  >;
  return rules.some(
    (r) =>
      r.apiVersion === c.parent.apiVersion &&
      r.resource === c.parent.resource &&
      r.ignoreStatusChanges === true,
  );
}

/** statusOnly: nothing but status (or system bookkeeping) changed between two versions of an object. */
function statusOnly(old: Obj, now: Obj): boolean {
  return (
    old.metadata.generation === now.metadata.generation &&
    canon(old.metadata.labels) === canon(now.metadata.labels) &&
    canon(old.metadata.annotations) === canon(now.metadata.annotations) &&
    !now.metadata.deletionTimestamp
  );
}

export class Triggers {
  /** Parents enqueued for the next round. */
  readonly dirty = new Set<string>();
  private readonly resyncAt = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private nextPeriodicMs: number;

  constructor(private readonly w: WatchContext) {
    this.nextPeriodicMs =
      w.resyncPeriodSeconds > 0 ? w.startMs + w.resyncPeriodSeconds * 1000 : Infinity;
  }

  /** parentController is the running controller whose parent kind is `kind`. */
  parentController(kind: string): ControllerName | undefined {
    return this.w.active.find((c) => this.w.table[c].parent.kind === kind);
  }

  /** allParentKeys lists every parent of a running controller, sorted. */
  allParentKeys(): string[] {
    const keys: string[] = [];
    for (const o of this.w.store.values()) {
      const c = this.parentController(o.kind);
      if (c) keys.push(parentKey(c, o));
    }
    return keys.sort();
  }

  /** touch enqueues every parent a change concerns: the object itself, its controller, parents relating to it. */
  touch(now: Obj | undefined, old: Obj | undefined): void {
    const c = now && this.parentController(now.kind);
    if (c && now) {
      const ignored =
        old !== undefined &&
        statusOnly(old, now) &&
        ignoresStatusChanges(this.w.controllerObject(this.w.table[c]), this.w.table[c]);
      if (!ignored) this.dirty.add(parentKey(c, now));
    }
    for (const o of [now, old]) {
      const ref = o && controllerRef(o);
      const owner = ref && this.w.store.byUidKey(ref.uid);
      const oc = owner && this.parentController(owner.kind);
      if (owner && oc) this.dirty.add(parentKey(oc, owner));
    }
    for (const pc of this.w.active) {
      const controller = this.w.table[pc];
      if (!controller.hooks.customize) continue;
      for (const p of this.w.store.values()) {
        if (p.kind !== controller.parent.kind) continue;
        let rules: RelatedRules;
        try {
          rules = customizeRules(this.w.env, controller, p);
        } catch {
          this.dirty.add(parentKey(pc, p)); // its sync will fail and report properly
          continue;
        }
        const selects = (o: Obj | undefined): boolean =>
          o !== undefined && rules.some((r) => ruleSelects(r, ruleType(controller, r), o));
        if (selects(now) || selects(old)) this.dirty.add(parentKey(pc, p));
      }
    }
  }

  /** forget drops the timers of a parent that is gone. */
  forget(o: Obj): void {
    const c = this.parentController(o.kind);
    if (c) this.resyncAt.delete(parentKey(c, o));
  }

  /** nextMs is the time of the next periodic or requested resync (undefined: none). */
  nextMs(): number | undefined {
    let t = this.nextPeriodicMs;
    for (const at of this.resyncAt.values()) t = Math.min(t, at);
    return Number.isFinite(t) ? t : undefined;
  }

  /** fireDue enqueues the parents whose periodic or requested resync is due. */
  fireDue(): void {
    const now = this.w.now();
    if (now >= this.nextPeriodicMs) {
      for (const k of this.allParentKeys()) this.dirty.add(k);
      while (this.nextPeriodicMs <= now) this.nextPeriodicMs += this.w.resyncPeriodSeconds * 1000;
    }
    for (const [k, at] of [...this.resyncAt]) {
      if (at <= now) {
        this.resyncAt.delete(k);
        this.dirty.add(k);
      }
    }
  }

  /** schedule is workqueue.AddAfter: an earlier pending time wins. */
  schedule(key: string, afterMs: number): void {
    const at = this.w.now() + Math.max(1, Math.ceil(afterMs));
    const cur = this.resyncAt.get(key);
    if (cur === undefined || at < cur) this.resyncAt.set(key, at);
  }

  /** failed retries a key with Metacontroller's per-item backoff: 5 ms × 2ⁿ capped at 1000 s. */
  failed(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.schedule(key, Math.min(5 * 2 ** (n - 1), 1_000_000));
  }

  /** succeeded resets a key's backoff. */
  succeeded(key: string): void {
    this.failures.delete(key);
  }
}

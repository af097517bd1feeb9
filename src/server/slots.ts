/**
 * Slots shared fairly between owners (parents): at most `n` tasks run at once, and a freed slot
 * goes to the owner whose turn it is — round robin over the owners waiting — so one parent with
 * many queries cannot make another wait behind all of them.
 */
export interface FairSlots {
  /**
   * acquire resolves to a release function once a slot is free, or to undefined when none was
   * free within `waitMs` (the caller did not get to ask: not a failure of what it would ask).
   */
  acquire(owner: string, waitMs: number): Promise<(() => void) | undefined>;
  /** Tasks running now and owners waiting, for tests. */
  readonly running: number;
  readonly waiting: number;
}

/** fairSlots makes `n` slots shared round robin between owners. */
export function fairSlots(n: number): FairSlots {
  let running = 0;
  // Insertion order is the turn order: an owner served goes to the back if it still waits.
  const queues = new Map<string, Array<() => void>>();
  const next = (): (() => void) | undefined => {
    for (const [owner, queue] of queues) {
      const grant = queue.shift();
      queues.delete(owner);
      if (queue.length > 0) queues.set(owner, queue);
      return grant;
    }
    return undefined;
  };
  const release = () => {
    const grant = next();
    // A finishing task hands its slot straight to the next waiter, so running never exceeds n.
    if (grant) grant();
    else running--;
  };
  const once = () => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  };
  return {
    acquire(owner, waitMs) {
      if (running < n) {
        running++;
        return Promise.resolve(once());
      }
      return new Promise((resolve) => {
        const grant = () => {
          clearTimeout(timer);
          resolve(once());
        };
        const timer = setTimeout(() => {
          const queue = queues.get(owner);
          const i = queue?.indexOf(grant) ?? -1;
          if (queue && i >= 0) queue.splice(i, 1);
          if (queue?.length === 0) queues.delete(owner);
          resolve(undefined);
        }, waitMs);
        const queue = queues.get(owner) ?? [];
        queue.push(grant);
        queues.set(owner, queue);
      });
    },
    get running() {
      return running;
    },
    get waiting() {
      let w = 0;
      for (const q of queues.values()) w += q.length;
      return w;
    },
  };
}

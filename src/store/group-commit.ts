/**
 * Group commit: operations added in one event-loop turn (the synchronous run
 * plus its microtasks) go to disk together in one batch, written in the
 * check phase (`setImmediate`) after the first of them arrived. At most one
 * batch is in flight. Batches therefore land in the order their operations
 * were added, and whatever arrives while a batch is being written waits and
 * forms the next one, so the busier the store the larger its batches.
 *
 * A batch's writes resolve once `write` resolves for it, and reject with its
 * error. They resolve a slice at a time, `sliceSize` writes per event-loop
 * turn, in the order they were added: what each write's caller does next
 * (a VM actor's next step, its command to a host) would otherwise all run
 * in the turn the batch lands, holding the loop for as long as a burst's
 * hundreds of continuations take. The next batch goes to disk as soon as
 * this one is there, but its writes resolve only after every slice of this
 * one: writes still resolve in the order they were added.
 */
export class GroupCommit<Op> {
  private readonly write: (ops: Op[]) => Promise<void>;
  private readonly sliceSize: number;
  private ops: Op[] = [];
  /** The next batch's writers, a deferred per slice; undefined when nothing waits. */
  private next: Deferred[] | undefined;
  /** Writers in the last slice of `next`. */
  private lastSlice = 0;
  private scheduled: NodeJS.Immediate | undefined;
  private inFlight: Promise<void> | undefined;
  /** Until the last batch's writers are all resolved (or rejected); never rejects. */
  private resolving: Promise<void> | undefined;

  /** `sliceSize`: writes resolved per event-loop turn once their batch is on disk. @default 64 */
  constructor(write: (ops: Op[]) => Promise<void>, sliceSize = 64) {
    this.write = write;
    this.sliceSize = sliceSize;
  }

  /** Queues `ops` for the next batch; resolves once that batch is written. */
  add(ops: readonly Op[]): Promise<void> {
    for (const op of ops) this.ops.push(op);
    return this.commit();
  }

  /**
   * The promise of the next batch, scheduling one if need be, for writes the
   * `write` function adds itself when it runs (the store's id counters).
   */
  commit(): Promise<void> {
    const next = (this.next ??= []);
    if (next.length === 0 || this.lastSlice >= this.sliceSize) {
      next.push(deferred());
      this.lastSlice = 0;
    }
    this.lastSlice++;
    if (this.scheduled === undefined && this.inFlight === undefined) {
      this.scheduled = setImmediate(this.flush);
    }
    return (next[next.length - 1] as Deferred).promise;
  }

  /** Writes whatever is queued now; resolves when nothing is queued or in flight. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.inFlight !== undefined) {
        await this.inFlight;
      } else if (this.next !== undefined) {
        this.flush();
      } else {
        return this.resolving;
      }
    }
  }

  private readonly flush = (): void => {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    const next = this.next;
    if (next === undefined) return;
    const ops = this.ops;
    this.ops = [];
    this.next = undefined;
    let written: Promise<void>;
    try {
      written = this.write(ops);
    } catch (err) {
      written = Promise.reject(err);
    }
    // The next batch may go to disk as soon as this one is there, while this one's writers are
    // still being resolved a slice a turn: waiting for them too would leave the disk idle for as
    // many turns as there are slices. Their resolutions are chained, so writes still resolve in
    // the order they were added.
    const previous = this.resolving;
    const land = (failed: { err: unknown } | undefined): Promise<void> => {
      this.inFlight = undefined;
      if (this.next !== undefined) this.scheduled ??= setImmediate(this.flush);
      const settle = (): Promise<void> | undefined => {
        if (failed === undefined) return resolveSlices(next);
        for (const slice of next) slice.reject(failed.err);
        return undefined;
      };
      return previous === undefined ? Promise.resolve(settle()) : previous.then(settle);
    };
    const resolved = written.then(
      () => land(undefined),
      (err: unknown) => land({ err }),
    );
    this.inFlight = resolved;
    this.resolving = resolved;
    void resolved.finally(() => {
      if (this.resolving === resolved) this.resolving = undefined;
    });
  };
}

/** The first slice now, each other in a turn of its own. */
async function resolveSlices(slices: readonly Deferred[]): Promise<void> {
  for (const [i, slice] of slices.entries()) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    slice.resolve();
  }
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

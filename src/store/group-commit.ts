/**
 * Group commit: operations added in one event-loop turn (the synchronous run
 * plus its microtasks) go to disk together in one batch, written in the
 * check phase (`setImmediate`) after the first of them arrived. At most one
 * batch is in flight. Batches therefore land in the order their operations
 * were added, and whatever arrives while a batch is being written waits and
 * forms the next one, so the busier the store the larger its batches.
 *
 * Everything in one batch shares one promise: it resolves when `write`
 * resolves for that batch and rejects with its error.
 */
export class GroupCommit<Op> {
  private readonly write: (ops: Op[]) => Promise<void>;
  private ops: Op[] = [];
  private next: Deferred | undefined;
  private scheduled: NodeJS.Immediate | undefined;
  private inFlight: Promise<void> | undefined;

  constructor(write: (ops: Op[]) => Promise<void>) {
    this.write = write;
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
    const next = (this.next ??= deferred());
    if (this.scheduled === undefined && this.inFlight === undefined) {
      this.scheduled = setImmediate(this.flush);
    }
    return next.promise;
  }

  /** Writes whatever is queued now; resolves when nothing is queued or in flight. */
  async drain(): Promise<void> {
    for (;;) {
      if (this.inFlight !== undefined) {
        await this.inFlight;
      } else if (this.next !== undefined) {
        this.flush();
      } else {
        return;
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
    this.inFlight = written.then(next.resolve, next.reject).finally(() => {
      this.inFlight = undefined;
      if (this.next !== undefined) this.commit();
    });
  };
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

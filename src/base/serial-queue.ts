/**
 * Work keyed by what it touches (a VM): pieces on one key run one after the
 * other, in call order; pieces on different keys run at once. A piece whose
 * signal aborted while it waited its turn rejects with the signal's reason
 * without running. A failed piece does not stop the ones behind it.
 *
 * The node's commands, the dummy and the QEMU hypervisor each keep one per
 * VM, so that, say, a shutdown never overtakes the deploy before it.
 */
const noop = (): void => {};

export class SerialQueue<K> {
  /** The last piece queued on each key, settled either way; gone once the key has nothing left. */
  private readonly tails = new Map<K, Promise<void>>();

  /**
   * Runs `fn` once every earlier piece on `key` has settled; at once (in
   * this turn) when there is none. Settles as `fn` does.
   */
  run<T>(key: K, signals: readonly (AbortSignal | undefined)[], fn: () => Promise<T>): Promise<T> {
    const turn = (): Promise<T> => {
      const aborted = signals.find((s) => s?.aborted === true);
      if (aborted !== undefined) return Promise.reject(aborted.reason);
      return fn();
    };
    const prev = this.tails.get(key);
    const run = prev === undefined ? turn() : prev.then(turn);
    const tail = run.then(noop, noop);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }

  /** Whether a piece on `key` is running or waiting. */
  busy(key: K): boolean {
    return this.tails.has(key);
  }

  /** Resolves once every piece queued so far, and any queued meanwhile, has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}

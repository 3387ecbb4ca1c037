/**
 * Operations on one key (a VM) run one after the other, in call order; those
 * on different keys run at once. An operation whose signal aborted while it
 * waited its turn rejects without running.
 */
const noop = (): void => {};

export class OpQueue<K> {
  private readonly tails = new Map<K, Promise<void>>();

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

  /** Resolves once every operation queued so far has settled. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}

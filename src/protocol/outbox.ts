/**
 * The reliable messages a link has sent (or will send) and the peer has not
 * acknowledged yet, in seq order. Seqs are contiguous: the entries hold
 * first … first + length - 1.
 */
export interface OutboxEntry<M> {
  seq: number;
  readonly msg: M;
}

export class Outbox<M> {
  private entries: OutboxEntry<M>[] = [];
  private head = 0;
  /** The seq the next message gets. */
  private next = 1;

  get length(): number {
    return this.entries.length - this.head;
  }

  /** The highest seq handed out; 0 before the first. */
  get lastSeq(): number {
    return this.next - 1;
  }

  /** The lowest seq still waiting for an ack, or lastSeq + 1 when none waits. */
  get firstSeq(): number {
    return this.next - this.length;
  }

  push(msg: M): OutboxEntry<M> {
    const entry = { seq: this.next++, msg };
    this.entries.push(entry);
    return entry;
  }

  /** Drops every entry with seq ≤ `seq` (a cumulative ack). */
  ackUpTo(seq: number): void {
    while (this.head < this.entries.length && (this.entries[this.head] as OutboxEntry<M>).seq <= seq) this.head++;
    // Compact once the acked prefix dominates, so the array does not grow forever.
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /** For a new peer incarnation: the waiting entries become 1 … length. */
  renumber(): void {
    let seq = 1;
    for (let i = this.head; i < this.entries.length; i++) (this.entries[i] as OutboxEntry<M>).seq = seq++;
    this.next = seq;
  }

  /** The waiting entries, oldest first. */
  *pending(): IterableIterator<OutboxEntry<M>> {
    for (let i = this.head; i < this.entries.length; i++) yield this.entries[i] as OutboxEntry<M>;
  }
}

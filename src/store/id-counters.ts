import { MAX_ID } from './codec.js';
import type { EntityKind } from './entity-kind.js';

/**
 * The next id of each kind, in memory, and which counters have moved since
 * they were last handed to a batch. Allocation is synchronous, so concurrent
 * callers can never get the same id; the store writes a moved counter once
 * per batch, however many ids were allocated in it.
 */
export class IdCounters {
  private readonly next = new Map<EntityKind, number>();
  private moved = new Set<EntityKind>();

  /** Sets where `kind` starts, when the store opens. */
  init(kind: EntityKind, next: number): void {
    this.next.set(kind, next);
  }

  reserve(kind: EntityKind): number {
    const id = this.next.get(kind) ?? 0;
    if (id > MAX_ID) throw new RangeError(`no ${kind} id left: ids end at ${MAX_ID}`);
    this.next.set(kind, id + 1);
    this.moved.add(kind);
    return id;
  }

  /** Keeps the counter of `kind` above `id`, an id a put is about to write. */
  cover(kind: EntityKind, id: number): void {
    if (id >= (this.next.get(kind) ?? 0)) {
      this.next.set(kind, id + 1);
      this.moved.add(kind);
    }
  }

  /** The counters that moved, as [kind, next id]; they count as written unless given back. */
  take(): [EntityKind, number][] {
    const taken = [...this.moved].map((kind): [EntityKind, number] => [kind, this.next.get(kind) ?? 0]);
    this.moved = new Set();
    return taken;
  }

  /** Marks counters as still to be written, after the batch that carried them failed. */
  giveBack(taken: readonly [EntityKind, number][]): void {
    for (const [kind] of taken) this.moved.add(kind);
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.next);
  }
}

import { decodeValue } from './codec.js';
import type { EntityKind } from './entity-kind.js';

/** A write to a kind kept in memory, as it went to disk: `bytes` undefined for a delete. */
export interface CopiedWrite {
  readonly kind: EntityKind;
  readonly id: number;
  readonly bytes: Uint8Array | undefined;
}

/**
 * The kinds a store also keeps whole in memory, decoded and frozen, so that
 * their reads never reach LevelDB: small ones read on every API call (the
 * caller's user record, the owners' names). A copy changes only once the
 * batch that carries the write is on disk, so reads see what they would see
 * on disk. Values come out frozen, shared by every reader: change a copy of
 * one (`{ ...record, … }`), never the value itself.
 */
export class MemoryCopies {
  private readonly kinds = new Map<EntityKind, Map<number, unknown>>();

  constructor(kinds: readonly EntityKind[]) {
    for (const kind of kinds) this.kinds.set(kind, new Map());
  }

  has(kind: EntityKind): boolean {
    return this.kinds.has(kind);
  }

  /** The kinds kept, for the store to load at open. */
  names(): EntityKind[] {
    return [...this.kinds.keys()];
  }

  get(kind: EntityKind, id: number): unknown {
    return this.of(kind).get(id);
  }

  /** Ids in (gt, lt) in order (highest first with `reverse`), at most `limit`. */
  list(
    kind: EntityKind,
    gt: number | undefined,
    lt: number | undefined,
    limit: number,
    reverse: boolean,
  ): { id: number; value: unknown }[] {
    const m = this.of(kind);
    const ids = [...m.keys()]
      .filter((id) => (gt === undefined || id > gt) && (lt === undefined || id < lt))
      .sort((a, b) => (reverse ? b - a : a - b));
    return ids.slice(0, limit === Infinity ? undefined : limit).map((id) => ({ id, value: m.get(id) }));
  }

  count(kind: EntityKind): number {
    return this.of(kind).size;
  }

  /** Takes writes now on disk, in the order they were made. */
  apply(writes: readonly CopiedWrite[]): void {
    for (const w of writes) {
      const m = this.of(w.kind);
      if (w.bytes === undefined) m.delete(w.id);
      else m.set(w.id, deepFreeze(decodeValue(w.bytes)));
    }
  }

  private of(kind: EntityKind): Map<number, unknown> {
    const m = this.kinds.get(kind);
    if (m === undefined) throw new TypeError(`${kind} is not kept in memory`);
    return m;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}

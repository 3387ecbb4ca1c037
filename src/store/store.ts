import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Level, type BatchOperation } from 'level';
import type { Logger } from 'pino';
import { NepheleError } from '../errors.js';
import { assertId, decodeId, decodeValue, encodeId, encodeValue, idRange } from './codec.js';
import { ENTITY_KINDS, isEntityKind, type EntityKind, type RecordOf } from './entity-kind.js';
import { GroupCommit } from './group-commit.js';
import { IdCounters } from './id-counters.js';
import { MemoryCopies, type CopiedWrite } from './memory-copies.js';
import { migrate, type SchemaTarget } from './migrate.js';
import { MIGRATIONS, type Migration } from './migrations.js';
import type { StoreOp } from './store-op.js';

export type { StoreOp } from './store-op.js';
export type StoreStatus = 'opening' | 'open' | 'closing' | 'closed';

export interface StoreOptions {
  log?: Logger;
  /**
   * Sync each batch to disk (fsync) before its writes resolve, so that a
   * resolved write survives a machine crash, not only a process crash. Group
   * commit makes this one fsync per batch, not per write.
   * @default true
   */
  sync?: boolean;
  /**
   * Hears every group-commit batch written: how long LevelDB took to write
   * it (and sync it, with `sync`), in seconds, and how many entity ops it
   * held (id counters not counted). For metrics; a throw is logged, not
   * passed on. @default none
   */
  onWrite?: (seconds: number, ops: number) => void;
  /**
   * Kinds also kept whole in memory (see MemoryCopies): their gets, lists
   * and counts are answered from there. For small kinds read on every call.
   * Their values come out frozen. @default none
   */
  memoryKinds?: readonly EntityKind[];
  /**
   * The schema's steps, run at open on an older store (see migrations.ts).
   * For tests of the runner. @default MIGRATIONS
   */
  migrations?: readonly Migration[];
}

export interface ListOptions {
  /** Only ids greater than this: pass the last id of the previous page. */
  gt?: number;
  /** Only ids less than this: the previous page's last id when paging in reverse. */
  lt?: number;
  /** @default Infinity */
  limit?: number;
  /** Highest id first. @default false */
  reverse?: boolean;
}

export interface Entry<T> {
  id: number;
  value: T;
}

type Db = Level<string, Uint8Array>;
type LevelOp = BatchOperation<Db, string, Uint8Array>;
/** A queued write: the LevelDB op, and what a kind kept in memory takes once it is on disk. */
interface QueuedOp {
  readonly level: LevelOp;
  readonly copy?: CopiedWrite;
}

const ENCODINGS = { keyEncoding: 'utf8', valueEncoding: 'view' } as const;
const openSublevel = (db: Db, kind: EntityKind) => db.sublevel<string, Uint8Array>(kind, ENCODINGS);
type Sublevel = ReturnType<typeof openSublevel>;
/** The counter of `kind` lives in `meta` under this key, outside the numeric key range. */
const counterKey = (kind: EntityKind): string => `next-id/${kind}`;
/** The schema version lives in `meta` too; a store without it is version 0. */
const VERSION_KEY = 'schema-version';

/**
 * The embedded store: one LevelDB sublevel per entity kind, numeric ids,
 * msgpack values.
 *
 * Writes (`put`, `del`, `batch`, and the id counters) go through group
 * commit: those issued in one event-loop turn are written as one LevelDB
 * batch and each resolves when that batch is on disk. Batches are written
 * one at a time, in order, so two writes to one key land in the order they
 * were issued, awaited or not. Reads go straight to LevelDB: they see every
 * write whose promise has resolved, and may or may not see one still pending.
 */
export class Store {
  private state: StoreStatus = 'opening';
  private readonly db: Db;
  private readonly subs: ReadonlyMap<EntityKind, Sublevel>;
  private readonly log: Logger | undefined;
  private readonly sync: boolean;
  private readonly onWrite: ((seconds: number, ops: number) => void) | undefined;
  private readonly queue: GroupCommit<QueuedOp>;
  private readonly ids = new IdCounters();
  private readonly copies: MemoryCopies;
  private reads = 0;
  private readsIdle: (() => void) | undefined;
  private closing: Promise<void> | undefined;
  private version = 0;

  private constructor(db: Db, options: StoreOptions) {
    this.db = db;
    this.log = options.log;
    this.sync = options.sync ?? true;
    this.onWrite = options.onWrite;
    this.subs = new Map(ENTITY_KINDS.map((kind) => [kind, openSublevel(db, kind)]));
    this.queue = new GroupCommit((ops) => this.write(ops));
    this.copies = new MemoryCopies(options.memoryKinds ?? []);
  }

  /**
   * Opens (creating if need be) the store in directory `dir`. It holds
   * password hashes and tokens' hashes: the directory is made mode 0700 and
   * the files in it 0600, whatever the umask and whatever an older version
   * left. LevelDB makes its later files (new tables, logs) with the
   * process's umask; the 0700 directory keeps them from others anyway, and
   * oned runs with umask 077 (bin/oned.ts).
   *
   * An older store is migrated to the current schema version before
   * anything reads it; a newer one is refused with STORE_TOO_NEW, untouched.
   */
  static async open(dir: string, options: StoreOptions = {}): Promise<Store> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    const store = new Store(new Level<string, Uint8Array>(dir, ENCODINGS), options);
    try {
      await store.db.open();
      await ownerOnly(dir);
      store.version = await migrate(store.schemaTarget(), options.migrations ?? MIGRATIONS, store.log);
      await store.loadCounters();
      await store.loadCopies();
    } catch (err) {
      store.state = 'closed';
      await store.db.close().catch(() => undefined);
      throw err;
    }
    store.state = 'open';
    store.log?.info({ dir, schemaVersion: store.version, nextIds: store.ids.toJSON() }, 'store open');
    return store;
  }

  get status(): StoreStatus {
    return this.state;
  }

  /** The schema version of the records on disk, once open: always the latest this code knows. */
  get schemaVersion(): number {
    return this.version;
  }

  get<K extends EntityKind>(kind: K, id: number): Promise<RecordOf<K> | undefined> {
    return this.read(async () => {
      assertId(id);
      if (this.copies.has(kind)) return this.copies.get(kind, id) as RecordOf<K> | undefined;
      const bytes: Uint8Array | undefined = await this.sub(kind).get(encodeId(id));
      return bytes === undefined ? undefined : decodeValue<RecordOf<K>>(bytes);
    });
  }

  /**
   * Entities of `kind` in id order, from one snapshot.
   * Cost: one LevelDB iterator, O(entries returned).
   */
  list<K extends EntityKind>(kind: K, options: ListOptions = {}): Promise<Entry<RecordOf<K>>[]> {
    return this.read(async () => {
      const { gt, lt, limit = Infinity, reverse = false } = options;
      if (gt !== undefined) assertId(gt, 'gt');
      if (lt !== undefined) assertId(lt, 'lt');
      if (!(limit === Infinity || (Number.isSafeInteger(limit) && limit >= 0))) {
        throw new TypeError(`limit must be a non-negative integer or Infinity, got ${String(limit)}`);
      }
      if (limit === 0) return [];
      if (this.copies.has(kind)) return this.copies.list(kind, gt, lt, limit, reverse) as Entry<RecordOf<K>>[];
      const entries = await this.sub(kind)
        .iterator({ ...idRange(gt, lt), limit: limit === Infinity ? -1 : limit, reverse })
        .all();
      return entries.map(([key, bytes]) => ({ id: decodeId(key), value: decodeValue<RecordOf<K>>(bytes) }));
    });
  }

  /**
   * How many entities of `kind` there are. Counted, not kept: a kept count
   * would need a read before every put to tell an insert from an overwrite.
   * Cost: a scan of every key of the kind, O(entities); values are not decoded.
   */
  count(kind: EntityKind): Promise<number> {
    return this.read(async () => {
      if (this.copies.has(kind)) return this.copies.count(kind);
      const keys = this.sub(kind).keys(idRange());
      let n = 0;
      try {
        for (let chunk = await keys.nextv(1000); chunk.length > 0; chunk = await keys.nextv(1000)) {
          n += chunk.length;
        }
      } finally {
        await keys.close();
      }
      return n;
    });
  }

  put(kind: EntityKind, id: number, value: unknown): Promise<void> {
    return this.batch([{ type: 'put', kind, id, value }]);
  }

  del(kind: EntityKind, id: number): Promise<void> {
    return this.batch([{ type: 'del', kind, id }]);
  }

  /**
   * Writes `ops` atomically: all or none. They are checked and encoded before
   * anything is queued, so one bad op rejects this call alone and leaves
   * other writes of the same group commit alone.
   */
  batch(ops: readonly StoreOp[]): Promise<void> {
    if (this.state !== 'open') return Promise.reject(closedError());
    let levelOps: QueuedOp[];
    try {
      levelOps = ops.map((op) => this.toQueuedOp(op));
    } catch (err) {
      return Promise.reject(err);
    }
    // An id chosen by the caller (oneadmin is user 0) is never handed out by nextId.
    for (const op of ops) if (op.type === 'put') this.ids.cover(op.kind, op.id);
    return this.queue.add(levelOps);
  }

  /**
   * Allocates the next id of `kind` and resolves once the counter is on
   * disk: the id is never handed out again, even after a restart, and may be
   * shown to anyone at once. Ids start at 0, stay above every id already
   * put, and only grow; an id whose entity is never written is skipped, as
   * OpenNebula skips VM ids. Concurrent callers get distinct ids, and the
   * counter is written once per batch however many ids it allocated.
   */
  nextId(kind: EntityKind): Promise<number> {
    let id: number;
    try {
      id = this.reserveId(kind);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.queue.commit().then(() => id);
  }

  /**
   * Allocates the next id of `kind` synchronously. Its counter write joins
   * the batch now being gathered, so a write issued in the same turn lands
   * in the same LevelDB batch, atomically with it:
   *
   * ```ts
   * const id = store.reserveId('vms');
   * await store.batch([
   *   { type: 'put', kind: 'vms', id, value: vm },
   *   { type: 'put', kind: 'history', id: historyId, value: record },
   * ]);
   * ```
   *
   * Any later write is in that batch or a later one, so the counter is never
   * on disk after an entity that uses the id. Until such a write resolves,
   * the id is not durable: keep it to yourself (`nextId` if it must escape).
   * Throws STORE_CLOSED when the store is not open.
   */
  reserveId(kind: EntityKind): number {
    if (this.state !== 'open') throw closedError();
    this.sub(kind);
    const id = this.ids.reserve(kind);
    // A reserve not followed by any write must still reach disk.
    this.queue.commit().catch(() => undefined);
    return id;
  }

  /**
   * Finishes the writes already accepted and the reads in progress, then
   * closes LevelDB. Calls made from now on reject with STORE_CLOSED.
   */
  close(): Promise<void> {
    if (this.state === 'closed') return Promise.resolve();
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.state = 'closing';
    try {
      await this.queue.drain();
      if (this.reads > 0) await new Promise<void>((resolve) => (this.readsIdle = resolve));
    } finally {
      await this.db.close();
      this.state = 'closed';
      this.log?.info('store closed');
    }
  }

  private async read<T>(fn: () => Promise<T>): Promise<T> {
    if (this.state !== 'open') throw closedError();
    this.reads++;
    try {
      return await fn();
    } finally {
      if (--this.reads === 0) this.readsIdle?.();
    }
  }

  /** Writes one group-commit batch, with the id counters that moved since the last. */
  private async write(queued: QueuedOp[]): Promise<void> {
    const entityOps = queued.length;
    const ops = queued.map((q) => q.level);
    const counters = this.ids.take();
    const meta = this.sub('meta');
    for (const [kind, next] of counters) {
      ops.push({ type: 'put', sublevel: meta, key: counterKey(kind), value: encodeValue(next) });
    }
    const started = performance.now();
    try {
      await this.db.batch(ops, { sync: this.sync });
    } catch (err) {
      // The counters must reach disk with a later batch, or an id could come round again.
      this.ids.giveBack(counters);
      this.log?.error({ err, ops: ops.length }, 'store batch failed');
      throw err;
    }
    this.copies.apply(queued.flatMap((q) => (q.copy === undefined ? [] : [q.copy])));
    if (this.onWrite !== undefined) this.observeWrite((performance.now() - started) / 1000, entityOps);
  }

  /** An observer's mistake must not fail a write that is on disk. */
  private observeWrite(seconds: number, ops: number): void {
    try {
      this.onWrite?.(seconds, ops);
    } catch (err) {
      this.log?.error({ err }, 'store write observer threw');
    }
  }

  /**
   * The next id of each kind is one past the higher of its counter and its
   * highest key. Puts keep the counter above every id they write, so the
   * keys only matter for data the counter never saw (an import, a restore).
   */
  private async loadCounters(): Promise<void> {
    const meta = this.sub('meta');
    for (const kind of ENTITY_KINDS) {
      const stored = await meta.get(counterKey(kind));
      const last = await this.sub(kind)
        .keys({ ...idRange(), reverse: true, limit: 1 })
        .all();
      const fromCounter = stored === undefined ? 0 : decodeValue<number>(stored);
      const fromKeys = last[0] === undefined ? 0 : decodeId(last[0]) + 1;
      this.ids.init(kind, Math.max(fromCounter, fromKeys));
    }
  }

  /** The store as migrations see it: straight from LevelDB, before the copies and counters load. */
  private schemaTarget(): SchemaTarget {
    const meta = this.sub('meta');
    return {
      readVersion: async () => {
        const bytes = await meta.get(VERSION_KEY);
        return bytes === undefined ? undefined : decodeValue<unknown>(bytes);
      },
      get: async (kind, id) => {
        const bytes = await this.sub(kind).get(encodeId(id));
        return bytes === undefined ? undefined : decodeValue<unknown>(bytes);
      },
      list: async (kind) => {
        const entries = await this.sub(kind).iterator(idRange()).all();
        return entries.map(([key, bytes]) => ({ id: decodeId(key), value: decodeValue<unknown>(bytes) }));
      },
      commit: async (ops, version) => {
        const levelOps = ops.map((op) => this.toQueuedOp(op).level);
        levelOps.push({ type: 'put', sublevel: meta, key: VERSION_KEY, value: encodeValue(version) });
        await this.db.batch(levelOps, { sync: this.sync });
      },
    };
  }

  /** Reads the kinds kept in memory, once, at open. */
  private async loadCopies(): Promise<void> {
    for (const kind of this.copies.names()) {
      const entries = await this.sub(kind).iterator(idRange()).all();
      this.copies.apply(entries.map(([key, bytes]) => ({ kind, id: decodeId(key), bytes })));
    }
  }

  private toQueuedOp(op: StoreOp): QueuedOp {
    const sublevel = this.sub(op.kind);
    assertId(op.id);
    const key = encodeId(op.id);
    const copied = this.copies.has(op.kind);
    if (op.type === 'del') {
      const level: LevelOp = { type: 'del', sublevel, key };
      return copied ? { level, copy: { kind: op.kind, id: op.id, bytes: undefined } } : { level };
    }
    if (op.type !== 'put') throw new TypeError(`op type must be 'put' or 'del', got ${String((op as { type: unknown }).type)}`);
    if (op.value === undefined) throw new TypeError('a put needs a value; use del to remove');
    const value = encodeValue(op.value);
    const level: LevelOp = { type: 'put', sublevel, key, value };
    return copied ? { level, copy: { kind: op.kind, id: op.id, bytes: value } } : { level };
  }

  private sub(kind: EntityKind): Sublevel {
    const sub = isEntityKind(kind) ? this.subs.get(kind) : undefined;
    if (sub === undefined) throw new TypeError(`unknown entity kind ${String(kind)}`);
    return sub;
  }
}

function closedError(): NepheleError {
  return new NepheleError('STORE_CLOSED', 'The store is not open.');
}

/** Makes the store's files readable by their owner alone. A file LevelDB removed meanwhile is skipped. */
async function ownerOnly(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    await chmod(join(dir, entry.name), 0o600).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
}

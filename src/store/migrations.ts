import type { EntityKind } from './entity-kind.js';
import type { StoreOp } from './store-op.js';

/** What a migration may read: the store as the previous version left it, straight from disk. */
export interface MigrationReader {
  get(kind: EntityKind, id: number): Promise<unknown>;
  /** Every entity of `kind`, in id order. */
  list(kind: EntityKind): Promise<{ id: number; value: unknown }[]>;
}

/**
 * One step of the store's schema, from version `from` to `from + 1`. Its
 * writes and the new version go to disk in one LevelDB batch: a crash leaves
 * the store at `from` or at `from + 1`, never between.
 */
export interface Migration {
  readonly from: number;
  /** What changes, for the log and the docs. */
  readonly why: string;
  readonly ops: (read: MigrationReader) => Promise<readonly StoreOp[]>;
}

/**
 * Every step of the schema, in order: the entry at index N goes from version
 * N to N + 1. To change what a record looks like on disk, append one; never
 * edit or remove a step a released oned has run.
 */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  {
    from: 0,
    why: 'the store gets a schema version; records are as main wrote them before it',
    ops: async () => [],
  },
]);

/** The version this code writes and reads: one past the last step. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** A list whose steps are out of order is a programming mistake. */
export function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.from !== i) throw new TypeError(`migration ${i} must go from version ${i}, not ${m.from}`);
  });
}

import type { Logger } from 'pino';
import { NepheleError } from '../errors.js';
import { checkMigrations, type Migration, type MigrationReader } from './migrations.js';
import type { StoreOp } from './store-op.js';

/** The store as a migration sees it while it opens: nothing else reads or writes it yet. */
export interface SchemaTarget extends MigrationReader {
  /** The version on disk; undefined for a store written before there was one (version 0). */
  readVersion(): Promise<unknown>;
  /** Writes `ops`, then `version`, in one batch. */
  commit(ops: readonly StoreOp[], version: number): Promise<void>;
}

/**
 * Brings the store up to the last version `migrations` know, one step at a
 * time, and resolves with that version. A store newer than that is refused
 * untouched: this code would misread records it does not know.
 */
export async function migrate(target: SchemaTarget, migrations: readonly Migration[], log?: Logger): Promise<number> {
  checkMigrations(migrations);
  const known = migrations.length;
  const stored = (await target.readVersion()) ?? 0;
  if (typeof stored !== 'number' || !Number.isSafeInteger(stored) || stored < 0) {
    throw new Error(`the store's schema version is unreadable: ${String(stored)}`);
  }
  if (stored > known) {
    throw new NepheleError(
      'STORE_TOO_NEW',
      `The store has schema version ${stored}, newer than this oned knows (${known}): a newer Nephele wrote it. Run that version or a later one.`,
      { details: { version: stored, known } },
    );
  }
  for (let version = stored; version < known; version++) {
    const step = migrations[version];
    if (step === undefined) throw new TypeError(`no migration from version ${version}`);
    await target.commit(await step.ops(target), version + 1);
    log?.info({ from: version, to: version + 1, why: step.why }, 'store migrated');
  }
  return known;
}

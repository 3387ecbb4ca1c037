export { Store } from './store.js';
export type { Entry, ListOptions, StoreOp, StoreOptions, StoreStatus } from './store.js';
export { ENTITY_KINDS, isEntityKind } from './entity-kind.js';
export type { EntityKind } from './entity-kind.js';
export { MAX_ID } from './codec.js';
export { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
export type { Migration, MigrationReader } from './migrations.js';

import type { EntityKind } from './entity-kind.js';

/** One write of a batch: a put of a value, or a delete. */
export type StoreOp =
  | { readonly type: 'put'; readonly kind: EntityKind; readonly id: number; readonly value: unknown }
  | { readonly type: 'del'; readonly kind: EntityKind; readonly id: number };

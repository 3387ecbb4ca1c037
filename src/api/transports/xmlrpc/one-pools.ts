import type { Session } from '../../../auth/session.js';
import { NepheleError } from '../../../errors.js';
import type { OneArgs } from './one-args.js';

/**
 * OpenNebula's pool filter (RequestManagerPoolInfoFilter.cc, PoolSQL::usr_filter):
 * -4 the caller's group's objects, -3 the caller's own, -2 every object the
 * caller may see, -1 the caller's and their group's, ≥ 0 that user's.
 * Always within what the caller may see: the handler lists only that.
 */
export const ONE_FILTER = Object.freeze({ GROUP: -4, MINE: -3, ALL: -2, MINE_GROUP: -1 });

/**
 * OpenNebula's state filter of one.vmpool.info (VirtualMachinePoolInfo): -2
 * every state, DONE included; -1 every state but DONE; 0…11 that VM_STATE.
 */
export const ONE_VM_STATE_FILTER = Object.freeze({ ANY: -2, NOT_DONE: -1, DONE: 6, MAX: 11 });

/** A pool call's `filter`, `start`, `end`, read from positions `at`, `at + 1`, `at + 2`. */
export interface PoolQuery {
  readonly filter: number;
  readonly start: number;
  readonly end: number;
}

/** OpenNebula's defaults where a client leaves them out: everything (OCA's `info` sends -2, -1, -1). */
export function poolQuery(a: OneArgs, at = 1): PoolQuery {
  const filter = a.optInt(at, 'filter', ONE_FILTER.ALL);
  if (filter < ONE_FILTER.GROUP) throw new NepheleError('INVALID_ARGUMENT', 'Incorrect filter_flag', { details: { field: 'filter' } });
  return { filter, start: a.optInt(at + 1, 'start', -1), end: a.optInt(at + 2, 'end', -1) };
}

/** The rows of a page asked with a negative end (OpenNebula's `LIMIT start, -end`); undefined for an id range. */
export function rowPage(q: PoolQuery): { offset: number; limit: number } | undefined {
  if (q.end >= -1) return undefined;
  return { offset: Math.max(0, q.start), limit: -q.end };
}

/** Whether an object passes the filter's owner test (the caller may see it already). */
export function ownerFilter(
  q: PoolQuery,
  session: Pick<Session, 'uid' | 'gid'>,
): (o: { readonly uid: number; readonly gid: number }) => boolean {
  switch (q.filter) {
    case ONE_FILTER.ALL:
      return () => true;
    case ONE_FILTER.MINE:
      return (o) => o.uid === session.uid;
    case ONE_FILTER.GROUP:
      return (o) => o.gid === session.gid;
    case ONE_FILTER.MINE_GROUP:
      return (o) => o.uid === session.uid || o.gid === session.gid;
    default:
      return (o) => o.uid === q.filter;
  }
}

/**
 * OpenNebula's paging (PoolSQL::oid_filter, PoolSQL::dump), over objects in
 * id order: a negative `end` is a page of rows, `LIMIT start, -end` (start
 * a row offset: the Ruby OCA pages with `start` 0, size, 2 × size…); else
 * `start` ≥ 0 keeps ids from `start` on, and `end` ≥ 0 too those up to
 * `end`; `start` -1 keeps every id (then `end` is not read, as OpenNebula's).
 */
export function pageOf<T extends { readonly id: number }>(sorted: readonly T[], q: Pick<PoolQuery, 'start' | 'end'>): readonly T[] {
  const rows = rowPage({ filter: ONE_FILTER.ALL, ...q });
  if (rows !== undefined) return sorted.slice(rows.offset, rows.offset + rows.limit);
  if (q.start === -1) return sorted;
  return sorted.filter((o) => o.id >= q.start && (q.end === -1 || o.id <= q.end));
}

/** Objects sorted by id, unless they are already (the handlers list most in id order). */
export function byId<T extends { readonly id: number }>(items: readonly T[]): readonly T[] {
  for (let i = 1; i < items.length; i++) {
    if ((items[i - 1] as T).id > (items[i] as T).id) return [...items].sort((a, b) => a.id - b.id);
  }
  return items;
}

/** A pool call's answer: filtered by owner, then paged, as OpenNebula's SQL (WHERE, ORDER BY oid, LIMIT). */
export function poolPage<T extends { readonly id: number; readonly uid: number; readonly gid: number }>(
  items: readonly T[],
  q: PoolQuery,
  session: Pick<Session, 'uid' | 'gid'>,
): readonly T[] {
  const keep = ownerFilter(q, session);
  const kept = q.filter === ONE_FILTER.ALL ? byId(items) : byId(items.filter(keep));
  return pageOf(kept, q);
}

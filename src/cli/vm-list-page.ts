import type { ParamsOf } from '../api/api-types.js';

/**
 * How many VMs one page of `onevm list` shows. A list that fits in one page
 * is shown whole, as before paging; a longer one shows its first page and
 * says how to see the next. @default 1000
 */
export const LIST_PAGE_SIZE = 1_000;

export interface ListPage {
  readonly all: boolean;
  /** 1-based. @default 1 */
  readonly page?: number;
  /** @default LIST_PAGE_SIZE */
  readonly pageSize?: number;
}

/** The `vmpool.info` call for a page: one VM more than fits, to tell whether another page follows. */
export function listPageParams(o: ListPage): ParamsOf<'vmpool.info'> {
  const size = o.pageSize ?? LIST_PAGE_SIZE;
  return { all: o.all, offset: ((o.page ?? 1) - 1) * size, limit: size + 1 };
}

/** The page's VMs, and whether more follow. */
export function splitPage<T>(vms: readonly T[], pageSize = LIST_PAGE_SIZE): { shown: readonly T[]; more: boolean } {
  return vms.length > pageSize ? { shown: vms.slice(0, pageSize), more: true } : { shown: vms, more: false };
}

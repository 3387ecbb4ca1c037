import { ownedOf } from '../auth/authorize.js';
import { holds, type Owned } from '../auth/permissions.js';
import type { Session } from '../auth/session.js';
import type { VmRecord } from './vm-record.js';
import type { VmState } from './vm-states.js';

/** VMs per state; a state no VM is in is absent. */
export type VmStateCounts = Partial<Record<VmState, number>>;

export interface IndexPage {
  /** Include VMs in DONE. */
  readonly all: boolean;
  /** Only this owner's VMs; undefined: everyone's. */
  readonly uid?: number | undefined;
  /** Only the VMs this user may use (see), by their bits; undefined: everyone's. */
  readonly who?: Pick<Session, 'uid' | 'gid' | 'admin'> | undefined;
  /** VMs to skip, in id order. @default 0 */
  readonly offset?: number;
  /** @default every VM past the offset */
  readonly limit?: number;
}

/**
 * Every VM of oned in memory, kept as its records are written, so that
 * `vm.info`, `vmpool.info` (a page of it, however many VMs there are) and
 * the counts by state never read the store. A VM not DONE is held by its
 * record — the very object its actor holds, so the index costs a map entry,
 * not a copy. A DONE VM keeps only its owner here: its record stays in the
 * store, which the pool reads for the few a listing with `all` shows.
 *
 * Whoever writes a VM record (the pool at create, the VM's actor at every
 * transition) puts it here once the write has resolved: the index then
 * shows what the store holds, as listings always did.
 */
export class VmIndex {
  private readonly live = new Map<number, VmRecord>();
  /** DONE VMs: id → owner, group and bits. */
  private readonly done = new Map<number, Owned>();
  /** Every id, ascending once `sorted`. */
  private ids: number[] = [];
  private sorted = true;
  private readonly byState = new Map<VmState, number>();

  /** How many VMs, DONE included. */
  get size(): number {
    return this.ids.length;
  }

  /** Takes a record that has just been written. */
  put(r: VmRecord): void {
    const before = this.live.get(r.id);
    const wasDone = before === undefined && this.done.has(r.id);
    if (before !== undefined) this.count(before.state, -1);
    else if (wasDone) this.count('DONE', -1);
    else {
      if (this.ids.length > 0 && (this.ids[this.ids.length - 1] as number) > r.id) this.sorted = false;
      this.ids.push(r.id);
    }
    this.count(r.state, 1);
    if (r.state === 'DONE') {
      this.live.delete(r.id);
      this.done.set(r.id, ownedOf(r, 'VM'));
    } else {
      this.done.delete(r.id);
      this.live.set(r.id, r);
    }
  }

  /** The record of a VM not DONE. */
  get(id: number): VmRecord | undefined {
    return this.live.get(id);
  }

  isDone(id: number): boolean {
    return this.done.has(id);
  }

  /** The ids of the VMs not DONE, ascending. */
  liveIds(): number[] {
    return this.order().filter((id) => this.live.has(id));
  }

  /** The owners of the VMs not DONE, one entry per VM. */
  liveOwners(): number[] {
    return [...this.live.values()].map((r) => r.uid);
  }

  counts(): VmStateCounts {
    return Object.fromEntries(this.byState) as VmStateCounts;
  }

  /** The ids a listing shows, ascending: O(offset + limit) once sorted. */
  page(p: IndexPage): number[] {
    const offset = p.offset ?? 0;
    const limit = p.limit ?? Infinity;
    const out: number[] = [];
    let skipped = 0;
    for (const id of this.order()) {
      if (out.length >= limit) break;
      const live = this.live.get(id);
      const done = live === undefined && p.all ? this.done.get(id) : undefined;
      const uid = live?.uid ?? done?.uid;
      if (uid === undefined || (p.uid !== undefined && uid !== p.uid)) continue;
      if (p.who !== undefined && !holds(p.who, done ?? ownedOf(live as VmRecord, 'VM'), 'use')) continue;
      if (skipped < offset) skipped++;
      else out.push(id);
    }
    return out;
  }

  private order(): number[] {
    if (!this.sorted) {
      this.ids.sort((a, b) => a - b);
      this.sorted = true;
    }
    return this.ids;
  }

  private count(state: VmState, by: number): void {
    const n = (this.byState.get(state) ?? 0) + by;
    if (n === 0) this.byState.delete(state);
    else this.byState.set(state, n);
  }
}

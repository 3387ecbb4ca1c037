import type { HostView } from '../../../hosts/host-view.js';
import type { HostRef } from '../../one-xml/index.js';

export interface HostRefsOptions {
  /** How long a list is used before it is asked again, ms. @default 1000 */
  readonly ttlMs?: number;
  /** A host a VM names that the list lacks (created since) asks again, but not more often than this, ms. @default 100 */
  readonly missMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

type HostList = readonly Pick<HostView, 'id' | 'name' | 'im' | 'vm' | 'tm'>[];

/**
 * The hosts' names and drivers that VM documents print in each HISTORY
 * (HOSTNAME, VM_MAD, TM_MAD), kept for a second rather than asked of the
 * host pool with every one.vm.info: the pool's list would be most of such a
 * call's cost. What it keeps every user may see (hostpool.info shows every
 * host's name and drivers; only a host's VMs are filtered), so one list
 * serves every caller. A VM's current host name comes fresh with its view;
 * a host renamed shows its old name in older stays for at most `ttlMs`.
 */
export class HostRefs {
  private readonly ttlMs: number;
  private readonly missMs: number;
  private readonly now: () => number;
  private refs: ReadonlyMap<number, HostRef> = new Map();
  private at = Number.NEGATIVE_INFINITY;
  private pending: Promise<ReadonlyMap<number, HostRef>> | undefined;

  constructor(options: HostRefsOptions = {}) {
    this.ttlMs = options.ttlMs ?? 1000;
    this.missMs = options.missMs ?? 100;
    this.now = options.now ?? Date.now;
  }

  /**
   * The hosts by id, for the ids `wanted`: from the list kept while it is
   * fresh and holds them all, else from `list` (one ask shared by the calls
   * that need it at once).
   */
  async get(wanted: Iterable<number>, list: () => Promise<HostList>): Promise<ReadonlyMap<number, HostRef>> {
    const age = this.now() - this.at;
    if (age <= this.ttlMs) {
      let missing = false;
      for (const id of wanted) {
        if (!this.refs.has(id)) {
          missing = true;
          break;
        }
      }
      if (!missing || age <= this.missMs) return this.refs;
    }
    this.pending ??= list().then(
      (hosts) => {
        this.refs = new Map(hosts.map((h) => [h.id, { name: h.name, im: h.im, vm: h.vm, tm: h.tm }]));
        this.at = this.now();
        this.pending = undefined;
        return this.refs;
      },
      (err: unknown) => {
        this.pending = undefined;
        throw err;
      },
    );
    return this.pending;
  }
}

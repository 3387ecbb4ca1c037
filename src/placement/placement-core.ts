/**
 * The matchmaker, as a pure function over snapshots: pending VMs in
 * priority then FIFO order, each onto the best host that is enabled,
 * satisfies its requirements and has the capacity — counting what this
 * pass already dispatched, so two VMs never over-commit a host however many
 * are placed at once. The requirement and rank closures are compiled once
 * per VM elsewhere; nothing is parsed here.
 */
import type { Rank, Requirements } from './expr/index.js';
import { HostTable } from './host-table.js';

/** Host variables the expressions see: OpenNebula's names. */
export type HostVars = Record<string, string | number>;

export interface HostCandidate {
  readonly id: number;
  /** HYPERVISOR, ARCH, HOSTNAME, NAME, ID, TOTALCPU, …, RUNNING_VMS, CLUSTER and the host's own attributes. */
  readonly vars: HostVars;
  /** Capacity: percent of a core (100 per core) and KiB. */
  readonly totalCpu: number;
  readonly totalMemory: number;
  /** Already promised to VMs on the host, dispatched ones included. */
  allocatedCpu: number;
  allocatedMemory: number;
}

export interface PendingVm {
  readonly id: number;
  /** Share of cores, as OpenNebula's CPU. */
  readonly cpu: number;
  /** MiB. */
  readonly memory: number;
  /** Higher first. @default 0 */
  readonly priority: number;
  /** compileRequirements()'s, or any closure (called host by host). */
  readonly requirements: Requirements;
  /** Higher wins; undefined: the policy's rank. compileRank()'s, or any closure. */
  readonly rank: Rank | undefined;
}

/** OpenNebula's default scheduling policies. */
export type PlacementPolicy = 'packing' | 'striping' | 'load_aware' | 'fixed';

export interface PlacementOptions {
  /** @default 'packing' */
  readonly policy: PlacementPolicy;
  /** OpenNebula's MAX_DISPATCH. @default 10000 */
  readonly maxVmsPerPass: number;
  /** OpenNebula's MAX_HOST. @default 1000 */
  readonly maxDispatchPerHost: number;
}

export const DEFAULT_PLACEMENT: Readonly<PlacementOptions> = Object.freeze({
  policy: 'packing',
  maxVmsPerPass: 10_000,
  maxDispatchPerHost: 1_000,
});

export interface PlacementResult {
  readonly dispatched: readonly { readonly vmId: number; readonly hostId: number }[];
  /** Why a VM stays PENDING, in OpenNebula's words. */
  readonly unplaced: readonly { readonly vmId: number; readonly reason: string }[];
}

/** The rank a policy gives a host, for VMs without a SCHED_RANK of their own. */
export const POLICY_RANK: Readonly<Record<PlacementPolicy, (h: HostVars) => number>> = {
  // Fill the busiest hosts first.
  packing: (h) => num(h.RUNNING_VMS),
  // Spread over the least busy.
  striping: (h) => -num(h.RUNNING_VMS),
  // Most free CPU first.
  load_aware: (h) => num(h.FREECPU),
  // The operator's PRIORITY attribute on the host.
  fixed: (h) => num(h.PRIORITY),
};

function num(v: string | number | undefined): number {
  return typeof v === 'number' ? v : 0;
}

/** What a VM takes from a host: percent of a core (100 per core) and KiB. */
export function demand(vm: { readonly cpu: number; readonly memory: number }): { cpu: number; memory: number } {
  return { cpu: Math.round(vm.cpu * 100), memory: vm.memory * 1024 };
}

/** Whether the host can still take `need` (allocations include what was dispatched but not yet reported). */
export function fits(
  host: Pick<HostCandidate, 'allocatedCpu' | 'allocatedMemory' | 'totalCpu' | 'totalMemory'>,
  need: { cpu: number; memory: number },
): boolean {
  return host.allocatedCpu + need.cpu <= host.totalCpu && host.allocatedMemory + need.memory <= host.totalMemory;
}

/** The variables place() changes on a host it dispatches to; nothing else changes during a pass. */
const CHANGED_BY_DISPATCH: ReadonlySet<string> = new Set(['RUNNING_VMS', 'CURRENT_VMS']);

/**
 * Places what fits; the hosts' allocations, RUNNING_VMS and CURRENT_VMS are
 * updated in place. Hosts must be distinct objects.
 *
 * Compiled expressions (those that carry a `plan`) are evaluated over all
 * hosts at once through a HostTable; closures without one are called host by
 * host. Both give the same decisions.
 */
export function place(
  vms: readonly PendingVm[],
  hosts: readonly HostCandidate[],
  options: Readonly<PlacementOptions> = DEFAULT_PLACEMENT,
): PlacementResult {
  const dispatched: { vmId: number; hostId: number }[] = [];
  const unplaced: { vmId: number; reason: string }[] = [];
  const pass = new Pass(hosts, options);
  // Stable: equal priorities keep their FIFO order.
  const order = [...vms].sort((a, b) => b.priority - a.priority);
  for (const vm of order) {
    if (dispatched.length >= options.maxVmsPerPass) break;
    if (hosts.length === 0) {
      unplaced.push({ vmId: vm.id, reason: 'No hosts enabled to run VMs' });
      continue;
    }
    const need = demand(vm);
    const best = pass.best(vm, need);
    if (best < 0) {
      unplaced.push({
        vmId: vm.id,
        reason:
          best === NONE_MATCHED
            ? 'No host meets the requirements (SCHED_REQUIREMENTS)'
            : 'Not enough capacity in any host that meets the requirements',
      });
      continue;
    }
    pass.dispatch(best, vm.id, need);
    dispatched.push({ vmId: vm.id, hostId: (hosts[best] as HostCandidate).id });
  }
  return { dispatched, unplaced };
}

/** Pass.best() when no host meets the requirements. */
const NONE_MATCHED = -1;
/** Pass.best() when some do, but none of them has room. */
const NONE_FITS = -2;

/** One place() call's state: the hosts as columns, their capacity mirrored in typed arrays. */
class Pass {
  private readonly hosts: readonly HostCandidate[];
  private readonly table: HostTable;
  private readonly maxPerHost: number;
  private readonly policyRank: (h: HostVars) => number;
  /** The policy's rank of every host, once a VM without a rank of its own needs it. */
  private policyRanks: Float64Array | undefined;
  // Mirrors of the hosts' figures for the inner loops; written back on every dispatch.
  private readonly ids: Float64Array;
  private readonly totalCpu: Float64Array;
  private readonly totalMemory: Float64Array;
  private readonly allocatedCpu: Float64Array;
  private readonly allocatedMemory: Float64Array;
  /** Dispatched this pass, by host index. */
  private readonly perHost: Int32Array;
  /** Requirements of a closure without a plan, host by host. */
  private readonly closureBits: Int32Array;
  /** Hosts that meet the requirements and have room, in host order, and their ranks. */
  private readonly candidates: Int32Array;
  private readonly ranks: Float64Array;

  constructor(hosts: readonly HostCandidate[], options: Readonly<PlacementOptions>) {
    this.hosts = hosts;
    this.table = new HostTable(
      hosts.map((h) => h.vars),
      CHANGED_BY_DISPATCH,
    );
    this.maxPerHost = options.maxDispatchPerHost;
    this.policyRank = POLICY_RANK[options.policy];
    this.ids = Float64Array.from(hosts, (h) => h.id);
    this.totalCpu = Float64Array.from(hosts, (h) => h.totalCpu);
    this.totalMemory = Float64Array.from(hosts, (h) => h.totalMemory);
    this.allocatedCpu = Float64Array.from(hosts, (h) => h.allocatedCpu);
    this.allocatedMemory = Float64Array.from(hosts, (h) => h.allocatedMemory);
    this.perHost = new Int32Array(hosts.length);
    this.closureBits = new Int32Array(this.table.words);
    this.candidates = new Int32Array(hosts.length);
    this.ranks = new Float64Array(hosts.length);
  }

  /** The index of the host the VM goes to, or NONE_MATCHED or NONE_FITS. */
  best(vm: PendingVm, need: { cpu: number; memory: number }): number {
    const matching = this.matching(vm.requirements);
    const { rank } = vm;
    const column =
      rank === undefined
        ? (this.policyRanks ??= Float64Array.from(this.hosts, (h) => this.policyRank(h.vars)))
        : rank.plan === undefined
          ? undefined
          : this.table.rankColumn(rank.plan);
    let best: number;
    if (column !== undefined) {
      best = this.bestInColumn(matching, need, column);
    } else {
      const count = this.collect(matching, need);
      if (rank?.plan !== undefined) this.table.ranks(rank.plan, this.candidates, count, this.ranks);
      else if (rank !== undefined)
        for (let k = 0; k < count; k++) this.ranks[k] = rank((this.hosts[this.candidates[k] as number] as HostCandidate).vars);
      best = this.bestCandidate(count);
    }
    if (best >= 0) return best;
    return matching.some((w) => w !== 0) ? NONE_FITS : NONE_MATCHED;
  }

  /** Takes the VM's share of host `i`, and tells the table what changed. */
  dispatch(i: number, vmId: number, need: { cpu: number; memory: number }): void {
    const host = this.hosts[i] as HostCandidate;
    host.allocatedCpu += need.cpu;
    host.allocatedMemory += need.memory;
    this.allocatedCpu[i] = host.allocatedCpu;
    this.allocatedMemory[i] = host.allocatedMemory;
    host.vars.RUNNING_VMS = num(host.vars.RUNNING_VMS) + 1;
    const current = host.vars.CURRENT_VMS;
    host.vars.CURRENT_VMS = current === undefined || current === '' ? String(vmId) : `${current},${vmId}`;
    this.table.changed(i);
    if (this.policyRanks !== undefined) this.policyRanks[i] = this.policyRank(host.vars);
    this.perHost[i] = (this.perHost[i] as number) + 1;
  }

  private matching(requirements: Requirements): Int32Array {
    if (requirements.plan !== undefined) return this.table.matching(requirements.plan);
    const bits = this.closureBits;
    bits.fill(0);
    for (let i = 0; i < this.hosts.length; i++) {
      if (requirements((this.hosts[i] as HostCandidate).vars)) bits[i >>> 5] = (bits[i >>> 5] as number) | (1 << (i & 31));
    }
    return bits;
  }

  // The two scans below run for every (VM, host) pair: each reads its arrays
  // into locals and walks the bitset bit by bit (most hosts match, so this
  // beats jumping from set bit to set bit), in host order.

  /** Whether host `i` takes a VM of this size now: as fits(), so a NaN figure means no room. */
  private hasRoom(i: number, cpu: number, memory: number): boolean {
    return (
      (this.allocatedCpu[i] as number) + cpu <= (this.totalCpu[i] as number) &&
      (this.allocatedMemory[i] as number) + memory <= (this.totalMemory[i] as number) &&
      (this.perHost[i] as number) < this.maxPerHost
    );
  }

  /** The best host with room among `matching`, ranked by `column`; -1 if none. */
  private bestInColumn(matching: Int32Array, need: { cpu: number; memory: number }, column: Float64Array): number {
    const { cpu, memory } = need;
    const { ids } = this;
    const n = this.hosts.length;
    let best = -1;
    let bestRank = -Infinity;
    for (let w = 0; w < matching.length; w++) {
      const bits = matching[w] as number;
      if (bits === 0) continue;
      const base = w << 5;
      const end = Math.min(32, n - base);
      for (let b = 0; b < end; b++) {
        if (((bits >>> b) & 1) === 0) continue;
        const i = base + b;
        if (!this.hasRoom(i, cpu, memory)) continue;
        const r = column[i] as number;
        // Ties go to the lower id, so a pass is deterministic.
        if (r > bestRank || (r === bestRank && best >= 0 && (ids[i] as number) < (ids[best] as number))) {
          best = i;
          bestRank = r;
        }
      }
    }
    return best;
  }

  /** Writes the hosts with room among `matching` into `candidates`; returns how many. */
  private collect(matching: Int32Array, need: { cpu: number; memory: number }): number {
    const { cpu, memory } = need;
    const { candidates } = this;
    const n = this.hosts.length;
    let count = 0;
    for (let w = 0; w < matching.length; w++) {
      const bits = matching[w] as number;
      if (bits === 0) continue;
      const base = w << 5;
      const end = Math.min(32, n - base);
      for (let b = 0; b < end; b++) {
        if (((bits >>> b) & 1) === 0) continue;
        const i = base + b;
        if (!this.hasRoom(i, cpu, memory)) continue;
        candidates[count++] = i;
      }
    }
    return count;
  }

  /** The best of the first `count` candidates by `ranks`; -1 if none. */
  private bestCandidate(count: number): number {
    let best = -1;
    let bestRank = -Infinity;
    for (let k = 0; k < count; k++) {
      const r = this.ranks[k] as number;
      const i = this.candidates[k] as number;
      if (r > bestRank || (r === bestRank && best >= 0 && (this.ids[i] as number) < (this.ids[best] as number))) {
        best = i;
        bestRank = r;
      }
    }
    return best;
  }
}

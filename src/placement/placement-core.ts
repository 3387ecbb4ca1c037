/**
 * The matchmaker, as a pure function over snapshots: pending VMs in
 * priority then FIFO order, each onto the best host that is enabled,
 * satisfies its requirements and has the capacity — counting what this
 * pass already dispatched, so two VMs never over-commit a host however many
 * are placed at once. The requirement and rank closures are compiled once
 * per VM elsewhere; nothing is parsed here.
 */

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
  readonly requirements: (host: HostVars) => boolean;
  /** Higher wins; undefined: the policy's rank. */
  readonly rank: ((host: HostVars) => number) | undefined;
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
export function fits(host: Pick<HostCandidate, 'allocatedCpu' | 'allocatedMemory' | 'totalCpu' | 'totalMemory'>, need: { cpu: number; memory: number }): boolean {
  return host.allocatedCpu + need.cpu <= host.totalCpu && host.allocatedMemory + need.memory <= host.totalMemory;
}

/** Places what fits; the hosts' allocations and RUNNING_VMS are updated in place. */
export function place(vms: readonly PendingVm[], hosts: readonly HostCandidate[], options: Readonly<PlacementOptions> = DEFAULT_PLACEMENT): PlacementResult {
  const dispatched: { vmId: number; hostId: number }[] = [];
  const unplaced: { vmId: number; reason: string }[] = [];
  const perHost = new Map<number, number>();
  const policyRank = POLICY_RANK[options.policy];
  // Stable: equal priorities keep their FIFO order.
  const order = [...vms].sort((a, b) => b.priority - a.priority);
  for (const vm of order) {
    if (dispatched.length >= options.maxVmsPerPass) break;
    if (hosts.length === 0) {
      unplaced.push({ vmId: vm.id, reason: 'No hosts enabled to run VMs' });
      continue;
    }
    const need = demand(vm);
    const rank = vm.rank ?? policyRank;
    let best: HostCandidate | undefined;
    let bestRank = -Infinity;
    let matched = 0;
    for (const host of hosts) {
      if (!vm.requirements(host.vars)) continue;
      matched++;
      if (!fits(host, need)) continue;
      if ((perHost.get(host.id) ?? 0) >= options.maxDispatchPerHost) continue;
      const r = rank(host.vars);
      // Ties go to the lower id, so a pass is deterministic.
      if (r > bestRank || (r === bestRank && best !== undefined && host.id < best.id)) {
        best = host;
        bestRank = r;
      }
    }
    if (best === undefined) {
      unplaced.push({
        vmId: vm.id,
        reason: matched === 0 ? 'No host meets the requirements (SCHED_REQUIREMENTS)' : 'Not enough capacity in any host that meets the requirements',
      });
      continue;
    }
    best.allocatedCpu += need.cpu;
    best.allocatedMemory += need.memory;
    best.vars.RUNNING_VMS = num(best.vars.RUNNING_VMS) + 1;
    const current = best.vars.CURRENT_VMS;
    best.vars.CURRENT_VMS = current === undefined || current === '' ? String(vm.id) : `${current},${vm.id}`;
    perHost.set(best.id, (perHost.get(best.id) ?? 0) + 1);
    dispatched.push({ vmId: vm.id, hostId: best.id });
  }
  return { dispatched, unplaced };
}

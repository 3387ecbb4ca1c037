/**
 * What a hypervisor driver has promised to its VMs, against what the host
 * has: one rule for NO_CAPACITY, shared by every driver so that the dummy
 * and qemu drivers refuse the same VM the same way (the conformance suite
 * checks it).
 */
import { NepheleError } from '../../src/errors.js';
import type { VmSpec } from '../../src/protocol/domain.js';
import type { HostCapacity } from './types.js';

/** CPU in whole percent of a core and memory in KiB, as the capacity is counted. */
export interface Allocation {
  readonly cpu: number;
  readonly memoryKb: number;
}

export class CapacityLedger {
  readonly total: HostCapacity;
  private taken: Allocation = { cpu: 0, memoryKb: 0 };

  constructor(total: HostCapacity) {
    this.total = total;
  }

  /** What the VMs held and being deployed take. */
  get used(): Allocation {
    return this.taken;
  }

  /** What the VM asks for, in the ledger's units. */
  static need(spec: Pick<VmSpec, 'cpu' | 'memoryMb'>): Allocation {
    return { cpu: Math.round(spec.cpu * 100), memoryKb: spec.memoryMb * 1024 };
  }

  /**
   * Takes the VM's share, or throws NO_CAPACITY (details `{ vmId, lacking,
   * cpu, memoryKb }`) when it does not fit.
   */
  reserve(spec: VmSpec): Allocation {
    const need = CapacityLedger.need(spec);
    const totalCpu = this.total.cpus * 100;
    const free = { cpu: totalCpu - this.taken.cpu, memoryKb: this.total.memoryKb - this.taken.memoryKb };
    const lacking = [...(need.cpu > free.cpu ? ['cpu'] : []), ...(need.memoryKb > free.memoryKb ? ['memory'] : [])];
    if (lacking.length > 0) {
      throw new NepheleError('NO_CAPACITY', `VM ${spec.vmId} does not fit: not enough ${lacking.join(' and ')}`, {
        details: {
          vmId: spec.vmId,
          lacking,
          cpu: { requested: need.cpu, free: free.cpu, total: totalCpu },
          memoryKb: { requested: need.memoryKb, free: free.memoryKb, total: this.total.memoryKb },
        },
      });
    }
    this.add(need);
    return need;
  }

  /** Counts a VM the driver already runs (one adopted after a restart), fitting or not. */
  add(need: Allocation): void {
    this.taken = { cpu: this.taken.cpu + need.cpu, memoryKb: this.taken.memoryKb + need.memoryKb };
  }

  release(need: Allocation): void {
    this.taken = { cpu: this.taken.cpu - need.cpu, memoryKb: this.taken.memoryKb - need.memoryKb };
  }

  clear(): void {
    this.taken = { cpu: 0, memoryKb: 0 };
  }
}

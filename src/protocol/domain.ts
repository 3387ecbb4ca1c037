/**
 * The domain types that cross the wire between oned and the node agents.
 * Units follow OpenNebula: CPU in percent of one core (a 4-core host has
 * TOTALCPU 400), memory in KiB.
 */

export type HypervisorName = 'dummy' | 'qemu';

/** What an agent says of itself when it dials in. */
export interface NodeCapabilities {
  readonly hypervisors: readonly HypervisorName[];
  /** The hypervisor driver this agent runs. */
  readonly hypervisor: HypervisorName;
  readonly arch: string;
  readonly cpus: number;
  readonly memoryKb: number;
  readonly hostname: string;
  /** The agent's package version. */
  readonly version: string;
}

/** A host's monitoring figures, as OpenNebula names them. */
export interface HostMonitoring {
  readonly HOSTNAME: string;
  readonly ARCH: string;
  readonly CPU_MODEL: string;
  readonly HYPERVISOR: HypervisorName;
  /** 100 per core. */
  readonly TOTALCPU: number;
  readonly USEDCPU: number;
  readonly FREECPU: number;
  /** KiB. */
  readonly TOTALMEMORY: number;
  readonly USEDMEMORY: number;
  readonly FREEMEMORY: number;
  readonly RUNNING_VMS: number;
  /** Milliseconds since the epoch at the node. */
  readonly TIMESTAMP: number;
}

/** What a node needs to run a VM. Disks, NICs and context come with the VM issue. */
export interface VmSpec {
  readonly vmId: number;
  readonly name: string;
  /** Share of CPU, 1.0 = one core, as OpenNebula's CPU. */
  readonly cpu: number;
  readonly vcpu: number;
  /** MiB, as OpenNebula's MEMORY. */
  readonly memoryMb: number;
}

/** The state of a VM as its node sees it (OpenNebula's LCM view from the hypervisor). */
export type VmRunState = 'running' | 'paused' | 'poweroff' | 'failed';

export interface VmInfo {
  readonly vmId: number;
  readonly state: VmRunState;
  /** Percent of one core. */
  readonly cpuUsage: number;
  /** KiB. */
  readonly memoryKb: number;
  /** Whatever the driver wants the front-end to know, e.g. the qemu pid. */
  readonly deployId: string;
}

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

/** What one VM's process uses now, in a host's monitoring push (OpenNebula's VM MONITORING CPU and MEMORY). */
export interface VmMonitoring {
  readonly vmId: number;
  /** Percent of one core, over the time since the driver last looked. */
  readonly cpu: number;
  /** KiB: the resident memory of the VM's process (qemu), or what the dummy driver simulates. */
  readonly memoryKb: number;
}

/**
 * A disk as the hypervisor attaches it; the file at `path` was made by the
 * transfer driver during PROLOG (clone, mkswap, volatile, context ISO).
 */
export interface DiskSpec {
  /** OpenNebula's DISK_ID, 0-based in template order; the context CD comes last. */
  readonly diskId: number;
  /** Absolute path on the host, inside the VM's directory. */
  readonly path: string;
  readonly format: 'qcow2' | 'raw';
  /** `disk` (virtio), `cdrom` (read-only IDE/SATA CD, the context CD is one). */
  readonly type: 'disk' | 'cdrom';
  /** Guest device name (vda, vdb, hdc …), informational; the order is diskId's. */
  readonly target?: string;
  readonly readonly?: boolean;
}

/** A NIC as the hypervisor plugs it: a tap on the network's bridge with the lease's MAC. */
export interface NicSpec {
  /** OpenNebula's NIC_ID, 0-based in template order. */
  readonly nicId: number;
  /** Locally administered unicast MAC, `02:00:0a:00:00:05`. */
  readonly mac: string;
  /** The network's Linux bridge on the host. */
  readonly bridge: string;
  /** The tap device, `one-<vmId>-<nicId>` (at most 15 bytes). */
  readonly tap: string;
  readonly ip?: string;
  /** @default 'virtio-net-pci' */
  readonly model?: string;
}

/** Direct kernel boot (OpenNebula's OS = [ KERNEL, INITRD, KERNEL_CMD, ROOT ]). */
export interface OsSpec {
  readonly kernel?: string;
  readonly initrd?: string;
  readonly kernelCmd?: string;
}

/** What a node needs to run a VM. */
export interface VmSpec {
  readonly vmId: number;
  readonly name: string;
  /** Share of CPU, 1.0 = one core, as OpenNebula's CPU. */
  readonly cpu: number;
  readonly vcpu: number;
  /** MiB, as OpenNebula's MEMORY. */
  readonly memoryMb: number;
  /** Empty or absent: a diskless VM (the dummy driver needs none). */
  readonly disks?: readonly DiskSpec[];
  readonly nics?: readonly NicSpec[];
  readonly os?: OsSpec;
  /**
   * The VM's directory on the host (`<datastore>/<vmId>`), where the driver
   * keeps its pidfile, QMP socket, console log and checkpoint.
   */
  readonly dir?: string;
}

/**
 * One file PROLOG makes in the VM's directory (OpenNebula's transfer
 * actions). Paths are absolute and inside the host's datastores.
 * - `clone`: a qcow2 overlay whose backing file is `source` (CLONE of a non-persistent image);
 * - `copy`: a full copy of the disk image at `source`;
 * - `link`: `target` is a symbolic link to `source`, used in place (a persistent image, CLONE = no, a CD);
 * - `swap`: a raw swap disk of `sizeMb` (TYPE = swap);
 * - `volatile`: a raw disk of `sizeMb`, formatted with `fs` when given (TYPE = fs);
 * - `file`: a byte-for-byte copy of `source` (a kernel or an initrd).
 */
export interface TransferStep {
  readonly action: 'clone' | 'copy' | 'link' | 'swap' | 'volatile' | 'file';
  readonly target: string;
  readonly source?: string;
  /** MiB: the size of a swap or volatile disk, or what a cloned disk grows to. */
  readonly sizeMb?: number;
  readonly fs?: 'ext2' | 'ext3' | 'ext4';
  /** A `copy` in this format (TM_MAD = ssh turns an uploaded image into the VM's qcow2 disk). @default the source's */
  readonly format?: 'qcow2' | 'raw';
}

/** The contextualization CD: `context.sh` and the CONTEXT FILES_DS images, by name. */
export interface ContextCdSpec {
  readonly target: string;
  readonly script: string;
  readonly files: readonly { readonly name: string; readonly source: string }[];
}

/** A disk EPILOG copies into the images datastore before the VM's directory goes (SAVE = yes). */
export interface SaveStep {
  readonly source: string;
  readonly target: string;
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

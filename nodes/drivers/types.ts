/**
 * The node agent's driver interfaces. The node actor talks to the host only
 * through these, so a simulated host (`dummy`) and a real one (`qemu`) are
 * interchangeable, and one conformance suite (test/fixtures/) holds every
 * implementation to the same contract.
 */
import type { HostMonitoring, HypervisorName, VmInfo, VmSpec } from '../../src/protocol/domain.js';

/** A driver's life cycle, as every long-lived resource in Nephele exposes it. */
export type DriverStatus = 'closed' | 'opening' | 'open' | 'closing';

/** What a hypervisor driver may hand out, in the units of VmSpec's caller. */
export interface HostCapacity {
  /** Cores; the host's TOTALCPU is 100 × cpus. */
  readonly cpus: number;
  /** KiB. */
  readonly memoryKb: number;
}

export interface ShutdownOptions {
  /**
   * false: ask the guest to power off (ACPI) and wait for it. true: stop the
   * VM at once, as pulling the plug.
   */
  readonly hard: boolean;
  /** Cancels the wait; the VM is then left as it is at that moment. */
  readonly signal?: AbortSignal;
}

export interface RebootOptions {
  /** false: ask the guest to reboot (ACPI). true: reset the VM, as pressing the reset button. */
  readonly hard: boolean;
  readonly signal?: AbortSignal;
}

/**
 * Runs VMs on this host.
 *
 * Contract (held by test/fixtures/hypervisor-conformance.ts):
 * - Errors are `NepheleError`s: `VM_NOT_FOUND` (details `{ vmId }`) for a VM the
 *   driver does not hold, `NO_CAPACITY` for a VM that does not fit,
 *   `DRIVER_FAILED` (details include `status`) for any operation while the
 *   driver is not `open`, and `DRIVER_FAILED` with a `cause` when the
 *   hypervisor itself fails. An operation cancelled through its `AbortSignal`
 *   rejects with the signal's reason.
 * - Operations on one VM apply in call order: one called while another is in
 *   flight for the same VM waits for it (the VM actor sends one at a time
 *   anyway; the order matters for retries after a reconnect). `poll` and
 *   `list` never wait: they report the state at the moment of the call.
 * - A VM appears in `poll`/`list` once its deploy has resolved, and leaves
 *   them when its shutdown resolves.
 * - Operations are safe to repeat where repeating is meaningful: deploy of a
 *   VM the driver holds, suspend of a paused VM and resume of a running one
 *   change nothing. A repeated shutdown rejects with `VM_NOT_FOUND`, which a
 *   caller retrying a shutdown reads as done.
 * - VMs outlive the driver: `close()` leaves them running, and a driver opened
 *   later over the same state (an agent restart) holds them again.
 */
export interface HypervisorDriver {
  readonly name: HypervisorName;
  readonly status: DriverStatus;

  /**
   * Makes the driver ready and takes back the VMs it ran before (the qemu
   * driver re-adopts its detached processes from their pidfiles and QMP
   * sockets). Resolves at once when already open.
   */
  open(): Promise<void>;

  /**
   * Stops accepting operations, cancels those in flight (a cancelled deploy
   * leaves no VM behind; they reject with `DRIVER_FAILED`) and releases the
   * driver's own resources. VMs keep running. Resolves at once when already
   * closed.
   */
  close(): Promise<void>;

  /** What the driver may hand out in all; available in any status. */
  capacity(): HostCapacity;

  /**
   * Starts the VM and resolves once it runs, with its info.
   * - A VM the driver already holds is left alone: the call resolves with its
   *   current info, whatever its state and whatever `spec` says now. To start
   *   a `failed` VM again, shut it down first.
   * - `NO_CAPACITY` (details `{ vmId, lacking, cpu, memoryKb }`) when the VM
   *   would take the CPU (Σ cpu×100) or memory (Σ memoryMb×1024) of the VMs
   *   the driver holds or is deploying past `capacity()`.
   * - Cancelled through `signal`, it stops whatever it had started, releases
   *   its reservation and rejects with the signal's reason; no VM is left.
   */
  deploy(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo>;

  /**
   * Stops the VM and forgets it: it leaves `list`, `poll` says `VM_NOT_FOUND`
   * and its capacity is free again. Works on a VM in any state. A soft
   * shutdown of a paused VM resumes it first so the guest can answer; one the
   * guest ignores for longer than the driver's timeout rejects with
   * `DRIVER_FAILED` and leaves the VM running (the caller may go hard).
   * Unknown VM: `VM_NOT_FOUND`.
   */
  shutdown(vmId: number, options: ShutdownOptions): Promise<void>;

  /**
   * Reboots the VM and resolves once it runs again. A paused VM is resumed.
   * A `failed` or `poweroff` VM cannot reboot: `INVALID_ARGUMENT` (details
   * `{ vmId, state, op }`). Unknown VM: `VM_NOT_FOUND`.
   */
  reboot(vmId: number, options: RebootOptions): Promise<void>;

  /**
   * Pauses the VM's CPUs; its memory stays where it is (save to disk comes
   * with the save/restore issue). Paused already: nothing happens. `failed` or
   * `poweroff`: `INVALID_ARGUMENT`. Unknown VM: `VM_NOT_FOUND`.
   */
  suspend(vmId: number): Promise<void>;

  /**
   * Undoes `suspend`. Running already: nothing happens. `failed` or
   * `poweroff`: `INVALID_ARGUMENT`. Unknown VM: `VM_NOT_FOUND`.
   */
  resume(vmId: number): Promise<void>;

  /**
   * The VM's state and usage now. `failed`: its process died or the
   * hypervisor lost it. `poweroff`: the guest powered itself off and the
   * driver still holds it (qemu's -no-shutdown). Unknown VM: `VM_NOT_FOUND`.
   */
  poll(vmId: number): Promise<VmInfo>;
  /**
   * Saves the VM's memory to a checkpoint and stops it, freeing its CPU and
   * memory (OpenNebula's save, for stop, suspend to disk and cold
   * migration). VM_NOT_FOUND for an unknown VM.
   */
  save(vmId: number, signal?: AbortSignal): Promise<void>;
  /**
   * Starts the VM from its checkpoint (or, where the driver keeps none, from
   * its spec); idempotent like deploy.
   */
  restore(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo>;

  /** Every VM the driver holds, ordered by vmId. */
  list(): Promise<VmInfo[]>;
}

/**
 * The host's monitoring figures (OpenNebula's host monitoring). What only the
 * agent knows (the hypervisor it runs, how many VMs are running) the
 * implementation takes as constructor dependencies.
 */
export interface MonitoringDriver {
  /** Figures now; CPU usage is over the time since the previous call. */
  host(): Promise<HostMonitoring>;
}

/**
 * How a disk is made from its image. `linked`: a qcow2 overlay whose backing
 * file is the image (instant, shares the image). `copy`: a full copy
 * (independent of the image, costs the space and the time).
 */
export type CloneMode = 'linked' | 'copy';

export interface CloneOptions {
  readonly mode: CloneMode;
  /** Grow the disk to this size (MiB) after cloning; never shrinks. */
  readonly sizeMb?: number;
  /** A `copy` in this format. @default the source's */
  readonly format?: 'qcow2' | 'raw';
}

/**
 * Makes and removes the files of a VM on its host (OpenNebula's transfer
 * manager). Paths are absolute and chosen by the caller, inside the host's
 * datastore directory. Every operation is idempotent, since a command retried
 * after a reconnect may find its work done: making a file that exists with
 * the same origin resolves, deleting a missing one resolves. Failures are
 * `DRIVER_FAILED` with the tool's stderr in `details`. Implemented by the
 * qemu issue (qemu-img, mkswap, genisoimage); save-back, volatile disks and
 * copies between hosts come later.
 */
export interface TransferDriver {
  /** Makes `target` a disk of the image at `source`. */
  clone(source: string, target: string, options: CloneOptions, signal?: AbortSignal): Promise<void>;

  /** Makes `target` a raw swap disk of `sizeMb` MiB, formatted with mkswap. */
  mkswap(target: string, sizeMb: number, signal?: AbortSignal): Promise<void>;

  /**
   * Makes `target` an ISO 9660 image labelled `label` (OpenNebula's
   * `CONTEXT`) holding `files` (name → content, e.g. `context.sh`), the
   * guest's contextualization CD. Rewrites an existing one.
   */
  contextIso(
    target: string,
    files: Readonly<Record<string, string | Uint8Array>>,
    options: { readonly label: string },
    signal?: AbortSignal,
  ): Promise<void>;

  /**
   * Makes `target` a raw volatile disk of `sizeMb` MiB (OpenNebula's
   * `TYPE = fs`), formatted with `options.fs` when given, else left blank.
   */
  volatile(target: string, sizeMb: number, options?: VolatileOptions, signal?: AbortSignal): Promise<void>;

  /** Makes `target` a symbolic link to `source` (a disk used in place: persistent, CLONE = no, a CD). */
  link(source: string, target: string): Promise<void>;

  /** Copies the file at `source` byte for byte (a kernel or an initrd). */
  copyFile(source: string, target: string, signal?: AbortSignal): Promise<void>;

  /**
   * Writes the disk at `source` (qcow2 overlay or raw) to `target` as a
   * standalone qcow2 image, its backing chain flattened in: SAVE = yes.
   */
  saveAs(source: string, target: string, signal?: AbortSignal): Promise<void>;

  /** Removes `path`, a file or a VM's directory with all it holds. Missing: resolves. */
  delete(path: string): Promise<void>;
}

/**
 * Live migration between two hosts, for drivers that can (qemu). The
 * destination starts the VM waiting on an address, the source sends it
 * there, the destination resolves once it runs.
 */
export interface LiveMigrationDriver {
  prepareIncoming(spec: VmSpec, address: { readonly host: string; readonly port: number }, signal?: AbortSignal): Promise<VmInfo>;
  finishIncoming(vmId: number, signal?: AbortSignal): Promise<VmInfo>;
  migrateOut(vmId: number, uri: string, signal?: AbortSignal): Promise<void>;
}

export interface VolatileOptions {
  /** The file system to make on it (mkfs.<fs>). @default none: a blank disk */
  readonly fs?: 'ext2' | 'ext3' | 'ext4';
}

export interface TapOptions {
  /** @default the bridge's MTU */
  readonly mtu?: number;
  /**
   * The guest's MAC (the lease's). The tap itself takes it with the first
   * byte set to `fe`, as libvirt does: the bridge must never learn the
   * guest's own address as a local one, or frames for the guest stop at the
   * host. @default the kernel's random address
   */
  readonly mac?: string;
}

/**
 * Wires VMs to virtual networks with Linux bridges (one per network) and tap
 * devices (one per NIC), through `ip` with argument arrays. Names are Linux
 * interface names (at most 15 bytes, no `/` or whitespace): others are
 * `INVALID_ARGUMENT`. Every operation is idempotent: creating what exists as
 * asked resolves, removing what is missing resolves. Failures are
 * `DRIVER_FAILED`. Implemented by the qemu issue.
 */
export interface NetworkDriver {
  /** Makes the bridge exist and be up. */
  ensureBridge(bridge: string, options?: { readonly mtu?: number }): Promise<void>;

  /** Removes the bridge; one with ports still attached is `DRIVER_FAILED` (details `{ ports }`). */
  removeBridge(bridge: string): Promise<void>;

  /** Makes the tap exist, be up and be a port of `bridge` (moving it if it was elsewhere). */
  createTap(tap: string, bridge: string, options?: TapOptions): Promise<void>;

  /** Removes the tap. */
  removeTap(tap: string): Promise<void>;
}

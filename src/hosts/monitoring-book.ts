import type { HostMonitoring, VmMonitoring } from '../protocol/domain.js';
import { SampleWindow, checkLimits, type WindowLimits } from './monitoring-window.js';

/** The windows of hosts and of VMs. */
export interface MonitoringLimits {
  readonly host: WindowLimits;
  readonly vm: WindowLimits;
}

const HOUR_MS = 3_600_000;

/**
 * OpenNebula 6.10's 12 hours for both (monitord.conf's
 * HOST_MONITORING_EXPIRATION_TIME and VM_MONITORING_EXPIRATION_TIME,
 * 43,200 s). A host keeps a sample a minute, a VM one every three minutes
 * (OpenNebula probes a VM's usage every 90 s, and oned may hold 10,000 VMs):
 * at most 720 × 64 bytes (46 KB) per host and 240 × 32 bytes (7.7 KB) per VM.
 */
export const DEFAULT_MONITORING_LIMITS: MonitoringLimits = Object.freeze({
  host: Object.freeze({ windowMs: 12 * HOUR_MS, maxSamples: 720 }),
  vm: Object.freeze({ windowMs: 12 * HOUR_MS, maxSamples: 240 }),
});

/** One sample of a host: its figures as its agent pushed them. CPU in percent of one core, memory in KiB. */
export interface HostSample {
  /** When oned took it, ms since the epoch (the agent's own clock may differ). */
  readonly timestamp: number;
  readonly totalCpu: number;
  readonly usedCpu: number;
  readonly freeCpu: number;
  readonly totalMemory: number;
  readonly usedMemory: number;
  readonly freeMemory: number;
  readonly runningVms: number;
}

/** One sample of a VM: what its process used, measured by the agent of `hostId`. */
export interface VmSample {
  /** When oned took it, ms since the epoch. */
  readonly timestamp: number;
  readonly hostId: number;
  /** Percent of one core. */
  readonly cpu: number;
  /** KiB. */
  readonly memory: number;
}

/** A host's window, as `host.monitoring` answers it. */
export interface HostMonitoringView {
  readonly id: number;
  readonly samples: readonly HostSample[];
}

/** A VM's window, as `vm.monitoring` answers it. */
export interface VmMonitoringView {
  readonly id: number;
  readonly samples: readonly VmSample[];
}

/** Windows and samples held: what the bound is about. */
export interface MonitoringStats {
  readonly hosts: number;
  readonly vms: number;
  readonly samples: number;
}

const HOST_WIDTH = 7;
const VM_WIDTH = 3;

/**
 * oned's monitoring history: a window of samples per host and per VM, in
 * memory only (a restarted oned starts with empty windows; OpenNebula keeps
 * them in its database). Host actors write their host's pushes here; the
 * API reads. Bounded whatever the host count: a window per host, one per VM
 * with a stay on a host (opened by `watchVm`, dropped at DONE by
 * `forgetVm`), each at most its limits' `maxSamples`. A VM's figures are
 * kept only while its window is open, so a push can neither make windows
 * nor revive a DONE VM's.
 */
export class MonitoringBook {
  private readonly limits: MonitoringLimits;
  private readonly now: () => number;
  private readonly hosts = new Map<number, SampleWindow>();
  private readonly vms = new Map<number, SampleWindow>();

  /** @param now ms since the epoch, what samples are stamped with. @default Date.now */
  constructor(limits: MonitoringLimits = DEFAULT_MONITORING_LIMITS, now: () => number = Date.now) {
    checkLimits(limits.host);
    checkLimits(limits.vm);
    this.limits = limits;
    this.now = now;
  }

  /** A host's push: its own figures, then those of its VMs that `onHost` says stay there. */
  push(hostId: number, figures: HostMonitoring, vms: readonly VmMonitoring[] | undefined, onHost: (vmId: number) => boolean): void {
    const at = this.now();
    let window = this.hosts.get(hostId);
    if (window === undefined) this.hosts.set(hostId, (window = new SampleWindow(HOST_WIDTH, this.limits.host)));
    window.add(at, [
      figures.TOTALCPU,
      figures.USEDCPU,
      figures.FREECPU,
      figures.TOTALMEMORY,
      figures.USEDMEMORY,
      figures.FREEMEMORY,
      figures.RUNNING_VMS,
    ]);
    for (const vm of vms ?? []) {
      if (onHost(vm.vmId)) this.vms.get(vm.vmId)?.add(at, [hostId, vm.cpu, vm.memoryKb]);
    }
  }

  /** Opens the window of a VM that has a stay on a host; one already open is kept. */
  watchVm(vmId: number): void {
    if (!this.vms.has(vmId)) this.vms.set(vmId, new SampleWindow(VM_WIDTH, this.limits.vm));
  }

  /** The VM is DONE: its window goes. */
  forgetVm(vmId: number): void {
    this.vms.delete(vmId);
  }

  /** The host is deleted: its window goes. */
  forgetHost(hostId: number): void {
    this.hosts.delete(hostId);
  }

  /**
   * A host's samples, oldest first. `seconds` as OpenNebula's pool
   * monitoring calls take it: absent or negative, the whole window; 0, the
   * newest sample only; more, the samples of the last `seconds`.
   */
  host(hostId: number, seconds?: number): HostSample[] {
    return this.read(this.hosts.get(hostId), seconds).map((r) => ({
      timestamp: r[0] as number,
      totalCpu: r[1] as number,
      usedCpu: r[2] as number,
      freeCpu: r[3] as number,
      totalMemory: r[4] as number,
      usedMemory: r[5] as number,
      freeMemory: r[6] as number,
      runningVms: r[7] as number,
    }));
  }

  /** A VM's samples, oldest first; `seconds` as for `host`. */
  vm(vmId: number, seconds?: number): VmSample[] {
    return this.read(this.vms.get(vmId), seconds).map((r) => ({
      timestamp: r[0] as number,
      hostId: r[1] as number,
      cpu: r[2] as number,
      memory: r[3] as number,
    }));
  }

  stats(): MonitoringStats {
    let samples = 0;
    for (const w of this.hosts.values()) samples += w.size;
    for (const w of this.vms.values()) samples += w.size;
    return { hosts: this.hosts.size, vms: this.vms.size, samples };
  }

  private read(window: SampleWindow | undefined, seconds: number | undefined): number[][] {
    if (window === undefined) return [];
    const now = this.now();
    if (seconds === 0) {
      const latest = window.latest(now);
      return latest === undefined ? [] : [latest];
    }
    return window.samples(now, seconds === undefined || seconds < 0 ? Number.NEGATIVE_INFINITY : now - seconds * 1000);
  }
}

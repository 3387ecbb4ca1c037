import { availableParallelism, hostname, totalmem } from 'node:os';
import type { Clock } from '../../src/base/clock.js';
import { SerialQueue } from '../../src/base/serial-queue.js';
import { NepheleError } from '../../src/errors.js';
import type { HostMonitoring, VmInfo, VmRunState, VmSpec } from '../../src/protocol/domain.js';
import { openNebulaArch } from './host-arch.js';
import { liveClock } from './live-clock.js';
import { CapacityLedger, type Allocation } from './capacity-ledger.js';
import type { DriverStatus, HostCapacity, HypervisorDriver, MonitoringDriver, RebootOptions, ShutdownOptions } from './types.js';

export interface DummyHypervisorOptions {
  /** @default os.availableParallelism() */
  readonly cpus?: number;
  /** KiB. @default os.totalmem() / 1024 */
  readonly memoryKb?: number;
  /** How long a deploy takes. @default 0 */
  readonly deployMs?: number;
  /** How long a soft shutdown or a save takes; a hard shutdown is immediate. @default 0 */
  readonly shutdownMs?: number;
  /** How long a reboot, soft or hard, takes. @default 0 */
  readonly rebootMs?: number;
  /** Times the latencies. @default liveClock */
  readonly clock?: Clock;
  /** HOSTNAME, so that many simulated hosts in one process tell apart. @default os.hostname() */
  readonly hostname?: string;
  /** TIMESTAMP, ms since the epoch. @default Date.now */
  readonly now?: () => number;
  /** Operations that fail with DRIVER_FAILED, to simulate a broken host. @default none */
  readonly failOps?: ReadonlySet<SimulatedFailure>;
}

/** What the dummy driver can be told to fail. */
export type SimulatedFailure = 'deploy' | 'save' | 'restore' | 'shutdown' | 'reboot';
export const SIMULATED_FAILURES: readonly SimulatedFailure[] = ['deploy', 'save', 'restore', 'shutdown', 'reboot'];

export type { Allocation } from './capacity-ledger.js';

interface DummyVm {
  readonly spec: VmSpec;
  readonly need: Allocation;
  state: VmRunState;
}

/**
 * The `dummy` hypervisor: a simulated host for scale and failure tests. Its
 * VMs are records in a map, so thousands cost next to nothing; with the
 * latencies at 0 no timer is set, otherwise they run on the given clock.
 * Same calls, same results.
 *
 * - Capacity: a VM takes round(cpu × 100) percent of CPU and memoryMb × 1024
 *   KiB from the moment its deploy starts until its shutdown resolves, a
 *   `failed` VM included (the front-end still counts it on this host).
 * - Usage (VmInfo): a running VM uses half its CPU share, round(cpu × 50),
 *   and all its memory; a paused one no CPU and all its memory; a failed one
 *   neither.
 * - deployId: `dummy-<vmId>`.
 * - As a MonitoringDriver it reports the simulated host: HYPERVISOR=dummy,
 *   CPU_MODEL=dummy, TOTALCPU = 100 × cpus, USEDCPU and USEDMEMORY the sum
 *   of its VMs' usage, RUNNING_VMS the VMs in state `running`.
 * - The VMs live in the instance: closing and opening it again finds them,
 *   as the qemu driver re-adopts its processes.
 */
export class DummyHypervisor implements HypervisorDriver, MonitoringDriver {
  readonly name = 'dummy' as const;
  private readonly ledger: CapacityLedger;
  private readonly deployMs: number;
  private readonly shutdownMs: number;
  private readonly rebootMs: number;
  private readonly clock: Clock;
  private readonly hostname: string;
  private readonly now: () => number;
  private readonly failOps: ReadonlySet<SimulatedFailure>;
  private readonly vms = new Map<number, DummyVm>();
  /** Operations on one VM run one after the other. */
  private readonly queue = new SerialQueue<number>();
  private state: DriverStatus = 'closed';
  private lifetime = new AbortController();
  private closing: Promise<void> | undefined;
  private readonly aborts = new AbortFanout();

  constructor(options: DummyHypervisorOptions = {}) {
    this.ledger = new CapacityLedger({
      cpus: positive(options.cpus ?? availableParallelism(), 'cpus'),
      memoryKb: positive(options.memoryKb ?? Math.floor(totalmem() / 1024), 'memoryKb'),
    });
    this.deployMs = latency(options.deployMs, 'deployMs');
    this.shutdownMs = latency(options.shutdownMs, 'shutdownMs');
    this.rebootMs = latency(options.rebootMs, 'rebootMs');
    this.clock = options.clock ?? liveClock;
    this.hostname = options.hostname ?? hostname();
    this.now = options.now ?? Date.now;
    this.failOps = options.failOps ?? new Set();
  }

  get status(): DriverStatus {
    return this.state;
  }

  async open(): Promise<void> {
    if (this.state === 'closing') await this.closing;
    this.state = 'open';
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state !== 'closing') {
      this.state = 'closing';
      this.lifetime.abort(notOpen('closing'));
      this.closing = this.queue.idle().then(() => {
        this.state = 'closed';
        this.lifetime = new AbortController();
        this.closing = undefined;
      });
    }
    await this.closing;
  }

  capacity(): HostCapacity {
    return this.ledger.total;
  }

  /** What the VMs held and being deployed take. */
  allocated(): Allocation {
    return this.ledger.used;
  }

  deploy(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    return this.deployAs('deploy', spec, signal);
  }

  private deployAs(op: 'deploy' | 'restore', spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    return this.serial(spec.vmId, signal, async () => {
      this.simulateFailure(op, spec.vmId);
      const held = this.vms.get(spec.vmId);
      if (held !== undefined) return info(held);
      const need = this.ledger.reserve(spec);
      try {
        await this.wait(this.deployMs, signal);
      } catch (err) {
        this.ledger.release(need);
        throw err;
      }
      const vm: DummyVm = { spec, need, state: 'running' };
      this.vms.set(spec.vmId, vm);
      return info(vm);
    });
  }

  /** A simulated guest has no memory to keep: the checkpoint is its spec, and saving frees its capacity. */
  save(vmId: number, signal?: AbortSignal): Promise<void> {
    return this.serial(vmId, signal, async () => {
      const vm = this.held(vmId);
      this.simulateFailure('save', vmId);
      await this.wait(this.shutdownMs, signal);
      this.vms.delete(vmId);
      this.ledger.release(vm.need);
    });
  }

  restore(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    return this.deployAs('restore', spec, signal);
  }

  private simulateFailure(op: SimulatedFailure, vmId: number): void {
    if (this.failOps.has(op)) throw new NepheleError('DRIVER_FAILED', `simulated ${op} failure of VM ${vmId}`, { details: { vmId, op } });
  }

  shutdown(vmId: number, options: ShutdownOptions): Promise<void> {
    return this.serial(vmId, options.signal, async () => {
      const vm = this.held(vmId);
      this.simulateFailure('shutdown', vmId);
      if (!options.hard && vm.state !== 'failed' && vm.state !== 'poweroff') {
        vm.state = 'running'; // a paused guest cannot answer ACPI
        await this.wait(this.shutdownMs, options.signal);
      }
      this.vms.delete(vmId);
      this.ledger.release(vm.need);
    });
  }

  reboot(vmId: number, options: RebootOptions): Promise<void> {
    return this.serial(vmId, options.signal, async () => {
      const vm = this.startable(vmId, 'reboot');
      this.simulateFailure('reboot', vmId);
      vm.state = 'running';
      await this.wait(this.rebootMs, options.signal);
      // simulateCrash may have struck during the wait
      if (this.vms.get(vmId)?.state === 'failed') {
        throw new NepheleError('DRIVER_FAILED', `VM ${vmId} failed while rebooting`, { details: { vmId } });
      }
    });
  }

  suspend(vmId: number): Promise<void> {
    return this.serial(vmId, undefined, async () => {
      const vm = this.held(vmId);
      if (vm.state !== 'paused') this.startable(vmId, 'suspend').state = 'paused';
    });
  }

  resume(vmId: number): Promise<void> {
    return this.serial(vmId, undefined, async () => {
      const vm = this.held(vmId);
      if (vm.state !== 'running') this.startable(vmId, 'resume').state = 'running';
    });
  }

  async poll(vmId: number): Promise<VmInfo> {
    this.assertOpen();
    return info(this.held(vmId));
  }

  async list(): Promise<VmInfo[]> {
    this.assertOpen();
    return [...this.vms.values()].sort((a, b) => a.spec.vmId - b.spec.vmId).map(info);
  }

  /** Test hook: the VM's process dies; it stays held, `failed`, until shut down. */
  simulateCrash(vmId: number): void {
    this.held(vmId).state = 'failed';
  }

  async host(): Promise<HostMonitoring> {
    let usedCpu = 0;
    let usedMemoryKb = 0;
    let running = 0;
    for (const vm of this.vms.values()) {
      const { cpuUsage, memoryKb } = info(vm);
      usedCpu += cpuUsage;
      usedMemoryKb += memoryKb;
      if (vm.state === 'running') running++;
    }
    const totalCpu = this.ledger.total.cpus * 100;
    return {
      HOSTNAME: this.hostname,
      ARCH: openNebulaArch(),
      CPU_MODEL: 'dummy',
      HYPERVISOR: 'dummy',
      TOTALCPU: totalCpu,
      USEDCPU: usedCpu,
      FREECPU: totalCpu - usedCpu,
      TOTALMEMORY: this.ledger.total.memoryKb,
      USEDMEMORY: usedMemoryKb,
      FREEMEMORY: this.ledger.total.memoryKb - usedMemoryKb,
      RUNNING_VMS: running,
      TIMESTAMP: this.now(),
    };
  }

  /**
   * Runs `fn` once the VM's earlier operations have settled. An operation
   * whose signal aborted, or whose driver began closing, while it waited
   * rejects without running.
   */
  private serial<T>(vmId: number, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    if (this.state !== 'open') return Promise.reject(notOpen(this.state));
    return this.queue.run(vmId, [signal, this.lifetime.signal], fn);
  }

  /**
   * Resolves after `ms` on the clock; no timer at all when `ms` is 0. The
   * wait hears its signals through `aborts`, so a thousand waits under one
   * signal hold one listener on it, not a thousand.
   */
  private wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
    const signals = signal === undefined ? [this.lifetime.signal] : [signal, this.lifetime.signal];
    const aborted = signals.find((s) => s.aborted);
    if (aborted !== undefined) return Promise.reject(aborted.reason);
    if (ms === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const offs: (() => void)[] = [];
      const off = (): void => {
        for (const o of offs) o();
      };
      const timer = this.clock.setTimer(() => {
        off();
        resolve();
      }, ms);
      const abort = (reason: unknown): void => {
        timer.cancel();
        off();
        reject(reason);
      };
      for (const s of signals) offs.push(this.aborts.on(s, abort));
    });
  }

  private held(vmId: number): DummyVm {
    const vm = this.vms.get(vmId);
    if (vm === undefined) throw new NepheleError('VM_NOT_FOUND', `no VM ${vmId} on this host`, { details: { vmId } });
    return vm;
  }

  /** The VM, if its guest can run: not `failed` nor `poweroff`. */
  private startable(vmId: number, op: string): DummyVm {
    const vm = this.held(vmId);
    if (vm.state === 'failed' || vm.state === 'poweroff') {
      throw new NepheleError('VM_WRONG_STATE', `cannot ${op} VM ${vmId}: it is ${vm.state}`, {
        details: { vmId, state: vm.state, op },
      });
    }
    return vm;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw notOpen(this.state);
  }
}

/**
 * One 'abort' listener per signal, however many waits share it: a listener
 * per wait made Node warn (MaxListenersExceededWarning, past 10 on one
 * signal) as soon as a few VMs deployed at once under the driver's lifetime
 * signal or one caller's signal. The listener goes when its last wait ends.
 */
class AbortFanout {
  private readonly watched = new Map<AbortSignal, { readonly listener: () => void; readonly waits: Set<(reason: unknown) => void> }>();

  /** Calls `onAbort` once if `signal` aborts; the returned function stops that. */
  on(signal: AbortSignal, onAbort: (reason: unknown) => void): () => void {
    let entry = this.watched.get(signal);
    if (entry === undefined) {
      const waits = new Set<(reason: unknown) => void>();
      const listener = (): void => {
        this.watched.delete(signal);
        for (const w of [...waits]) w(signal.reason);
      };
      entry = { listener, waits };
      this.watched.set(signal, entry);
      signal.addEventListener('abort', listener, { once: true });
    }
    const { waits } = entry;
    const own = (reason: unknown): void => onAbort(reason);
    waits.add(own);
    return () => {
      waits.delete(own);
      const current = this.watched.get(signal);
      if (waits.size === 0 && current?.waits === waits) {
        this.watched.delete(signal);
        signal.removeEventListener('abort', current.listener);
      }
    };
  }
}

function info(vm: DummyVm): VmInfo {
  const { spec, state } = vm;
  return {
    vmId: spec.vmId,
    state,
    cpuUsage: state === 'running' ? Math.round(spec.cpu * 50) : 0,
    memoryKb: state === 'failed' ? 0 : spec.memoryMb * 1024,
    deployId: `dummy-${spec.vmId}`,
  };
}

function notOpen(status: DriverStatus): NepheleError {
  return new NepheleError('DRIVER_FAILED', `the dummy driver is ${status}`, { details: { driver: 'dummy', status } });
}

function positive(n: number, what: string): number {
  if (!(n > 0 && Number.isFinite(n))) throw new TypeError(`${what} must be a positive number, got ${n}`);
  return n;
}

function latency(ms: number | undefined, what: string): number {
  if (ms === undefined) return 0;
  if (!(ms >= 0 && Number.isFinite(ms))) throw new TypeError(`${what} must be >= 0, got ${ms}`);
  return ms;
}

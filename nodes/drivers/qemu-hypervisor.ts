import { mkdir, readdir, readFile, rm, writeFile, rename } from 'node:fs/promises';
import { availableParallelism, totalmem } from 'node:os';
import { join } from 'node:path';
import { NepheleError } from '../../src/errors.js';
import { CapacityLedger, type Allocation } from './capacity-ledger.js';
import type { VmInfo, VmRunState, VmSpec } from '../../src/protocol/domain.js';
import { readPid } from '../../src/base/pidfile.js';
import { probeKvm, type Accelerator } from './kvm-probe.js';
import { SerialQueue } from '../../src/base/serial-queue.js';
import { qemuArgs, VM_FILES } from './qemu-args.js';
import { hasCheckpoint, loadCheckpoint, migrateTo, saveCheckpoint, sleep, waitMigration } from './qemu-migration.js';
import {
  cpuPercent,
  isQemuOf,
  killHard,
  qemuLogTail,
  sampleProcess,
  socketPath,
  spawnQemu,
  waitExit,
  type ProcSample,
} from './qemu-process.js';
import { QmpClient } from './qmp-client.js';
import type { DriverStatus, HostCapacity, HypervisorDriver, RebootOptions, ShutdownOptions } from './types.js';

export interface QemuHypervisorOptions {
  /**
   * The driver's own directory: a record per VM (`vm-<vmId>.json`) and a
   * runtime directory per VM (`<stateDir>/<vmId>`: pidfile, QMP socket,
   * console log); the checkpoint goes to the spec's `dir` when it names one.
   */
  readonly stateDir: string;
  /** @default os.availableParallelism() */
  readonly cpus?: number;
  /** KiB. @default os.totalmem() / 1024 */
  readonly memoryKb?: number;
  /** @default 'qemu-system-x86_64' */
  readonly qemu?: string;
  /** 'auto' probes KVM once per process (kvm-probe.ts) and falls back to TCG. @default 'auto' */
  readonly accelerator?: Accelerator | 'auto';
  /** A kernel the KVM probe boots; see KvmProbeOptions.kernel. @default none: the probe's test sector */
  readonly probeKernel?: string;
  /** @default 3000 */
  readonly probeTimeoutMs?: number;
  /** From spawning QEMU until its monitor answers. @default 10000 */
  readonly startTimeoutMs?: number;
  /** How long a soft shutdown or soft reboot waits for the guest to power off. @default 60000 */
  readonly shutdownTimeoutMs?: number;
  /** Each QMP command. @default 5000 */
  readonly qmpTimeoutMs?: number;
  /** A save, restore or live migration. @default 300000 */
  readonly migrateTimeoutMs?: number;
}

interface QemuVm {
  readonly spec: VmSpec;
  readonly dir: string;
  readonly need: Allocation;
  /** Undefined when no process was ever found for it (a deploy cut short by a crash of the agent). */
  readonly pid: number | undefined;
  readonly qmp: QmpClient | undefined;
  /** Its process died or its monitor is lost; stays so until it is shut down. */
  failed: boolean;
  /** Waiting for an incoming live migration. */
  incoming: boolean;
  sample: ProcSample | undefined;
}

/** Each VM's directory and spec, kept by the driver so that a restarted agent finds its VMs. */
interface VmRecord {
  readonly spec: VmSpec;
  readonly dir: string;
}

type StartMode = 'boot' | 'restore' | 'incoming';

/** QEMU run states (QMP query-status) as Nephele's. */
function runState(status: string): VmRunState {
  switch (status) {
    case 'running':
      return 'running';
    case 'shutdown':
      return 'poweroff';
    case 'internal-error':
    case 'guest-panicked':
      return 'failed';
    default:
      return 'paused'; // paused, prelaunch, inmigrate, postmigrate, suspended, io-error, watchdog…
  }
}

/**
 * The `qemu` hypervisor: each VM a qemu-system-x86_64 process, detached so
 * that it outlives the agent, driven through its QMP socket, found again
 * after a restart from the driver's records and the VM's pidfile.
 *
 * - Accelerator: KVM when the probe shows it runs guests, else TCG
 *   (`accelerator` says which, once open).
 * - Capacity: as the dummy driver, round(cpu × 100) percent and
 *   memoryMb × 1024 KiB per VM held or being deployed, a failed one included.
 * - Usage: CPU from /proc/<pid>/stat between two polls, memory QEMU's RSS.
 * - deployId: `qemu-<pid>`.
 * - Soft shutdown presses the ACPI power button (again every 2 s, since a
 *   guest still booting misses it) until the guest powers off; soft reboot
 *   does the same and then resets and starts the VM (libvirt's "fake
 *   reboot": QEMU has no ACPI reboot button). Hard reboot is a reset.
 * - Save stops the CPUs and streams the state to `<spec.dir>/checkpoint`;
 *   restore boots QEMU waiting for it, streams it in, removes it and runs.
 */
export class QemuHypervisor implements HypervisorDriver {
  readonly name = 'qemu' as const;
  private readonly stateDir: string;
  private readonly ledger: CapacityLedger;
  private readonly binary: string;
  private readonly accelOption: Accelerator | 'auto';
  private readonly probeKernel: string | undefined;
  private readonly probeTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly shutdownTimeoutMs: number;
  private readonly qmpTimeoutMs: number;
  private readonly migrateTimeoutMs: number;
  private readonly vms = new Map<number, QemuVm>();
  private readonly queue = new SerialQueue<number>();
  private state: DriverStatus = 'closed';
  private accel: Accelerator | undefined;
  private accelReason = '';
  private lifetime = new AbortController();
  private transition: Promise<void> | undefined;

  constructor(options: QemuHypervisorOptions) {
    if (!options.stateDir.startsWith('/')) throw new TypeError(`stateDir must be absolute, got ${options.stateDir}`);
    this.stateDir = options.stateDir;
    this.ledger = new CapacityLedger({
      cpus: options.cpus ?? availableParallelism(),
      memoryKb: options.memoryKb ?? Math.floor(totalmem() / 1024),
    });
    this.binary = options.qemu ?? 'qemu-system-x86_64';
    this.accelOption = options.accelerator ?? 'auto';
    this.probeKernel = options.probeKernel;
    this.probeTimeoutMs = options.probeTimeoutMs ?? 3000;
    this.startTimeoutMs = options.startTimeoutMs ?? 10_000;
    this.shutdownTimeoutMs = options.shutdownTimeoutMs ?? 60_000;
    this.qmpTimeoutMs = options.qmpTimeoutMs ?? 5000;
    this.migrateTimeoutMs = options.migrateTimeoutMs ?? 300_000;
  }

  get status(): DriverStatus {
    return this.state;
  }

  /** The accelerator VMs run with; undefined until the driver has opened once. */
  get accelerator(): Accelerator | undefined {
    return this.accel;
  }

  /** Why that accelerator, for the agent's log. */
  get acceleratorReason(): string {
    return this.accelReason;
  }

  capacity(): HostCapacity {
    return this.ledger.total;
  }

  async open(): Promise<void> {
    if (this.state === 'closing') await this.transition;
    if (this.state === 'opening') return this.transition;
    if (this.state === 'open') return;
    this.state = 'opening';
    this.transition = this.adoptAll()
      .then(
        () => {
          this.state = 'open';
        },
        (err: unknown) => {
          this.state = 'closed';
          throw err;
        },
      )
      .finally(() => {
        this.transition = undefined;
      });
    return this.transition;
  }

  async close(): Promise<void> {
    if (this.state === 'opening') await this.transition?.catch(() => {});
    if (this.state === 'closed') return;
    if (this.state !== 'closing') {
      this.state = 'closing';
      this.lifetime.abort(notOpen('closing'));
      this.transition = (async () => {
        await this.queue.idle();
        await Promise.all([...this.vms.values()].map((vm) => vm.qmp?.close()));
        this.vms.clear();
        this.ledger.clear();
        this.lifetime = new AbortController();
        this.state = 'closed';
        this.transition = undefined;
      })();
    }
    await this.transition;
  }

  deploy(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    return this.op(spec.vmId, signal, async (s) => {
      const held = await this.live(spec.vmId);
      return held === undefined ? this.start(spec, 'boot', s) : this.info(held);
    });
  }

  restore(spec: VmSpec, signal?: AbortSignal): Promise<VmInfo> {
    return this.op(spec.vmId, signal, async (s) => {
      const held = await this.live(spec.vmId);
      if (held !== undefined) return this.info(held);
      return this.start(spec, (await hasCheckpoint(this.checkpointDir(spec))) ? 'restore' : 'boot', s);
    });
  }

  shutdown(vmId: number, options: ShutdownOptions): Promise<void> {
    return this.op(vmId, options.signal, async (s) => {
      const vm = this.held(vmId);
      if (!options.hard) {
        const state = await this.runState(vm);
        if (state === 'paused') await this.qmp(vm).execute('cont', undefined, { signal: s });
        if (state === 'running' || state === 'paused') await this.powerdown(vm, s);
      }
      await this.stop(vm);
    });
  }

  reboot(vmId: number, options: RebootOptions): Promise<void> {
    return this.op(vmId, options.signal, async (s) => {
      const vm = this.held(vmId);
      const state = await this.startable(vm, 'reboot');
      const qmp = this.qmp(vm);
      if (state === 'paused') await qmp.execute('cont', undefined, { signal: s });
      if (!options.hard) await this.powerdown(vm, s);
      const reset = qmp.nextEvent(['RESET'], { signal: s });
      await qmp.execute('system_reset', undefined, { signal: s });
      await reset;
      // after a guest power-off QEMU waits in 'prelaunch' until told to go
      if ((await this.runState(vm)) !== 'running') await qmp.execute('cont', undefined, { signal: s });
    });
  }

  suspend(vmId: number): Promise<void> {
    return this.op(vmId, undefined, async (s) => {
      const vm = this.held(vmId);
      if ((await this.startable(vm, 'suspend')) === 'running') await this.qmp(vm).execute('stop', undefined, { signal: s });
    });
  }

  resume(vmId: number): Promise<void> {
    return this.op(vmId, undefined, async (s) => {
      const vm = this.held(vmId);
      if ((await this.startable(vm, 'resume')) === 'paused') await this.qmp(vm).execute('cont', undefined, { signal: s });
    });
  }

  save(vmId: number, signal?: AbortSignal): Promise<void> {
    return this.op(vmId, signal, async (s) => {
      const vm = this.held(vmId);
      const state = await this.startable(vm, 'save');
      const qmp = this.qmp(vm);
      if (state === 'running') await qmp.execute('stop', undefined, { signal: s });
      try {
        await saveCheckpoint({ qmp, dir: vm.dir, pid: vm.pid ?? 0, checkpointDir: this.checkpointDir(vm.spec) }, this.migrateTimeoutMs, s);
      } catch (err) {
        if (state === 'running') await qmp.execute('cont').catch(() => {});
        throw err;
      }
      await this.stop(vm);
    });
  }

  async poll(vmId: number): Promise<VmInfo> {
    this.assertOpen();
    return this.info(this.held(vmId));
  }

  async list(): Promise<VmInfo[]> {
    this.assertOpen();
    const vms = [...this.vms.values()].sort((a, b) => a.spec.vmId - b.spec.vmId);
    return Promise.all(vms.map((vm) => this.info(vm)));
  }

  /** The VM's serial console, as QEMU writes it: `<dir>/console.log`. */
  consoleLog(vmId: number): string {
    return join(this.held(vmId).dir, VM_FILES.console);
  }

  /**
   * Starts the VM waiting for its state from another host's `migrateOut`,
   * listening on `address` (TCP). Resolves once it listens, the VM held and
   * `paused`; `finishIncoming` waits for the state to arrive.
   */
  prepareIncoming(spec: VmSpec, address: { readonly host: string; readonly port: number }, signal?: AbortSignal): Promise<VmInfo> {
    if (!/^[A-Za-z0-9.:[\]-]+$/.test(address.host) || !Number.isInteger(address.port) || address.port < 1 || address.port > 65535) {
      return Promise.reject(
        new NepheleError('INVALID_ARGUMENT', 'a migration address is a host name or address and a port', {
          details: { vmId: spec.vmId, host: address.host, port: address.port },
        }),
      );
    }
    return this.op(spec.vmId, signal, async (s) => {
      if (this.vms.has(spec.vmId)) {
        throw new NepheleError('VM_WRONG_STATE', `VM ${spec.vmId} already runs here`, {
          details: { vmId: spec.vmId, op: 'prepareIncoming' },
        });
      }
      return this.start(spec, 'incoming', s, `tcp:${address.host}:${address.port}`);
    });
  }

  /** Resolves once an incoming VM's state has arrived and it runs. */
  finishIncoming(vmId: number, signal?: AbortSignal): Promise<VmInfo> {
    return this.op(vmId, signal, async (s) => {
      const vm = this.held(vmId);
      if (!vm.incoming) return this.info(vm);
      const qmp = this.qmp(vm);
      await waitMigration({ qmp, dir: vm.dir, pid: vm.pid ?? 0 }, this.migrateTimeoutMs, s);
      await qmp.execute('cont', undefined, { signal: s });
      vm.incoming = false;
      return this.info(vm);
    });
  }

  /**
   * Live-migrates the VM to `uri` (`tcp:host:port`, where another driver's
   * `prepareIncoming` listens) and forgets it once the other side has it. A
   * failed migration leaves the VM running here.
   */
  migrateOut(vmId: number, uri: string, signal?: AbortSignal): Promise<void> {
    if (!/^tcp:[A-Za-z0-9.:[\]-]+:\d{1,5}$/.test(uri)) {
      return Promise.reject(new NepheleError('INVALID_ARGUMENT', 'a migration URI is tcp:<host>:<port>', { details: { vmId, uri } }));
    }
    return this.op(vmId, signal, async (s) => {
      const vm = this.held(vmId);
      await this.startable(vm, 'migrate');
      await migrateTo({ qmp: this.qmp(vm), dir: vm.dir, pid: vm.pid ?? 0 }, uri, this.migrateTimeoutMs, s);
      await this.stop(vm);
    });
  }

  // ---- internals

  /** Runs `fn` in the VM's turn, with a signal that aborts on the caller's signal or the driver closing. */
  private op<T>(vmId: number, signal: AbortSignal | undefined, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.state !== 'open') return Promise.reject(notOpen(this.state));
    const lifetime = this.lifetime.signal;
    const signals = signal === undefined ? [lifetime] : [signal, lifetime];
    return this.queue.run(vmId, signals, () => fn(signals.length === 1 ? lifetime : AbortSignal.any(signals)));
  }

  /**
   * Where QEMU runs for the VM: its pidfile, sockets and console log, on
   * this host only. Never the VM's datastore directory (`spec.dir`), which
   * another host may share: during a live migration both QEMUs run at once.
   */
  private dirOf(spec: VmSpec): string {
    return join(this.stateDir, String(spec.vmId));
  }

  /** The checkpoint goes with the VM's disks, where the next host finds it. */
  private checkpointDir(spec: VmSpec): string {
    return spec.dir ?? this.dirOf(spec);
  }

  private recordPath(vmId: number): string {
    return join(this.stateDir, `vm-${vmId}.json`);
  }

  /** Starts QEMU for the VM and holds it; on any failure or abort nothing is left. */
  private async start(spec: VmSpec, mode: StartMode, signal: AbortSignal, incomingUri?: string): Promise<VmInfo> {
    const need = this.ledger.reserve(spec);
    const dir = this.dirOf(spec);
    let pid: number | undefined;
    let qmp: QmpClient | undefined;
    try {
      await mkdir(dir, { recursive: true });
      await Promise.all([VM_FILES.pidfile, VM_FILES.qmp].map((f) => rm(join(dir, f), { force: true })));
      await this.writeRecord(spec.vmId, { spec, dir });
      const accelerator = this.accel ?? 'tcg';
      pid = await spawnQemu(this.binary, qemuArgs(spec, { dir, accelerator, incoming: mode !== 'boot' }), dir);
      qmp = await this.connectWhenUp(pid, dir, signal);
      const vm: QemuVm = { spec, dir, need, pid, qmp, failed: false, incoming: false, sample: undefined };
      if (mode === 'restore') {
        await loadCheckpoint({ qmp, dir, pid, checkpointDir: this.checkpointDir(spec) }, this.migrateTimeoutMs, signal);
        await qmp.execute('cont', undefined, { signal });
      } else if (mode === 'incoming') {
        await qmp.execute('migrate-incoming', { uri: incomingUri }, { signal });
        vm.incoming = true;
      }
      vm.sample = await sampleProcess(pid);
      this.vms.set(spec.vmId, vm);
      return await this.info(vm);
    } catch (err) {
      this.vms.delete(spec.vmId);
      await qmp?.close();
      if (pid !== undefined) await killHard(pid);
      await rm(this.recordPath(spec.vmId), { force: true });
      this.ledger.release(need);
      throw signal.aborted ? signal.reason : err;
    }
  }

  /** Connects to the new QEMU's monitor, retrying until it listens; fails with QEMU's own words if it exits. */
  private async connectWhenUp(pid: number, dir: string, signal: AbortSignal): Promise<QmpClient> {
    const deadline = Date.now() + this.startTimeoutMs;
    for (;;) {
      if (!(await isQemuOf(pid, dir))) {
        await sleep(50, signal); // let QEMU finish writing why
        const log = await qemuLogTail(dir);
        throw new NepheleError('DRIVER_FAILED', `QEMU exited at start: ${log.split('\n').at(-1) ?? ''}`, {
          details: { driver: 'qemu', stderr: log },
        });
      }
      try {
        return await QmpClient.connect(socketPath(dir, pid, VM_FILES.qmp), { timeoutMs: this.qmpTimeoutMs, signal });
      } catch (err) {
        if (signal.aborted) throw signal.reason;
        const errno = (err as NepheleError).details?.errno;
        if (errno !== 'ENOENT' && errno !== 'ECONNREFUSED') throw err;
      }
      if (Date.now() > deadline) {
        throw new NepheleError('DRIVER_FAILED', `QEMU's monitor did not answer in ${this.startTimeoutMs} ms`, {
          details: { driver: 'qemu', pid, timeoutMs: this.startTimeoutMs },
        });
      }
      await sleep(50, signal);
    }
  }

  /** Presses the power button until the guest has powered off; DRIVER_FAILED, VM running, after the timeout. */
  private async powerdown(vm: QemuVm, signal: AbortSignal): Promise<void> {
    const qmp = this.qmp(vm);
    const deadline = Date.now() + this.shutdownTimeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      const shutdown = qmp.nextEvent(['SHUTDOWN'], { timeoutMs: Math.max(1, Math.min(2000, remaining)), signal });
      shutdown.catch(() => {});
      if ((await this.runState(vm)) === 'poweroff') return;
      if (remaining <= 0) {
        throw new NepheleError('DRIVER_FAILED', `VM ${vm.spec.vmId} did not power off in ${this.shutdownTimeoutMs} ms`, {
          details: { driver: 'qemu', vmId: vm.spec.vmId, timeoutMs: this.shutdownTimeoutMs },
        });
      }
      await qmp.execute('system_powerdown', undefined, { signal });
      await shutdown.catch((err: unknown) => {
        if (signal.aborted) throw signal.reason;
        if (qmp.status === 'closed') throw err;
      });
    }
  }

  /**
   * The VM as held, if its guest still runs (a deploy sent again finds it
   * started). A leftover whose QEMU died or powered off (a host that was
   * fenced, a crash nobody cleaned up) is let go: a deploy starts afresh.
   */
  private async live(vmId: number): Promise<QemuVm | undefined> {
    const held = this.vms.get(vmId);
    if (held === undefined) return undefined;
    const state = await this.runState(held);
    if (state !== 'failed' && state !== 'poweroff') return held;
    await this.stop(held);
    return undefined;
  }

  /** Ends the VM's QEMU (quit, then SIGKILL) and forgets the VM. */
  private async stop(vm: QemuVm): Promise<void> {
    if (vm.pid !== undefined && !vm.failed) {
      await vm.qmp?.execute('quit', undefined, { timeoutMs: 2000 }).catch(() => {});
      if (!(await waitExit(vm.pid, 5000))) await killHard(vm.pid);
    } else if (vm.pid !== undefined && (await isQemuOf(vm.pid, vm.dir))) {
      await killHard(vm.pid); // alive but its monitor is lost
    }
    await vm.qmp?.close();
    await Promise.all([VM_FILES.pidfile, VM_FILES.qmp].map((f) => rm(join(vm.dir, f), { force: true })));
    await rm(this.recordPath(vm.spec.vmId), { force: true });
    this.vms.delete(vm.spec.vmId);
    this.ledger.release(vm.need);
  }

  /** Takes back the VMs of the records in stateDir; those whose process is gone are `failed`. */
  private async adoptAll(): Promise<void> {
    if (this.accel === undefined) {
      if (this.accelOption === 'auto') {
        const probe = await probeKvm({
          qemu: this.binary,
          timeoutMs: this.probeTimeoutMs,
          ...(this.probeKernel === undefined ? {} : { kernel: this.probeKernel }),
        });
        this.accel = probe.accelerator;
        this.accelReason = probe.reason;
      } else {
        this.accel = this.accelOption;
        this.accelReason = 'configured';
      }
    }
    await mkdir(this.stateDir, { recursive: true });
    for (const name of await readdir(this.stateDir)) {
      const m = /^vm-(\d+)\.json$/.exec(name);
      if (m === null) continue;
      let record: VmRecord;
      try {
        record = JSON.parse(await readFile(join(this.stateDir, name), 'utf8')) as VmRecord;
      } catch {
        continue; // a record torn by a crash mid-write: rename makes that impossible, but never fail to open for it
      }
      const { spec, dir } = record;
      const pid = await readPid(join(dir, VM_FILES.pidfile));
      let qmp: QmpClient | undefined;
      if (pid !== undefined && (await isQemuOf(pid, dir))) {
        qmp = await QmpClient.connect(socketPath(dir, pid, VM_FILES.qmp), { timeoutMs: this.qmpTimeoutMs }).catch(() => undefined);
      }
      const need = CapacityLedger.need(spec);
      this.ledger.add(need);
      const status = await qmp?.execute<{ status: string }>('query-status').catch(() => undefined);
      this.vms.set(spec.vmId, {
        spec,
        dir,
        need,
        pid,
        qmp,
        failed: qmp === undefined,
        incoming: status?.status === 'inmigrate',
        sample: pid === undefined ? undefined : await sampleProcess(pid),
      });
    }
  }

  private async writeRecord(vmId: number, record: VmRecord): Promise<void> {
    const path = this.recordPath(vmId);
    await writeFile(`${path}.tmp`, JSON.stringify(record));
    await rename(`${path}.tmp`, path);
  }

  /** The VM's state now; a process found dead marks it failed for good. */
  private async runState(vm: QemuVm): Promise<VmRunState> {
    if (vm.failed || vm.qmp === undefined || vm.pid === undefined) return 'failed';
    if (vm.qmp.status === 'closed' || !(await isQemuOf(vm.pid, vm.dir))) {
      vm.failed = true;
      return 'failed';
    }
    try {
      return runState((await vm.qmp.execute<{ status: string }>('query-status')).status);
    } catch {
      if (!(await isQemuOf(vm.pid, vm.dir))) vm.failed = true;
      return 'failed';
    }
  }

  private async info(vm: QemuVm): Promise<VmInfo> {
    const state = await this.runState(vm);
    const sample = state === 'failed' || vm.pid === undefined ? undefined : await sampleProcess(vm.pid);
    const cpuUsage = sample !== undefined && vm.sample !== undefined && state === 'running' ? cpuPercent(vm.sample, sample) : 0;
    if (sample !== undefined) vm.sample = sample;
    return {
      vmId: vm.spec.vmId,
      state,
      cpuUsage,
      memoryKb: sample?.rssKb ?? 0,
      deployId: vm.pid === undefined ? `qemu-vm-${vm.spec.vmId}` : `qemu-${vm.pid}`,
    };
  }

  private qmp(vm: QemuVm): QmpClient {
    if (vm.qmp === undefined)
      throw new NepheleError('VM_WRONG_STATE', `VM ${vm.spec.vmId} has failed`, { details: { vmId: vm.spec.vmId, state: 'failed' } });
    return vm.qmp;
  }

  /** The VM's state, if its guest can run: not `failed` nor `poweroff`. */
  private async startable(vm: QemuVm, op: string): Promise<'running' | 'paused'> {
    const state = await this.runState(vm);
    if (state === 'failed' || state === 'poweroff') {
      throw new NepheleError('VM_WRONG_STATE', `cannot ${op} VM ${vm.spec.vmId}: it is ${state}`, {
        details: { vmId: vm.spec.vmId, state, op },
      });
    }
    return state;
  }

  private held(vmId: number): QemuVm {
    const vm = this.vms.get(vmId);
    if (vm === undefined) throw new NepheleError('VM_NOT_FOUND', `no VM ${vmId} on this host`, { details: { vmId } });
    return vm;
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw notOpen(this.state);
  }
}

function notOpen(status: DriverStatus): NepheleError {
  return new NepheleError('DRIVER_FAILED', `the qemu driver is ${status}`, { details: { driver: 'qemu', status } });
}

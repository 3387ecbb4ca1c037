import type { Actor, ActorContext, Reply } from '../src/actors/index.js';
import { SerialQueue } from '../src/base/serial-queue.js';
import { NepheleError, isNepheleError } from '../src/errors.js';
import { mkdir, readFile } from 'node:fs/promises';
import type { TransferStep, VmInfo, VmMonitoring, VmSpec } from '../src/protocol/domain.js';
import { MAX_VMS_PER_HOST, MAX_VM_CPU_PERCENT, MAX_VM_MEMORY_KB } from '../src/protocol/validate-domain.js';
import type {
  NodeCommand,
  NodeRequest,
  NodeReplies,
  ReplyOf,
  ToFrontend,
  VmEpilog,
  VmMigrateIn,
  VmProlog,
} from '../src/protocol/messages.js';
import type { HypervisorDriver, LiveMigrationDriver, MonitoringDriver, NetworkDriver, TransferDriver } from './drivers/types.js';
import type { VmLedger } from './vm-ledger.js';

/** What the node actor needs to speak to the front-end; the link client provides it. */
export interface FrontendPort {
  tell(msg: ToFrontend['tell']): void;
  emit(msg: ToFrontend['emit']): void;
}

/** A request from oned, answered with the node's reply: one member per request, so an ask infers it. */
export type NodeRequestMsg = NodeRequest extends infer Q
  ? Q extends NodeRequest
    ? { readonly type: 'request'; readonly req: Q } & Reply<ReplyOf<Q>>
    : never
  : never;

export type NodeMsg =
  | { readonly type: 'command'; readonly cmd: NodeCommand }
  | NodeRequestMsg
  | { readonly type: 'monitor_tick' }
  /** The link is up. `monitorMs`: the least push interval oned's hello asks for (it spreads its budget over its hosts). */
  | { readonly type: 'connected'; readonly monitorMs?: number };

/** A VM a command left running on this host, and how it runs. */
interface Arrival {
  readonly spec: VmSpec;
  readonly info: VmInfo;
}

export interface NodeActorDeps {
  readonly incarnation: string;
  readonly hypervisor: HypervisorDriver;
  readonly monitoring: MonitoringDriver;
  readonly ledger: VmLedger;
  readonly frontend: FrontendPort;
  /** How often to push monitoring; oned may ask for longer. @default 10000 */
  readonly monitorIntervalMs: number;
  /** Where in its interval the first push after a connect falls. @default Math.random */
  readonly random?: () => number;
  /** Plugs NICs into their networks' bridges; absent: NICs are left to the hypervisor (the dummy's simulation). */
  readonly network?: NetworkDriver;
  /** Makes and removes the VMs' files; absent: a simulated host, with no files to make (the dummy). */
  readonly transfer?: TransferDriver;
  /**
   * The host's datastores directory: every path a command names (VM
   * directories, disks, images) must lie inside it. Absent: not checked
   * (a simulated host touches no file).
   */
  readonly datastores?: string;
}

/** The context CD's files together: more is not a context, and a node reads them into memory. */
const MAX_CONTEXT_BYTES = 16 * 1024 * 1024;

/**
 * The node agent's actor: runs the front-end's commands on the drivers, once
 * each (by opId, across front-end restarts too, thanks to the ledger),
 * answers its requests, and pushes monitoring every interval and on
 * connect. Commands on one VM run in order; commands on different VMs run
 * side by side, so a slow deploy holds up nothing else.
 */
export class NodeActor implements Actor<NodeMsg> {
  private readonly ctx: ActorContext<NodeMsg>;
  private readonly deps: NodeActorDeps;
  /** Commands on one VM run one after the other, in the order they came. */
  private readonly queue = new SerialQueue<number>();
  private readonly inFlight = new Set<string>();
  /** What the last look found each VM doing, to report a VM that stopped by itself once. */
  private readonly seen = new Map<number, VmInfo['state']>();
  private commandsRun = 0;
  private duplicatesDropped = 0;
  /** The push interval in force: the agent's own, or oned's if longer. */
  private monitorMs: number;

  constructor(ctx: ActorContext<NodeMsg>, deps: NodeActorDeps) {
    this.ctx = ctx;
    this.deps = deps;
    this.monitorMs = deps.monitorIntervalMs;
  }

  preStart(): void {
    this.ctx.startTimer('monitor', { type: 'monitor_tick' }, this.monitorMs, { repeat: true });
  }

  receive(msg: NodeMsg): unknown {
    switch (msg.type) {
      case 'command':
        this.command(msg.cmd);
        return undefined;
      case 'request':
        return this.ctx.detach(this.request(msg.req));
      case 'connected':
        this.rearmMonitoring(msg.monitorMs);
        return this.ctx.detach(this.monitor());
      case 'monitor_tick':
        if (!this.ctx.isTimerActive('monitor')) this.ctx.startTimer('monitor', { type: 'monitor_tick' }, this.monitorMs, { repeat: true });
        return this.ctx.detach(this.monitor());
    }
  }

  /**
   * After a connect (which pushes at once) the next push falls at a random
   * point of the second half of the interval, so hosts that connected
   * together — a restarted oned, or a thousand simulated ones — do not push
   * together for ever after.
   */
  private rearmMonitoring(floorMs: number | undefined): void {
    this.monitorMs = Math.max(this.deps.monitorIntervalMs, floorMs ?? 0);
    const phase = this.monitorMs * (0.5 + (this.deps.random ?? Math.random)() / 2);
    this.ctx.cancelTimer('monitor');
    // One shot: its tick starts the repeating timer.
    this.ctx.startTimer('monitor_phase', { type: 'monitor_tick' }, phase);
  }

  private command(cmd: NodeCommand): void {
    const vmId = cmd.type === 'vm.deploy' || cmd.type === 'vm.restore' || cmd.type === 'vm.migrate_in' ? cmd.spec.vmId : cmd.vmId;
    const done = this.deps.ledger.get(cmd.opId);
    if (done !== undefined || this.inFlight.has(cmd.opId)) {
      this.duplicatesDropped++;
      this.ctx.log.info({ opId: cmd.opId, vmId }, 'duplicate command dropped');
      // The front-end may have missed the outcome (it restarted): say it again.
      if (done !== undefined) {
        this.deps.frontend.tell(
          done.error === undefined
            ? { type: 'vm.op_result', opId: cmd.opId, vmId, ok: done.ok !== false }
            : { type: 'vm.op_result', opId: cmd.opId, vmId, ok: false, error: done.error },
        );
      }
      return;
    }
    this.inFlight.add(cmd.opId);
    const run = async (): Promise<void> => {
      let outcome: { ok: true } | { ok: false; error: { code: NepheleError['code']; message: string } };
      let arrived: Arrival | undefined;
      try {
        arrived = (await this.execute(cmd)) ?? undefined;
        outcome = { ok: true };
      } catch (err) {
        const e = isNepheleError(err) ? err : new NepheleError('DRIVER_FAILED', err instanceof Error ? err.message : String(err));
        if (!isNepheleError(err)) this.ctx.log.error({ err, opId: cmd.opId, vmId }, 'driver operation failed');
        outcome = { ok: false, error: { code: e.code, message: e.message } };
      }
      this.commandsRun++;
      // A VM that now runs here is remembered in the operation's own write: one fsync, not two.
      await this.deps.ledger.record(cmd.opId, { vmId, op: cmd.type, at: Date.now(), ...outcome }, arrived?.spec);
      if (arrived !== undefined)
        this.deps.frontend.tell({ type: 'vm.state', vmId, opId: cmd.opId, state: arrived.info.state, info: arrived.info });
      this.inFlight.delete(cmd.opId);
      this.deps.frontend.tell({ type: 'vm.op_result', opId: cmd.opId, vmId, ...outcome });
    };
    void this.queue.run(vmId, [], run);
  }

  /** Runs the command; one that leaves a VM running here returns it, for the ledger and the front-end once recorded. */
  private async execute(cmd: NodeCommand): Promise<Arrival | void> {
    const hv = this.deps.hypervisor;
    switch (cmd.type) {
      case 'vm.deploy':
      case 'vm.restore': {
        this.checkSpec(cmd.spec);
        await this.plug(cmd.spec);
        let info: VmInfo;
        try {
          info = cmd.type === 'vm.deploy' ? await hv.deploy(cmd.spec) : await hv.restore(cmd.spec);
        } catch (err) {
          // A VM that never started leaves no taps behind.
          await this.removeTaps(cmd.spec).catch((e: unknown) =>
            this.ctx.log.warn({ err: e, vmId: cmd.spec.vmId }, 'taps of a failed deploy not removed'),
          );
          throw err;
        }
        return { spec: cmd.spec, info };
      }
      case 'vm.shutdown':
        if (cmd.purge !== undefined) this.inside(cmd.purge);
        try {
          await hv.shutdown(cmd.vmId, { hard: cmd.hard });
        } catch (err) {
          // A VM already gone still leaves its taps (and, for a cleanup, its files) behind to remove.
          if (!(isNepheleError(err) && err.code === 'VM_NOT_FOUND')) throw err;
          await this.unplug(cmd.vmId);
          if (cmd.purge !== undefined) await this.deps.transfer?.delete(cmd.purge);
          throw err;
        }
        await this.unplug(cmd.vmId);
        if (cmd.purge !== undefined) await this.deps.transfer?.delete(cmd.purge);
        this.deps.frontend.tell({ type: 'vm.state', vmId: cmd.vmId, opId: cmd.opId, state: 'done' });
        return;
      case 'vm.save':
        await hv.save(cmd.vmId);
        // The VM leaves the host until a restore, which plugs it in again.
        await this.unplug(cmd.vmId);
        return;
      case 'vm.reboot':
        return hv.reboot(cmd.vmId, { hard: cmd.hard });
      case 'vm.suspend':
        return hv.suspend(cmd.vmId);
      case 'vm.resume':
        return hv.resume(cmd.vmId);
      case 'vm.prolog':
        return this.prolog(cmd);
      case 'vm.epilog':
        return this.epilog(cmd);
      case 'vm.migrate_in':
        return this.migrateIn(cmd);
      case 'vm.migrate_out': {
        const live = liveMigration(hv);
        // A simulated host has no state to send: the VM just leaves it.
        await (live === undefined ? hv.shutdown(cmd.vmId, { hard: true }) : live.migrateOut(cmd.vmId, cmd.uri));
        await this.unplug(cmd.vmId);
        return;
      }
    }
  }

  /** PROLOG: the VM's directory and its files, each made once (a repeat finds it done). */
  private async prolog(cmd: VmProlog): Promise<void> {
    const tm = this.deps.transfer;
    this.inside(cmd.dir);
    for (const step of cmd.steps) this.checkStep(step);
    if (cmd.context !== undefined) {
      this.inside(cmd.context.target);
      for (const f of cmd.context.files) this.inside(f.source);
    }
    if (tm === undefined) return;
    await mkdir(cmd.dir, { recursive: true, mode: 0o700 });
    for (const step of cmd.steps) {
      const source = step.source ?? '';
      const size = step.sizeMb ?? 0;
      switch (step.action) {
        case 'clone':
          await tm.clone(source, step.target, { mode: 'linked', ...(step.sizeMb === undefined ? {} : { sizeMb: size }) });
          break;
        case 'copy':
          await tm.clone(source, step.target, {
            mode: 'copy',
            ...(step.sizeMb === undefined ? {} : { sizeMb: size }),
            ...(step.format === undefined ? {} : { format: step.format }),
          });
          break;
        case 'link':
          await tm.link(source, step.target);
          break;
        case 'swap':
          await tm.mkswap(step.target, size);
          break;
        case 'volatile':
          await tm.volatile(step.target, size, step.fs === undefined ? {} : { fs: step.fs });
          break;
        case 'file':
          await tm.copyFile(source, step.target);
          break;
      }
    }
    const cd = cmd.context;
    if (cd === undefined) return;
    const files: Record<string, string | Uint8Array> = { 'context.sh': cd.script };
    let total = Buffer.byteLength(cd.script);
    for (const f of cd.files) {
      const bytes = await readFile(f.source);
      total += bytes.length;
      if (total > MAX_CONTEXT_BYTES) {
        throw new NepheleError('INVALID_ARGUMENT', `the context files exceed ${MAX_CONTEXT_BYTES / 1024 / 1024} MiB`, {
          details: { file: f.name },
        });
      }
      files[f.name] = bytes;
    }
    await tm.contextIso(cd.target, files, { label: 'CONTEXT' });
  }

  /** EPILOG: the disks to keep go to the images datastore, then (when asked) the VM's directory goes. */
  private async epilog(cmd: VmEpilog): Promise<void> {
    const tm = this.deps.transfer;
    this.inside(cmd.dir);
    for (const s of cmd.saves) {
      this.inside(s.source);
      this.inside(s.target);
    }
    if (tm === undefined) return;
    for (const s of cmd.saves) await tm.saveAs(s.source, s.target);
    if (cmd.purge) await tm.delete(cmd.dir);
  }

  /**
   * Live migration, destination side: the VM starts waiting on `listen`,
   * the front-end hears `incoming` (and has the source send), and the
   * command ends once the VM runs here.
   */
  private async migrateIn(cmd: VmMigrateIn): Promise<Arrival> {
    const { spec, opId } = cmd;
    const hv = this.deps.hypervisor;
    const live = liveMigration(hv);
    this.checkSpec(spec);
    await this.plug(spec);
    let info: VmInfo;
    try {
      if (live === undefined) {
        // A simulated host moves no state: the VM starts here from its spec, then the source lets it go.
        info = await hv.restore(spec);
        this.deps.frontend.tell({ type: 'vm.state', vmId: spec.vmId, opId, state: info.state, reason: 'incoming', info });
      } else {
        const waiting = await live.prepareIncoming(spec, cmd.listen);
        this.deps.frontend.tell({ type: 'vm.state', vmId: spec.vmId, opId, state: waiting.state, reason: 'incoming', info: waiting });
        try {
          info = await live.finishIncoming(spec.vmId);
        } catch (err) {
          // The state never came: what waits for it here goes, the source keeps the VM.
          await hv.shutdown(spec.vmId, { hard: true }).catch(() => undefined);
          throw err;
        }
      }
    } catch (err) {
      await this.removeTaps(spec).catch((e: unknown) =>
        this.ctx.log.warn({ err: e, vmId: spec.vmId }, 'taps of a failed migration not removed'),
      );
      throw err;
    }
    return { spec, info };
  }

  /** A path a command names must lie in the host's datastores. */
  private inside(path: string): void {
    const root = this.deps.datastores;
    if (root === undefined) return;
    const base = root.replace(/\/+$/, '');
    if (!path.startsWith(`${base}/`) || path.split('/').includes('..')) {
      throw new NepheleError('INVALID_ARGUMENT', `${path} is outside the host's datastores (${base})`, {
        details: { path, datastores: base },
      });
    }
  }

  private checkStep(step: TransferStep): void {
    this.inside(step.target);
    if (step.source !== undefined) this.inside(step.source);
  }

  /** The VM's directory and disks lie in the datastores (its kernel may be any file of the host's). */
  private checkSpec(spec: VmSpec): void {
    if (spec.dir !== undefined) this.inside(spec.dir);
    for (const d of spec.disks ?? []) this.inside(d.path);
  }

  /** The VM's bridges (made if missing) and one tap per NIC on them, before the hypervisor opens the taps. */
  private async plug(spec: VmSpec): Promise<void> {
    const net = this.deps.network;
    if (net === undefined || spec.nics === undefined) return;
    for (const nic of spec.nics) {
      await net.ensureBridge(nic.bridge);
      await net.createTap(nic.tap, nic.bridge, { mac: nic.mac });
    }
  }

  /** Removes the taps the VM's last deploy or restore made (the bridges stay: other VMs use them). */
  private async unplug(vmId: number): Promise<void> {
    const spec = this.deps.ledger.vm(vmId);
    if (spec === undefined) return;
    await this.removeTaps(spec);
    await this.deps.ledger.setVm(vmId, undefined);
  }

  private async removeTaps(spec: VmSpec): Promise<void> {
    const net = this.deps.network;
    if (net !== undefined) for (const nic of spec.nics ?? []) await net.removeTap(nic.tap);
  }

  private async request(req: NodeRequest): Promise<NodeReplies[NodeRequest['type']]> {
    switch (req.type) {
      case 'host.monitor':
        return this.deps.monitoring.host();
      case 'vm.list':
        return this.deps.hypervisor.list();
      case 'vm.poll':
        return this.deps.hypervisor.poll(req.vmId) as Promise<VmInfo>;
      case 'node.ping':
        return { incarnation: this.deps.incarnation };
      case 'node.stats':
        return { commandsRun: this.commandsRun, duplicatesDropped: this.duplicatesDropped };
    }
  }

  /**
   * VM monitoring: a VM that stopped without a command — the guest powered
   * itself off, or its QEMU died — is reported once (`vm.state` without an
   * opId), so the front-end moves it out of RUNNING. VMs with a command in
   * flight are left to that command's outcome.
   */
  private watchVms(vms: readonly VmInfo[]): void {
    const now = new Set<number>();
    for (const vm of vms) {
      now.add(vm.vmId);
      const before = this.seen.get(vm.vmId);
      this.seen.set(vm.vmId, vm.state);
      if (this.queue.busy(vm.vmId) || before === vm.state) continue;
      if (vm.state === 'poweroff' || vm.state === 'failed') {
        this.ctx.log.warn({ vmId: vm.vmId, state: vm.state }, 'VM stopped by itself');
        this.deps.frontend.tell({
          type: 'vm.state',
          vmId: vm.vmId,
          state: vm.state,
          info: vm,
          reason: vm.state === 'poweroff' ? 'the guest powered itself off' : 'the hypervisor lost the VM (its process died)',
        });
      }
    }
    for (const vmId of this.seen.keys()) if (!now.has(vmId)) this.seen.delete(vmId);
  }

  /**
   * One look at the host and its VMs: a VM that stopped by itself is
   * reported, and the host's figures go to oned with each VM's. The driver
   * is listed once a look: the qemu driver measures a VM's CPU over the time
   * since it last listed it, so a second list would measure nothing.
   */
  private async monitor(): Promise<void> {
    const [figures, vms] = await Promise.all([
      this.deps.monitoring.host().catch((err: unknown) => void this.ctx.log.error({ err }, 'monitoring failed')),
      this.deps.hypervisor.list().catch((err: unknown) => void this.ctx.log.error({ err }, 'VM monitoring failed')),
    ]);
    if (vms !== undefined) this.watchVms(vms);
    if (figures === undefined) return;
    try {
      this.deps.frontend.emit({ type: 'host.monitoring', figures, ...(vms === undefined ? {} : { vms: vmFigures(vms) }) });
    } catch (err) {
      // The link checks what it sends: figures it would refuse are this agent's bug, logged, not a crash.
      this.ctx.log.error({ err }, 'monitoring push refused by the link');
    }
  }
}

/**
 * The figures oned keeps of the VMs whose process runs (running or paused),
 * at most as many as a push may carry: a VM beyond that goes unmeasured
 * rather than the whole push refused.
 */
export function vmFigures(vms: readonly VmInfo[]): VmMonitoring[] {
  return vms
    .filter((v) => v.state === 'running' || v.state === 'paused')
    .slice(0, MAX_VMS_PER_HOST)
    .map((v) => ({ vmId: v.vmId, cpu: within(v.cpuUsage, MAX_VM_CPU_PERCENT), memoryKb: within(v.memoryKb, MAX_VM_MEMORY_KB) }));
}

/** A driver's odd reading (NaN from a torn /proc line, a negative delta) as 0, a huge one at the bound: the push stays valid. */
function within(x: number, max: number): number {
  return Number.isFinite(x) && x > 0 ? Math.min(x, max) : 0;
}

/** The driver's live migration, when it has one (qemu). */
function liveMigration(hv: HypervisorDriver): LiveMigrationDriver | undefined {
  const live = hv as Partial<LiveMigrationDriver>;
  return typeof live.prepareIncoming === 'function' && typeof live.finishIncoming === 'function' && typeof live.migrateOut === 'function'
    ? (hv as HypervisorDriver & LiveMigrationDriver)
    : undefined;
}

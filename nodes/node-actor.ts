import type { Actor, ActorContext } from '../src/actors/index.js';
import { NepheleError, isNepheleError } from '../src/errors.js';
import type { HostMonitoring, VmInfo, VmSpec } from '../src/protocol/domain.js';
import type { NodeCommand, NodeRequest, NodeReplies, ToFrontend } from '../src/protocol/messages.js';
import type { HypervisorDriver, MonitoringDriver, NetworkDriver } from './drivers/types.js';
import type { VmLedger } from './vm-ledger.js';

/** What the node actor needs to speak to the front-end; the link client provides it. */
export interface FrontendPort {
  tell(msg: ToFrontend['tell']): void;
  emit(msg: ToFrontend['emit']): void;
}

export type NodeMsg =
  | { readonly type: 'command'; readonly cmd: NodeCommand }
  | { readonly type: 'request'; readonly req: NodeRequest }
  | { readonly type: 'monitor_tick' }
  | { readonly type: 'connected' };

export interface NodeActorDeps {
  readonly incarnation: string;
  readonly hypervisor: HypervisorDriver;
  readonly monitoring: MonitoringDriver;
  readonly ledger: VmLedger;
  readonly frontend: FrontendPort;
  /** @default 10000 */
  readonly monitorIntervalMs: number;
  /** Plugs NICs into their networks' bridges; absent: NICs are left to the hypervisor (the dummy's simulation). */
  readonly network?: NetworkDriver;
}

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
  private readonly tails = new Map<number, Promise<void>>();
  private readonly inFlight = new Set<string>();
  private commandsRun = 0;
  private duplicatesDropped = 0;

  constructor(ctx: ActorContext<NodeMsg>, deps: NodeActorDeps) {
    this.ctx = ctx;
    this.deps = deps;
  }

  preStart(): void {
    this.ctx.startTimer('monitor', { type: 'monitor_tick' }, this.deps.monitorIntervalMs, { repeat: true });
  }

  receive(msg: NodeMsg): unknown {
    switch (msg.type) {
      case 'command':
        this.command(msg.cmd);
        return undefined;
      case 'request':
        return this.ctx.detach(this.request(msg.req));
      case 'monitor_tick':
      case 'connected':
        return this.ctx.detach(this.pushMonitoring());
    }
  }

  private command(cmd: NodeCommand): void {
    const vmId = cmd.type === 'vm.deploy' || cmd.type === 'vm.restore' ? cmd.spec.vmId : cmd.vmId;
    const done = this.deps.ledger.get(cmd.opId);
    if (done !== undefined || this.inFlight.has(cmd.opId)) {
      this.duplicatesDropped++;
      this.ctx.log.info({ opId: cmd.opId, vmId }, 'duplicate command dropped');
      // The front-end may have missed the outcome (it restarted): say it again.
      if (done !== undefined) {
        this.deps.frontend.tell(done.error === undefined
          ? { type: 'vm.op_result', opId: cmd.opId, vmId, ok: done.ok !== false }
          : { type: 'vm.op_result', opId: cmd.opId, vmId, ok: false, error: done.error });
      }
      return;
    }
    this.inFlight.add(cmd.opId);
    const run = async (): Promise<void> => {
      let outcome: { ok: true } | { ok: false; error: { code: NepheleError['code']; message: string } };
      try {
        await this.execute(cmd);
        outcome = { ok: true };
      } catch (err) {
        const e = isNepheleError(err) ? err : new NepheleError('DRIVER_FAILED', err instanceof Error ? err.message : String(err));
        if (!isNepheleError(err)) this.ctx.log.error({ err, opId: cmd.opId, vmId }, 'driver operation failed');
        outcome = { ok: false, error: { code: e.code, message: e.message } };
      }
      this.commandsRun++;
      await this.deps.ledger.record(cmd.opId, { vmId, op: cmd.type, at: Date.now(), ...outcome });
      this.inFlight.delete(cmd.opId);
      this.deps.frontend.tell({ type: 'vm.op_result', opId: cmd.opId, vmId, ...outcome });
    };
    const tail = (this.tails.get(vmId) ?? Promise.resolve()).then(run);
    this.tails.set(vmId, tail);
    void tail.finally(() => {
      if (this.tails.get(vmId) === tail) this.tails.delete(vmId);
    });
  }

  private async execute(cmd: NodeCommand): Promise<void> {
    const hv = this.deps.hypervisor;
    const ledger = this.deps.ledger;
    switch (cmd.type) {
      case 'vm.deploy':
      case 'vm.restore': {
        await this.plug(cmd.spec);
        let info: VmInfo;
        try {
          info = cmd.type === 'vm.deploy' ? await hv.deploy(cmd.spec) : await hv.restore(cmd.spec);
        } catch (err) {
          // A VM that never started leaves no taps behind.
          await this.removeTaps(cmd.spec).catch((e: unknown) => this.ctx.log.warn({ err: e, vmId: cmd.spec.vmId }, 'taps of a failed deploy not removed'));
          throw err;
        }
        await ledger.setVm(cmd.spec.vmId, cmd.spec);
        this.deps.frontend.tell({ type: 'vm.state', vmId: info.vmId, opId: cmd.opId, state: info.state, info });
        return;
      }
      case 'vm.shutdown':
        try {
          await hv.shutdown(cmd.vmId, { hard: cmd.hard });
        } catch (err) {
          // A VM already gone still leaves its taps behind to remove.
          if (!(isNepheleError(err) && err.code === 'VM_NOT_FOUND')) throw err;
          await this.unplug(cmd.vmId);
          throw err;
        }
        await this.unplug(cmd.vmId);
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
    }
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

  private async pushMonitoring(): Promise<void> {
    let figures: HostMonitoring;
    try {
      figures = await this.deps.monitoring.host();
    } catch (err) {
      this.ctx.log.error({ err }, 'monitoring failed');
      return;
    }
    this.deps.frontend.emit({ type: 'host.monitoring', figures });
  }
}

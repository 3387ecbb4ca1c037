import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { supervisor, type ActorContext, type ActorRef, type ActorSystem, type ExitReason } from '../src/actors/index.js';
import { systemClock } from '../src/base/clock.js';
import type { NodeCapabilities, VmSpec } from '../src/protocol/domain.js';
import { Link } from '../src/protocol/link.js';
import type { HypervisorDriver, MonitoringDriver, NetworkDriver, TransferDriver } from './drivers/types.js';
import { FrontendClient } from './frontend-client.js';
import { NodeActor, type NodeMsg, type NodeRequestMsg } from './node-actor.js';
import type { VmLedger } from './vm-ledger.js';

export interface NodeInstanceOptions {
  /** oned's base URL. */
  readonly frontend: string;
  readonly hostId: number;
  readonly token: string;
  readonly capabilities: NodeCapabilities;
  /** The agent's own interval; oned's hello may ask for a longer one. */
  readonly monitorIntervalMs: number;
  readonly hypervisor: HypervisorDriver;
  readonly monitoring: MonitoringDriver;
  readonly ledger: VmLedger;
  readonly network?: NetworkDriver;
  readonly transfer?: TransferDriver;
  readonly datastores?: string;
  /** This host's logger; the instance adds its incarnation. */
  readonly log: Logger;
}

/** One host's node in a running actor system. */
export interface NodeInstance {
  readonly hostId: number;
  readonly incarnation: string;
  readonly node: ActorRef<NodeMsg>;
  /** Settles if the node actor keeps crashing past its supervisor's intensity. */
  readonly failed: Promise<ExitReason>;
  /** Closes the link and stops the actors; the drivers are the caller's to close. */
  stop(): Promise<void>;
}

/**
 * Starts what one host needs to speak for itself: a node actor over the
 * given drivers (under a supervisor named `name`, so a crash restarts it
 * with the same ref), the link to oned with a new incarnation, and the
 * socket.io client that dials oned and redials forever. A real agent runs
 * one per process (agent.ts); `onenode --simulate` runs many in one actor
 * system (simulation.ts), each with its own connection, token and link.
 */
export async function startNodeInstance(system: ActorSystem, name: string, options: NodeInstanceOptions): Promise<NodeInstance> {
  const incarnation = randomUUID();
  const log = options.log.child({ incarnation });
  const lost = await reconcileLedger(options, log);
  let nodeRef: ActorRef<NodeMsg> | undefined;
  const link = new Link<'node'>({
    side: 'node',
    name: 'oned',
    incarnation,
    clock: systemClock,
    log: log.child({ actor: 'link' }),
    onCommand: (cmd) => nodeRef?.tell({ type: 'command', cmd }),
    // Any request the wire brings (polymorphic): the link pairs each reply with its request's id.
    onRequest: (req) => (nodeRef as ActorRef<NodeMsg>).ask({ type: 'request', req } as NodeRequestMsg, { timeoutMs: 60_000 }),
    // Monitoring goes out as soon as oned has answered the handshake, at the interval its hello allows.
    onResumed: (peer) =>
      nodeRef?.tell(peer.monitorMs === undefined ? { type: 'connected' } : { type: 'connected', monitorMs: peer.monitorMs }),
  });
  // Before the link is up: queued, these go out first, once, as monitoring reports a VM that died.
  for (const spec of lost) {
    link.tell({
      type: 'vm.state',
      vmId: spec.vmId,
      state: 'failed',
      reason: 'the VM was gone when the agent started (it died with the agent, or while the agent was down)',
    });
  }
  const root = system.spawn(
    supervisor({
      maxRestarts: 10,
      periodMs: 10_000,
      children: [
        {
          id: 'node',
          start: (ctx: ActorContext<NodeMsg>) =>
            new NodeActor(ctx, {
              incarnation,
              hypervisor: options.hypervisor,
              monitoring: options.monitoring,
              ledger: options.ledger,
              frontend: { tell: (m) => link.tell(m), emit: (m) => link.emit(m) },
              monitorIntervalMs: options.monitorIntervalMs,
              ...(options.network === undefined ? {} : { network: options.network }),
              ...(options.transfer === undefined ? {} : { transfer: options.transfer }),
              ...(options.datastores === undefined ? {} : { datastores: options.datastores }),
            }),
        },
      ],
    }),
    { name },
  );
  nodeRef = await root.ask({ type: 'get_child', id: 'node' });
  // The supervisor starts its children before it answers: a missing one is a programming mistake.
  if (nodeRef === undefined) throw new TypeError('the node actor did not start with its supervisor');
  const failed = system
    .whenTerminated(root)
    .then((reason) => (reason.type === 'failure' ? reason : new Promise<ExitReason>(() => undefined)));
  const client = new FrontendClient({
    url: options.frontend,
    hostId: options.hostId,
    token: options.token,
    capabilities: options.capabilities,
    link,
    clock: systemClock,
    log,
  });
  client.start();
  return {
    hostId: options.hostId,
    incarnation,
    node: nodeRef,
    failed,
    async stop() {
      client.close();
      link.close();
      await system.stop(root);
    },
  };
}

/**
 * The ledger's VMs that the hypervisor no longer holds, forgotten: a dummy
 * VM died with the agent that ran it, a qemu VM without its record cannot
 * be re-adopted. Their taps go too. A qemu VM whose process died is still
 * held (as `failed`) and left to monitoring, which reports it on connect.
 */
async function reconcileLedger(options: NodeInstanceOptions, log: Logger): Promise<VmSpec[]> {
  const held = new Set((await options.hypervisor.list()).map((vm) => vm.vmId));
  const lost = await options.ledger.reconcile(held);
  if (lost.length === 0) return lost;
  log.warn({ vmIds: lost.map((spec) => spec.vmId) }, 'VMs in the ledger are gone from the hypervisor: reported as failed');
  const net = options.network;
  if (net !== undefined) {
    for (const spec of lost) {
      for (const nic of spec.nics ?? []) {
        await net.removeTap(nic.tap).catch((err: unknown) => log.warn({ err, vmId: spec.vmId }, 'tap of a lost VM not removed'));
      }
    }
  }
  return lost;
}

import type { Actor, ActorContext, ActorRef, WithReplies } from '../actors/index.js';
import { NepheleError } from '../errors.js';
import type { Store } from '../store/index.js';
import {
  addRange,
  allocate,
  hold,
  leaseAttributes,
  releaseVm,
  removeRange,
  unhold,
  type LeaseRequest,
  type NetworkRecord,
} from './network-record.js';
import { networkView, type NetworkView } from './network-view.js';
import { withAttribute } from '../templates/index.js';
import type { RangeDefinition } from './vnet-template.js';
import { updatedNetwork } from './vnet-update.js';
import type { Permissions } from '../auth/permissions.js';

/** A lease as a VM keeps it: enough to wire the NIC and fill the context without asking the network again. */
export interface NicLease {
  readonly nicId: number;
  readonly networkId: number;
  readonly network: string;
  readonly bridge: string;
  readonly vlanId?: number;
  readonly ip?: string;
  readonly mac: string;
  /** The network's attributes, its range's over them (NETWORK_MASK, GATEWAY, DNS …). */
  readonly attributes: Readonly<Record<string, string>>;
}

type NetworkMessages =
  | { readonly type: 'info' }
  | { readonly type: 'record' }
  | { readonly type: 'lease'; readonly vmId: number; readonly requests: readonly LeaseRequest[] }
  | { readonly type: 'release'; readonly vmId: number }
  | { readonly type: 'hold'; readonly ip: string }
  | { readonly type: 'unhold'; readonly ip: string }
  | { readonly type: 'add_ar'; readonly range: RangeDefinition }
  | { readonly type: 'rm_ar'; readonly arId: number }
  /** OpenNebula's vn.update: the template's attributes replaced by `template` (text), or merged with `append` (vnet-update.ts). */
  | { readonly type: 'update'; readonly template: string; readonly append: boolean }
  /** From the pool, which keeps names unique per owner. */
  | { readonly type: 'rename'; readonly name: string }
  /** From the pool, which checks the caller's rights and keeps names unique per owner: a chown or chmod. */
  | { readonly type: 'reown'; readonly uid: number; readonly gid: number; readonly perms: Permissions }
  /** Releases the leases of every VM not in `live` (a VM that reached DONE while the release was lost). */
  | { readonly type: 'reconcile'; readonly live: ReadonlySet<number> };

/** What an ask of a network actor answers. */
export interface NetworkReplies {
  readonly info: NetworkView;
  readonly record: NetworkRecord;
  readonly lease: NicLease[];
  readonly release: { readonly released: number };
  readonly hold: NetworkView;
  readonly unhold: NetworkView;
  readonly add_ar: NetworkView;
  readonly rm_ar: NetworkView;
  readonly update: NetworkView;
  readonly rename: NetworkView;
  readonly reown: NetworkView;
  readonly reconcile: { readonly released: number };
}

export type NetworkMsg = WithReplies<NetworkMessages, NetworkReplies>;

export interface NetworkActorDeps {
  readonly store: Store;
}

/**
 * One per virtual network: owns its address ranges and leases. Every change
 * is written before it is answered, so an address the actor has handed out
 * is never handed out again, even after a crash.
 */
export class NetworkActor implements Actor<NetworkMsg> {
  private readonly ctx: ActorContext<NetworkMsg>;
  private readonly id: number;
  private readonly deps: NetworkActorDeps;
  private record!: NetworkRecord;

  constructor(ctx: ActorContext<NetworkMsg>, id: number, deps: NetworkActorDeps) {
    this.ctx = ctx;
    this.id = id;
    this.deps = deps;
  }

  async preStart(): Promise<void> {
    const record = await this.deps.store.get('networks', this.id);
    if (record === undefined) throw new NepheleError('NETWORK_NOT_FOUND', `network ${this.id} is not in the store`);
    this.record = record;
  }

  async receive(msg: NetworkMsg): Promise<unknown> {
    const n = this.record;
    switch (msg.type) {
      case 'info':
        return networkView(n);
      case 'record':
        return n;
      case 'lease': {
        const { next, leases } = allocate(n, msg.vmId, msg.requests);
        await this.persist(next);
        this.ctx.log.info({ vmId: msg.vmId, leases: leases.length }, 'leased');
        return leases.map(
          (l): NicLease => ({
            nicId: l.nicId ?? 0,
            networkId: n.id,
            network: n.name,
            bridge: n.bridge,
            mac: l.mac,
            ...(l.ip === undefined ? {} : { ip: l.ip }),
            ...(n.vlanId === undefined ? {} : { vlanId: n.vlanId }),
            attributes: leaseAttributes(n, l),
          }),
        );
      }
      case 'release': {
        const { next, released } = releaseVm(n, msg.vmId);
        if (released > 0) {
          await this.persist(next);
          this.ctx.log.info({ vmId: msg.vmId, released }, 'released');
        }
        return { released };
      }
      case 'hold':
        await this.persist(hold(n, msg.ip));
        return networkView(this.record);
      case 'unhold':
        await this.persist(unhold(n, msg.ip));
        return networkView(this.record);
      case 'add_ar':
        await this.persist(addRange(n, msg.range));
        return networkView(this.record);
      case 'rm_ar':
        await this.persist(removeRange(n, msg.arId));
        return networkView(this.record);
      case 'update':
        await this.persist(updatedNetwork(n, msg.template, msg.append));
        return networkView(this.record);
      case 'rename':
        // The template's NAME follows, so that the text shown agrees with the name.
        await this.persist({ ...n, name: msg.name, template: withAttribute(n.template, 'NAME', msg.name) });
        return networkView(this.record);
      case 'reown':
        await this.persist({ ...n, uid: msg.uid, gid: msg.gid, perms: msg.perms });
        return networkView(this.record);
      case 'reconcile': {
        const stale = new Set(n.leases.filter((l) => l.vmId !== undefined && !msg.live.has(l.vmId)).map((l) => l.vmId as number));
        if (stale.size === 0) return { released: 0 };
        const leases = n.leases.filter((l) => l.vmId === undefined || !stale.has(l.vmId));
        await this.persist({ ...n, leases });
        this.ctx.log.warn({ vms: [...stale] }, 'released the leases of VMs that are gone');
        return { released: n.leases.length - leases.length };
      }
    }
  }

  private async persist(next: NetworkRecord): Promise<void> {
    if (next === this.record) return;
    await this.deps.store.put('networks', next.id, next);
    this.record = next;
  }
}

/**
 * Tells each network of these NICs to give back the VM's leases. A network
 * that is gone (`network` finds no actor) took its leases with it.
 */
export function releaseLeases(
  vmId: number,
  nics: readonly Pick<NicLease, 'networkId'>[],
  network: (id: number) => ActorRef<NetworkMsg> | undefined,
): void {
  for (const networkId of new Set(nics.map((n) => n.networkId))) network(networkId)?.tell({ type: 'release', vmId });
}

/** Network actors are registered under this name. */
export function networkActorName(id: number): string {
  return `vnet-${id}`;
}

import type { Actor, ActorContext, ActorRef, ChildInfo, DynamicSupervisorMsg } from '../actors/index.js';
import { NepheleError } from '../errors.js';
import type { Store } from '../store/index.js';
import { parseTemplate } from '../templates/index.js';
import { addRange, type NetworkRecord } from './network-record.js';
import { networkActorName, type NetworkMsg } from './network-actor.js';
import type { NetworkView } from './network-view.js';
import { vnetDefinition } from './vnet-template.js';

export type NetworkPoolMsg =
  | { readonly type: 'allocate'; readonly template: string; readonly uid: number; readonly gid: number }
  | { readonly type: 'list' }
  | { readonly type: 'get'; readonly network: string | number }
  | { readonly type: 'delete'; readonly network: string | number }
  | { readonly type: 'reconcile'; readonly live: ReadonlySet<number> };

export interface NetworkPoolDeps {
  readonly store: Store;
  readonly supervisor: () => ActorRef<DynamicSupervisorMsg<number>>;
  /** OpenNebula's MAC_PREFIX as an integer (`02:00` → 0x0200). */
  readonly macPrefix: number;
}

/**
 * The registry of virtual networks: allocates ids, keeps names unique,
 * starts and stops the NetworkActors and finds them by id or name.
 */
export class NetworkPool implements Actor<NetworkPoolMsg> {
  private readonly ctx: ActorContext<NetworkPoolMsg>;
  private readonly deps: NetworkPoolDeps;
  private readonly byId = new Map<number, { name: string; ref: ActorRef<NetworkMsg> }>();
  private readonly byName = new Map<string, number>();

  constructor(ctx: ActorContext<NetworkPoolMsg>, deps: NetworkPoolDeps) {
    this.ctx = ctx;
    this.deps = deps;
  }

  async preStart(): Promise<void> {
    const running = new Map((await this.deps.supervisor().ask<ChildInfo[]>({ type: 'which_children' })).map((c) => [c.id, c.ref]));
    const records = await this.deps.store.list<NetworkRecord>('networks');
    for (const { value } of records) {
      const ref = running.get(networkActorName(value.id));
      if (ref === undefined) await this.start(value.id, value.name);
      else this.track(value.id, value.name, ref as ActorRef<NetworkMsg>);
    }
    this.ctx.log.info({ networks: records.length }, 'networks loaded');
  }

  async receive(msg: NetworkPoolMsg): Promise<unknown> {
    switch (msg.type) {
      case 'allocate':
        return this.allocate(msg.template, msg.uid, msg.gid);
      case 'list':
        return Promise.all([...this.byId.values()].map((n) => n.ref.ask<NetworkView>({ type: 'info' })));
      case 'get':
        return this.find(msg.network).ref;
      case 'delete':
        return this.delete(msg.network);
      case 'reconcile': {
        const counts = await Promise.all([...this.byId.values()].map((n) => n.ref.ask<{ released: number }>({ type: 'reconcile', live: msg.live })));
        return { released: counts.reduce((s, c) => s + c.released, 0) };
      }
    }
  }

  private async allocate(text: string, uid: number, gid: number): Promise<{ id: number }> {
    const def = vnetDefinition(parseTemplate(text));
    if (this.byName.has(def.name)) throw new NepheleError('NAME_TAKEN', `a network named ${def.name} exists`, { details: { name: def.name } });
    const id = this.deps.store.reserveId('networks');
    let record: NetworkRecord = {
      id, name: def.name, uid, gid, template: text, bridge: def.bridge ?? `onebr${id}`,
      ...(def.vlanId === undefined ? {} : { vlanId: def.vlanId }),
      attributes: def.attributes, ranges: [], nextArId: 0, leases: [], macPrefix: this.deps.macPrefix, regtime: Date.now(),
    };
    // Ranges one by one, so overlapping ones are refused as `onevnet addar` refuses them.
    for (const range of def.ranges) record = addRange(record, range);
    await this.deps.store.batch([{ type: 'put', kind: 'networks', id, value: record }]);
    await this.start(id, def.name);
    this.ctx.log.info({ networkId: id }, 'network allocated');
    return { id };
  }

  private async delete(ref: string | number): Promise<{ id: number }> {
    const net = this.find(ref);
    const record = await net.ref.ask<NetworkRecord>({ type: 'record' });
    const vms = [...new Set(record.leases.flatMap((l) => (l.vmId === undefined ? [] : [l.vmId])))];
    if (vms.length > 0) {
      throw new NepheleError('ACTION_NOT_ALLOWED', `network ${record.name} has leases in use by VM ${vms.join(', ')}`, { details: { vms } });
    }
    await this.deps.supervisor().ask({ type: 'terminate_child', ref: net.ref });
    await this.deps.store.del('networks', record.id);
    this.byId.delete(record.id);
    this.byName.delete(record.name);
    return { id: record.id };
  }

  private async start(id: number, name: string): Promise<void> {
    const ref = await this.deps.supervisor().ask<ActorRef<NetworkMsg>>({
      type: 'start_child', args: id, name: networkActorName(id), register: networkActorName(id),
    });
    this.track(id, name, ref);
  }

  private track(id: number, name: string, ref: ActorRef<NetworkMsg>): void {
    this.byId.set(id, { name, ref });
    this.byName.set(name, id);
  }

  private find(ref: string | number): { name: string; ref: ActorRef<NetworkMsg> } {
    const id = typeof ref === 'number' ? ref : this.byName.get(ref);
    const net = id === undefined ? undefined : this.byId.get(id);
    if (net === undefined) throw new NepheleError('NETWORK_NOT_FOUND', `no network ${ref}`, { details: { network: ref } });
    return net;
  }
}

import { NamedChildren, type Actor, type ActorContext, type ActorRef, type DynamicSupervisorMsg } from '../actors/index.js';
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
  private readonly networks: NamedChildren<NetworkMsg>;

  constructor(ctx: ActorContext<NetworkPoolMsg>, deps: NetworkPoolDeps) {
    this.ctx = ctx;
    this.deps = deps;
    this.networks = new NamedChildren({ supervisor: deps.supervisor, childName: networkActorName, what: 'network', notFound: 'NETWORK_NOT_FOUND' });
  }

  async preStart(): Promise<void> {
    const records = await this.deps.store.list<NetworkRecord>('networks');
    const adopted = await this.networks.load(records.map((r) => r.value));
    this.ctx.log.info({ networks: records.length, adopted }, 'networks loaded');
  }

  async receive(msg: NetworkPoolMsg): Promise<unknown> {
    switch (msg.type) {
      case 'allocate':
        return this.allocate(msg.template, msg.uid, msg.gid);
      case 'list':
        return Promise.all([...this.networks.values()].map((n) => n.ref.ask<NetworkView>({ type: 'info' })));
      case 'get':
        return this.networks.find(msg.network).ref;
      case 'delete':
        return this.delete(msg.network);
      case 'reconcile': {
        const counts = await Promise.all([...this.networks.values()].map((n) => n.ref.ask<{ released: number }>({ type: 'reconcile', live: msg.live })));
        return { released: counts.reduce((s, c) => s + c.released, 0) };
      }
    }
  }

  private async allocate(text: string, uid: number, gid: number): Promise<{ id: number }> {
    const def = vnetDefinition(parseTemplate(text));
    this.networks.requireFreeName(def.name);
    const id = this.deps.store.reserveId('networks');
    let record: NetworkRecord = {
      id, name: def.name, uid, gid, template: text, bridge: def.bridge ?? `onebr${id}`,
      ...(def.vlanId === undefined ? {} : { vlanId: def.vlanId }),
      attributes: def.attributes, ranges: [], nextArId: 0, leases: [], macPrefix: this.deps.macPrefix, regtime: Date.now(),
    };
    // Ranges one by one, so overlapping ones are refused as `onevnet addar` refuses them.
    for (const range of def.ranges) record = addRange(record, range);
    await this.deps.store.batch([{ type: 'put', kind: 'networks', id, value: record }]);
    await this.networks.start(id, def.name);
    this.ctx.log.info({ networkId: id }, 'network allocated');
    return { id };
  }

  private async delete(ref: string | number): Promise<{ id: number }> {
    const net = this.networks.find(ref);
    const record = await net.ref.ask<NetworkRecord>({ type: 'record' });
    const vms = [...new Set(record.leases.flatMap((l) => (l.vmId === undefined ? [] : [l.vmId])))];
    if (vms.length > 0) {
      throw new NepheleError('ACTION_NOT_ALLOWED', `network ${record.name} has leases in use by VM ${vms.join(', ')}`, { details: { vms } });
    }
    await this.networks.stop(record.id);
    await this.deps.store.del('networks', record.id);
    return { id: record.id };
  }
}

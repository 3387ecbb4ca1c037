import {
  type WithReplies,
  NamedChildren,
  type NamedChild,
  type Actor,
  type ActorContext,
  type ActorRef,
  type DynamicSupervisorMsg,
} from '../actors/index.js';
import { isPublicNetwork, notFound, permsOf } from '../auth/authorize.js';
import {
  DEFAULT_PERMISSIONS,
  PUBLIC_PERMISSIONS,
  applyChmod,
  checkChmod,
  checkChown,
  type Changer,
  type Owned,
} from '../auth/permissions.js';
import { findById, findForUse, findNamed, type Finder, type OwnedObject } from '../auth/find-named.js';
import { NepheleError } from '../errors.js';
import type { Store } from '../store/index.js';
import { parseTemplate } from '../templates/index.js';
import { addRange, type NetworkRecord } from './network-record.js';
import { networkActorName, type NetworkMsg } from './network-actor.js';
import type { NetworkView } from './network-view.js';
import { vnetDefinition } from './vnet-template.js';

type NetworkPoolMessages =
  | { readonly type: 'allocate'; readonly template: string; readonly uid: number; readonly gid: number }
  | { readonly type: 'list' }
  /** An API call's network (id or name, see findNamed), if `who` may use it; NETWORK_NOT_FOUND otherwise. Reply: its actor. */
  | { readonly type: 'get'; readonly network: string | number; readonly who: Finder }
  /**
   * A NIC's network: by id; or by name among the networks of `owner`
   * (NETWORK_UNAME / NETWORK_UID) or else `who`'s own, then the public ones
   * (see findForUse). NETWORK_NOT_FOUND unless `who` may use it. Reply: its actor.
   */
  | { readonly type: 'nic'; readonly network: string | number; readonly who: Finder; readonly owner?: number }
  | { readonly type: 'delete'; readonly network: number }
  /** A name the owner has no other network by (NAME_TAKEN), stored by the network's actor. Reply: its view. */
  | { readonly type: 'rename'; readonly network: number; readonly name: string }
  /**
   * OpenNebula's chown, checked here against the network as it is
   * (checkChown); a new owner must have no other network by its name
   * (NAME_TAKEN). Reply: its view.
   */
  | { readonly type: 'chown'; readonly network: number; readonly who: Changer; readonly uid?: number; readonly gid?: number }
  /** OpenNebula's chmod: its nine values, 1 set, 0 clear, -1 leave (checkChmod). Reply: its view. */
  | { readonly type: 'chmod'; readonly network: number; readonly who: Changer; readonly values: readonly number[] }
  | { readonly type: 'reconcile'; readonly live: ReadonlySet<number> };

/** What an ask of the network pool answers. */
export interface NetworkPoolReplies {
  readonly allocate: { readonly id: number };
  readonly list: NetworkView[];
  readonly get: ActorRef<NetworkMsg>;
  readonly nic: ActorRef<NetworkMsg>;
  readonly delete: { readonly id: number };
  readonly rename: NetworkView;
  readonly chown: NetworkView;
  readonly chmod: NetworkView;
  readonly reconcile: { readonly released: number };
}

export type NetworkPoolMsg = WithReplies<NetworkPoolMessages, NetworkPoolReplies>;

interface OwnedNetwork extends OwnedObject {
  readonly ref: ActorRef<NetworkMsg>;
}

export interface NetworkPoolDeps {
  readonly store: Store;
  readonly supervisor: () => ActorRef<DynamicSupervisorMsg<number>>;
  /** OpenNebula's MAC_PREFIX as an integer (`02:00` → 0x0200). */
  readonly macPrefix: number;
}

/**
 * The registry of virtual networks: allocates ids, keeps names unique per
 * owner, starts and stops the NetworkActors and finds them by id or name
 * for whoever may use them.
 */
export class NetworkPool implements Actor<NetworkPoolMsg> {
  private readonly ctx: ActorContext<NetworkPoolMsg>;
  private readonly deps: NetworkPoolDeps;
  private readonly networks: NamedChildren<NetworkMsg>;

  constructor(ctx: ActorContext<NetworkPoolMsg>, deps: NetworkPoolDeps) {
    this.ctx = ctx;
    this.deps = deps;
    this.networks = new NamedChildren({
      supervisor: deps.supervisor,
      childName: networkActorName,
      what: 'network',
      notFound: 'NETWORK_NOT_FOUND',
      perOwner: true,
    });
  }

  async preStart(): Promise<void> {
    const records = await this.deps.store.list('networks');
    const adopted = await this.networks.load(records.map((r) => r.value));
    this.ctx.log.info({ networks: records.length, adopted }, 'networks loaded');
  }

  async receive(msg: NetworkPoolMsg): Promise<unknown> {
    switch (msg.type) {
      case 'allocate':
        return this.allocate(msg.template, msg.uid, msg.gid);
      case 'list':
        return Promise.all([...this.networks.values()].map((n) => n.ref.ask({ type: 'info' })));
      // Every network the lookups see carries its bits (owned()): they decide who may use it.
      case 'get':
        return typeof msg.network === 'number'
          ? findById(this.owned(msg.network), msg.network, msg.who, 'network').ref
          : findNamed(this.owned(), msg.network, msg.who, 'network').ref;
      case 'nic': {
        const found =
          typeof msg.network === 'number'
            ? findById(this.owned(msg.network), msg.network, msg.who, 'network')
            : findForUse(this.owned(), msg.network, msg.who, msg.owner === undefined ? {} : { owner: msg.owner });
        if (found === undefined) throw notFound('network', msg.network);
        return found.ref;
      }
      case 'delete':
        return this.delete(msg.network);
      case 'rename': {
        const net = this.networks.find(msg.network);
        if (net.name === msg.name) return net.ref.ask({ type: 'info' });
        // The pool answers nothing else until the actor has stored it: no create or rename takes the name meanwhile.
        this.networks.requireFreeName(msg.name, net.uid);
        const view = await net.ref.ask({ type: 'rename', name: msg.name });
        this.networks.rename(net.id, msg.name);
        return view;
      }
      case 'chown': {
        const net = this.networks.find(msg.network);
        const owned = ownedChild(net);
        checkChown(msg.who, owned, { uid: msg.uid, gid: msg.gid }, `network ${net.id}`);
        const uid = msg.uid ?? owned.uid;
        if (uid !== owned.uid) this.networks.requireFreeName(net.name, uid);
        return this.reown(net, { uid, gid: msg.gid ?? owned.gid, perms: owned.perms });
      }
      case 'chmod': {
        const net = this.networks.find(msg.network);
        const owned = ownedChild(net);
        const perms = applyChmod(owned.perms, msg.values);
        checkChmod(msg.who, owned, perms, `network ${net.id}`);
        return this.reown(net, { ...owned, perms });
      }
      case 'reconcile': {
        const counts = await Promise.all([...this.networks.values()].map((n) => n.ref.ask({ type: 'reconcile', live: msg.live })));
        return { released: counts.reduce((s, c) => s + c.released, 0) };
      }
    }
  }

  /** The networks as name lookups see them (each was started with its owner); or the one with this id. */
  private owned(): OwnedNetwork[];
  private owned(id: number): OwnedNetwork | undefined;
  private owned(id?: number): OwnedNetwork[] | OwnedNetwork | undefined {
    const of = (c: NamedChild<NetworkMsg>): OwnedNetwork => ({ id: c.id, name: c.name, ...ownedChild(c), ref: c.ref });
    if (id === undefined) return [...this.networks.values()].map(of);
    const child = this.networks.get(id);
    return child === undefined ? undefined : of(child);
  }

  /** Stores a new owner, group or bits through the network's actor, then looks it up by them. */
  private async reown(net: NamedChild<NetworkMsg>, owner: Owned): Promise<NetworkView> {
    const view = await net.ref.ask({ type: 'reown', ...owner });
    this.networks.reown(net.id, owner);
    return view;
  }

  private async allocate(text: string, uid: number, gid: number): Promise<{ id: number }> {
    const def = vnetDefinition(parseTemplate(text));
    this.networks.requireFreeName(def.name, uid);
    const id = this.deps.store.reserveId('networks');
    let record: NetworkRecord = {
      id,
      name: def.name,
      uid,
      gid,
      // An administrator's network is public, as it was before networks had bits.
      perms: isPublicNetwork({ uid, gid }) ? PUBLIC_PERMISSIONS : DEFAULT_PERMISSIONS,
      template: text,
      bridge: def.bridge ?? `onebr${id}`,
      ...(def.vlanId === undefined ? {} : { vlanId: def.vlanId }),
      attributes: def.attributes,
      ranges: [],
      nextArId: 0,
      leases: [],
      macPrefix: this.deps.macPrefix,
      regtime: Date.now(),
    };
    // Ranges one by one, so overlapping ones are refused as `onevnet addar` refuses them.
    for (const range of def.ranges) record = addRange(record, range);
    await this.deps.store.batch([{ type: 'put', kind: 'networks', id, value: record }]);
    await this.networks.start(id, def.name, { uid, gid, ...(record.perms === undefined ? {} : { perms: record.perms }) });
    this.ctx.log.info({ networkId: id }, 'network allocated');
    return { id };
  }

  private async delete(ref: number): Promise<{ id: number }> {
    const net = this.networks.find(ref);
    const record = await net.ref.ask({ type: 'record' });
    const vms = [...new Set(record.leases.flatMap((l) => (l.vmId === undefined ? [] : [l.vmId])))];
    if (vms.length > 0) {
      throw new NepheleError('ACTION_NOT_ALLOWED', `network ${record.name} has leases in use by VM ${vms.join(', ')}`, {
        details: { vms },
      });
    }
    await this.networks.stop(record.id);
    await this.deps.store.del('networks', record.id);
    return { id: record.id };
  }
}

/** A network's owner, group and bits as the pool tracks them; one loaded without bits reads as permsOf says. */
function ownedChild(c: NamedChild<NetworkMsg>): Owned {
  const uid = c.uid ?? -1;
  return { uid, gid: c.gid ?? -1, perms: c.perms ?? permsOf({ uid, ...(c.gid === undefined ? {} : { gid: c.gid }) }, 'network') };
}

import type { Actor, ActorContext, ActorRef, DynamicSupervisorMsg, WithReplies } from '../actors/index.js';
import { NepheleError, isNepheleError } from '../errors.js';
import { compileRank, compileRequirements } from '../placement/expr/index.js';
import { parseTemplate, vmTemplate } from '../templates/index.js';
import type { Store } from '../store/index.js';
import { DEFAULT_PERMISSIONS } from '../auth/permissions.js';
import type { Session } from '../auth/session.js';
import type { VmNic } from '../templates/index.js';
import { releaseLeases, type NetworkMsg } from '../networks/network-actor.js';
import type { NetworkPoolMsg } from '../networks/network-pool.js';
import { resolveContext } from './vm-context.js';
import { resolveFiles, type VmFiles } from './vm-disks.js';
import type { ImagePoolMsg } from '../images/image-pool.js';
import type { ImageRef } from '../images/image-record.js';
import { integerAtLeast } from '../templates/template-fields.js';
import { UserDirectory, type UserName } from '../users/user-directory.js';
import { vmActorName, type VmMsg } from './vm-actor.js';
import { createdRecord } from './vm-lifecycle.js';
import { userAttributesOf } from './vm-user-template.js';
import { vmView, type VmNicRecord, type VmRecord, type VmView } from './vm-record.js';
import type { VmIndex, VmStateCounts } from './vm-index.js';

type VmPoolMessages =
  | {
      readonly type: 'allocate';
      readonly template: string;
      readonly hold: boolean;
      readonly uid: number;
      /** The owner's group, name and rights, for network access and CONTEXT's $UNAME. @default oneadmin's */
      readonly gid?: number;
      readonly uname?: string;
      readonly admin?: boolean;
      /** A template without NAME names the VM `<namePrefix>-<id>` (a template's instance, as OpenNebula names it). @default one */
      readonly namePrefix?: string;
    }
  /** A page of the VMs in id order (see VmIndex.page): not DONE ones unless `all`, only `uid`'s, or those `who` may use, when given. */
  | {
      readonly type: 'list';
      readonly all: boolean;
      readonly uid?: number;
      readonly who?: Pick<Session, 'uid' | 'gid' | 'admin'>;
      readonly offset?: number;
      readonly limit?: number;
    }
  | { readonly type: 'info'; readonly id: number }
  /** The ids of the VMs not DONE, ascending. */
  | { readonly type: 'live_ids' }
  /** The owner of each VM not DONE (one entry per VM). */
  | { readonly type: 'owners' }
  | { readonly type: 'get'; readonly id: number }
  /** How many VMs are in each state, DONE included: for oned's metrics. Answers a `VmStateCounts`. */
  | { readonly type: 'count_by_state' }
  /** A host actor restarted: every VM actor says again whether it stays there. */
  | { readonly type: 'announce'; readonly hostId: number }
  /** The scheduler (re)started with an empty queue: every VM actor that waits says so again. */
  | { readonly type: 'sched_hello' };

/** What an ask of the VM pool answers; the other messages are told. */
export interface VmPoolReplies {
  readonly allocate: { readonly id: number };
  readonly list: VmView[];
  readonly info: VmView;
  readonly live_ids: number[];
  readonly owners: number[];
  readonly get: ActorRef<VmMsg>;
  readonly count_by_state: VmStateCounts;
}

export type VmPoolMsg = WithReplies<VmPoolMessages, VmPoolReplies>;

export interface VmPoolDeps {
  readonly store: Store;
  readonly supervisor: () => ActorRef<DynamicSupervisorMsg<number>>;
  /** A running VM actor, by the name it is registered under. */
  readonly vm: (id: number) => ActorRef<VmMsg> | undefined;
  /** Records the pool has just read or written, taken once by each new VM actor instead of a store read. */
  readonly preloaded: Map<number, VmRecord>;
  /** Every VM in memory, as written: what listings, `info` and the counts read. */
  readonly index: VmIndex;
  /** The network pool, for the NICs' leases; without it a VM with NICs is refused. */
  readonly networks?: () => ActorRef<NetworkPoolMsg>;
  /** The NetworkActor of a network id, if that network exists. */
  readonly network?: (networkId: number) => ActorRef<NetworkMsg> | undefined;
  /** The image pool, for DISK IMAGE, KERNEL_DS and FILES_DS; without it such a VM is refused. */
  readonly images?: () => ActorRef<ImagePoolMsg>;
  /** The front-end's datastores directory: an administrator's DISK SOURCE must lie in it. */
  readonly datastores?: string;
}

export type { VmStateCounts } from './vm-index.js';

/** Who creates a VM. */
interface Owner {
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly admin: boolean;
}

/**
 * Creates VMs (parse and check the template, allocate the id, store the
 * VM in its first state, start its actor) and finds them. Listings come
 * from the index, which every write of a VM record updates once it has
 * resolved (a VM actor writes before it answers), so what the pool shows is
 * what the store holds, without reading it. VMs in DONE keep their record
 * in the store, not an actor.
 */
export class VmPool implements Actor<VmPoolMsg> {
  private readonly ctx: ActorContext<VmPoolMsg>;
  private readonly deps: VmPoolDeps;

  constructor(ctx: ActorContext<VmPoolMsg>, deps: VmPoolDeps) {
    this.ctx = ctx;
    this.deps = deps;
  }

  async preStart(): Promise<void> {
    const running = new Set((await this.deps.supervisor().ask({ type: 'which_children' })).map((c) => c.id));
    const starts: Promise<void>[] = [];
    for (const { value } of await this.deps.store.list('vms')) {
      this.deps.index.put(value);
      if (value.state === 'DONE' || running.has(vmActorName(value.id))) continue;
      // Read once here, not once more by each actor.
      this.deps.preloaded.set(value.id, value);
      starts.push(this.start(value.id));
    }
    await Promise.all(starts);
    this.ctx.log.info({ started: starts.length, adopted: running.size }, 'VMs loaded');
  }

  receive(msg: VmPoolMsg): unknown {
    // Nothing here needs the pool's order but the id, which reserveId hands out at once:
    // the rest runs detached, so one slow create or listing holds up no other call.
    switch (msg.type) {
      case 'allocate':
        return this.ctx.detach(
          this.allocate(
            msg.template,
            msg.hold,
            {
              uid: msg.uid,
              gid: msg.gid ?? 0,
              uname: msg.uname ?? 'oneadmin',
              admin: msg.admin ?? msg.uid === 0,
            },
            msg.namePrefix ?? 'one',
          ),
        );
      case 'list':
        return this.list(msg);
      case 'info': {
        const live = this.deps.index.get(msg.id);
        if (live !== undefined) return vmView(live);
        return this.ctx.detach(this.done(msg.id).then(vmView));
      }
      case 'live_ids':
        return this.deps.index.liveIds();
      case 'owners':
        return this.deps.index.liveOwners();
      case 'get':
        return this.deps.vm(msg.id) ?? this.whyNoActor(msg.id);
      case 'count_by_state':
        return this.deps.index.counts();
      case 'announce':
        return this.ctx.detach(
          this.deps
            .supervisor()
            .ask({ type: 'which_children' })
            .then((kids) => {
              for (const k of kids) (k.ref as ActorRef<VmMsg>).tell({ type: 'announce', hostId: msg.hostId });
            }),
        );
      case 'sched_hello':
        return this.ctx.detach(
          this.deps
            .supervisor()
            .ask({ type: 'which_children' })
            .then((kids) => {
              for (const k of kids) (k.ref as ActorRef<VmMsg>).tell({ type: 'sched_hello' });
            }),
        );
    }
  }

  private async allocate(text: string, hold: boolean, owner: Owner, namePrefix: string): Promise<{ id: number }> {
    const parsed = parseTemplate(text);
    const t = vmTemplate(parsed);
    // Refused at create, with the position, rather than found wrong at every pass.
    if (t.requirements !== undefined) checkExpression(() => compileRequirements(t.requirements as string), 'SCHED_REQUIREMENTS');
    if (t.rank !== undefined) checkExpression(() => compileRank(t.rank as string), 'SCHED_RANK');
    const id = this.deps.store.reserveId('vms');
    const name = t.name ?? `${namePrefix}-${id}`;
    // Leases first: a VM is stored with its addresses or not at all. A crash
    // between the two leaves leases of a VM that does not exist, which oned
    // releases when it starts (see reconcileLeases).
    const nics = await this.lease(id, t.nics, owner);
    let acquired = false;
    try {
      const files: VmFiles = await resolveFiles(t, {
        vmId: id,
        name,
        owner,
        ...(this.deps.datastores === undefined ? {} : { datastores: this.deps.datastores }),
        ...(this.deps.images === undefined
          ? {}
          : {
              acquire: (refs: readonly ImageRef[]) => {
                acquired = true;
                return (this.deps.images as () => ActorRef<ImagePoolMsg>)().ask({
                  type: 'acquire',
                  vmId: id,
                  refs,
                  session: { uid: owner.uid, gid: owner.gid, admin: owner.admin },
                });
              },
            }),
      });
      const now = Date.now();
      // FILES_DS names images, not variables: it was read into the files above.
      const contextVector =
        t.context === undefined ? undefined : Object.fromEntries(Object.entries(t.context).filter(([k]) => k !== 'FILES_DS'));
      const context = resolveContext(contextVector, { vmId: id, name, template: parsed, user: { id: owner.uid, name: owner.uname }, nics });
      const record: VmRecord = {
        id,
        name,
        uid: owner.uid,
        gid: owner.gid,
        perms: DEFAULT_PERMISSIONS,
        template: text,
        cpu: t.cpu,
        vcpu: t.vcpu,
        memory: t.memory,
        // The table's way in (INITIAL): the state, and whether it waits for the scheduler.
        ...createdRecord({ hold }),
        history: [],
        pending: undefined,
        opSeq: 0,
        stime: now,
        etime: undefined,
        lastError: undefined,
        requirements: t.requirements,
        rank: t.rank,
        // Stored from the start, so that a view never parses the template for it.
        userTemplate: userAttributesOf(parsed),
        ...(nics.length === 0 ? {} : { nics }),
        ...(context === undefined ? {} : { context }),
        ...(files.disks.length === 0 ? {} : { disks: files.disks }),
        ...(files.os === undefined ? {} : { os: files.os }),
        ...(files.contextFiles.length === 0 ? {} : { contextFiles: files.contextFiles }),
      };
      await this.deps.store.batch([{ type: 'put', kind: 'vms', id, value: record }]);
      this.deps.index.put(record);
      this.deps.preloaded.set(id, record);
    } catch (err) {
      releaseLeases(id, nics, (n) => this.deps.network?.(n));
      // The pool's acquire is all or nothing, and its release idempotent.
      if (acquired) this.deps.images?.().tell({ type: 'release', vmId: id });
      throw err;
    }
    await this.start(id);
    return { id };
  }

  /** One lease per NIC, all or none: a refusal gives back what was taken. */
  private async lease(vmId: number, nics: readonly VmNic[], owner: Owner): Promise<VmNicRecord[]> {
    if (nics.length === 0) return [];
    const pool = this.deps.networks?.();
    if (pool === undefined) throw new NepheleError('NETWORK_NOT_FOUND', 'this oned runs without virtual networks');
    // NICs grouped by network, so each network is asked once and leases all of them or none.
    const groups = new Map<number, { ref: ActorRef<NetworkMsg>; nics: Array<{ nic: VmNic; nicId: number }> }>();
    const found = new Map<string, { ref: ActorRef<NetworkMsg>; id: number }>();
    const users = new Lazy(() => new UserDirectory(this.deps.store).names());
    for (const [nicId, nic] of nics.entries()) {
      const network = nic.networkId ?? nic.network;
      if (network === undefined) {
        throw new NepheleError(
          'INVALID_TEMPLATE',
          `NIC #${nicId + 1}: NETWORK_MODE = auto is not supported; name a NETWORK or NETWORK_ID`,
          {
            details: { attribute: 'NIC', index: nicId },
          },
        );
      }
      // A name is the VM owner's network unless NETWORK_UNAME / NETWORK_UID names another owner; an id needs neither.
      const networkOwner = typeof network === 'number' ? undefined : await nicOwner(nic, nicId, users);
      const key = typeof network === 'number' ? `#${network}` : `${networkOwner === undefined ? '' : networkOwner}/${network}`;
      let net = found.get(key);
      if (net === undefined) {
        // Not found unless the owner may use it: what an administrator creates is public, the rest its owner's.
        const ref = await pool.ask({
          type: 'nic',
          network,
          who: owner,
          ...(networkOwner === undefined ? {} : { owner: networkOwner }),
        });
        net = { ref, id: (await ref.ask({ type: 'info' })).id };
        found.set(key, net);
      }
      let group = groups.get(net.id);
      if (group === undefined) {
        group = { ref: net.ref, nics: [] };
        groups.set(net.id, group);
      }
      group.nics.push({ nic, nicId });
    }
    const taken: VmNicRecord[] = [];
    const leased: ActorRef<NetworkMsg>[] = [];
    try {
      for (const group of groups.values()) {
        const leases = await group.ref.ask({
          type: 'lease',
          vmId,
          requests: group.nics.map(({ nic, nicId }) => ({
            nicId,
            ...(nic.ip === undefined ? {} : { ip: nic.ip }),
            ...(nic.mac === undefined ? {} : { mac: nic.mac }),
          })),
        });
        leased.push(group.ref);
        for (const lease of leases) {
          const model = nics[lease.nicId]?.model;
          taken.push(model === undefined ? lease : { ...lease, model });
        }
      }
    } catch (err) {
      for (const ref of leased) ref.tell({ type: 'release', vmId });
      throw err;
    }
    return taken.sort((a, b) => a.nicId - b.nicId);
  }

  /** A page of views: from memory, but for the records of DONE VMs, which are in the store alone. */
  private list(msg: Extract<VmPoolMsg, { type: 'list' }>): unknown {
    const ids = this.deps.index.page(msg);
    const views: (VmView | Promise<VmView>)[] = ids.map((id) => {
      const live = this.deps.index.get(id);
      return live === undefined ? this.done(id).then(vmView) : vmView(live);
    });
    return views.some((v) => v instanceof Promise) ? this.ctx.detach(Promise.all(views)) : views;
  }

  /** A DONE VM's record, from the store. */
  private async done(id: number): Promise<VmRecord> {
    const record = this.deps.index.isDone(id) ? await this.deps.store.get('vms', id) : undefined;
    if (record === undefined) throw notFound(id);
    return record;
  }

  private async start(id: number): Promise<void> {
    await this.deps.supervisor().ask({ type: 'start_child', args: id, name: vmActorName(id), register: vmActorName(id) });
  }

  private async whyNoActor(id: number): Promise<never> {
    const record = await this.deps.store.get('vms', id);
    if (record === undefined) throw notFound(id);
    throw new NepheleError('ACTION_NOT_ALLOWED', `VM ${id} is ${record.state}`, { details: { state: record.state } });
  }
}

/** Computes once, when first asked. */
class Lazy<T> {
  private value: Promise<T> | undefined;
  private readonly make: () => Promise<T>;

  constructor(make: () => Promise<T>) {
    this.make = make;
  }

  get(): Promise<T> {
    this.value ??= this.make();
    return this.value;
  }
}

/**
 * The owner a NIC names for its NETWORK: NETWORK_UID, or the user called
 * NETWORK_UNAME (-1 for a name nobody has: then no network is found, as for
 * a user one may not see), or undefined for the VM owner's own.
 */
async function nicOwner(nic: VmNic, index: number, users: Lazy<readonly UserName[]>): Promise<number | undefined> {
  const uid = nic.extra['NETWORK_UID']?.trim();
  if (uid !== undefined && uid !== '') return integerAtLeast(uid, 0, { attribute: 'NIC/NETWORK_UID', index });
  const uname = nic.extra['NETWORK_UNAME']?.trim();
  if (uname === undefined || uname === '') return undefined;
  return (await users.get()).find((u) => u.name === uname)?.id ?? -1;
}

function checkExpression(compile: () => unknown, attribute: string): void {
  try {
    compile();
  } catch (err) {
    if (isNepheleError(err)) {
      throw new NepheleError(err.code, `${attribute}: ${err.message}`, { details: { ...err.details, attribute } });
    }
    throw err;
  }
}

function notFound(id: number): NepheleError {
  return new NepheleError('VM_NOT_FOUND', `no VM ${id}`, { details: { id } });
}

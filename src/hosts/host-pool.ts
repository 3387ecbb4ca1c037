import { NamedChildren, type Actor, type ActorContext, type ActorRef, type DynamicSupervisorMsg } from '../actors/index.js';
import type { HostView } from '../api/api-types.js';
import { randomSecret } from '../auth/password.js';
import { NepheleError } from '../errors.js';
import type { HypervisorName } from '../protocol/domain.js';
import type { Store } from '../store/index.js';
import type { HostMsg } from './host-actor.js';
import { hashToken, type HostRecord } from './host-record.js';

export type HostPoolMsg =
  | { readonly type: 'allocate'; readonly name: string; readonly im: HypervisorName; readonly vm: HypervisorName }
  | { readonly type: 'list' }
  | { readonly type: 'get'; readonly host: string | number }
  | { readonly type: 'delete'; readonly host: string | number; readonly force: boolean }
  | { readonly type: 'rotate_token'; readonly host: string | number }
  | { readonly type: 'resolve_agent'; readonly hostId: number; readonly token: string; readonly hypervisor: HypervisorName };

/** Host actors are registered under this name, so that VM actors can reach them. */
export function hostChildName(id: number): string {
  return `host-${id}`;
}

export interface HostPoolDeps {
  readonly store: Store;
  /** The dynamic supervisor that runs one HostActor per host id. */
  readonly supervisor: () => ActorRef<DynamicSupervisorMsg<number>>;
}

/**
 * The registry of hosts: allocates ids, keeps names unique, starts and
 * stops the HostActors, and tells the gateway which actor an agent belongs
 * to. Serialising these through one actor is what keeps two `onehost create`
 * of the same name from both succeeding.
 */
export class HostPool implements Actor<HostPoolMsg> {
  private readonly ctx: ActorContext<HostPoolMsg>;
  private readonly deps: HostPoolDeps;
  private readonly hosts: NamedChildren<HostMsg>;

  constructor(ctx: ActorContext<HostPoolMsg>, deps: HostPoolDeps) {
    this.ctx = ctx;
    this.deps = deps;
    this.hosts = new NamedChildren({ supervisor: deps.supervisor, childName: hostChildName, what: 'host', notFound: 'HOST_NOT_FOUND' });
  }

  async preStart(): Promise<void> {
    const records = await this.deps.store.list<HostRecord>('hosts');
    // After a crash of the pool alone, the host actors still run: adopt them.
    const adopted = await this.hosts.load(records.map((r) => r.value));
    this.ctx.log.info({ hosts: records.length, adopted }, 'hosts loaded');
  }

  async receive(msg: HostPoolMsg): Promise<unknown> {
    switch (msg.type) {
      case 'allocate':
        return this.allocate(msg.name, msg.im, msg.vm);
      case 'list':
        return Promise.all([...this.hosts.values()].map((h) => h.ref.ask<HostView>({ type: 'info' })));
      case 'get':
        return this.hosts.find(msg.host).ref;
      case 'delete':
        return this.delete(msg.host, msg.force);
      case 'rotate_token':
        return this.rotateToken(msg.host);
      case 'resolve_agent': {
        const host = this.hosts.get(msg.hostId);
        const ok = host !== undefined && (await host.ref.ask<boolean>({ type: 'verify', token: msg.token }));
        if (!ok || host === undefined) throw new NepheleError('AUTH_FAILED', `wrong host id or token for host ${msg.hostId}`);
        const record = await host.ref.ask<HostRecord>({ type: 'record' });
        if (record.vm !== msg.hypervisor) {
          throw new NepheleError('INVALID_ARGUMENT', `host ${record.name} is registered with VM_MAD ${record.vm}, the agent runs ${msg.hypervisor}`, {
            details: { field: 'hypervisor' },
          });
        }
        return host.ref;
      }
    }
  }

  private async allocate(name: string, im: HypervisorName, vm: HypervisorName): Promise<{ id: number; token: string }> {
    this.hosts.requireFreeName(name);
    const token = randomSecret();
    const id = this.deps.store.reserveId('hosts');
    const record: HostRecord = {
      id, name, im, vm, cluster: 'default', admin: 'enabled', tokenHash: hashToken(token), createdAt: Date.now(),
    };
    await this.deps.store.batch([{ type: 'put', kind: 'hosts', id, value: record }]);
    await this.hosts.start(id, name);
    this.ctx.log.info({ hostId: id }, 'host allocated');
    return { id, token };
  }

  private async delete(ref: string | number, force: boolean): Promise<{ id: number }> {
    const host = this.hosts.find(ref);
    const view = await host.ref.ask<HostView>({ type: 'info' });
    if (view.rvm > 0 && !force) {
      throw new NepheleError('HOST_HAS_VMS', `host ${view.name} runs ${view.rvm} VMs; remove them or use --force`, {
        details: { rvm: view.rvm },
      });
    }
    await this.hosts.stop(view.id);
    await this.deps.store.del('hosts', view.id);
    this.ctx.log.info({ hostId: view.id }, 'host deleted');
    return { id: view.id };
  }

  /** A new token for a host whose token was lost (the local agent's, say). */
  private async rotateToken(ref: string | number): Promise<{ id: number; token: string }> {
    const host = this.hosts.find(ref);
    const record = await host.ref.ask<HostRecord>({ type: 'record' });
    const token = randomSecret();
    await this.deps.store.put('hosts', record.id, { ...record, tokenHash: hashToken(token) });
    // The actor reloads its record on restart; a stop and start is the simplest way to get there.
    await this.hosts.stop(record.id);
    await this.hosts.start(record.id, record.name);
    return { id: record.id, token };
  }
}

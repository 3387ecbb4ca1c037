import {
  NamedChildren,
  type Actor,
  type ActorContext,
  type ActorRef,
  type DynamicSupervisorMsg,
  type WithReplies,
} from '../actors/index.js';
import type { HostView } from './host-view.js';
import { randomSecret } from '../auth/password.js';
import { NepheleError } from '../errors.js';
import type { HypervisorName } from '../protocol/domain.js';
import type { Store } from '../store/index.js';
import type { HostMsg } from './host-actor.js';
import { hashToken, type HostRecord, type HostSsh, type TransferMode } from './host-record.js';
import type { HostSshParams } from './host-view.js';
import { parseSshTarget } from '../ssh/ssh-target.js';
import { isUsablePrivateKey } from '../ssh/oned-key.js';
import { chmod, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where a deployed agent lives on its host, unless `--dir` says otherwise. */
export const DEFAULT_AGENT_DIR = '/var/lib/nephele/node';

type HostPoolMessages =
  | {
      readonly type: 'allocate';
      readonly name: string;
      readonly im: HypervisorName;
      readonly vm: HypervisorName;
      readonly tm?: TransferMode;
      readonly ssh?: HostSshParams;
    }
  | { readonly type: 'list' }
  /** Each host's id and name (of `ids` only, when given), from the pool alone: `[id, name][]`. */
  | { readonly type: 'names'; readonly ids?: readonly number[] }
  | { readonly type: 'get'; readonly host: string | number }
  | { readonly type: 'delete'; readonly host: string | number; readonly force: boolean }
  /** A name no other host has (NAME_TAKEN), stored by the host's actor. Reply: its view. */
  | { readonly type: 'rename'; readonly host: string | number; readonly name: string }
  | { readonly type: 'rotate_token'; readonly host: string | number }
  | { readonly type: 'resolve_agent'; readonly hostId: number; readonly token: string; readonly hypervisor: HypervisorName };

/**
 * What an ask of the host pool answers. A token in a reply is a new one, for
 * the agent it is minted for (oned keeps only its hash); no reply holds a hash.
 */
export interface HostPoolReplies {
  readonly allocate: { readonly id: number; readonly token?: string };
  readonly list: HostView[];
  readonly names: [number, string][];
  readonly get: ActorRef<HostMsg>;
  readonly delete: { readonly id: number };
  readonly rename: HostView;
  readonly rotate_token: { readonly id: number; readonly token: string };
  readonly resolve_agent: ActorRef<HostMsg>;
}

export type HostPoolMsg = WithReplies<HostPoolMessages, HostPoolReplies>;

/** Host actors are registered under this name, so that VM actors can reach them. */
export function hostChildName(id: number): string {
  return `host-${id}`;
}

export interface HostPoolDeps {
  readonly store: Store;
  /** The dynamic supervisor that runs one HostActor per host id. */
  readonly supervisor: () => ActorRef<DynamicSupervisorMsg<number>>;
  /** Oned's data dir: a host's own SSH key goes in `ssh/host-<id>.key`. */
  readonly dataDir: string;
  /** Hears how many hosts there are, whenever that changes (for the monitoring budget). @default none */
  readonly onCount?: (hosts: number) => void;
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
    const records = await this.deps.store.list('hosts');
    // After a crash of the pool alone, the host actors still run: adopt them.
    const adopted = await this.hosts.load(records.map((r) => r.value));
    this.counted();
    this.ctx.log.info({ hosts: records.length, adopted }, 'hosts loaded');
  }

  async receive(msg: HostPoolMsg): Promise<unknown> {
    switch (msg.type) {
      case 'allocate':
        return this.allocate(msg);
      case 'list':
        // Detached: gathering a thousand views must not hold up lookups (`get`, `names`) meanwhile.
        return this.ctx.detach(Promise.all([...this.hosts.values()].map((h) => h.ref.ask({ type: 'info' }))));
      case 'names': {
        const ids = msg.ids;
        if (ids === undefined) return [...this.hosts.values()].map((h) => [h.id, h.name]);
        return ids.flatMap((id) => {
          const h = this.hosts.get(id);
          return h === undefined ? [] : [[h.id, h.name]];
        });
      }
      case 'get':
        return this.hosts.find(msg.host).ref;
      case 'delete':
        return this.delete(msg.host, msg.force);
      case 'rename': {
        const host = this.hosts.find(msg.host);
        if (host.name === msg.name) return host.ref.ask({ type: 'info' });
        // The pool answers nothing else until the actor has stored it: no create or rename takes the name meanwhile.
        this.hosts.requireFreeName(msg.name);
        const view = await host.ref.ask({ type: 'rename', name: msg.name });
        this.hosts.rename(host.id, msg.name);
        this.ctx.log.info({ hostId: host.id }, 'host renamed');
        return view;
      }
      case 'rotate_token':
        return this.rotateToken(msg.host);
      case 'resolve_agent': {
        const host = this.hosts.get(msg.hostId);
        const ok = host !== undefined && (await host.ref.ask({ type: 'verify', token: msg.token }));
        if (!ok || host === undefined) throw new NepheleError('AUTH_FAILED', `wrong host id or token for host ${msg.hostId}`);
        const record = await host.ref.ask({ type: 'access' });
        if (record.vm !== msg.hypervisor) {
          throw new NepheleError(
            'INVALID_ARGUMENT',
            `host ${record.name} is registered with VM_MAD ${record.vm}, the agent runs ${msg.hypervisor}`,
            {
              details: { field: 'hypervisor' },
            },
          );
        }
        return host.ref;
      }
    }
  }

  private async allocate(msg: Extract<HostPoolMsg, { type: 'allocate' }>): Promise<{ id: number; token?: string }> {
    const { name, im, vm } = msg;
    this.hosts.requireFreeName(name);
    if (msg.ssh?.key !== undefined && !isUsablePrivateKey(msg.ssh.key)) {
      throw new NepheleError('INVALID_ARGUMENT', '--key: not a private key oned can use (OpenSSH or PEM, without a passphrase)', {
        details: { field: 'key' },
      });
    }
    const token = randomSecret();
    const id = this.deps.store.reserveId('hosts');
    let ssh: HostSsh | undefined;
    if (msg.ssh !== undefined) {
      const target = parseSshTarget(msg.ssh.target);
      ssh = { user: target.user, host: target.host, port: target.port, dir: msg.ssh.dir ?? DEFAULT_AGENT_DIR };
      if (msg.ssh.key !== undefined) {
        const keyFile = join(this.deps.dataDir, 'ssh', `host-${id}.key`);
        await writeFile(keyFile, msg.ssh.key.endsWith('\n') ? msg.ssh.key : `${msg.ssh.key}\n`, { mode: 0o600 });
        await chmod(keyFile, 0o600);
        ssh = { ...ssh, keyFile };
      }
    }
    const record: HostRecord = {
      id,
      name,
      im,
      vm,
      cluster: 'default',
      admin: 'enabled',
      tokenHash: hashToken(token),
      createdAt: Date.now(),
      ...(msg.tm === undefined ? {} : { tm: msg.tm }),
      ...(ssh === undefined ? {} : { ssh }),
    };
    await this.deps.store.batch([{ type: 'put', kind: 'hosts', id, value: record }]);
    await this.hosts.start(id, name);
    this.counted();
    this.ctx.log.info({ hostId: id, tm: record.tm ?? 'shared', ssh: ssh !== undefined }, 'host allocated');
    // An SSH host gets its token from oned's deployment; nobody needs to see it.
    return ssh === undefined ? { id, token } : { id };
  }

  private async delete(ref: string | number, force: boolean): Promise<{ id: number }> {
    const host = this.hosts.find(ref);
    const view = await host.ref.ask({ type: 'info' });
    if (view.rvm > 0 && !force) {
      throw new NepheleError('HOST_HAS_VMS', `host ${view.name} runs ${view.rvm} VMs; remove them or use --force`, {
        details: { rvm: view.rvm },
      });
    }
    const record = await host.ref.ask({ type: 'access' });
    await this.hosts.stop(view.id);
    this.counted();
    await this.deps.store.del('hosts', view.id);
    if (record.ssh?.keyFile !== undefined) await rm(record.ssh.keyFile, { force: true });
    this.ctx.log.info({ hostId: view.id }, 'host deleted');
    return { id: view.id };
  }

  private counted(): void {
    let n = 0;
    for (const _ of this.hosts.values()) n++;
    this.deps.onCount?.(n);
  }

  /**
   * A new token for a host whose token was lost (the local agent's, say).
   * The host actor writes it (it is the one writer of its record), then
   * restarts, so an agent that still holds the old token loses its link.
   */
  private async rotateToken(ref: string | number): Promise<{ id: number; token: string }> {
    const host = this.hosts.find(ref);
    const token = randomSecret();
    await host.ref.ask({ type: 'set_token', token });
    await this.hosts.stop(host.id);
    await this.hosts.start(host.id, host.name);
    return { id: host.id, token };
  }
}

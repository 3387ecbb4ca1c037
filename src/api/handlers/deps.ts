import type { ActorRef } from '../../actors/index.js';
import type { HostDeployer } from '../../hosts/host-deployer.js';
import type { HostMsg } from '../../hosts/host-actor.js';
import type { HostPoolMsg } from '../../hosts/host-pool.js';
import type { MonitoringBook } from '../../hosts/monitoring-book.js';
import type { ImagePoolMsg } from '../../images/image-pool.js';
import type { NetworkPoolMsg } from '../../networks/network-pool.js';
import type { UserPoolMsg } from '../../users/user-pool.js';
import type { VmMsg } from '../../vms/vm-actor.js';
import type { VmPoolMsg } from '../../vms/vm-pool.js';
import type { TemplatePoolMsg } from '../../vms/template-pool.js';

/**
 * What the handlers reach: the actors by lookup (each call finds the one
 * running now, so a restarted pool is found again), and the deployer.
 * oned builds it; nothing here knows how the actors are supervised.
 */
export interface ApiDeps {
  readonly hostPool: () => ActorRef<HostPoolMsg>;
  readonly vmPool: () => ActorRef<VmPoolMsg>;
  /** A VM's actor from the registry, if it runs. */
  readonly vm: (id: number) => ActorRef<VmMsg> | undefined;
  readonly templates: () => ActorRef<TemplatePoolMsg>;
  readonly users: () => ActorRef<UserPoolMsg>;
  readonly networks: () => ActorRef<NetworkPoolMsg>;
  readonly images: () => ActorRef<ImagePoolMsg>;
  readonly deployer: Pick<HostDeployer, 'deploy' | 'sync' | 'remove'>;
  /** oned's version, for `system.version`. */
  readonly version: string;
  /** The monitoring windows of hosts and VMs (read-only here; a deleted host's goes). */
  readonly monitoring: Pick<MonitoringBook, 'host' | 'vm' | 'forgetHost'>;
}

/** The host's actor by id or name (HOST_NOT_FOUND from the pool). */
export function hostOf(deps: ApiDeps): (ref: string | number) => Promise<ActorRef<HostMsg>> {
  return (ref) => deps.hostPool().ask({ type: 'get', host: ref });
}

/** A host's id by id or name. */
export function hostIdOf(deps: ApiDeps): (ref: string | number) => Promise<number> {
  const host = hostOf(deps);
  return async (ref) => (await (await host(ref)).ask({ type: 'info' })).id;
}

/** Owner names for views: uid → user name and group name; a deleted user shows as its uid. */
export async function ownerNames(users: () => ActorRef<UserPoolMsg>): Promise<(uid: number) => { user: string; group: string }> {
  const byId = new Map((await users().ask({ type: 'list' })).map((u) => [u.id, u]));
  return (uid) => {
    const u = byId.get(uid);
    return { user: u?.name ?? String(uid), group: u?.group ?? '-' };
  };
}

/** Records with their owner's user and group names added. */
export function withOwnersOf(
  deps: ApiDeps,
): <T extends { readonly uid: number }>(records: readonly T[]) => Promise<(T & { user: string; group: string })[]> {
  return async (records) => {
    const owner = await ownerNames(deps.users);
    return records.map((r) => ({ ...r, ...owner(r.uid) }));
  };
}

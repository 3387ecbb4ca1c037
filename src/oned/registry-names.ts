import type { ActorRef, ActorSystem, DynamicSupervisorMsg } from '../actors/index.js';
import { NepheleError } from '../errors.js';
import { HOST_POOL, HOST_SUPERVISOR } from '../hosts/host-subtree.js';
import type { HostMsg } from '../hosts/host-actor.js';
import { hostChildName, type HostPoolMsg } from '../hosts/host-pool.js';
import { IMAGE_POOL } from '../images/image-subtree.js';
import type { ImagePoolMsg } from '../images/image-pool.js';
import { NETWORK_POOL, NETWORK_SUPERVISOR } from '../networks/network-subtree.js';
import { networkActorName, type NetworkMsg } from '../networks/network-actor.js';
import type { NetworkPoolMsg } from '../networks/network-pool.js';
import { PLACEMENT } from '../placement/placement-subtree.js';
import type { PlacementMsg } from '../placement/placement-actor.js';
import { USER_POOL } from '../users/user-subtree.js';
import type { UserPoolMsg } from '../users/user-pool.js';
import { TEMPLATE_POOL, VM_POOL, VM_SUPERVISOR } from '../vms/vm-subtree.js';
import type { TemplatePoolMsg } from '../vms/template-pool.js';
import { vmActorName, type VmMsg } from '../vms/vm-actor.js';
import type { VmPoolMsg } from '../vms/vm-pool.js';

/**
 * Every name oned's subtrees register, with the messages its actor takes:
 * the one place where a name meets its type, so that a lookup needs no type
 * argument to trust. The names themselves belong to the domains' subtrees.
 */
export interface RegisteredActors {
  readonly [USER_POOL]: UserPoolMsg;
  readonly [NETWORK_SUPERVISOR]: DynamicSupervisorMsg<number>;
  readonly [NETWORK_POOL]: NetworkPoolMsg;
  readonly [IMAGE_POOL]: ImagePoolMsg;
  readonly [HOST_SUPERVISOR]: DynamicSupervisorMsg<number>;
  readonly [HOST_POOL]: HostPoolMsg;
  readonly [VM_SUPERVISOR]: DynamicSupervisorMsg<number>;
  readonly [VM_POOL]: VmPoolMsg;
  readonly [TEMPLATE_POOL]: TemplatePoolMsg;
  readonly [PLACEMENT]: PlacementMsg;
}

export type RegisteredName = keyof RegisteredActors;

/** oned's actors by name, typed; each call reads the registry, so a restarted actor is found as it is now. */
export interface ActorDirectory {
  /** The actor registered under `name`; ACTOR_STOPPED while none runs (it restarts, or its subtree is off). */
  lookup<N extends RegisteredName>(name: N): ActorRef<RegisteredActors[N]>;
  /** As `lookup`, but undefined while none runs: for tells that may be dropped. */
  find<N extends RegisteredName>(name: N): ActorRef<RegisteredActors[N]> | undefined;
  /** The VmActor of a VM not DONE. */
  vm(id: number): ActorRef<VmMsg> | undefined;
  host(id: number): ActorRef<HostMsg> | undefined;
  network(id: number): ActorRef<NetworkMsg> | undefined;
}

export function actorDirectory(system: ActorSystem): ActorDirectory {
  const find = <N extends RegisteredName>(name: N): ActorRef<RegisteredActors[N]> | undefined => system.lookup<RegisteredActors[N]>(name);
  return {
    find,
    lookup(name) {
      const ref = find(name);
      if (ref === undefined) throw new NepheleError('ACTOR_STOPPED', `${name} is not running`);
      return ref;
    },
    vm: (id) => system.lookup<VmMsg>(vmActorName(id)),
    host: (id) => system.lookup<HostMsg>(hostChildName(id)),
    network: (id) => system.lookup<NetworkMsg>(networkActorName(id)),
  };
}

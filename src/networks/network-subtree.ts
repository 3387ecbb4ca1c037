import type { ActorContext, ChildSpec, SupervisorMsg } from '../actors/index.js';
import { poolSubtree } from '../actors/pool-subtree.js';
import { NetworkActor, type NetworkActorDeps, type NetworkMsg } from './network-actor.js';
import { NetworkPool, type NetworkPoolDeps, type NetworkPoolMsg } from './network-pool.js';

/** The dynamic supervisor of the NetworkActors (`vnet-<id>`). */
export const NETWORK_SUPERVISOR = 'network-supervisor';
/** The NetworkPool: ids, names per owner, finding a network for a NIC. */
export const NETWORK_POOL = 'network-pool';

export interface NetworkSubtreeDeps {
  readonly actor: NetworkActorDeps;
  /** What the pool is given, but its supervisor: that is its sibling here. */
  readonly pool: Omit<NetworkPoolDeps, 'supervisor'>;
}

/**
 * The virtual networks' subtree: `network-supervisor` (one NetworkActor per
 * network) and `network-pool`. Leases are written before they are answered,
 * and VM actors and the VM pool find networks by name at each call, so a
 * crash here restarts nothing else.
 */
export function networkSubtree(deps: NetworkSubtreeDeps): ChildSpec<SupervisorMsg> {
  return poolSubtree({
    id: 'networks',
    children: {
      name: NETWORK_SUPERVISOR,
      start: (id: number) => (ctx: ActorContext<NetworkMsg>) => new NetworkActor(ctx, id, deps.actor),
    },
    pool: {
      name: NETWORK_POOL,
      start: (supervisor) => (ctx: ActorContext<NetworkPoolMsg>) => new NetworkPool(ctx, { ...deps.pool, supervisor }),
    },
  });
}

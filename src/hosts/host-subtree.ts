import type { ActorContext, ChildSpec, SupervisorMsg } from '../actors/index.js';
import { poolSubtree } from '../actors/pool-subtree.js';
import { HostActor, type HostActorDeps, type HostMsg } from './host-actor.js';
import { HostPool, type HostPoolDeps, type HostPoolMsg } from './host-pool.js';

/** The dynamic supervisor of the HostActors (`host-<id>`). */
export const HOST_SUPERVISOR = 'host-supervisor';
/** The HostPool: ids, names, tokens, agents' admission. */
export const HOST_POOL = 'host-pool';

export interface HostSubtreeDeps {
  /** What every HostActor is given. */
  readonly actor: HostActorDeps;
  /** What the pool is given, but its supervisor: that is its sibling here. */
  readonly pool: Omit<HostPoolDeps, 'supervisor'>;
}

/**
 * The hosts' subtree: `host-supervisor` (one HostActor per host) and
 * `host-pool`, which starts them from the store. Nothing outside depends on
 * these actors' lives: VM actors, the scheduler and the gateway find them by
 * name at each call, and a restarted HostActor asks the VMs to say again
 * which of them stay on its host. So a crash here restarts nothing else.
 */
export function hostSubtree(deps: HostSubtreeDeps): ChildSpec<SupervisorMsg> {
  return poolSubtree({
    id: 'hosts',
    children: {
      name: HOST_SUPERVISOR,
      start: (hostId: number) => (ctx: ActorContext<HostMsg>) => new HostActor(ctx, hostId, deps.actor),
    },
    pool: { name: HOST_POOL, start: (supervisor) => (ctx: ActorContext<HostPoolMsg>) => new HostPool(ctx, { ...deps.pool, supervisor }) },
  });
}

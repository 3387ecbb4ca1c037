import { supervisor, type ActorContext, type ChildSpec, type SupervisorMsg } from '../actors/index.js';
import { SUBTREE_INTENSITY, capturedRef, poolSubtree } from '../actors/pool-subtree.js';
import type { Store } from '../store/index.js';
import { TemplatePool } from './template-pool.js';
import { VmActor, type VmActorDeps, type VmMsg } from './vm-actor.js';
import { VmIndex } from './vm-index.js';
import { VmPool, type VmPoolDeps, type VmPoolMsg } from './vm-pool.js';
import type { VmRecord } from './vm-record.js';

/** The dynamic supervisor of the VmActors (`vm-<id>`). */
export const VM_SUPERVISOR = 'vm-supervisor';
/** The VmPool: creates VMs, lists them from its index. */
export const VM_POOL = 'vm-pool';
/** The TemplatePool: onetemplate. */
export const TEMPLATE_POOL = 'template-pool';

/** What the pool and the actors share (store, index, preloaded records) is made here, once. */
type Shared = 'store' | 'preloaded' | 'index';

export interface VmSubtreeDeps {
  readonly store: Store;
  /** What every VmActor is given besides the shared parts. */
  readonly actor: Omit<VmActorDeps, Shared>;
  /** What the pool is given besides the shared parts and its supervisor (its sibling here). */
  readonly pool: Omit<VmPoolDeps, Shared | 'supervisor'>;
}

/**
 * The VMs' subtree, `one_for_one` over two parts that do not depend on each
 * other's lives:
 * - `vm-actors`: `vm-supervisor` (one VmActor per VM not DONE) and `vm-pool`,
 *   `rest_for_one` (see poolSubtree);
 * - `template-pool`, which reaches the VM pool at each instantiate.
 * Hosts, the scheduler and the API find VM actors by name at each call, and
 * a restarted VmActor tells its host and the scheduler where it stands, so a
 * crash here restarts nothing outside.
 */
export function vmSubtree(deps: VmSubtreeDeps): ChildSpec<SupervisorMsg> {
  const { store } = deps;
  // Outlive the pool's restarts: the records in them are the actors' own.
  const index = new VmIndex();
  const preloaded = new Map<number, VmRecord>();
  const actorDeps: VmActorDeps = { ...deps.actor, store, preloaded, index };
  const pool = capturedRef<VmPoolMsg>(VM_POOL);
  return {
    id: 'vms',
    start: supervisor({
      strategy: 'one_for_one',
      ...SUBTREE_INTENSITY,
      children: [
        poolSubtree({
          id: 'vm-actors',
          children: {
            name: VM_SUPERVISOR,
            start: (vmId: number) => (ctx: ActorContext<VmMsg>) => new VmActor(ctx, vmId, actorDeps),
            // A VM that reached DONE stops for good; only a crash brings it back.
            restart: 'transient',
            // Many VMs: more restarts in a period than the other pools' actors.
            maxRestarts: 100,
          },
          pool: {
            name: VM_POOL,
            start: (supervisor) =>
              pool.capture((ctx: ActorContext<VmPoolMsg>) => new VmPool(ctx, { ...deps.pool, store, preloaded, index, supervisor })),
          },
        }),
        { id: TEMPLATE_POOL, start: () => new TemplatePool(store, pool.ref), spawn: { register: TEMPLATE_POOL } },
      ],
    }),
  };
}

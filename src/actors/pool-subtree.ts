import { dynamicSupervisor, type DynamicSupervisorMsg, type DynamicSupervisorOptions } from './dynamic-supervisor.js';
import type { ChildSpec } from './supervision.js';
import { supervisor, type SupervisorMsg } from './supervisor.js';
import type { ActorFactory, ActorRef } from './types.js';

/** How often a subtree may restart its children before it gives up and its parent decides. */
export interface Intensity {
  readonly maxRestarts: number;
  readonly periodMs: number;
}

/** A subtree's own intensity unless it says otherwise: it gives up before the root does. */
export const SUBTREE_INTENSITY: Intensity = Object.freeze({ maxRestarts: 5, periodMs: 10_000 });

/** How the per-entity actors of a pool restart unless told otherwise: many, each soon, none in a tight loop. */
export const ENTITY_RESTARTS = Object.freeze({ maxRestarts: 20, periodMs: 10_000, backoff: Object.freeze({ minMs: 0, maxMs: 5_000 }) });

export interface PoolSubtreeOptions<A, P> {
  /** The subtree's id under its parent (its supervisor's name). */
  readonly id: string;
  /** The dynamic supervisor of the per-entity actors: its registered name and its options (restarts: ENTITY_RESTARTS unless given). */
  readonly children: { readonly name: string } & Readonly<DynamicSupervisorOptions<A>>;
  /** The pool that starts them: its registered name, and its factory given its sibling supervisor. */
  readonly pool: { readonly name: string; readonly start: (supervisor: () => ActorRef<DynamicSupervisorMsg<A>>) => ActorFactory<P> };
  /** @default SUBTREE_INTENSITY */
  readonly intensity?: Intensity;
}

/**
 * A pool and the dynamic supervisor of its actors (hosts, VMs, networks) as
 * one `rest_for_one` pair: a restarted dynamic supervisor comes back with no
 * children, so the pool after it must restart too and start them again from
 * the store; a crash of the pool alone restarts the pool, which adopts the
 * actors that still run. Nothing outside the pair restarts with it.
 */
export function poolSubtree<A, P>(options: PoolSubtreeOptions<A, P>): ChildSpec<SupervisorMsg> {
  const sibling = capturedRef<DynamicSupervisorMsg<A>>(options.children.name);
  const { name, ...dynamic } = options.children;
  return {
    id: options.id,
    start: supervisor({
      strategy: 'rest_for_one',
      ...(options.intensity ?? SUBTREE_INTENSITY),
      children: [
        { id: name, start: sibling.capture(dynamicSupervisor({ ...ENTITY_RESTARTS, ...dynamic })), spawn: { register: name } },
        { id: options.pool.name, start: options.pool.start(sibling.ref), spawn: { register: options.pool.name } },
      ],
    }),
  };
}

/**
 * The ref of a sibling, taken when its factory runs: every start (and a
 * restart as a new cell) goes through the factory, so the ref is always the
 * current one, and no registry lookup is needed inside the subtree.
 */
export function capturedRef<M>(what: string): { capture(factory: ActorFactory<M>): ActorFactory<M>; ref(): ActorRef<M> } {
  let current: ActorRef<M> | undefined;
  return {
    capture: (factory) => (ctx) => {
      current = ctx.self;
      return factory(ctx);
    },
    ref: () => {
      // Start order makes this a programming mistake, not a runtime condition.
      if (current === undefined) throw new TypeError(`${what} is used before it started`);
      return current;
    },
  };
}

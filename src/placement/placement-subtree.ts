import { supervisor, type ActorContext, type ChildSpec, type SupervisorMsg } from '../actors/index.js';
import { PlacementActor, type PlacementDeps, type PlacementMsg } from './placement-actor.js';

/** The scheduler. */
export const PLACEMENT = 'placement';

/**
 * The scheduler's subtree: `placement`. Its queue is in memory only: a
 * restarted scheduler asks the VMs that wait to say so again (`helloVms`),
 * and it finds hosts and VMs by name at each pass, so a crash here restarts
 * nothing else.
 */
export function placementSubtree(deps: PlacementDeps): ChildSpec<SupervisorMsg> {
  return {
    id: 'placement',
    start: supervisor({
      strategy: 'one_for_one',
      maxRestarts: 5,
      periodMs: 10_000,
      children: [
        { id: PLACEMENT, start: (ctx: ActorContext<PlacementMsg>) => new PlacementActor(ctx, deps), spawn: { register: PLACEMENT } },
      ],
    }),
  };
}

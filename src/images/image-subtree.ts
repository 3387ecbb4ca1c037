import { supervisor, type ActorContext, type ChildSpec, type SupervisorMsg } from '../actors/index.js';
import { IMAGE_POOL, ImagePool, type ImagePoolDeps, type ImagePoolMsg } from './image-pool.js';

export { IMAGE_POOL };

/**
 * The images' subtree: `image-pool`, one actor for every image, which
 * reloads them from the store when it restarts. VM actors and the VM pool
 * find it by name at each call, so a crash here restarts nothing else; its
 * own supervisor keeps a crash loop from counting against oned's root.
 */
export function imageSubtree(deps: ImagePoolDeps): ChildSpec<SupervisorMsg> {
  return {
    id: 'images',
    start: supervisor({
      strategy: 'one_for_one',
      maxRestarts: 5,
      periodMs: 10_000,
      children: [{ id: IMAGE_POOL, start: (ctx: ActorContext<ImagePoolMsg>) => new ImagePool(ctx, deps), spawn: { register: IMAGE_POOL } }],
    }),
  };
}

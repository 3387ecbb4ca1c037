import { supervisor, type ActorContext, type ChildSpec, type SupervisorMsg } from '../actors/index.js';
import { UserPool, type UserPoolDeps, type UserPoolMsg } from './user-pool.js';

/** The UserPool: users, groups, passwords, login tokens. */
export const USER_POOL = 'user-pool';

/**
 * The users' subtree: `user-pool`, which reloads users and groups from the
 * store when it restarts (the login throttle in its deps outlives it, so a
 * restart forgives no failed login). The API finds it by name at each call,
 * so a crash here restarts nothing else.
 */
export function userSubtree(deps: UserPoolDeps): ChildSpec<SupervisorMsg> {
  return {
    id: 'users',
    start: supervisor({
      strategy: 'one_for_one',
      maxRestarts: 5,
      periodMs: 10_000,
      children: [{ id: USER_POOL, start: (ctx: ActorContext<UserPoolMsg>) => new UserPool(ctx, deps), spawn: { register: USER_POOL } }],
    }),
  };
}

import { notFound, requireAdmin } from '../../auth/authorize.js';
import type { Session } from '../../auth/session.js';
import { USERS_GID, type UserView } from '../../users/user-record.js';
import type { NameRef } from '../api-types.js';
import type { ApiHandlers } from '../registry.js';
import type { ApiDeps } from './deps.js';

type UserMethod = Extract<keyof ApiHandlers, `user.${string}` | `userpool.${string}`>;

function isSelf(session: Session, ref: NameRef): boolean {
  return ref === session.uid || ref === session.user;
}

/**
 * Anyone may read and change what is theirs (their user, password and
 * tokens, their group); an administrator may do anything else. The check
 * comes before the lookup, and another user is not found whether they exist
 * or not, so that a refusal does not tell.
 */
function requireSelf(session: Session, ref: NameRef): void {
  if (!isSelf(session, ref) && !session.admin) throw notFound('user', ref);
}

/** The API's user methods. */
export function userHandlers(deps: ApiDeps): Pick<ApiHandlers, UserMethod> {
  const pool = deps.users;
  /** With the count of each user's VMs that are not DONE, for the VMS column. */
  const withVms = async (views: UserView[]): Promise<UserView[]> => {
    const counts = new Map<number, number>();
    for (const uid of await deps.vmPool().ask({ type: 'owners' })) counts.set(uid, (counts.get(uid) ?? 0) + 1);
    return views.map((u) => ({ ...u, vms: counts.get(u.id) ?? 0 }));
  };
  const info = (ref: NameRef): Promise<UserView> => pool().ask({ type: 'info', user: ref });
  const gid = async (ref: NameRef): Promise<number> => (await pool().ask({ type: 'group', group: ref })).id;
  // scrypt runs in these: more than the default ask timeout on a loaded machine.
  const slow = { timeoutMs: 15_000 };
  return {
    'user.allocate': async (p, session) => {
      requireAdmin(session, 'create users');
      return pool().ask(
        { type: 'allocate', name: p.name, password: p.password, gid: p.group === undefined ? USERS_GID : await gid(p.group) },
        slow,
      );
    },
    'user.delete': async (p, session) => {
      requireAdmin(session, 'delete users');
      return pool().ask({ type: 'delete', id: (await info(p.user)).id });
    },
    'user.passwd': async (p, session) => {
      requireSelf(session, p.user);
      return pool().ask({ type: 'passwd', id: (await info(p.user)).id, password: p.password }, slow);
    },
    'user.info': async (p, session) => {
      const ref = p.user ?? session.uid;
      requireSelf(session, ref);
      return (await withVms([await info(ref)]))[0] as UserView;
    },
    'userpool.info': async (_p, session) => {
      const all = await pool().ask({ type: 'list' });
      return withVms(session.admin ? all : all.filter((u) => u.id === session.uid));
    },
    'user.enable': async (p, session) => {
      requireAdmin(session, p.enable ? 'enable users' : 'disable users');
      return pool().ask({ type: 'enable', id: (await info(p.user)).id, enabled: p.enable });
    },
    'user.chgrp': async (p, session) => {
      requireAdmin(session, 'move users to another group');
      return pool().ask({ type: 'chgrp', id: (await info(p.user)).id, gid: await gid(p.group) });
    },
    // Anyone their own (OpenNebula's default ACL lets a user manage themselves), an administrator anyone's.
    'user.update': async (p, session) => {
      requireSelf(session, p.user);
      const change = { type: 'update', template: p.template, append: p.append, admin: session.admin } as const;
      return (await withVms([await pool().ask({ ...change, id: (await info(p.user)).id })]))[0] as UserView;
    },
    'user.login': async (p, session) => {
      requireSelf(session, p.user);
      return pool().ask({ type: 'login', id: (await info(p.user)).id, seconds: p.expire });
    },
  };
}

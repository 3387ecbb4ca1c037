import type { ActorRef } from '../actors/index.js';
import type { ApiHandlers } from '../api/registry.js';
import type { Session } from '../auth/session.js';
import type { NameRef } from '../api/api-types.js';
import { notFound, requireAdmin } from '../auth/authorize.js';
import type { UserPoolMsg } from './user-pool.js';
import { USERS_GID, type GroupView, type UserView } from './user-record.js';

type UserMethod =
  | 'user.allocate' | 'user.delete' | 'user.passwd' | 'user.info' | 'userpool.info' | 'user.enable' | 'user.chgrp' | 'user.login'
  | 'grouppool.info' | 'group.info';

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

/** The API's user and group methods. `vms` lists the owners of the VMs that are not DONE, for the VMS column. */
export function userHandlers(users: () => ActorRef<UserPoolMsg>, vms: () => Promise<readonly { readonly uid: number }[]>): Pick<ApiHandlers, UserMethod> {
  const pool = users;
  const withVms = async (views: UserView[]): Promise<UserView[]> => {
    const counts = new Map<number, number>();
    for (const v of await vms()) counts.set(v.uid, (counts.get(v.uid) ?? 0) + 1);
    return views.map((u) => ({ ...u, vms: counts.get(u.id) ?? 0 }));
  };
  const info = (ref: NameRef): Promise<UserView> => pool().ask<UserView>({ type: 'info', user: ref });
  const gid = async (ref: NameRef): Promise<number> => (await pool().ask<GroupView>({ type: 'group', group: ref })).id;
  // scrypt runs in these: more than the default ask timeout on a loaded machine.
  const slow = { timeoutMs: 15_000 };
  return {
    'user.allocate': async (p, session) => {
      requireAdmin(session, 'create users');
      return pool().ask({ type: 'allocate', name: p.name, password: p.password, gid: p.group === undefined ? USERS_GID : await gid(p.group) }, slow);
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
      const all = await pool().ask<UserView[]>({ type: 'list' });
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
    'user.login': async (p, session) => {
      requireSelf(session, p.user);
      return pool().ask({ type: 'login', id: (await info(p.user)).id, seconds: p.expire });
    },
    'grouppool.info': async (_p, session) => {
      const all = await pool().ask<GroupView[]>({ type: 'groups' });
      return session.admin ? all : all.filter((g) => g.id === session.gid);
    },
    'group.info': async (p, session) => {
      const g = await pool().ask<GroupView>({ type: 'group', group: p.group });
      // As a group that does not exist: a refusal does not tell that it does.
      if (!session.admin && g.id !== session.gid) throw notFound('group', p.group);
      return g;
    },
  };
}

/** Owner names for views: uid → user name and group name; a deleted user shows as its uid. */
export async function ownerNames(users: () => ActorRef<UserPoolMsg>): Promise<(uid: number) => { user: string; group: string }> {
  const byId = new Map((await users().ask<UserView[]>({ type: 'list' })).map((u) => [u.id, u]));
  return (uid) => {
    const u = byId.get(uid);
    return { user: u?.name ?? String(uid), group: u?.group ?? '-' };
  };
}

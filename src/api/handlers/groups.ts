import { notFound, requireAdmin } from '../../auth/authorize.js';
import type { ApiHandlers } from '../registry.js';
import type { ApiDeps } from './deps.js';

type GroupMethod = Extract<keyof ApiHandlers, `group.${string}` | `grouppool.${string}`>;

/** The API's group methods: a user sees their own group, an administrator every group and creates and deletes them. */
export function groupHandlers(deps: ApiDeps): Pick<ApiHandlers, GroupMethod> {
  const pool = deps.users;
  return {
    'grouppool.info': async (_p, session) => {
      const all = await pool().ask({ type: 'groups' });
      return session.admin ? all : all.filter((g) => g.id === session.gid);
    },
    'group.info': async (p, session) => {
      const g = await pool().ask({ type: 'group', group: p.group });
      // As a group that does not exist: a refusal does not tell that it does.
      if (!session.admin && g.id !== session.gid) throw notFound('group', p.group);
      return g;
    },
    'group.allocate': async (p, session) => {
      requireAdmin(session, 'create groups');
      return pool().ask({ type: 'group_allocate', name: p.name });
    },
    'group.delete': async (p, session) => {
      requireAdmin(session, 'delete groups');
      const g = await pool().ask({ type: 'group', group: p.group });
      return pool().ask({ type: 'group_delete', id: g.id });
    },
  };
}

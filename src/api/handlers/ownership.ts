import { NO_GROUP, notFound } from '../../auth/authorize.js';
import { parseOctal, type Owned, type Permissions } from '../../auth/permissions.js';
import type { Session } from '../../auth/session.js';
import type { ChmodParams, ChownParams } from '../api-types.js';
import type { ApiDeps } from './deps.js';

/** An object's owner and group as views show them. */
export interface Ownership {
  readonly user: string;
  readonly group: string;
  readonly gid: number;
}

/**
 * The names views show for an object's owner and group: the object's own
 * group (OpenNebula's GID, set at creation and by chown), or for a record
 * stored before objects had one, its owner's. A deleted user or group shows
 * as its id.
 */
export async function ownershipOf(deps: ApiDeps): Promise<(o: { readonly uid: number; readonly gid: number }) => Ownership> {
  const [users, groups] = await Promise.all([deps.users().ask({ type: 'list' }), deps.users().ask({ type: 'groups' })]);
  const userById = new Map(users.map((u) => [u.id, u]));
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  return ({ uid, gid }) => {
    const owner = userById.get(uid);
    const own = gid === NO_GROUP ? (owner?.gid ?? NO_GROUP) : gid;
    return { user: owner?.name ?? String(uid), group: groupName.get(own) ?? (own === NO_GROUP ? '-' : String(own)), gid: own };
  };
}

/**
 * The new owner and group a chown names, as ids: USER_NOT_FOUND or
 * GROUP_NOT_FOUND for one that does not exist, checked first, as
 * OpenNebula's. A user who is not an administrator sees no other user and
 * no other group than their own (docs/users.md): naming one is not found,
 * whether it exists or not, so that a chown does not tell.
 */
export async function chownTarget(deps: ApiDeps, session: Session, p: ChownParams<unknown>): Promise<{ uid?: number; gid?: number }> {
  const out: { uid?: number; gid?: number } = {};
  if (p.user !== undefined) {
    if (!session.admin && p.user !== session.uid && p.user !== session.user) throw notFound('user', p.user);
    out.uid = (await deps.users().ask({ type: 'info', user: p.user })).id;
  }
  if (p.group !== undefined) {
    const g = await deps.users().ask({ type: 'group', group: p.group });
    if (!session.admin && g.id !== session.gid) throw notFound('group', p.group);
    out.gid = g.id;
  }
  return out;
}

/** What `holds` reads of a view: its owner, group and bits. */
export function ownedView(v: { readonly uid: number; readonly gid: number; readonly permissions: Permissions }): Owned {
  return { uid: v.uid, gid: v.gid, perms: v.permissions };
}

/** OpenNebula's nine chmod values of a chmod call: an octet sets or clears every bit. */
export function chmodValues(p: ChmodParams<unknown>): number[] {
  if (p.values !== undefined) return [...p.values];
  const perms: Permissions = parseOctal(p.octet ?? '');
  return Array.from({ length: 9 }, (_, i) => (perms >> (8 - i)) & 1);
}

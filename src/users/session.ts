import type { Authenticated, Session } from '../auth/session.js';
import { timingSafeEqual } from 'node:crypto';
import { NepheleError } from '../errors.js';
import type { UserDirectory } from './user-directory.js';
import { ONEADMIN_GID, type UserRecord } from './user-record.js';

export function sessionOf(r: Pick<UserRecord, 'id' | 'name' | 'gid'>): Session {
  return { user: r.name, uid: r.id, gid: r.gid, admin: r.gid === ONEADMIN_GID };
}

/**
 * The session as it stands now, checked before every API call: a connection
 * outlives neither its login token, nor its user, nor the user's enabled
 * flag, and follows the user into another group. One read of the user
 * (in memory in oned).
 */
export async function currentSession(users: UserDirectory, auth: Authenticated, now: number): Promise<Session> {
  if (auth.expires !== undefined && now >= auth.expires) throw new NepheleError('AUTH_FAILED', 'the login token has expired; log in again');
  const r = await users.get(auth.session.uid);
  if (r === undefined || !r.enabled || r.name !== auth.session.user) {
    throw new NepheleError('AUTH_FAILED', 'the user has been deleted or disabled');
  }
  // A changed password (a new salt) or a revoked token ends the connections it opened.
  const proven =
    auth.expires === undefined
      ? sameBytes(r.salt, auth.credential)
      : r.tokens.some((t) => t.expires > now && sameBytes(t.hash, auth.credential));
  if (!proven) throw new NepheleError('AUTH_FAILED', 'the password has changed or the login token was revoked; log in again');
  return r.gid === auth.session.gid ? auth.session : sessionOf(r);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../actors/clock.js';
import type { Session } from '../api/api-server.js';
import { writeAuthFile } from '../auth/auth-file.js';
import { LoginThrottle } from '../auth/login-throttle.js';
import { hashPassword, randomSecret, verifyPassword, type PasswordHash } from '../auth/password.js';
import { NepheleError } from '../errors.js';
import type { Store } from '../store/index.js';

/** A user as stored: the users issue adds groups, quotas and the rest. */
export interface UserRecord extends PasswordHash {
  readonly id: number;
  readonly name: string;
  readonly enabled: boolean;
}

export const ONEADMIN_ID = 0;

/**
 * On first start, creates `oneadmin` with a generated password and writes
 * `<data-dir>/one_auth` (mode 0600) as `oneadmin:password`, the way an
 * OpenNebula install leaves ~oneadmin/.one/one_auth. Returns the file's path.
 */
export async function ensureOneadmin(store: Store, dataDir: string, log: Logger): Promise<string> {
  const path = join(dataDir, 'one_auth');
  if ((await store.get<UserRecord>('users', ONEADMIN_ID)) !== undefined) return path;
  const password = randomSecret();
  const record: UserRecord = { id: ONEADMIN_ID, name: 'oneadmin', enabled: true, ...(await hashPassword(password)) };
  await writeAuthFile(path, { user: 'oneadmin', password });
  await store.put('users', ONEADMIN_ID, record);
  log.info({ authFile: path }, 'created oneadmin; its credentials are in the auth file');
  return path;
}

/** Checks credentials against the store, with a per-user throttle on failures. */
export function authenticator(store: Store, clock: Clock): (user: string, password: string) => Promise<Session> {
  const throttle = new LoginThrottle(clock);
  return async (user, password) => {
    if (throttle.isLocked(user)) throw new NepheleError('AUTH_FAILED', 'too many failed logins; try again later');
    const users = await store.list<UserRecord>('users');
    const record = users.find((u) => u.value.name === user)?.value;
    // Hash even for an unknown user, so timing does not tell which users exist.
    const ok = await verifyPassword(password, record ?? DECOY);
    if (!ok || record === undefined || !record.enabled) {
      throttle.failed(user);
      throw new NepheleError('AUTH_FAILED', 'wrong user name or password');
    }
    throttle.succeeded(user);
    return { user: record.name, uid: record.id };
  };
}

const DECOY: PasswordHash = { salt: new Uint8Array(16), hash: new Uint8Array(32) };

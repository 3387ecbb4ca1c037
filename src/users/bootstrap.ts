import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeAuthFile } from '../auth/auth-file.js';
import { hashPassword, randomSecret } from '../auth/password.js';
import type { Store } from '../store/index.js';
import { ONEADMIN_GID, ONEADMIN_ID, USERS_GID, upgradeUser, type GroupRecord, type UserRecord } from './user-record.js';

/**
 * On the first start: groups `oneadmin` (0) and `users` (1), and user
 * `oneadmin` with a generated password, written as `oneadmin:password`
 * (mode 0600) to `<data-dir>/one_auth` and, when given, to `userAuthFile`
 * (~/.nephele/auth), the way an OpenNebula install leaves
 * ~oneadmin/.one/one_auth. A store from before groups is brought up to date.
 * Returns the path of `<data-dir>/one_auth`.
 */
export async function ensureOneadmin(store: Store, dataDir: string, log: Logger, userAuthFile?: string): Promise<string> {
  const path = join(dataDir, 'one_auth');
  for (const g of [
    { id: ONEADMIN_GID, name: 'oneadmin' },
    { id: USERS_GID, name: 'users' },
  ] satisfies GroupRecord[]) {
    if ((await store.get('groups', g.id)) === undefined) await store.put('groups', g.id, g);
  }
  const existing = await store.get('users', ONEADMIN_ID);
  if (existing !== undefined) {
    if (existing.gid === undefined || existing.tokens === undefined) await store.put('users', ONEADMIN_ID, upgradeUser(existing));
    return path;
  }
  const password = randomSecret();
  const record: UserRecord = {
    id: ONEADMIN_ID,
    name: 'oneadmin',
    gid: ONEADMIN_GID,
    enabled: true,
    tokens: [],
    createdAt: Date.now(),
    ...(await hashPassword(password)),
  };
  await writeAuthFile(path, { user: 'oneadmin', password });
  if (userAuthFile !== undefined) {
    // Another cloud's credentials may live there: they are not ours to overwrite.
    if (await exists(userAuthFile)) {
      log.warn({ authFile: path, userAuthFile }, "left the existing user auth file alone; oneadmin's credentials are in the auth file");
    } else {
      await writeAuthFile(userAuthFile, { user: 'oneadmin', password });
    }
  }
  await store.put('users', ONEADMIN_ID, record);
  log.info({ authFile: path }, 'created oneadmin; its credentials are in the auth file');
  return path;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

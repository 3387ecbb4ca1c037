import type { PasswordHash } from '../auth/password.js';
import type { TemplateAttribute } from '../templates/template-attributes.js';

import { ONEADMIN_GID, ONEADMIN_ID, USERS_GID } from '../auth/builtin-ids.js';

export { ONEADMIN_GID, ONEADMIN_ID, USERS_GID };

/** A login token as stored: its SHA-256 and when it stops working, never the token itself. */
export interface LoginTokenRecord {
  readonly hash: Uint8Array;
  /** Wall-clock milliseconds since the epoch: tokens outlive a restart of oned. */
  readonly expires: number;
}

/** A user as stored (sublevel `users`). */
export interface UserRecord extends PasswordHash {
  readonly id: number;
  readonly name: string;
  readonly gid: number;
  readonly enabled: boolean;
  readonly tokens: readonly LoginTokenRecord[];
  /** Wall-clock ms since the epoch; 0 for a record older than this field. */
  readonly createdAt: number;
  /** OpenNebula's user TEMPLATE (`oneuser update`), in order; absent until the first update and in older records. */
  readonly template?: readonly TemplateAttribute[];
}

/** A group as stored (sublevel `groups`). */
export interface GroupRecord {
  readonly id: number;
  readonly name: string;
}

/** A user as the API shows it: no hash, no salt, no token. */
export interface UserView {
  readonly id: number;
  readonly name: string;
  readonly gid: number;
  readonly group: string;
  readonly enabled: boolean;
  /** The authentication driver, in OpenNebula's terms: always `core` (password or login token). */
  readonly auth: 'core';
  /** Login tokens that have not expired. */
  readonly tokens: number;
  /** VMs the user owns that are not DONE; filled in by the API, which knows the VMs. */
  readonly vms: number;
  readonly createdAt: number;
  /** The user's TEMPLATE attributes, in order (`user.update`). */
  readonly template: readonly TemplateAttribute[];
}

/** A group as the API shows it. */
export interface GroupView {
  readonly id: number;
  readonly name: string;
  /** Ids of its members. */
  readonly users: readonly number[];
}

export function userView(r: UserRecord, groupName: string, now: number): UserView {
  return {
    id: r.id,
    name: r.name,
    gid: r.gid,
    group: groupName,
    enabled: r.enabled,
    auth: 'core',
    tokens: r.tokens.filter((t) => t.expires > now).length,
    vms: 0,
    createdAt: r.createdAt,
    template: r.template ?? [],
  };
}

/**
 * A record as read from the store, with the fields that a store written
 * before users had groups and tokens lacks (only oneadmin existed then).
 */
export function upgradeUser(r: Partial<UserRecord> & PasswordHash & { id: number; name: string }): UserRecord {
  return {
    gid: r.id === ONEADMIN_ID ? ONEADMIN_GID : USERS_GID,
    enabled: true,
    tokens: [],
    createdAt: 0,
    ...r,
  };
}

// The store's record of this kind (src/store/entity-kind.ts): reads need no type argument.
declare module '../store/entity-kind.js' {
  interface EntityRecords {
    users: UserRecord;
    groups: GroupRecord;
  }
}

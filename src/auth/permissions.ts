/**
 * OpenNebula's permissions of an object: three rights — use, manage, admin —
 * for its owner, for the members of its group and for everyone else, nine
 * bits written as `chmod`'s three octal digits (`640`: the owner uses and
 * manages, the group uses, others nothing), each digit use 4, manage 2,
 * admin 1. What each right lets a user do is OpenNebula's: use — see the
 * object and use it (a network or image in a VM, a template to instantiate);
 * manage — act on it, change, rename, delete; admin — the object's admin
 * operations, and setting admin bits. Administrators (group oneadmin) hold
 * every right on everything.
 */
import { NepheleError } from '../errors.js';
import type { Session } from './session.js';

export type Right = 'use' | 'manage' | 'admin';

/** The nine bits, 0 to 0o777. */
export type Permissions = number;

/** OpenNebula's default UMASK: new objects are the owner's to use and manage (600). */
export const DEFAULT_UMASK = 0o177;

/** What a new object gets: every bit but the umask's. */
export const DEFAULT_PERMISSIONS: Permissions = 0o777 & ~DEFAULT_UMASK;

/** Objects a user could use before they had permissions: an administrator's network or image is public. */
export const PUBLIC_PERMISSIONS: Permissions = DEFAULT_PERMISSIONS | 0o004;

const BIT: Readonly<Record<Right, number>> = { use: 4, manage: 2, admin: 1 };

/** An object with an owner, a group and (from its first chmod, or its creation) its bits. */
export interface Owned {
  readonly uid: number;
  readonly gid: number;
  readonly perms: Permissions;
}

/** Who changes an object's owner or bits: what checkChmod and checkChown read of a session. */
export type Changer = Pick<Session, 'uid' | 'gid' | 'admin' | 'user'>;

/** Whether `session` holds `right` on `object`: as its owner, as a member of its group, or as anyone. */
export function holds(session: Pick<Session, 'uid' | 'gid' | 'admin'>, object: Owned, right: Right): boolean {
  if (session.admin) return true;
  const bit = BIT[right];
  if (session.uid === object.uid && ((object.perms >> 6) & bit) !== 0) return true;
  if (session.gid === object.gid && ((object.perms >> 3) & bit) !== 0) return true;
  return (object.perms & bit) !== 0;
}

/** The bits as OpenNebula's `onevm show` prints them: `um-` per owner, group, other. */
export function permissionString(perms: Permissions): string {
  let out = '';
  for (const shift of [6, 3, 0]) {
    const digit = (perms >> shift) & 7;
    out += `${digit & 4 ? 'u' : '-'}${digit & 2 ? 'm' : '-'}${digit & 1 ? 'a' : '-'}`;
  }
  return out;
}

/** `chmod`'s octal digits (`640`, `0640`) as bits; anything else is INVALID_ARGUMENT. */
export function parseOctal(text: string): Permissions {
  if (!/^0?[0-7]{3}$/.test(text)) {
    throw new NepheleError(
      'INVALID_ARGUMENT',
      `permissions must be three octal digits such as 640, got ${JSON.stringify(text.slice(0, 16))}`,
      {
        details: { field: 'octet' },
      },
    );
  }
  return Number.parseInt(text, 8);
}

/** OpenNebula's nine `chmod` arguments in order: OWNER_U, OWNER_M, OWNER_A, GROUP_U, … OTHER_A. */
export const PERMISSION_FIELDS = ['ownerU', 'ownerM', 'ownerA', 'groupU', 'groupM', 'groupA', 'otherU', 'otherM', 'otherA'] as const;

/**
 * The bits after OpenNebula's `one.<x>.chmod`: each of the nine values is 1
 * (set), 0 (clear) or -1 (leave as it is).
 */
export function applyChmod(current: Permissions, values: readonly number[]): Permissions {
  if (values.length !== 9 || !values.every((v) => v === -1 || v === 0 || v === 1)) {
    throw new NepheleError('INVALID_ARGUMENT', 'chmod takes nine values, each 1 (set), 0 (clear) or -1 (unchanged)', {
      details: { field: 'permissions' },
    });
  }
  let next = current;
  for (const [i, v] of values.entries()) {
    const bit = 1 << (8 - i);
    if (v === 1) next |= bit;
    else if (v === 0) next &= ~bit;
  }
  return next;
}

/**
 * Refuses a chmod the caller may not make, as OpenNebula's
 * RequestManagerChmod: it takes the manage right, or, when it changes any
 * admin bit, the admin right instead (one or the other, not both). Objects
 * the caller may not see are refused before this, as not found.
 */
export function checkChmod(session: Pick<Session, 'uid' | 'gid' | 'admin' | 'user'>, object: Owned, next: Permissions, what: string): void {
  const adminBits = 0o111;
  if ((object.perms & adminBits) !== (next & adminBits)) {
    if (!holds(session, object, 'admin')) {
      throw new NepheleError('NOT_AUTHORIZED', `user ${session.user} may not change the admin rights of ${what}`, {
        details: { uid: session.uid },
      });
    }
  } else if (!holds(session, object, 'manage')) {
    throw new NepheleError('NOT_AUTHORIZED', `user ${session.user} may not change the permissions of ${what}`, {
      details: { uid: session.uid },
    });
  }
}

/**
 * Refuses a chown the caller may not make, as OpenNebula's
 * RequestManagerChown: it takes the manage right on the object; a new
 * owner, the manage right on that user (administrators only); a new group,
 * the use right on it (its members: a user here belongs to one group). The
 * owner or group the object already has is no change, as OpenNebula ignores it.
 */
export function checkChown(
  session: Pick<Session, 'uid' | 'gid' | 'admin' | 'user'>,
  object: Owned,
  change: { readonly uid?: number | undefined; readonly gid?: number | undefined },
  what: string,
): void {
  if (session.admin) return;
  if (change.uid !== undefined && change.uid !== object.uid) {
    throw new NepheleError('NOT_AUTHORIZED', `only administrators may give ${what} to another user`, { details: { uid: session.uid } });
  }
  if (!holds(session, object, 'manage')) {
    throw new NepheleError('NOT_AUTHORIZED', `user ${session.user} may not change the group of ${what}`, { details: { uid: session.uid } });
  }
  if (change.gid !== undefined && change.gid !== object.gid && change.gid !== session.gid) {
    throw new NepheleError('NOT_AUTHORIZED', `user ${session.user} may only move ${what} to their own group`, {
      details: { uid: session.uid },
    });
  }
}

/**
 * Names are scoped per owner, as in OpenNebula: two users may each have a
 * network `pub`, and a name alone never reaches another user's private
 * object. These are the rules by which a name finds an object, shared by
 * networks, images and templates.
 */
import type { Session } from './session.js';
import { NepheleError } from '../errors.js';
import { ONEADMIN_ID } from './builtin-ids.js';
import { NO_GROUP, notFound, type HiddenKind } from './authorize.js';
import { holds, type Permissions } from './permissions.js';

/** What a name lookup needs of an object. */
export interface OwnedObject {
  readonly id: number;
  readonly name: string;
  readonly uid: number;
  readonly gid?: number;
  /** Its bits (see src/auth/permissions.ts); without them, its owner's alone, unless public (`IsPublic`). */
  readonly perms?: Permissions;
}

/** Who looks: an API session, or a VM's owner; `gid` for the group bits of objects that have them. */
export type Finder = Pick<Session, 'uid' | 'admin'> & { readonly gid?: number };

/** Usable by everyone, not only its owner (an administrator's network or image); templates have no such objects. */
export type IsPublic = (o: OwnedObject) => boolean;

const nothingPublic: IsPublic = () => false;

/** May `who` use `o`: an administrator; else as its bits say, or without bits its owner, or anyone when it is public. */
export function canUse(who: Finder, o: OwnedObject, isPublic: IsPublic = nothingPublic): boolean {
  return who.admin || sharedWith(who, o, isPublic);
}

/** Whether `who` may use `o` by right of its owner, group or everyone, an administrator's rights aside. */
function sharedWith(who: Finder, o: OwnedObject, isPublic: IsPublic): boolean {
  if (o.perms === undefined) return o.uid === who.uid || isPublic(o);
  const object = { uid: o.uid, gid: o.gid ?? NO_GROUP, perms: o.perms };
  // A finder without its group (NaN equals no gid) gets no group rights.
  return holds({ uid: who.uid, gid: who.gid ?? Number.NaN, admin: false }, object, 'use');
}

/** Oneadmin's first, then the oldest: the same one every time. */
function publicChoice<T extends OwnedObject>(named: readonly T[], shared: (o: T) => boolean): T | undefined {
  return named.filter(shared).sort((a, b) => Number(b.uid === ONEADMIN_ID) - Number(a.uid === ONEADMIN_ID) || a.id - b.id)[0];
}

/**
 * A reference from a VM template (a NIC's NETWORK, a DISK's IMAGE): the
 * object named `name` of `owner` when one is given (NETWORK_UNAME / _UID),
 * else the caller's own, else one shared with them (public, or by its
 * bits: its group's or everyone's use). Never another user's private
 * object by name alone, not even for an administrator: a user cannot capture
 * a name someone else's VMs use. Undefined when nothing the caller may use
 * has that name.
 */
export function findForUse<T extends OwnedObject>(
  objects: Iterable<T>,
  name: string,
  who: Finder,
  options: { readonly owner?: number; readonly isPublic?: IsPublic } = {},
): T | undefined {
  const isPublic = options.isPublic ?? nothingPublic;
  const named = [...objects].filter((o) => o.name === name);
  if (options.owner !== undefined) {
    const found = named.find((o) => o.uid === options.owner);
    return found !== undefined && canUse(who, found, isPublic) ? found : undefined;
  }
  // Another's object by name only when its bits (or public) share it with `who`, administrator or not.
  return (
    named.find((o) => o.uid === who.uid && canUse(who, o, isPublic)) ??
    publicChoice(named, (o) => o.uid !== who.uid && sharedWith(who, o, isPublic))
  );
}

/**
 * A name an API call was given (`onevnet show pub`): what a template would
 * find, else for an administrator the one other object of that name
 * (INVALID_ARGUMENT when several users have one: give its id). The
 * kind's not-found error otherwise, the same as for a name nobody has.
 */
export function findNamed<T extends OwnedObject>(
  objects: Iterable<T>,
  name: string,
  who: Finder,
  kind: HiddenKind,
  isPublic?: IsPublic,
): T {
  const all = [...objects];
  const found = findForUse(all, name, who, isPublic === undefined ? {} : { isPublic });
  if (found !== undefined) return found;
  if (who.admin) {
    const named = all.filter((o) => o.name === name);
    if (named.length > 1) {
      const article = /^[aeiou]/i.test(kind) ? 'an' : 'a';
      throw new NepheleError('INVALID_ARGUMENT', `${named.length} users have ${article} ${kind} named ${name}: give its id`, {
        details: { field: kind },
      });
    }
    if (named[0] !== undefined) return named[0];
  }
  throw notFound(kind, name);
}

/**
 * By id: the object if `who` may use it, else the kind's not-found error,
 * the same as for an id that does not exist.
 */
export function findById<T extends OwnedObject>(object: T | undefined, id: number, who: Finder, kind: HiddenKind, isPublic?: IsPublic): T {
  if (object === undefined || !canUse(who, object, isPublic)) throw notFound(kind, id);
  return object;
}

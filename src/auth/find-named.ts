/**
 * Names are scoped per owner, as in OpenNebula: two users may each have a
 * network `pub`, and a name alone never reaches another user's private
 * object. These are the rules by which a name finds an object, shared by
 * networks, images and templates.
 */
import type { Session } from './session.js';
import { NepheleError } from '../errors.js';
import { ONEADMIN_ID } from './builtin-ids.js';
import { canAccess, notFound, type HiddenKind } from './authorize.js';

/** What a name lookup needs of an object. */
export interface OwnedObject {
  readonly id: number;
  readonly name: string;
  readonly uid: number;
  readonly gid?: number;
}

/** Who looks: an API session, or a VM's owner. */
export type Finder = Pick<Session, 'uid' | 'admin'>;

/** Usable by everyone, not only its owner (an administrator's network or image); templates have no such objects. */
export type IsPublic = (o: OwnedObject) => boolean;

const nothingPublic: IsPublic = () => false;

/** May `who` use `o`: its owner, an administrator, or anyone when it is public. */
export function canUse(who: Finder, o: OwnedObject, isPublic: IsPublic = nothingPublic): boolean {
  return canAccess(who, o.uid) || isPublic(o);
}

/** Oneadmin's first, then the oldest: the same one every time. */
function publicChoice<T extends OwnedObject>(named: readonly T[], isPublic: IsPublic): T | undefined {
  return named.filter(isPublic).sort((a, b) => Number(b.uid === ONEADMIN_ID) - Number(a.uid === ONEADMIN_ID) || a.id - b.id)[0];
}

/**
 * A reference from a VM template (a NIC's NETWORK, a DISK's IMAGE): the
 * object named `name` of `owner` when one is given (NETWORK_UNAME / _UID),
 * else the caller's own, else a public one. Never another user's private
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
  return named.find((o) => o.uid === who.uid) ?? publicChoice(named, isPublic);
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

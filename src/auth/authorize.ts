import type { Session } from '../api/api-server.js';
import { NepheleError } from '../errors.js';
import { ONEADMIN_GID, ONEADMIN_ID } from '../users/user-record.js';

/**
 * The authorization rules, OpenNebula's default ACL cut down to what
 * Nephele has: administrators (members of group oneadmin) may do anything;
 * everyone else sees and acts on what they own; a network owned by an
 * administrator is public. A refusal is NOT_AUTHORIZED and is raised before
 * anything changes.
 */

/** Refuses anyone but an administrator; `what` completes "only administrators may …". */
export function requireAdmin(session: Session, what: string): void {
  if (!session.admin) throw new NepheleError('NOT_AUTHORIZED', `only administrators may ${what}`, { details: { uid: session.uid } });
}

/** The owner, or an administrator. */
export function canAccess(session: Session, ownerUid: number): boolean {
  return session.admin || session.uid === ownerUid;
}

/** Refuses anyone but the owner or an administrator; `what` names the thing, e.g. `VM 7`. */
export function requireOwner(session: Session, ownerUid: number, what: string): void {
  if (!canAccess(session, ownerUid)) {
    throw new NepheleError('NOT_AUTHORIZED', `user ${session.user} may not use ${what}: it belongs to another user`, {
      details: { uid: session.uid },
    });
  }
}

/** What of a list the caller may see: all of it for an administrator, their own records otherwise. */
export function visibleTo<T extends { readonly uid: number }>(session: Session, records: readonly T[]): T[] {
  return session.admin ? [...records] : records.filter((r) => r.uid === session.uid);
}

/**
 * A network's owner: `gid` is the group of the user who created it (store
 * the creator's `session.gid`). A network created by an administrator —
 * oneadmin, or anyone in group oneadmin when `gid` is given — is public.
 */
export interface NetworkOwner {
  readonly uid: number;
  readonly gid?: number;
}

/** Use (lease from, list, show) a network: its owner, an administrator, or anyone when it is public. */
export function canUseNetwork(session: Session, network: NetworkOwner): boolean {
  return canAccess(session, network.uid) || isPublicNetwork(network);
}

/** Created by an administrator, hence usable by all. */
export function isPublicNetwork(network: NetworkOwner): boolean {
  return network.uid === ONEADMIN_ID || network.gid === ONEADMIN_GID;
}

export function requireNetworkUse(session: Session, network: NetworkOwner, what: string): void {
  if (!canUseNetwork(session, network)) {
    throw new NepheleError('NOT_AUTHORIZED', `user ${session.user} may not use ${what}: it is another user's private network`, {
      details: { uid: session.uid },
    });
  }
}

/**
 * Use (attach to a VM, list, show) an image: as a network, its owner, an
 * administrator, or anyone when an administrator created it. Takes the VM
 * owner's rights as well as an API session.
 */
export function canUseImage(session: Pick<Session, 'uid' | 'admin'>, image: NetworkOwner): boolean {
  return session.admin || session.uid === image.uid || isPublicImage(image);
}

/** Created by an administrator, hence usable by all (the rule of networks). */
export function isPublicImage(image: NetworkOwner): boolean {
  return isPublicNetwork(image);
}

export function requireImageUse(session: Session, image: NetworkOwner, what: string): void {
  if (!canUseImage(session, image)) {
    throw new NepheleError('NOT_AUTHORIZED', `user ${session.user} may not use ${what}: it is another user's private image`, {
      details: { uid: session.uid },
    });
  }
}

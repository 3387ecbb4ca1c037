import type { Session } from './session.js';
import { NepheleError, type ErrorCode } from '../errors.js';
import { ONEADMIN_GID, ONEADMIN_ID } from './builtin-ids.js';
import { DEFAULT_PERMISSIONS, PUBLIC_PERMISSIONS, holds, type Owned, type Permissions, type Right } from './permissions.js';

/**
 * The authorization rules, OpenNebula's default ACL cut down to what
 * Nephele has: administrators (members of group oneadmin) may do anything;
 * everyone else holds on an object the rights its permission bits give
 * (permissions.ts): by default the owner uses and manages it, and a network
 * or image an administrator created is used by all. What a caller may not
 * see is reported exactly as what does not exist (`notFound`), so that a
 * refusal never tells that an object is there, nor its name; NOT_AUTHORIZED
 * is for what they may see but not do. Refusals are raised before anything
 * changes.
 */

/** The kinds of objects a refusal hides, and the detail key their pools' not-found errors carry. */
const HIDDEN = {
  VM: { code: 'VM_NOT_FOUND', key: 'id' },
  template: { code: 'TEMPLATE_NOT_FOUND', key: 'id' },
  network: { code: 'NETWORK_NOT_FOUND', key: 'network' },
  image: { code: 'IMAGE_NOT_FOUND', key: 'image' },
  user: { code: 'USER_NOT_FOUND', key: 'user' },
  group: { code: 'GROUP_NOT_FOUND', key: 'group' },
} as const satisfies Record<string, { code: ErrorCode; key: string }>;

export type HiddenKind = keyof typeof HIDDEN;

/**
 * The error a lookup of `ref` gives when there is no such object: `no VM 7`,
 * `no network pub`, with the ref as the caller gave it (never the name of
 * what they may not see). The pools' own not-found errors have this shape.
 */
export function notFound(kind: HiddenKind, ref: string | number, extra: Readonly<Record<string, unknown>> = {}): NepheleError {
  const { code, key } = HIDDEN[kind];
  return new NepheleError(code, `no ${kind} ${ref}`, { details: { [key]: ref, ...extra } });
}

/** Refuses anyone but an administrator; `what` completes "only administrators may …". */
export function requireAdmin(session: Session, what: string): void {
  if (!session.admin) throw new NepheleError('NOT_AUTHORIZED', `only administrators may ${what}`, { details: { uid: session.uid } });
}

/**
 * A network's owner: `gid` is the group of the user who created it (store
 * the creator's `session.gid`). A network created by an administrator —
 * oneadmin, or anyone in group oneadmin when `gid` is given — is public.
 */
export interface NetworkOwner {
  readonly uid: number;
  readonly gid?: number | undefined;
}

/** Created by an administrator, hence usable by all. */
export function isPublicNetwork(network: NetworkOwner): boolean {
  return network.uid === ONEADMIN_ID || network.gid === ONEADMIN_GID;
}

/** Created by an administrator, hence usable by all (the rule of networks). */
export function isPublicImage(image: NetworkOwner): boolean {
  return isPublicNetwork(image);
}

/** The kinds of objects that carry OpenNebula's permission bits. */
export type PermittedKind = 'VM' | 'template' | 'network' | 'image';

/** A stored object that may have its bits (from its creation or a chmod) and its own group. */
export interface MaybePermitted {
  readonly uid: number;
  readonly gid?: number | undefined;
  readonly perms?: Permissions | undefined;
}

/** The group of an object stored before objects had one (older VMs and templates): nobody is in it. */
export const NO_GROUP = -1;

/**
 * An object's bits. A record stored before objects had bits reads as the
 * rule it was made under: its owner's to use and manage, and an
 * administrator's network or image public (used by everyone).
 */
export function permsOf(record: MaybePermitted, kind: PermittedKind): Permissions {
  if (record.perms !== undefined) return record.perms;
  return (kind === 'network' || kind === 'image') && isPublicNetwork(record) ? PUBLIC_PERMISSIONS : DEFAULT_PERMISSIONS;
}

/** What `holds` needs of a stored object. */
export function ownedOf(record: MaybePermitted, kind: PermittedKind): Owned {
  return { uid: record.uid, gid: record.gid ?? NO_GROUP, perms: permsOf(record, kind) };
}

/**
 * Refuses `right` on an object the caller named `ref`: one they hold no
 * right on at all is not found, exactly as a missing one; one they may use
 * (see) but not this is NOT_AUTHORIZED, naming it as they did.
 */
export function requireRight(
  session: Pick<Session, 'uid' | 'gid' | 'admin' | 'user'>,
  object: Owned,
  right: Right,
  kind: HiddenKind,
  ref: string | number,
): void {
  if (holds(session, object, right)) return;
  if (!holds(session, object, 'use')) throw notFound(kind, ref);
  throw new NepheleError('NOT_AUTHORIZED', `user ${session.user} may not ${right} ${kind} ${ref}`, { details: { uid: session.uid } });
}

/** What `hostSeenBy` hides of a host's view (the view's own type is the hosts domain's, above auth). */
export interface HostSeen {
  readonly vms: readonly number[];
  readonly ssh: object | undefined;
  readonly deploy: readonly object[] | undefined;
}

/**
 * A host as a user who is not an administrator sees it: its capacity and
 * state (OpenNebula shows them to users), but of its VMs only their own
 * (`own`), and nothing of how oned reaches it or deploys its agent.
 */
export function hostSeenBy<H extends HostSeen>(session: Pick<Session, 'admin'>, host: H, own: ReadonlySet<number>): H {
  if (session.admin) return host;
  return { ...host, vms: host.vms.filter((id) => own.has(id)), ssh: undefined, deploy: undefined };
}

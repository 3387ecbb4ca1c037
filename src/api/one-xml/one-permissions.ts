/**
 * PERMISSIONS as OpenNebula writes them, from Nephele's model: the one
 * function to change when objects carry their own bits (chmod). Until a view
 * carries `perms`, the bits are what Nephele's rules grant today
 * (docs/users.md): an object is its owner's to use and manage (OpenNebula's
 * default umask, 600); a network or image of oneadmin or of a member of group
 * oneadmin is public, usable by everyone (604); the datastores are usable by
 * everyone and managed by oneadmin (604). Administrators hold every right
 * through their group, which OpenNebula does not write into the bits either.
 */
import { DEFAULT_PERMISSIONS, PUBLIC_PERMISSIONS, type Permissions } from '../../auth/permissions.js';
import { el, text, type XmlElement } from './xml-tree.js';

export type OwnedKind = 'vm' | 'template' | 'vnet' | 'image' | 'datastore';

/**
 * What the rule reads: the owner, the group where the view has one, and
 * the bits where the view carries them (`permissions` as a number, or as
 * oned's `um-` strings in an image view; `perms` as a record keeps them).
 */
export interface OwnedObject {
  readonly uid: number;
  readonly gid?: number;
  readonly perms?: number;
  readonly permissions?: number | { readonly owner: string; readonly group: string; readonly other: string };
}

const FIELDS = ['OWNER_U', 'OWNER_M', 'OWNER_A', 'GROUP_U', 'GROUP_M', 'GROUP_A', 'OTHER_U', 'OTHER_M', 'OTHER_A'] as const;

function fromStrings(p: { readonly owner: string; readonly group: string; readonly other: string }): Permissions {
  let bits = 0;
  for (const s of [p.owner, p.group, p.other]) {
    bits = (bits << 3) | (s[0] === 'u' ? 4 : 0) | (s[1] === 'm' ? 2 : 0) | (s[2] === 'a' ? 1 : 0);
  }
  return bits;
}

/** The nine bits of an object of `kind`. */
export function permissionBits(kind: OwnedKind, o: OwnedObject): Permissions {
  if (typeof o.permissions === 'number') return o.permissions & 0o777;
  if (typeof o.perms === 'number') return o.perms & 0o777;
  if (o.permissions !== undefined) return fromStrings(o.permissions);
  switch (kind) {
    case 'vnet':
    case 'image':
      return o.uid === 0 || o.gid === 0 ? PUBLIC_PERMISSIONS : DEFAULT_PERMISSIONS;
    case 'datastore':
      return PUBLIC_PERMISSIONS;
    case 'vm':
    case 'template':
      return DEFAULT_PERMISSIONS;
  }
}

/** `<PERMISSIONS><OWNER_U>1</OWNER_U>…<OTHER_A>0</OTHER_A></PERMISSIONS>`. */
export function permissionsXml(kind: OwnedKind, o: OwnedObject): XmlElement {
  const bits = permissionBits(kind, o);
  return el(
    'PERMISSIONS',
    FIELDS.map((f, i) => text(f, (bits >> (8 - i)) & 1)),
  );
}

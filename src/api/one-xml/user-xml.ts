/**
 * The user and group documents: `USER`, `USER_POOL`, `GROUP`, `GROUP_POOL`.
 * Shapes: share/doc/xsd/user.xsd, user_pool.xsd, group.xsd, group_pool.xsd.
 *
 * From Nephele: ids, names, the group, ENABLED, the driver (`core`), a
 * group's members. Nephele has no quotas: each quota element is empty, as
 * OpenNebula writes them for a user or group without quotas (oneuser and
 * onegroup need them present). PASSWORD is empty: OpenNebula shows the
 * stored hash there, Nephele never lets a hash leave oned. No LOGIN_TOKEN:
 * a token is shown once, at login, and only its hash is kept. TEMPLATE and
 * ADMINS are empty (Nephele keeps no user attributes and no group admins).
 * A user belongs to one group (GROUPS holds its GID).
 */
import type { GroupView, UserView } from '../../users/user-record.js';
import type { OneXmlContext } from './context.js';
import { cdata, el, ids, serialize, text, type XmlElement } from './xml-tree.js';

const QUOTAS = ['DATASTORE_QUOTA', 'NETWORK_QUOTA', 'VM_QUOTA', 'IMAGE_QUOTA'] as const;
const emptyQuotas = (): XmlElement[] => QUOTAS.map((q) => el(q));

function userHead(view: UserView): XmlElement[] {
  return [
    text('ID', view.id),
    text('GID', view.gid),
    ids('GROUPS', [view.gid]),
    text('GNAME', view.group),
    text('NAME', view.name),
    cdata('PASSWORD', ''),
    cdata('AUTH_DRIVER', view.auth),
    text('ENABLED', view.enabled ? 1 : 0),
    el('TEMPLATE'),
  ];
}

/** `<USER>` as one.user.info answers it. */
export function userXml(view: UserView, _ctx: OneXmlContext): string {
  return serialize(el('USER', [...userHead(view), ...emptyQuotas(), el('DEFAULT_USER_QUOTAS', emptyQuotas())]));
}

/** `<USER_POOL>` as one.userpool.info answers it: the users, then a QUOTAS per user, then the defaults. */
export function userPoolXml(views: readonly UserView[], _ctx: OneXmlContext): string {
  return serialize(
    el('USER_POOL', [
      views.map((v) => el('USER', userHead(v))),
      views.map((v) => el('QUOTAS', [text('ID', v.id), ...emptyQuotas()])),
      el('DEFAULT_USER_QUOTAS', emptyQuotas()),
    ]),
  );
}

function groupHead(view: GroupView, ctx: OneXmlContext): XmlElement[] {
  const members = view.users.length > 0 ? view.users : (ctx.groupUsers.get(view.id) ?? []);
  return [
    text('ID', view.id),
    text('NAME', view.name),
    el('TEMPLATE'),
    ids(
      'USERS',
      [...members].sort((a, b) => a - b),
    ),
    ids('ADMINS', []),
  ];
}

/** `<GROUP>` as one.group.info answers it. */
export function groupXml(view: GroupView, ctx: OneXmlContext): string {
  return serialize(el('GROUP', [...groupHead(view, ctx), ...emptyQuotas(), el('DEFAULT_GROUP_QUOTAS', emptyQuotas())]));
}

/** `<GROUP_POOL>` as one.grouppool.info answers it. */
export function groupPoolXml(views: readonly GroupView[], ctx: OneXmlContext): string {
  return serialize(
    el('GROUP_POOL', [
      views.map((v) => el('GROUP', groupHead(v, ctx))),
      views.map((v) => el('QUOTAS', [text('ID', v.id), ...emptyQuotas()])),
      el('DEFAULT_GROUP_QUOTAS', emptyQuotas()),
    ]),
  );
}

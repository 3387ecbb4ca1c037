import { ownedOf, requireRight } from '../../auth/authorize.js';
import { holds, type Right } from '../../auth/permissions.js';
import type { TemplateRecord } from '../../vms/template-pool.js';
import type { Session } from '../../auth/session.js';
import type { ApiHandlers } from '../registry.js';
import type { TemplateView } from '../../vms/template-view.js';
import { NepheleError } from '../../errors.js';
import type { ApiDeps } from './deps.js';
import { chmodValues, chownTarget, ownershipOf } from './ownership.js';

type TemplateMethod = Extract<keyof ApiHandlers, `template.${string}` | `templatepool.${string}`>;

/**
 * VM templates: a user sees (and instantiates) the templates they may use
 * and changes those they may manage, by the templates' bits (docs/users.md);
 * an administrator, all of them.
 */
export function templateHandlers(deps: ApiDeps): Pick<ApiHandlers, TemplateMethod> {
  const { templates } = deps;
  /** Views with their owner's and group's names, group and bits. */
  const withOwners = async (records: readonly TemplateRecord[]): Promise<TemplateView[]> => {
    const owner = await ownershipOf(deps);
    return records.map((record) => {
      const owned = ownedOf(record, 'template');
      // The stored bits (absent in older records) are shown as `permissions`, always there.
      const { perms: _stored, ...r } = record;
      return { ...r, ...owner(owned), permissions: owned.perms };
    });
  };
  const one = async (record: TemplateRecord): Promise<TemplateView> => (await withOwners([record]))[0] as TemplateView;
  /**
   * By id, or by name (the caller's own first, then one shared with them),
   * if the caller holds `right` on it: one they may not see is not found, as
   * a missing one; one they see but may not change is NOT_AUTHORIZED.
   */
  const template = async (ref: number | string, session: Session, right: Right = 'manage'): Promise<TemplateRecord> => {
    const r =
      typeof ref === 'string'
        ? await templates().ask({ type: 'find', name: ref, who: session })
        : await templates().ask({ type: 'info', id: ref });
    requireRight(session, ownedOf(r, 'template'), right, 'template', ref);
    return r;
  };
  /** The group a template stored without one shows (its owner's), which a chown or chmod then stores. */
  const ownerGid = async (r: TemplateRecord): Promise<number> => (await ownershipOf(deps))(ownedOf(r, 'template')).gid;
  return {
    'template.allocate': (p, session) => templates().ask({ type: 'allocate', template: p.template, uid: session.uid, gid: session.gid }),
    'templatepool.info': async (_p, session) =>
      withOwners((await templates().ask({ type: 'list' })).filter((r) => holds(session, ownedOf(r, 'template'), 'use'))),
    'template.info': async (p, session) => one(await template(p.id, session, 'use')),
    'template.update': async (p, session) => {
      const { id } = await template(p.id, session);
      return templates().ask({ type: 'update', id, template: p.template });
    },
    'template.rename': async (p, session) => {
      const { id } = await template(p.id, session);
      return one(await templates().ask({ type: 'rename', id, name: p.name }));
    },
    'template.delete': async (p, session) => {
      const { id } = await template(p.id, session);
      return templates().ask({ type: 'delete', id });
    },
    // The new owner and group first, as OpenNebula's; the pool checks the rights against the template as it is.
    'template.chown': async (p, session) => {
      const target = await chownTarget(deps, session, p);
      const r = await template(p.id, session, 'use');
      return one(await templates().ask({ type: 'chown', id: r.id, who: session, ownerGid: await ownerGid(r), ...target }));
    },
    'template.chmod': async (p, session) => {
      const r = await template(p.id, session, 'use');
      return one(await templates().ask({ type: 'chmod', id: r.id, who: session, values: chmodValues(p), ownerGid: await ownerGid(r) }));
    },
    // OpenNebula's clone: the use right on the source; the copy is the caller's.
    'template.clone': async (p, session) => {
      if (p.recursive === true) {
        throw new NepheleError(
          'INVALID_ARGUMENT',
          "recursive: copying a template's images with it is not supported; copy them with image.clone",
          {
            details: { field: 'recursive' },
          },
        );
      }
      const { id } = await template(p.id, session, 'use');
      return templates().ask({ type: 'clone', id, name: p.name, uid: session.uid, gid: session.gid });
    },
    'template.instantiate': async (p, session) => {
      const { id } = await template(p.id, session, 'use');
      return templates().ask({
        type: 'instantiate',
        id,
        name: p.name,
        hold: p.hold,
        uid: session.uid,
        gid: session.gid,
        uname: session.user,
        admin: session.admin,
      });
    },
  };
}

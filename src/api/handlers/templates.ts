import { requireOwner, visibleTo } from '../../auth/authorize.js';
import type { TemplateRecord } from '../../vms/template-pool.js';
import type { Session } from '../../auth/session.js';
import type { ApiHandlers } from '../registry.js';
import type { TemplateView } from '../../vms/template-view.js';
import { withOwnersOf, type ApiDeps } from './deps.js';

type TemplateMethod = Extract<keyof ApiHandlers, `template.${string}` | `templatepool.${string}`>;

/** VM templates: the caller's own (all of them for an administrator). */
export function templateHandlers(deps: ApiDeps): Pick<ApiHandlers, TemplateMethod> {
  const { templates } = deps;
  const withOwners = withOwnersOf(deps);
  /** By id (another user's is not found, as a missing one), or by name: the caller's own first. */
  const template = async (ref: number | string, session: Session): Promise<TemplateRecord> => {
    if (typeof ref === 'string') return templates().ask({ type: 'find', name: ref, who: session });
    const r = await templates().ask({ type: 'info', id: ref });
    requireOwner(session, r.uid, `template ${ref}`);
    return r;
  };
  return {
    'template.allocate': (p, session) => templates().ask({ type: 'allocate', template: p.template, uid: session.uid }),
    'templatepool.info': async (_p, session) => withOwners(visibleTo(session, await templates().ask({ type: 'list' }))),
    'template.info': async (p, session) => (await withOwners([await template(p.id, session)]))[0] as TemplateView,
    'template.update': async (p, session) => {
      const { id } = await template(p.id, session);
      return templates().ask({ type: 'update', id, template: p.template });
    },
    'template.rename': async (p, session) => {
      const { id } = await template(p.id, session);
      return (await withOwners([await templates().ask({ type: 'rename', id, name: p.name })]))[0] as TemplateView;
    },
    'template.delete': async (p, session) => {
      const { id } = await template(p.id, session);
      return templates().ask({ type: 'delete', id });
    },
    'template.instantiate': async (p, session) => {
      const { id } = await template(p.id, session);
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

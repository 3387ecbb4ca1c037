import { requireRight } from '../../auth/authorize.js';
import { holds } from '../../auth/permissions.js';
import type { Session } from '../../auth/session.js';
import { parseTemplate } from '../../templates/index.js';
import { NepheleError } from '../../errors.js';
import type { NetworkView } from '../../networks/network-view.js';
import { addressRange } from '../../networks/vnet-template.js';
import { isVector } from '../../templates/index.js';
import type { ApiHandlers } from '../registry.js';
import type { ApiDeps } from './deps.js';
import { chmodValues, chownTarget, ownedView, ownershipOf } from './ownership.js';

type VnetMethod = Extract<keyof ApiHandlers, `vn.${string}` | `vnpool.${string}`>;

/**
 * The virtual network API: anyone may create a network (an administrator's
 * is public, anyone else's private); using one (show, lease) needs the use
 * right by its bits (docs/users.md), and one the caller may not use is not
 * found (a name finds the caller's own first: src/auth/find-named.ts);
 * changing or deleting it needs the manage right. Views carry the owner's
 * and group's names.
 */
export function networkHandlers(deps: ApiDeps): Pick<ApiHandlers, VnetMethod> {
  const { networks } = deps;
  const named = async (views: readonly NetworkView[]) => {
    const owner = await ownershipOf(deps);
    return views.map((v) => ({ ...v, ...owner(v) }));
  };
  /** The network's actor and view, once the caller may use it. */
  const use = async (ref: string | number, session: Session) => {
    const actor = await networks().ask({ type: 'get', network: ref, who: session });
    return { actor, view: await actor.ask({ type: 'info' }) };
  };
  /** …and once the caller may change it. */
  const manage = async (ref: string | number, session: Session) => {
    const found = await use(ref, session);
    requireRight(session, ownedView(found.view), 'manage', 'network', ref);
    return found;
  };
  const one = async (view: NetworkView) => (await named([view]))[0] as NetworkView & { user: string; group: string };
  return {
    'vn.allocate': (p, session) => networks().ask({ type: 'allocate', template: p.template, uid: session.uid, gid: session.gid }),
    'vnpool.info': async (_p, session) => {
      const all = await networks().ask({ type: 'list' });
      return named(all.filter((n) => holds(session, ownedView(n), 'use')).sort((a, b) => a.id - b.id));
    },
    'vn.info': async (p, session) => one((await use(p.network, session)).view),
    'vn.delete': async (p, session) => {
      const { view } = await manage(p.network, session);
      return networks().ask({ type: 'delete', network: view.id });
    },
    'vn.hold': async (p, session) => one(await (await manage(p.network, session)).actor.ask({ type: 'hold', ip: p.ip })),
    'vn.release': async (p, session) => one(await (await manage(p.network, session)).actor.ask({ type: 'unhold', ip: p.ip })),
    'vn.add_ar': async (p, session) => {
      const { actor } = await manage(p.network, session);
      const ars = parseTemplate(p.template).attributes.filter((a) => a.name === 'AR');
      const ar = ars[0];
      if (ars.length !== 1 || ar === undefined || !isVector(ar.value)) {
        throw new NepheleError('INVALID_TEMPLATE', 'give exactly one AR = [ TYPE = …, SIZE = … ]', { details: { attribute: 'AR' } });
      }
      return one(await actor.ask({ type: 'add_ar', range: addressRange(ar.value, ar.line) }));
    },
    'vn.rename': async (p, session) => {
      const { view } = await manage(p.id, session);
      return one(await networks().ask({ type: 'rename', network: view.id, name: p.name }));
    },
    // The new owner and group first, as OpenNebula's; the pool checks the rights against the network as it is.
    'vn.chown': async (p, session) => {
      const target = await chownTarget(deps, session, p);
      const { view } = await use(p.id, session);
      return one(await networks().ask({ type: 'chown', network: view.id, who: session, ...target }));
    },
    'vn.chmod': async (p, session) => {
      const { view } = await use(p.id, session);
      return one(await networks().ask({ type: 'chmod', network: view.id, who: session, values: chmodValues(p) }));
    },
    'vn.update': async (p, session) => {
      const { actor } = await manage(p.id, session);
      return one(await actor.ask({ type: 'update', template: p.template, append: p.append }));
    },
    'vn.rm_ar': async (p, session) => one(await (await manage(p.network, session)).actor.ask({ type: 'rm_ar', arId: p.arId })),
  };
}

import { requireOwnerToChange, canUseNetwork } from '../../auth/authorize.js';
import type { Session } from '../../auth/session.js';
import { parseTemplate } from '../../templates/index.js';
import { NepheleError } from '../../errors.js';
import type { NetworkView } from '../../networks/network-view.js';
import { addressRange } from '../../networks/vnet-template.js';
import { isVector } from '../../templates/index.js';
import type { ApiHandlers } from '../registry.js';
import { ownerNames, type ApiDeps } from './deps.js';

type VnetMethod = Extract<keyof ApiHandlers, `vn.${string}` | `vnpool.${string}`>;

/**
 * The virtual network API: anyone may create a network (an administrator's
 * is public, anyone else's private); using one (show, lease) needs it to be
 * public or one's own, and one the caller may not use is not found (a name
 * finds the caller's own first: src/auth/find-named.ts); changing or
 * deleting it needs its owner or an administrator. Views carry the owner's
 * names.
 */
export function networkHandlers(deps: ApiDeps): Pick<ApiHandlers, VnetMethod> {
  const { networks } = deps;
  const named = async (views: readonly NetworkView[]) => {
    const owner = await ownerNames(deps.users);
    return views.map((v) => ({ ...v, ...owner(v.uid) }));
  };
  /** The network's actor and view, once the caller may use it. */
  const use = async (ref: string | number, session: Session) => {
    const actor = await networks().ask({ type: 'get', network: ref, who: session });
    return { actor, view: await actor.ask({ type: 'info' }) };
  };
  /** …and once the caller may change it. */
  const manage = async (ref: string | number, session: Session) => {
    const found = await use(ref, session);
    requireOwnerToChange(session, found.view.uid, `network ${found.view.name}`);
    return found;
  };
  const one = async (view: NetworkView) => (await named([view]))[0] as NetworkView & { user: string; group: string };
  return {
    'vn.allocate': (p, session) => networks().ask({ type: 'allocate', template: p.template, uid: session.uid, gid: session.gid }),
    'vnpool.info': async (_p, session) => {
      const all = await networks().ask({ type: 'list' });
      return named(all.filter((n) => canUseNetwork(session, n)).sort((a, b) => a.id - b.id));
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
    'vn.rm_ar': async (p, session) => one(await (await manage(p.network, session)).actor.ask({ type: 'rm_ar', arId: p.arId })),
  };
}

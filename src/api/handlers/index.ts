import type { ApiHandlers } from '../registry.js';
import { imageHandlers } from '../../images/image-handlers.js';
import { networkHandlers } from '../../networks/vnet-handlers.js';
import { ownerNames, userHandlers } from '../../users/user-handlers.js';
import type { ApiDeps } from './deps.js';
import { hostHandlers } from './hosts.js';
import { systemHandlers } from './system.js';
import { templateHandlers } from './templates.js';
import { vmHandlers } from './vms.js';

export type { ApiDeps } from './deps.js';

/**
 * The whole API, one handler per method, free of any transport: a
 * transport decodes a call and hands it to the dispatch core, which calls
 * these. The type checks that every method has its handler.
 */
export function apiHandlers(deps: ApiDeps): ApiHandlers {
  const { users, vmPool } = deps;
  return {
    ...systemHandlers(deps),
    ...hostHandlers(deps),
    ...vmHandlers(deps),
    ...templateHandlers(deps),
    ...userHandlers(users, async () => (await vmPool().ask<number[]>({ type: 'owners' })).map((uid) => ({ uid }))),
    ...networkHandlers(deps.networks, () => ownerNames(users)),
    ...imageHandlers(deps.images, () => ownerNames(users)),
  };
}

import type { ApiHandlers } from '../registry.js';
import type { ApiDeps } from './deps.js';
import { groupHandlers } from './groups.js';
import { hostHandlers } from './hosts.js';
import { imageHandlers } from './images.js';
import { networkHandlers } from './networks.js';
import { systemHandlers } from './system.js';
import { templateHandlers } from './templates.js';
import { userHandlers } from './users.js';
import { vmHandlers } from './vms.js';

export type { ApiDeps } from './deps.js';

/**
 * The whole API, one handler per method, free of any transport: a
 * transport decodes a call and hands it to the dispatch core, which calls
 * these. The type checks that every method has its handler.
 */
export function apiHandlers(deps: ApiDeps): ApiHandlers {
  return {
    ...systemHandlers(deps),
    ...hostHandlers(deps),
    ...vmHandlers(deps),
    ...templateHandlers(deps),
    ...userHandlers(deps),
    ...groupHandlers(deps),
    ...networkHandlers(deps),
    ...imageHandlers(deps),
  };
}

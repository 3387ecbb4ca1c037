import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type { ApiHandlers } from '../registry.js';
import type { ApiDeps } from './deps.js';

/** `system.*`: what oned is. */
export function systemHandlers(deps: ApiDeps): Pick<ApiHandlers, 'system.version'> {
  return {
    'system.version': () => ({ version: deps.version, protocol: PROTOCOL_VERSION }),
  };
}

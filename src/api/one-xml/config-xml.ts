/**
 * `<OPENNEBULA_CONFIGURATION>` of one.system.config: the few settings of
 * OpenNebula's oned.conf that Nephele has an answer for. Shape:
 * share/doc/xsd/opennebula_configuration.xsd (every element optional, in
 * its sequence order). OpenNebula's CLI reads it on the way: `oneuser show`
 * and `onegroup show` for the default quotas and QUOTA_VM_ATTRIBUTE, which
 * Nephele has not (no quotas), so none are here.
 *
 * From Nephele: the listing order (ascending ids, OpenNebula's default),
 * the authentication driver (`core`), the umask of new objects (177:
 * the owner's to use and manage, src/auth/permissions.ts), OTHER bits
 * allowed, the port, VMs not put on hold at creation.
 */
import { DEFAULT_UMASK } from '../../auth/permissions.js';
import type { OneXmlContext } from './context.js';
import { el, serialize, text } from './xml-tree.js';

/** What the configuration document tells of this oned. */
export interface SystemConfigDoc {
  /** The port oned listens on (XML-RPC and socket.io). */
  readonly port: number;
}

/** `<OPENNEBULA_CONFIGURATION>` as one.system.config answers it. */
export function systemConfigXml(c: SystemConfigDoc, _ctx: OneXmlContext): string {
  return serialize(
    el('OPENNEBULA_CONFIGURATION', [
      text('API_LIST_ORDER', 'ASC'),
      text('DEFAULT_AUTH', 'core'),
      text('DEFAULT_UMASK', DEFAULT_UMASK.toString(8)),
      text('ENABLE_OTHER_PERMISSIONS', 'YES'),
      text('PORT', c.port),
      text('VM_SUBMIT_ON_HOLD', 'NO'),
    ]),
  );
}

import { DOCUMENT_METHODS } from './one-documents.js';
import { CALL_METHODS, type OneMethodEntry, unsupported } from './one-methods.js';

export { XMLRPC_PATH, XmlRpcDoor, type XmlRpcDoorOptions } from './xmlrpc-door.js';
export { ONE_API_VERSION } from './one-methods.js';

/** Why a method waits: Nephele has no handler for it yet. */
const NO_HANDLER = 'Nephele has no handler for it yet';

/** Methods of issue 17's list that Nephele cannot do yet: refused with XML_RPC_API, named in docs/xmlrpc.md. */
const WAITING: Readonly<Record<string, OneMethodEntry>> = Object.freeze({
  'one.vm.update': unsupported('id:i template:s append:i', NO_HANDLER),
  'one.vn.update': unsupported('id:i template:s append:i', NO_HANDLER),
  'one.user.update': unsupported('id:i template:s append:i', NO_HANDLER),
  'one.image.chown': unsupported('id:i uid:i gid:i', NO_HANDLER),
  'one.image.chmod': unsupported('id:i uu:i um:i ua:i gu:i gm:i ga:i ou:i om:i oa:i', NO_HANDLER),
  'one.template.clone': unsupported('id:i name:s recursive:b', NO_HANDLER),
});

/** Every `one.*` method the door knows: the wired ones, and the ones it refuses saying why. */
export const ONE_METHODS: Readonly<Record<string, OneMethodEntry>> = Object.freeze({
  ...WAITING,
  ...CALL_METHODS,
  ...DOCUMENT_METHODS,
});

import { DOCUMENT_METHODS } from './one-documents.js';
import { CALL_METHODS, type OneMethodEntry } from './one-methods.js';

export { XMLRPC_PATH, XmlRpcDoor, type XmlRpcDoorOptions } from './xmlrpc-door.js';
export { ONE_API_VERSION } from './one-methods.js';

/** Every `one.*` method the door knows: the calls, and the ones answered with a document. */
export const ONE_METHODS: Readonly<Record<string, OneMethodEntry>> = Object.freeze({
  ...CALL_METHODS,
  ...DOCUMENT_METHODS,
});

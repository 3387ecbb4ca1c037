/**
 * OpenNebula 6.10's XML documents from Nephele's views: pure functions, each
 * returning the document's text without an XML declaration or namespace, as
 * oned's replies. The XML-RPC door (src/api/transports/xmlrpc/) calls these.
 */
export type { HostRef, OneXmlContext } from './context.js';
export { oneXmlContext } from './context.js';
export { accountingXml, vmMonitoringXml, vmPoolXml, vmXml } from './vm-xml.js';
export type { HostSample } from './host-xml.js';
export { hostMonitoringXml, hostPoolXml, hostXml, latestHostSamples } from './host-xml.js';
export { vnetPoolXml, vnetXml } from './vnet-xml.js';
export { groupPoolXml, groupXml, userPoolXml, userXml } from './user-xml.js';
export { imagePoolXml, imageXml } from './image-xml.js';
export { templatePoolXml, templateXml } from './vmtemplate-xml.js';
export { TemplateCache } from './template-xml.js';
export type { ClusterDoc, DatastoreDoc } from './infra-xml.js';
export {
  DEFAULT_CLUSTER,
  aclPoolXml,
  clusterPoolXml,
  clusterXml,
  datastorePoolXml,
  datastoreXml,
  nepheleDatastores,
  zonePoolXml,
} from './infra-xml.js';
export type { SystemConfigDoc } from './config-xml.js';
export { systemConfigXml } from './config-xml.js';
export { VM_STATE_CODES, HOST_STATE_CODES, IMAGE_TYPE_CODES, imageStateCode } from './one-codes.js';
export { permissionBits } from './one-permissions.js';

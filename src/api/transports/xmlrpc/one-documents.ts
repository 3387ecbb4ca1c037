import { type OneMethodEntry, unsupported } from './one-methods.js';

/** Why a method waits: its answer is one of OpenNebula's documents, which src/api/one-xml/ builds. */
const NO_DOCUMENT = 'its OpenNebula XML document is not built yet';

/**
 * The methods that answer one of OpenNebula's XML documents (src/api/one-xml/):
 * each calls its handler and hands the views to the document's builder.
 */
export const DOCUMENT_METHODS: Readonly<Record<string, OneMethodEntry>> = Object.freeze({
  'one.system.config': unsupported('', NO_DOCUMENT),
  'one.vm.info': unsupported('id:i decrypt:b', NO_DOCUMENT),
  'one.vm.monitoring': unsupported('id:i', NO_DOCUMENT),
  'one.vmpool.info': unsupported('filter:i start:i end:i state:i query:s', NO_DOCUMENT),
  'one.vmpool.infoextended': unsupported('filter:i start:i end:i state:i query:s', NO_DOCUMENT),
  'one.vmpool.monitoring': unsupported('filter:i seconds:i', NO_DOCUMENT),
  'one.vmpool.accounting': unsupported('filter:i start_time:i end_time:i', NO_DOCUMENT),
  'one.host.info': unsupported('id:i decrypt:b', NO_DOCUMENT),
  'one.host.monitoring': unsupported('id:i', NO_DOCUMENT),
  'one.hostpool.info': unsupported('', NO_DOCUMENT),
  'one.hostpool.monitoring': unsupported('seconds:i', NO_DOCUMENT),
  'one.vn.info': unsupported('id:i decrypt:b', NO_DOCUMENT),
  'one.vnpool.info': unsupported('filter:i start:i end:i', NO_DOCUMENT),
  'one.user.info': unsupported('id:i decrypt:b', NO_DOCUMENT),
  'one.userpool.info': unsupported('', NO_DOCUMENT),
  'one.group.info': unsupported('id:i decrypt:b', NO_DOCUMENT),
  'one.grouppool.info': unsupported('', NO_DOCUMENT),
  'one.image.info': unsupported('id:i decrypt:b', NO_DOCUMENT),
  'one.imagepool.info': unsupported('filter:i start:i end:i', NO_DOCUMENT),
  'one.template.info': unsupported('id:i extended:b decrypt:b', NO_DOCUMENT),
  'one.templatepool.info': unsupported('filter:i start:i end:i', NO_DOCUMENT),
  'one.cluster.info': unsupported('id:i decrypt:b', NO_DOCUMENT),
  'one.clusterpool.info': unsupported('', NO_DOCUMENT),
  'one.datastore.info': unsupported('id:i decrypt:b', NO_DOCUMENT),
  'one.datastorepool.info': unsupported('', NO_DOCUMENT),
  'one.zonepool.info': unsupported('', NO_DOCUMENT),
  'one.acl.info': unsupported('', NO_DOCUMENT),
});

export { PROTOCOL_VERSION } from './version.js';
export type * from './domain.js';
export type * from './messages.js';
export type * from './frames.js';
export { decodeFrames, encodeFrames } from './codec.js';
export {
  HEARTBEAT_RANGE_MS, MESSAGE_TYPES, isMessageType, validateFrame, validateHello, validateMessage, validateReply,
} from './validate.js';
export { MAX_STRING_LENGTH, MAX_TYPE_LENGTH } from './check.js';
export { Link, type LinkOptions, type LinkStats, type LinkStatus, type Transport } from './link.js';
export { RemoteRef, type RemoteRefOptions } from './remote-ref.js';

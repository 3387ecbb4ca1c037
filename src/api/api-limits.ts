/**
 * What one caller may hold of oned at a time. Every door (today the
 * socket.io API; tomorrow XML-RPC, HTTP, OneGate, EC2) takes calls through
 * the same admission, so a flood through one door sheds with TOO_BUSY instead
 * of timing out every other caller. docs/security.md lists each limit and
 * its flag.
 */
export interface ApiLimits {
  /** Calls in flight on one connection. @default 128 */
  readonly callsPerConnection: number;
  /** Calls in flight for one user, all their connections together. @default 256 */
  readonly callsPerUser: number;
  /** Pool listings (`*pool.info`) in flight for one user: each holds a page of views until it is sent. @default 8 */
  readonly listingsPerUser: number;
  /** Calls in flight of all non-administrators together; administrators are held only to their own limits. @default 2048 */
  readonly callsTotal: number;
  /** Bytes of replies a connection may leave unread before it is dropped (a client that does not read). @default 32 MiB */
  readonly queuedBytesPerConnection: number;
  /** Largest reply; a larger one is refused with REPLY_TOO_LARGE (page the listing instead). @default 16 MiB */
  readonly replyBytes: number;
  /**
   * Calls refused with TOO_BUSY on one connection within 10 s after which it
   * is dropped: a client that answers TOO_BUSY by sending again at once is
   * flooding, and each refusal still costs oned a decode and a reply. @default 1000
   */
  readonly refusalsBeforeDrop: number;
  /** Logins being checked at once (scrypt is tens of ms of a core and 16 MiB each). @default 1 */
  readonly loginsRunning: number;
  /** Logins waiting for a check, all addresses together; more are refused with TOO_BUSY. @default 64 */
  readonly loginsQueued: number;
  /** Logins checked or waiting from one address. @default 8 */
  readonly loginsPerAddress: number;
  /** Failed logins from one address within `failureWindowMs` (refusals for too many at once count too), past which its logins and new connections are refused until the window passes. @default 50 */
  readonly failuresPerAddress: number;
  /** The window of `failuresPerAddress`, ms. @default 10000 */
  readonly failureWindowMs: number;
  /** Connections of one address that have not yet authenticated to a namespace. @default 128 */
  readonly unauthenticatedPerAddress: number;
  /** Unauthenticated connections of all addresses together. @default 4096 */
  readonly unauthenticatedTotal: number;
  /** How long a connection may stay without authenticating before it is closed. @default 10000 */
  readonly authenticateWithinMs: number;
  /** HTTP: time to receive a request's headers (slow clients are cut off). @default 10000 */
  readonly headersTimeoutMs: number;
  /** Longest accepted user name at login, in UTF-16 units (OpenNebula's 128). @default 128 */
  readonly userNameChars: number;
  /** Longest accepted password or token at login. @default 1024 */
  readonly secretChars: number;
  /** XML-RPC: largest request body, bytes; a larger one is refused with HTTP 413. @default 4 MiB */
  readonly xmlrpcRequestBytes: number;
  /**
   * XML-RPC: requests of one address being read or decoded at once (each may
   * hold `xmlrpcRequestBytes` until it is a call; nothing is authenticated
   * yet). More are refused with HTTP 429 and Retry-After before their body
   * is read. @default 8
   */
  readonly xmlrpcReadingPerAddress: number;
  /** XML-RPC: requests being read or decoded at once, all addresses together; more get 429 as above. @default 64 */
  readonly xmlrpcReadingTotal: number;
  /** XML-RPC: time to receive a request's whole body once its headers are in; a slower one gets 408 and its connection is closed. @default 10000 */
  readonly xmlrpcBodyMs: number;
  /** XML-RPC: deepest element nesting of a request (each array, struct, member and value counts). @default 64 */
  readonly xmlrpcDepth: number;
  /** XML-RPC: largest reply, bytes (a whole pool's document is larger than a socket.io page); larger is refused with REPLY_TOO_LARGE. @default 64 MiB */
  readonly xmlrpcReplyBytes: number;
  /** XML-RPC: verified session strings kept (by hash) so that each call does not run scrypt again. @default 1024 */
  readonly xmlrpcSessions: number;
  /** XML-RPC: how long a verified session string is kept, ms; oned drops it sooner when the user's login stops holding. @default 30000 */
  readonly xmlrpcSessionTtlMs: number;
}

export const DEFAULT_API_LIMITS: Readonly<ApiLimits> = Object.freeze({
  callsPerConnection: 128,
  callsPerUser: 256,
  listingsPerUser: 8,
  callsTotal: 2048,
  queuedBytesPerConnection: 32 * 1024 * 1024,
  replyBytes: 16 * 1024 * 1024,
  refusalsBeforeDrop: 1000,
  loginsRunning: 1,
  loginsQueued: 64,
  loginsPerAddress: 8,
  failuresPerAddress: 50,
  failureWindowMs: 10_000,
  unauthenticatedPerAddress: 128,
  unauthenticatedTotal: 4096,
  authenticateWithinMs: 10_000,
  headersTimeoutMs: 10_000,
  userNameChars: 128,
  secretChars: 1024,
  xmlrpcRequestBytes: 4 * 1024 * 1024,
  xmlrpcReadingPerAddress: 8,
  xmlrpcReadingTotal: 64,
  xmlrpcBodyMs: 10_000,
  xmlrpcDepth: 64,
  xmlrpcReplyBytes: 64 * 1024 * 1024,
  xmlrpcSessions: 1024,
  xmlrpcSessionTtlMs: 30_000,
});

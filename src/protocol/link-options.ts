/** The types around a Link: its options, status, stats, and the transport it needs. */
import type { Logger } from 'pino';
import type { Clock } from '../base/clock.js';
import type { NepheleError } from '../errors.js';
import type { Inbound, Side } from './messages.js';

/** What a connection must offer a link. */
export interface Transport {
  send(data: Uint8Array): void;
  close(reason: string): void;
}

export type LinkStatus = 'attached' | 'detached' | 'closed';

export interface LinkStats {
  /** Transport messages sent and received. */
  sent: number;
  received: number;
  /** Reliable messages not yet acknowledged. */
  outbox: number;
  framesOut: number;
  framesIn: number;
  /** Inbound frames or messages that failed decoding or validation. */
  badFrames: number;
  /** Reliable messages received again and dropped. */
  dupsDropped: number;
}

export interface LinkOptions<S extends Side> {
  /** This end: what it sends and what it accepts follow from it. */
  side: S;
  /** The peer as logs and errors name it, e.g. 'host-3'. */
  name: string;
  /**
   * Names this link's sequence space. It must be new whenever a link starts
   * with fresh state (a new process, or a new Link object for the same peer):
   * a peer that sees a known incarnation assumes the seqs carry on.
   */
  incarnation: string;
  clock: Clock;
  log: Logger;
  /** @default 2000; the node side takes the front-end's from its hello */
  heartbeatMs?: number;
  /** @default 3 × heartbeatMs */
  lostAfterMs?: number;
  /** Bound of one transport message, both ways. @default 4 MiB */
  maxFrameBytes?: number;
  /** Frames per transport message. @default 1024 */
  maxBatch?: number;
  /** @default 5000 */
  askTimeoutMs?: number;
  /** A reliable message, delivered once per seq and in order. */
  onCommand(msg: Inbound<S>['tell']): void;
  /** An unreliable message. */
  onEvent?(msg: Inbound<S>['emit']): void;
  /** A request; its value (or promise) is the reply. Throw a NepheleError to refuse it. */
  onRequest?(msg: Inbound<S>['ask']): unknown;
  /**
   * The handshake is done on a new connection: asks and events flow from
   * now on. `newPeer` when the peer's stream started over (first contact, or
   * the peer restarted), so state learnt from it before is stale.
   * `monitorMs`: on the node side, the monitoring interval oned's hello asks for, if any.
   */
  onResumed?(peer: { readonly incarnation: string; readonly newPeer: boolean; readonly monitorMs?: number }): void;
  /**
   * A heartbeat came back: the time from this end's ping to the peer's pong,
   * in the clock's milliseconds. For metrics; the link does not act on it.
   */
  onRtt?(ms: number): void;
  /** Nothing was heard for lostAfterMs; the link has detached. */
  onLost?(): void;
  /** The peer sent something invalid. */
  onProtocolError?(err: NepheleError): void;
}

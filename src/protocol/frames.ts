/**
 * Link frames: the envelopes that carry messages between two links. One
 * transport message holds an array of frames (see codec.ts). Field `t` names
 * the kind; the names are short because every frame pays for them.
 */
import type { ErrorCode } from '../errors.js';
import type { Message } from './messages.js';

/** An error as it travels: what NepheleError.toJSON() gives. */
export interface WireError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** A reliable message, numbered from 1 per peer incarnation; kept by the sender until acked. */
export interface CmdFrame {
  readonly t: 'cmd';
  readonly seq: number;
  readonly msg: Message;
}

/** Cumulative: every cmd up to `seq` arrived. */
export interface AckFrame {
  readonly t: 'ack';
  readonly seq: number;
}

/** An unreliable message: dropped when the link is down, never resent. */
export interface EvtFrame {
  readonly t: 'evt';
  readonly msg: Message;
}

/**
 * A request, answered by a `res` with the same `id`. At decode only the
 * message's `type` is checked: the receiving link validates the rest and
 * answers a bad or unknown request with an error `res` instead of dropping
 * the connection.
 */
export interface ReqFrame {
  readonly t: 'req';
  readonly id: number;
  readonly msg: { readonly type: string };
}

export interface ResOkFrame {
  readonly t: 'res';
  readonly id: number;
  readonly ok: true;
  /** Checked by the asking link against the request's reply type. */
  readonly value: unknown;
}

export interface ResErrorFrame {
  readonly t: 'res';
  readonly id: number;
  readonly ok: false;
  readonly error: WireError;
}

export type ResFrame = ResOkFrame | ResErrorFrame;

export interface PingFrame {
  readonly t: 'ping';
  /** The sender's clock; echoed by the pong. */
  readonly ts: number;
}

export interface PongFrame {
  readonly t: 'pong';
  readonly ts: number;
}

/** The front-end's answer to a node's handshake: always the first frame on a link. */
export interface HelloFrame {
  readonly t: 'hello';
  readonly incarnation: string;
  /** The highest contiguous cmd seq the front-end has delivered from this node. */
  readonly recvSeq: number;
  /** The interval the node should ping at. */
  readonly heartbeatMs: number;
  /**
   * The least interval between the node's monitoring pushes: oned spreads
   * its monitoring budget over its hosts, so it grows with their number.
   * The node pushes at the longer of this and its own. Absent: its own.
   */
  readonly monitorMs?: number;
}

/** Sent just before a link closes the connection for a reason. */
export interface ByeFrame {
  readonly t: 'bye';
  readonly code: ErrorCode;
  readonly message: string;
}

export type Frame = CmdFrame | AckFrame | EvtFrame | ReqFrame | ResFrame | PingFrame | PongFrame | HelloFrame | ByeFrame;

export type FrameKind = Frame['t'];

/**
 * A Link is one end of the conversation with one peer, whatever carries it.
 * It outlives connections: the glue attaches a transport when a connection
 * is up and detaches it when it drops, and the link resumes where it left
 * off. See docs/protocol.md for the protocol it speaks.
 */
import type { Logger } from 'pino';
import type { Clock } from '../base/clock.js';
import type { AskOptions } from '../base/ask-timeouts.js';
import { NepheleError, isNepheleError } from '../errors.js';
import { Batcher } from './batcher.js';
import { MAX_STRING_LENGTH } from './check.js';
import { ARRAY_HEADER_BYTES, decodeFrames, encodeFrame, encodeFrames } from './codec.js';
import { flowsOf, type FlowTypes } from './flows.js';
import type { Frame, ReqFrame, ResFrame } from './frames.js';
import { Heartbeat } from './heartbeat.js';
import type { LinkOptions, LinkStats, LinkStatus, Transport } from './link-options.js';
import type { Inbound, Outbound, ReplyTo, Side } from './messages.js';
import { PendingAsks } from './pending-asks.js';
import { answerRequest } from './request-handler.js';
import { Session } from './session.js';
import { HEARTBEAT_RANGE_MS, validateMessage } from './validate.js';

export type { LinkOptions, LinkStats, LinkStatus, Transport } from './link-options.js';

const MIB = 1024 * 1024;

function positiveInt(value: number, name: string, min = 1): number {
  if (!Number.isSafeInteger(value) || value < min) throw new TypeError(`${name} must be an integer ≥ ${min}, got ${value}`);
  return value;
}

/**
 * One per peer. Reliable messages (`tell`) are numbered and kept until the
 * peer acknowledges them, resent after a reconnect and delivered once;
 * unreliable ones (`emit`) go only while attached; requests (`ask`) always
 * end: with the reply, a refusal, ASK_TIMEOUT or LINK_DOWN.
 */
export class Link<S extends Side> {
  readonly side: S;
  readonly name: string;
  readonly incarnation: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly options: LinkOptions<S>;
  private readonly flows: { readonly out: FlowTypes; readonly in: FlowTypes };
  private readonly lostAfterMs: number | undefined;
  private readonly maxFrameBytes: number;
  private readonly askTimeoutMs: number;
  private readonly session = new Session<Outbound<S>['tell']>();
  private readonly asks: PendingAsks;
  private readonly batcher: Batcher;
  private readonly heartbeat: Heartbeat;
  private transport: Transport | undefined;
  private closed = false;
  /** The peer's handshake is done on the current transport. */
  private resumed = false;
  /** Attachments so far: a reply computed during an earlier one is dropped. */
  private epoch = 0;
  private readonly counters = { sent: 0, received: 0, framesOut: 0, framesIn: 0, badFrames: 0, dupsDropped: 0 };

  constructor(options: LinkOptions<S>) {
    this.options = options;
    this.side = options.side;
    this.name = options.name;
    this.incarnation = options.incarnation;
    this.clock = options.clock;
    this.log = options.log;
    this.flows = flowsOf(options.side);
    const heartbeatMs = positiveInt(options.heartbeatMs ?? 2000, 'heartbeatMs', HEARTBEAT_RANGE_MS.min);
    this.lostAfterMs = options.lostAfterMs === undefined ? undefined : positiveInt(options.lostAfterMs, 'lostAfterMs');
    this.maxFrameBytes = positiveInt(options.maxFrameBytes ?? 4 * MIB, 'maxFrameBytes', 1024);
    this.askTimeoutMs = positiveInt(options.askTimeoutMs ?? 5000, 'askTimeoutMs');
    this.asks = new PendingAsks(this.clock, options.name);
    this.batcher = new Batcher({
      maxBatch: positiveInt(options.maxBatch ?? 1024, 'maxBatch'),
      maxFrameBytes: this.maxFrameBytes,
      sink: (data, frames) => this.transmit(data, frames),
    });
    this.heartbeat = new Heartbeat(this.clock, {
      intervalMs: heartbeatMs,
      lostAfterMs: this.lostAfterMs ?? 3 * heartbeatMs,
      ping: () => {
        if (this.resumed) this.enqueue({ t: 'ping', ts: this.clock.now() });
      },
      lost: () => this.lost(),
    });
  }

  get status(): LinkStatus {
    return this.closed ? 'closed' : this.transport === undefined ? 'detached' : 'attached';
  }

  /** Attached and past the handshake: asks and events flow. */
  get ready(): boolean {
    return this.resumed;
  }

  /** The highest contiguous seq delivered from the peer's current incarnation. */
  get recvSeq(): number {
    return this.session.recvSeq;
  }

  get peerIncarnation(): string | undefined {
    return this.session.peerIncarnation;
  }

  stats(): LinkStats {
    return { ...this.counters, outbox: this.session.outbox.length };
  }

  /**
   * A connection is up. Nothing but the handshake flows until `resume` (the
   * accepting side) or the peer's hello frame (the dialling side).
   */
  attach(transport: Transport): void {
    if (this.closed) return transport.close('link closed');
    if (this.transport !== undefined) throw new TypeError(`link ${this.name} is already attached`);
    this.transport = transport;
    this.resumed = false;
    this.epoch++;
    this.heartbeat.start();
  }

  /**
   * The connection dropped: asks in flight fail with LINK_DOWN, events and
   * frames not yet flushed are dropped, reliable messages stay in the outbox.
   */
  detach(): void {
    if (this.transport === undefined) return;
    this.transport = undefined;
    this.resumed = false;
    this.heartbeat.stop();
    this.batcher.clear();
    this.failAsks('detached');
    this.log.debug({ outbox: this.session.outbox.length, recvSeq: this.session.recvSeq }, 'link detached');
  }

  /**
   * The accepting side (oned) calls this once the peer's handshake passed,
   * with the incarnation and recvSeq from it. It sends the hello frame, then
   * resends what the peer lacks. A peer seen before gets the outbox past its
   * recvSeq; a new one gets the whole outbox renumbered from 1.
   * `monitorMs` goes in the hello: the least monitoring interval the peer should keep.
   */
  resume(peerIncarnation: string, peerRecvSeq: number, hello: { readonly monitorMs?: number } = {}): void {
    if (this.transport === undefined || this.resumed) throw new TypeError(`link ${this.name} is not attached or already resumed`);
    const outcome = this.adoptPeer(peerIncarnation, peerRecvSeq);
    if (outcome instanceof NepheleError) return this.fail(outcome);
    this.enqueue({
      t: 'hello',
      incarnation: this.incarnation,
      recvSeq: this.session.recvSeq,
      heartbeatMs: this.heartbeat.intervalMs,
      ...(hello.monitorMs === undefined ? {} : { monitorMs: hello.monitorMs }),
    });
    this.startSending(outcome);
  }

  /**
   * Sends `msg` reliably: at least once, once per seq at the peer. Throws
   * BAD_FRAME or FRAME_TOO_LARGE when `msg` could never be delivered.
   */
  tell(msg: Outbound<S>['tell']): void {
    if (this.closed) return void this.log.warn({ type: msg.type }, 'tell on a closed link dropped');
    const checked = this.checkOutbound(msg, this.flows.out.tell, 'tell');
    const { outbox } = this.session;
    const part = this.encode({ t: 'cmd', seq: outbox.lastSeq + 1, msg: checked });
    outbox.push(checked);
    if (this.resumed) this.batcher.add(part);
  }

  /** Sends `msg` if the link is up; drops it otherwise. */
  emit(msg: Outbound<S>['emit']): void {
    const checked = this.checkOutbound(msg, this.flows.out.emit, 'emit');
    if (this.resumed) this.batcher.add(this.encode({ t: 'evt', msg: checked }));
  }

  /**
   * Asks the peer. Rejects with LINK_DOWN at once when the link is not up
   * or when it drops meanwhile, ASK_TIMEOUT after `timeoutMs`, the peer's
   * error when it refuses, and BAD_FRAME when the reply is malformed.
   */
  ask<Q extends Outbound<S>['ask']>(msg: Q, options: AskOptions = {}): Promise<ReplyTo<S, Q>> {
    return new Promise<ReplyTo<S, Q>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.askTimeoutMs;
      if (!(timeoutMs > 0 && timeoutMs < 2 ** 31)) throw new TypeError(`ask timeoutMs must be in (0, 2^31) ms, got ${timeoutMs}`);
      if (!this.resumed) return reject(this.linkDown('not connected'));
      if (options.signal?.aborted === true) return reject(options.signal.reason);
      const id = this.asks.newId();
      const part = this.encode({ t: 'req', id, msg: this.checkOutbound(msg, this.flows.out.ask, 'ask') });
      this.asks.add(id, msg.type, timeoutMs, options.signal, resolve as (v: unknown) => void, reject);
      this.batcher.add(part);
    });
  }

  /** One inbound transport message. */
  receive(data: Uint8Array): void {
    if (this.transport === undefined) return;
    this.counters.received++;
    let frames: Frame[];
    try {
      frames = decodeFrames(data, this.maxFrameBytes);
    } catch (err) {
      return this.fail(isNepheleError(err) ? err : new NepheleError('BAD_FRAME', 'undecodable message', { cause: err }));
    }
    this.counters.framesIn += frames.length;
    this.heartbeat.heard();
    const epoch = this.epoch;
    for (const frame of frames) {
      const err = this.handle(frame);
      if (err !== undefined) return this.fail(err);
      // A callback may have detached or closed the link.
      if (this.epoch !== epoch || this.transport === undefined) return;
    }
  }

  /** For good: timers stop, asks fail with LINK_DOWN, the connection closes after a bye. */
  close(): void {
    if (this.closed) return;
    const transport = this.transport;
    if (transport !== undefined && this.resumed) this.sayBye(transport, new NepheleError('LINK_DOWN', 'link closed'));
    this.detach();
    this.closed = true;
    this.failAsks('closed');
    this.asks.close();
    transport?.close('link closed');
  }

  // ---- inbound

  /** Applies one valid frame; returns the protocol error that ends the connection, if any. */
  private handle(frame: Frame): NepheleError | undefined {
    if (!this.resumed && frame.t !== 'hello' && frame.t !== 'bye') {
      return new NepheleError('BAD_FRAME', `${frame.t} before the handshake`, { details: { field: 'frame.t', t: frame.t } });
    }
    switch (frame.t) {
      case 'hello': {
        if (this.resumed) return new NepheleError('BAD_FRAME', 'a second hello', { details: { field: 'frame.t', t: 'hello' } });
        const outcome = this.adoptPeer(frame.incarnation, frame.recvSeq);
        if (outcome instanceof NepheleError) return outcome;
        this.heartbeat.retime(frame.heartbeatMs, this.lostAfterMs ?? 3 * frame.heartbeatMs);
        this.startSending(outcome, frame.monitorMs);
        return undefined;
      }
      case 'cmd': {
        if (!this.flows.in.tell.has(frame.msg.type)) return this.misplaced('cmd', frame.msg.type);
        const verdict = this.session.accept(frame.seq);
        if (verdict instanceof NepheleError) return verdict;
        this.batcher.ack(this.session.recvSeq);
        if (verdict === 'duplicate') {
          this.counters.dupsDropped++;
          return undefined;
        }
        this.callback('onCommand', () => this.options.onCommand(frame.msg as Inbound<S>['tell']));
        return undefined;
      }
      case 'ack':
        return this.session.ack(frame.seq);
      case 'evt':
        if (!this.flows.in.emit.has(frame.msg.type)) return this.misplaced('evt', frame.msg.type);
        this.callback('onEvent', () => this.options.onEvent?.(frame.msg as Inbound<S>['emit']));
        return undefined;
      case 'req':
        this.request(frame);
        return undefined;
      case 'res':
        this.settle(frame);
        return undefined;
      case 'ping':
        this.enqueue({ t: 'pong', ts: frame.ts });
        return undefined;
      case 'pong': {
        // The pong echoes our ping's clock; a peer's odd value is no round trip.
        const rtt = this.clock.now() - frame.ts;
        if (this.options.onRtt !== undefined && rtt >= 0 && Number.isFinite(rtt)) this.callback('onRtt', () => this.options.onRtt?.(rtt));
        return undefined;
      }
      case 'bye':
        this.log.warn({ code: frame.code, message: frame.message }, 'the peer is closing the connection');
        return undefined;
    }
  }

  private misplaced(kind: 'cmd' | 'evt', type: string): NepheleError {
    return new NepheleError('BAD_FRAME', `${type} does not travel in a ${kind} towards the ${this.side}`, {
      details: { field: `${kind}.msg.type`, type },
    });
  }

  private request(frame: ReqFrame): void {
    const epoch = this.epoch;
    answerRequest<Inbound<S>['ask']>(frame, {
      accepts: this.flows.in.ask,
      handler: this.options.onRequest?.bind(this.options),
      log: this.log,
      reply: (res) => {
        if (this.epoch === epoch && this.resumed) this.batcher.add(this.encodeReply(res));
      },
      refused: (err) => this.badInput(err),
    });
  }

  private settle(frame: ResFrame): void {
    const err = this.asks.settle(frame);
    if (err !== undefined) this.badInput(err);
  }

  /** Bad input that does not end the connection: counted and reported. */
  private badInput(err: NepheleError): void {
    this.counters.badFrames++;
    this.callback('onProtocolError', () => this.options.onProtocolError?.(err));
  }

  // ---- outbound

  private checkOutbound<M extends { readonly type: string }>(msg: M, allowed: ReadonlySet<string>, method: string): M {
    if (!allowed.has(msg.type)) throw new TypeError(`${msg.type} cannot be sent with ${method} from the ${this.side}`);
    // A malformed message would be refused by the peer, and a reliable one resent for ever: refuse it here.
    return validateMessage(msg) as unknown as M;
  }

  /** Encodes one frame, refusing one that could never fit in a transport message. */
  private encode(frame: Frame): Uint8Array {
    const part = encodeFrame(frame);
    if (part.length > this.maxFrameBytes - ARRAY_HEADER_BYTES) {
      throw new NepheleError('FRAME_TOO_LARGE', `a ${frame.t} frame of ${part.length} bytes exceeds the link's bound`, {
        details: { bytes: part.length, maxBytes: this.maxFrameBytes },
      });
    }
    return part;
  }

  private enqueue(frame: Frame): void {
    this.batcher.add(this.encode(frame));
  }

  /** The handshake is done: the outbox goes first, in seq order, then whatever comes. */
  private startSending(outcome: 'resumed' | 'restarted', monitorMs?: number): void {
    this.resumed = true;
    for (const { seq, msg } of this.session.outbox.pending()) this.enqueue({ t: 'cmd', seq, msg });
    const peer = {
      incarnation: this.session.peerIncarnation as string,
      newPeer: outcome === 'restarted',
      ...(monitorMs === undefined ? {} : { monitorMs }),
    };
    this.callback('onResumed', () => this.options.onResumed?.(peer));
  }

  /** A reply that cannot be encoded or would not fit becomes an error reply. */
  private encodeReply(res: ResFrame): Uint8Array {
    try {
      return this.encode(res);
    } catch (err) {
      this.log.error({ err, id: res.id }, 'reply could not be sent');
      const error = isNepheleError(err, 'FRAME_TOO_LARGE')
        ? err.toJSON()
        : { code: 'ACTOR_FAILED' as const, message: 'reply could not be encoded' };
      return this.encode({ t: 'res', id: res.id, ok: false, error });
    }
  }

  private transmit(data: Uint8Array, frames: number): void {
    const transport = this.transport;
    if (transport === undefined) return;
    this.counters.sent++;
    this.counters.framesOut += frames;
    try {
      transport.send(data);
    } catch (err) {
      this.log.error({ err }, 'transport send failed');
      this.drop(transport, 'send failed');
    }
  }

  // ---- session

  /** Takes the peer's handshake; an error when it contradicts what this link knows. */
  private adoptPeer(incarnation: string, recvSeq: number): 'resumed' | 'restarted' | NepheleError {
    const known = this.session.peerIncarnation;
    const outcome = this.session.resume(incarnation, recvSeq);
    if (outcome === 'restarted' && known !== undefined) {
      this.log.info({ outbox: this.session.outbox.length }, 'the peer restarted; the outbox goes again, renumbered');
    }
    return outcome;
  }

  /** The peer broke the protocol: count it, say why, close. Nothing else changes. */
  private fail(err: NepheleError): void {
    this.log.warn({ code: err.code, details: err.details }, 'protocol error; closing the connection');
    this.badInput(err);
    const transport = this.transport;
    if (transport === undefined) return;
    this.sayBye(transport, err);
    this.drop(transport, err.message);
  }

  /** Flushes what waits, then sends a bye in a message of its own. */
  private sayBye(transport: Transport, err: NepheleError): void {
    this.batcher.flush();
    if (this.transport !== transport) return;
    this.transmit(encodeFrames([{ t: 'bye', code: err.code, message: err.message.slice(0, MAX_STRING_LENGTH) }]), 1);
  }

  private lost(): void {
    const transport = this.transport;
    if (transport === undefined) return;
    this.log.warn({ lostAfterMs: this.heartbeat.lostAfterMs }, 'the peer is lost: nothing heard');
    this.drop(transport, 'heartbeat timeout');
    this.callback('onLost', () => this.options.onLost?.());
  }

  private drop(transport: Transport, reason: string): void {
    if (this.transport === transport) this.detach();
    transport.close(reason);
  }

  private failAsks(why: string): void {
    this.asks.failAll(this.linkDown(why));
  }

  private linkDown(why: string): NepheleError {
    return new NepheleError('LINK_DOWN', `link ${this.name} is down (${why})`, { details: { target: this.name } });
  }

  /** The glue's callbacks must not break the link's loop; a throw is logged. */
  private callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, callback: name }, 'link callback threw');
    }
  }
}

import type { Logger } from 'pino';
import { Packr } from 'msgpackr';
import type { Namespace, Server, Socket } from 'socket.io';
import type { Authenticated } from '../../auth/session.js';
import { NepheleError, isNepheleError } from '../../errors.js';
import { coalesceTurn } from '../../base/turn-writes.js';
import { API_ENDED_EVENT, API_EVENT, API_NAMESPACE, type ApiReply } from '../api-types.js';
import { ApiCore, type ApiCoreOptions, type Caller } from '../dispatch.js';
import { handshakeRefusal } from '../handshake-refusal.js';

interface SocketIoOptions {
  io: Server;
  log: Logger;
  /** Largest call accepted, in bytes. @default 1 MiB */
  maxCallBytes?: number;
}

/**
 * The socket.io door: given the core it shares with every other door, or
 * what to build one (the handlers, authentication, limits, login gate).
 */
export type ApiServerOptions = SocketIoOptions & ({ core: ApiCore } | (ApiCoreOptions & { core?: undefined }));

const packr = new Packr({ useRecords: false, moreTypes: false });

interface Connection extends Caller {
  readonly socket: Socket;
  /** Reading is paused while the connection is over its limits (see `hold`). */
  held: boolean;
}

/** Longest a connection's reading stays paused when none of its own calls is in flight to resume it. */
const HOLD_MS = 100;

/**
 * The API for the CLI over socket.io: namespace /api, one `call` event per
 * request carrying a msgpack `{ method, params }`, answered through the
 * event's acknowledgement with a msgpack ApiReply. A transport of the
 * handler registry and nothing more: every connection logs in in its
 * handshake through the core's login gate, and each call goes to the core
 * (admission, session re-check, validation, handler: src/api/dispatch.ts);
 * this file decodes frames, encodes replies, holds a flooding connection's
 * reading, drops a connection that leaves its answers unread or whose
 * login no longer holds (telling it why: the `ended` event).
 */
export class ApiServer {
  /** The transport-free core, to give another door the same admission and login gate. */
  readonly core: ApiCore;
  private readonly nsp: Namespace;
  private readonly log: Logger;
  private readonly maxCallBytes: number;

  constructor(options: ApiServerOptions) {
    this.core = options.core ?? new ApiCore(options);
    this.log = options.log;
    this.maxCallBytes = options.maxCallBytes ?? 1 << 20;
    this.nsp = options.io.of(API_NAMESPACE);
    this.nsp.use((socket, next) => {
      const { user, password } = socket.handshake.auth as { user?: unknown; password?: unknown };
      this.core.login(socket.handshake.address, user, password).then(
        (authenticated) => {
          (socket.data as { auth?: Authenticated }).auth = authenticated;
          next();
        },
        (err: unknown) => {
          // Never the user name: a password typed into it would land in the log.
          this.log.warn(
            { address: socket.handshake.address, code: isNepheleError(err) ? err.code : undefined },
            'API authentication refused',
          );
          next(handshakeRefusal(isNepheleError(err) ? err : new NepheleError('AUTH_FAILED', 'authentication failed')));
        },
      );
    });
    this.nsp.on('connection', (socket) => this.onConnection(socket));
  }

  /** Calls and logins in flight, for tests and metrics. */
  get stats(): ApiCore['stats'] {
    return this.core.stats;
  }

  private onConnection(socket: Socket): void {
    const auth = (socket.data as { auth: Authenticated }).auth;
    const conn: Connection = {
      socket,
      auth,
      address: socket.handshake.address,
      inFlight: 0,
      admin: auth.session.admin,
      refused: 0,
      refusedSince: Date.now(),
      held: false,
      end: (err) => end(conn, err),
      pause: () => hold(conn),
      resume: () => unhold(conn),
    };
    const detach = this.core.attach(conn);
    socket.on('disconnect', detach);
    socket.on(API_EVENT, (data: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return; // a call nobody waits for is not run
      this.core
        .handle(conn, () => this.decode(data))
        .then(
          (reply) => this.reply(conn, ack as (b: Uint8Array) => void, reply),
          (err: unknown) => this.log.error({ err }, 'API reply failed'),
        );
    });
  }

  /** A msgpack frame into `{ method, params }`, left for the core to validate. */
  private decode(data: unknown): { method: unknown; params: unknown } {
    if (!(data instanceof Uint8Array)) throw new NepheleError('BAD_FRAME', 'a call is a msgpack binary frame');
    if (data.byteLength > this.maxCallBytes) throw new NepheleError('FRAME_TOO_LARGE', `a call may be at most ${this.maxCallBytes} bytes`);
    let call: unknown;
    try {
      call = packr.unpack(data);
    } catch {
      throw new NepheleError('BAD_FRAME', 'the call is not valid msgpack');
    }
    if (typeof call !== 'object' || call === null) throw new NepheleError('BAD_FRAME', 'a call is { method, params }');
    return { method: (call as { method?: unknown }).method, params: (call as { params?: unknown }).params };
  }

  private reply(conn: Connection, ack: (b: Uint8Array) => void, reply: ApiReply): void {
    if (!conn.socket.connected) return;
    const limits = this.core.limits;
    let bytes = packr.pack(reply);
    if (bytes.byteLength > limits.replyBytes) {
      bytes = packr.pack({
        ok: false,
        error: new NepheleError(
          'REPLY_TOO_LARGE',
          `the answer would be ${bytes.byteLength} bytes, more than the ${limits.replyBytes} oned sends; ask for a page (offset, limit)`,
          {
            details: { bytes: bytes.byteLength, limit: limits.replyBytes },
          },
        ).toJSON(),
      } satisfies ApiReply);
    }
    // A client that does not read its answers would have oned hold them all: it is dropped instead.
    if (queuedBytes(conn.socket) + bytes.byteLength > limits.queuedBytesPerConnection) {
      this.log.warn({ address: conn.address, uid: conn.auth.session.uid }, 'API connection dropped: it leaves its answers unread');
      conn.socket.disconnect(true);
      return;
    }
    // What this callback replies on this connection leaves in one write.
    coalesceTurn(conn.socket.request.socket);
    ack(bytes);
  }
}

/** Ends a connection, telling the client why first, so that its calls fail with the reason rather than a timeout. */
function end(conn: Connection, err: NepheleError): void {
  if (!conn.socket.connected) return;
  conn.socket.emit(API_ENDED_EVENT, packr.pack(err.toJSON()));
  conn.socket.disconnect(true);
}

interface Pausable {
  pause(): void;
  resume(): void;
}

/** The websocket under a socket.io connection, when it is one (polling has nothing to pause). */
function websocketOf(socket: Socket): Pausable | undefined {
  const ws = (socket.conn as unknown as { transport?: { name?: string; socket?: Partial<Pausable> } }).transport;
  const raw = ws?.name === 'websocket' ? ws.socket : undefined;
  return typeof raw?.pause === 'function' && typeof raw.resume === 'function' ? (raw as Pausable) : undefined;
}

function hold(conn: Connection): void {
  if (conn.held) return;
  const ws = websocketOf(conn.socket);
  if (ws === undefined) return;
  conn.held = true;
  ws.pause();
  // Its own calls resume it as they end; with none in flight (refused for the user's or oned's total), a short wait does.
  setTimeout(() => unhold(conn), HOLD_MS).unref();
}

function unhold(conn: Connection): void {
  if (!conn.held) return;
  conn.held = false;
  websocketOf(conn.socket)?.resume();
}

/** Bytes the connection's transport holds unsent: engine.io's write buffer and the websocket's own. */
function queuedBytes(socket: Socket): number {
  const conn = socket.conn as unknown as { writeBuffer?: Array<{ data?: unknown }>; transport?: { socket?: { bufferedAmount?: number } } };
  let bytes = conn.transport?.socket?.bufferedAmount ?? 0;
  for (const packet of conn.writeBuffer ?? []) {
    const d = packet.data;
    bytes += typeof d === 'string' ? d.length : d instanceof Uint8Array ? d.byteLength : 0;
  }
  return bytes;
}

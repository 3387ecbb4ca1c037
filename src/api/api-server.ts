import type { Logger } from 'pino';
import { Packr } from 'msgpackr';
import type { Namespace, Server, Socket } from 'socket.io';
import { NepheleError, isNepheleError } from '../errors.js';
import { API_ENDED_EVENT, API_EVENT, API_NAMESPACE, type ApiMethod, type ApiReply, type ParamsOf, type ResultOf } from './api-types.js';
import { validateCall } from './api-validate.js';
import { handshakeRefusal } from './handshake-refusal.js';
import { Admission, type CallCounter } from './admission.js';
import { DEFAULT_API_LIMITS, type ApiLimits } from './api-limits.js';
import { LoginGate } from '../auth/login-gate.js';
import type { Authenticated, Session } from '../auth/session.js';
import type { ApiHandlers } from './registry.js';

export interface ApiServerOptions {
  io: Server;
  handlers: ApiHandlers;
  /** Checks a user's credentials (a password or a login token); rejects with AUTH_FAILED. */
  authenticate: (user: string, secret: string) => Promise<Authenticated>;
  /**
   * Runs before every call: the session as it stands now (the user may since
   * have been disabled, deleted or moved, their password changed or the token
   * revoked or expired); rejects with AUTH_FAILED, and the connection ends.
   * @default the session of the handshake, unchanged
   */
  checkSession?: (auth: Authenticated) => Promise<Session>;
  log: Logger;
  /** Largest call accepted, in bytes. @default 1 MiB */
  maxCallBytes?: number;
  /** Calls in flight, login checks, reply sizes. @default DEFAULT_API_LIMITS */
  limits?: Readonly<ApiLimits>;
  /** The gate logins pass, shared with the listener, which refuses blocked addresses' connections early. @default a gate of its own */
  gate?: LoginGate;
}

const packr = new Packr({ useRecords: false, moreTypes: false });

/** Calls after which the sessions of open connections are checked again: they can end what a login proved. */
const REVOKING: ReadonlySet<ApiMethod> = new Set(['user.passwd', 'user.delete', 'user.enable', 'user.login', 'user.chgrp']);

interface Connection extends CallCounter {
  readonly socket: Socket;
  readonly auth: Authenticated;
  /** As of the last call: a user moved out of group oneadmin counts against the total from the next call. */
  admin: boolean;
  /** TOO_BUSY answers in the current window, and when the window began. */
  refused: number;
  refusedSince: number;
  /** Reading is paused while the connection is over its limits (see `hold`). */
  held: boolean;
}

/** How long refusals are counted before the count starts again. */
const REFUSAL_WINDOW_MS = 10_000;
/** Longest a connection's reading stays paused when none of its own calls is in flight to resume it. */
const HOLD_MS = 100;

/**
 * The API for the CLI: socket.io namespace /api, one `call` event per
 * request carrying a msgpack `{ method, params }`, answered through the
 * event's acknowledgement with a msgpack ApiReply. Every connection
 * authenticates in its handshake, through a login gate that bounds the
 * checks in flight; every call is admitted against the caller's limits and
 * validated before a handler sees it; a bad call gets a coded error and the
 * connection lives on. A connection whose login no longer holds is ended.
 */
export class ApiServer {
  private readonly nsp: Namespace;
  private readonly options: ApiServerOptions;
  private readonly limits: Readonly<ApiLimits>;
  private readonly admission: Admission;
  private readonly gate: LoginGate;
  private readonly connections = new Set<Connection>();

  constructor(options: ApiServerOptions) {
    this.options = options;
    this.limits = options.limits ?? DEFAULT_API_LIMITS;
    this.admission = new Admission(this.limits);
    this.gate = options.gate ?? new LoginGate(this.limits);
    this.nsp = options.io.of(API_NAMESPACE);
    this.nsp.use((socket, next) => {
      this.login(socket).then(
        (authenticated) => {
          (socket.data as { auth?: Authenticated }).auth = authenticated;
          next();
        },
        (err: unknown) => {
          // Never the user name: a password typed into it would land in the log.
          options.log.warn({ address: socket.handshake.address, code: isNepheleError(err) ? err.code : undefined }, 'API authentication refused');
          next(handshakeRefusal(isNepheleError(err) ? err : new NepheleError('AUTH_FAILED', 'authentication failed')));
        },
      );
    });
    this.nsp.on('connection', (socket) => this.onConnection(socket));
  }

  /** Calls and logins in flight, for tests and metrics. */
  get stats(): { calls: number; users: number; connections: number; logins: LoginGate['stats'] } {
    const { total, users } = this.admission.inFlight;
    return { calls: total, users, connections: this.connections.size, logins: this.gate.stats };
  }

  private async login(socket: Socket): Promise<Authenticated> {
    const auth = socket.handshake.auth as { user?: unknown; password?: unknown };
    const { user, password } = auth;
    if (typeof user !== 'string' || typeof password !== 'string') throw new NepheleError('AUTH_FAILED', 'credentials required: user and password');
    // Refused before anything keeps them: a huge name must cost nothing (the throttle keys on names).
    if (user.length === 0 || user.length > this.limits.userNameChars || password.length > this.limits.secretChars) {
      throw new NepheleError('AUTH_FAILED', 'wrong user name or password');
    }
    return this.gate.run(socket.handshake.address, () => this.options.authenticate(user, password));
  }

  private onConnection(socket: Socket): void {
    const auth = (socket.data as { auth: Authenticated }).auth;
    const conn: Connection = { socket, auth, inFlight: 0, admin: auth.session.admin, refused: 0, refusedSince: Date.now(), held: false };
    this.connections.add(conn);
    socket.on('disconnect', () => this.connections.delete(conn));
    socket.on(API_EVENT, (data: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return; // a call nobody waits for is not run
      this.handle(data, conn).then(
        (reply) => this.reply(conn, ack as (b: Uint8Array) => void, reply),
        (err: unknown) => this.options.log.error({ err }, 'API reply failed'),
      );
    });
  }

  private reply(conn: Connection, ack: (b: Uint8Array) => void, reply: ApiReply): void {
    if (!conn.socket.connected) return;
    let bytes = packr.pack(reply);
    if (bytes.byteLength > this.limits.replyBytes) {
      bytes = packr.pack({
        ok: false,
        error: new NepheleError('REPLY_TOO_LARGE', `the answer would be ${bytes.byteLength} bytes, more than the ${this.limits.replyBytes} oned sends; ask for a page (offset, limit)`, {
          details: { bytes: bytes.byteLength, limit: this.limits.replyBytes },
        }).toJSON(),
      } satisfies ApiReply);
    }
    // A client that does not read its answers would have oned hold them all: it is dropped instead.
    if (queuedBytes(conn.socket) + bytes.byteLength > this.limits.queuedBytesPerConnection) {
      this.options.log.warn({ address: conn.socket.handshake.address, uid: conn.auth.session.uid }, 'API connection dropped: it leaves its answers unread');
      conn.socket.disconnect(true);
      return;
    }
    ack(bytes);
  }

  private async handle(data: unknown, conn: Connection): Promise<ApiReply> {
    let release: (() => void) | undefined;
    let releaseListing: (() => void) | undefined;
    try {
      // Admitted before anything is awaited: a flood is refused while it costs nothing but this check.
      release = this.admission.admit(conn, conn.auth.session.uid, conn.admin);
      const session = await this.session(conn);
      conn.admin = session.admin;
      if (!(data instanceof Uint8Array)) throw new NepheleError('BAD_FRAME', 'a call is a msgpack binary frame');
      const max = this.options.maxCallBytes ?? 1 << 20;
      if (data.byteLength > max) throw new NepheleError('FRAME_TOO_LARGE', `a call may be at most ${max} bytes`);
      let call: unknown;
      try {
        call = packr.unpack(data);
      } catch {
        throw new NepheleError('BAD_FRAME', 'the call is not valid msgpack');
      }
      if (typeof call !== 'object' || call === null) throw new NepheleError('BAD_FRAME', 'a call is { method, params }');
      const { method, params } = validateCall((call as { method?: unknown }).method, (call as { params?: unknown }).params);
      if (method.endsWith('pool.info')) releaseListing = this.admission.admitListing(session.uid);
      const handler = this.options.handlers[method] as (p: unknown, s: Session) => unknown;
      const value = await handler(params, session);
      if (REVOKING.has(method)) void this.recheckAll();
      return { ok: true, value };
    } catch (err) {
      if (isNepheleError(err, 'TOO_BUSY')) this.refuse(conn, err);
      if (isNepheleError(err)) return { ok: false, error: err.toJSON() };
      this.options.log.error({ err }, 'API handler failed');
      return { ok: false, error: { code: 'ACTOR_FAILED', message: 'internal error; see oned log' } };
    } finally {
      releaseListing?.();
      if (release !== undefined) {
        release();
        if (conn.held && conn.inFlight < this.limits.callsPerConnection) unhold(conn);
      }
    }
  }

  /**
   * A call refused for load: the connection stops being read until it has
   * room again (TCP holds the rest of a flood, at no cost to oned), and a
   * connection that keeps being refused is dropped.
   */
  private refuse(conn: Connection, err: NepheleError): void {
    const now = Date.now();
    if (now - conn.refusedSince > REFUSAL_WINDOW_MS) {
      conn.refused = 0;
      conn.refusedSince = now;
    }
    if (++conn.refused > this.limits.refusalsBeforeDrop) {
      this.options.log.warn({ address: conn.socket.handshake.address, uid: conn.auth.session.uid }, 'API connection dropped: it keeps sending calls refused with TOO_BUSY');
      end(conn, new NepheleError('TOO_BUSY', `this connection was refused ${conn.refused} calls in ${REFUSAL_WINDOW_MS / 1000} s and is closed; wait for answers before sending more`, { details: err.details ?? {} }));
      return;
    }
    hold(conn);
  }

  /** The session as it stands now; a login that no longer holds ends its connection after this answer. */
  private async session(conn: Connection): Promise<Session> {
    if (this.options.checkSession === undefined) return conn.auth.session;
    try {
      return await this.options.checkSession(conn.auth);
    } catch (err) {
      if (isNepheleError(err, 'AUTH_FAILED')) setImmediate(() => end(conn, err));
      throw err;
    }
  }

  /** After a change to users: every connection whose login no longer holds is ended now, not at its next call. */
  private async recheckAll(): Promise<void> {
    const check = this.options.checkSession;
    if (check === undefined) return;
    for (const conn of [...this.connections]) {
      try {
        await check(conn.auth);
      } catch (err) {
        if (isNepheleError(err, 'AUTH_FAILED')) end(conn, err);
      }
    }
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

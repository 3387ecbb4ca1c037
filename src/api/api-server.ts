import type { Logger } from 'pino';
import { Packr } from 'msgpackr';
import type { Namespace, Server, Socket } from 'socket.io';
import { NepheleError, isNepheleError } from '../errors.js';
import { API_EVENT, API_NAMESPACE, type ApiMethod, type ApiReply, type ParamsOf, type ResultOf } from './api-types.js';
import { validateCall } from './api-validate.js';
import { handshakeRefusal } from './handshake-refusal.js';

/** Who is calling: set once the connection has authenticated, checked again before every call. */
export interface Session {
  readonly user: string;
  readonly uid: number;
  /** The user's group. */
  readonly gid: number;
  /** A member of group oneadmin: sees and may do everything, as in OpenNebula. */
  readonly admin: boolean;
}

/** What a successful authentication yields. */
export interface Authenticated {
  readonly session: Session;
  /** With a login token: when it expires (wall-clock ms); undefined with a password. */
  readonly expires: number | undefined;
}

export type ApiHandlers = {
  [K in ApiMethod]: (params: ParamsOf<K>, session: Session) => Promise<ResultOf<K>> | ResultOf<K>;
};

export interface ApiServerOptions {
  io: Server;
  handlers: ApiHandlers;
  /** Checks a user's credentials (a password or a login token); rejects with AUTH_FAILED. */
  authenticate: (user: string, secret: string) => Promise<Authenticated>;
  /**
   * Runs before every call: the session as it stands now (the user may since
   * have been disabled, deleted or moved, or the token expired); rejects with
   * AUTH_FAILED. @default the session of the handshake, unchanged
   */
  checkSession?: (auth: Authenticated) => Promise<Session>;
  log: Logger;
  /** Largest call accepted, in bytes. @default 1 MiB */
  maxCallBytes?: number;
}

const packr = new Packr({ useRecords: false, moreTypes: false });

/**
 * The API for the CLI: socket.io namespace /api, one `call` event per
 * request carrying a msgpack `{ method, params }`, answered through the
 * event's acknowledgement with a msgpack ApiReply. Every connection
 * authenticates in its handshake; every call is validated before a handler
 * sees it; a bad call gets a coded error and the connection lives on.
 */
export class ApiServer {
  private readonly nsp: Namespace;
  private readonly options: ApiServerOptions;

  constructor(options: ApiServerOptions) {
    this.options = options;
    this.nsp = options.io.of(API_NAMESPACE);
    this.nsp.use((socket, next) => {
      const auth = socket.handshake.auth as { user?: unknown; password?: unknown };
      if (typeof auth.user !== 'string' || typeof auth.password !== 'string') {
        next(handshakeRefusal(new NepheleError('AUTH_FAILED', 'credentials required: user and password')));
        return;
      }
      const user = auth.user;
      options.authenticate(user, auth.password).then(
        (authenticated) => {
          (socket.data as { auth?: Authenticated }).auth = authenticated;
          next();
        },
        (err: unknown) => {
          options.log.warn({ user: user.slice(0, 64), address: socket.handshake.address }, 'API authentication refused');
          next(handshakeRefusal(isNepheleError(err) ? err : new NepheleError('AUTH_FAILED', 'authentication failed')));
        },
      );
    });
    this.nsp.on('connection', (socket) => this.onConnection(socket));
  }

  private onConnection(socket: Socket): void {
    const auth = (socket.data as { auth: Authenticated }).auth;
    socket.on(API_EVENT, (data: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return; // a call nobody waits for is not run
      this.handle(data, auth).then(
        (reply) => (ack as (b: Uint8Array) => void)(packr.pack(reply)),
        (err: unknown) => this.options.log.error({ err }, 'API reply failed'),
      );
    });
  }

  private async handle(data: unknown, auth: Authenticated): Promise<ApiReply> {
    try {
      const session = this.options.checkSession === undefined ? auth.session : await this.options.checkSession(auth);
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
      const handler = this.options.handlers[method] as (p: unknown, s: Session) => unknown;
      const value = await handler(params, session);
      return { ok: true, value };
    } catch (err) {
      if (isNepheleError(err)) return { ok: false, error: err.toJSON() };
      this.options.log.error({ err }, 'API handler failed');
      return { ok: false, error: { code: 'ACTOR_FAILED', message: 'internal error; see oned log' } };
    }
  }
}

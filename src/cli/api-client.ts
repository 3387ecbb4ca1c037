import { Packr } from 'msgpackr';
import { io, type Socket } from 'socket.io-client';
import { ERROR_CODES, NepheleError, type ErrorCode } from '../errors.js';
import {
  API_ENDED_EVENT,
  API_EVENT,
  API_NAMESPACE,
  type ApiMethod,
  type ApiReply,
  type ParamsOf,
  type ResultOf,
} from '../api/api-types.js';

export interface ClientOptions {
  url: string;
  user: string;
  password: string;
  /** @default 10000 */
  timeoutMs?: number;
}

const packr = new Packr({ useRecords: false, moreTypes: false });

/** A connection to oned's API, for the CLI and for tests. */
export class ApiClient {
  private readonly socket: Socket;
  private readonly timeoutMs: number;
  private readonly url: string;
  /** Why oned ended the connection, if it said. */
  private ended: NepheleError | undefined;
  /** Rejects when the connection goes: calls in flight fail then, not at their timeout. */
  private readonly gone: Promise<never>;

  private constructor(socket: Socket, url: string, timeoutMs: number) {
    this.socket = socket;
    this.url = url;
    socket.on(API_ENDED_EVENT, (raw: unknown) => {
      this.ended = raw instanceof Uint8Array ? toError(packr.unpack(raw)) : undefined;
    });
    this.gone = new Promise<never>((_resolve, reject) => {
      socket.once('disconnect', () => reject(this.lost()));
    });
    this.gone.catch(() => undefined);
    this.timeoutMs = timeoutMs;
  }

  /** Connects and authenticates; FRONTEND_UNREACHABLE or AUTH_FAILED when it cannot. */
  static connect(options: Readonly<ClientOptions>): Promise<ApiClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const base = options.url.replace(/\/+$/, '');
    const socket = io(`${base}${API_NAMESPACE}`, {
      auth: { user: options.user, password: options.password },
      reconnection: false,
      // Never share a connection with another client in this process.
      forceNew: true,
      timeout: timeoutMs,
      transports: ['websocket'],
    });
    return new Promise((resolve, reject) => {
      socket.once('connect', () => resolve(new ApiClient(socket, base, timeoutMs)));
      socket.once('connect_error', (err: Error & { data?: unknown }) => {
        socket.close();
        reject(
          toError(err.data) ??
            new NepheleError('FRONTEND_UNREACHABLE', `oned is not reachable at ${base} (${err.message})`, {
              details: { url: base },
            }),
        );
      });
    });
  }

  /** Calls `method`; `options.timeoutMs` overrides the client's timeout for calls that take long by design (a deployment). */
  async call<K extends ApiMethod>(method: K, params: ParamsOf<K>, options: { timeoutMs?: number } = {}): Promise<ResultOf<K>> {
    if (!this.socket.connected) throw this.lost();
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    let raw: unknown;
    try {
      raw = await Promise.race([this.socket.timeout(timeoutMs).emitWithAck(API_EVENT, packr.pack({ method, params })), this.gone]);
    } catch (err) {
      if (err instanceof NepheleError) throw err;
      throw new NepheleError('FRONTEND_UNREACHABLE', `oned at ${this.url} did not answer ${method} in ${timeoutMs} ms`);
    }
    const reply = packr.unpack(raw as Uint8Array) as ApiReply;
    if (reply.ok) return reply.value as ResultOf<K>;
    throw toError(reply.error) ?? new NepheleError('BAD_FRAME', 'oned sent a malformed reply');
  }

  close(): void {
    this.socket.close();
  }

  private lost(): NepheleError {
    return (
      this.ended ?? new NepheleError('FRONTEND_UNREACHABLE', `oned at ${this.url} closed the connection`, { details: { url: this.url } })
    );
  }
}

function toError(e: unknown): NepheleError | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, message, details } = e as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof code !== 'string' || typeof message !== 'string' || !Object.hasOwn(ERROR_CODES, code)) return undefined;
  return new NepheleError(
    code as ErrorCode,
    message,
    typeof details === 'object' && details !== null ? { details: details as Record<string, unknown> } : {},
  );
}

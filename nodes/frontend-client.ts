import type { Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import type { Clock, TimerHandle } from '../src/base/clock.js';
import { backoffDelay } from '../src/base/backoff.js';
import type { NodeCapabilities } from '../src/protocol/domain.js';
import type { Link } from '../src/protocol/link.js';
import type { NodeHello } from '../src/protocol/messages.js';
import { PROTOCOL_VERSION } from '../src/protocol/version.js';

export interface FrontendClientOptions {
  /** oned's base URL, e.g. http://10.0.0.1:2633. */
  url: string;
  hostId: number;
  token: string;
  capabilities: NodeCapabilities;
  link: Link<'node'>;
  clock: Clock;
  log: Logger;
  /** Called after each successful connection. */
  onConnected?: () => void;
}

/** Codes after which retrying soon would be a tight loop against a refusal. */
const REFUSALS = new Set(['AUTH_FAILED', 'PROTOCOL_VERSION', 'INVALID_ARGUMENT']);
const RETRY = { minMs: 250, maxMs: 10_000, factor: 2, jitter: 0.2, resetAfterMs: 30_000 };
const REFUSED_RETRY_MS = 30_000;

/**
 * The agent's side of the connection: dials oned's /node namespace with the
 * handshake in socket.io's auth payload, hands the socket to the link, and
 * redials forever with backoff — slowly after a refusal (wrong token,
 * protocol mismatch), so a misconfigured agent never hammers oned.
 */
export class FrontendClient {
  private readonly options: FrontendClientOptions;
  private readonly socket: Socket;
  private attempt = 0;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(options: FrontendClientOptions) {
    this.options = options;
    const { link } = options;
    this.socket = io(`${options.url.replace(/\/+$/, '')}/node`, {
      autoConnect: false,
      reconnection: false,
      forceNew: true,
      transports: ['websocket'],
      // A function, so every attempt carries the link's current recvSeq.
      auth: (cb) => cb(this.hello() as unknown as Record<string, unknown>),
    });
    this.socket.on('connect', () => {
      this.attempt = 0;
      options.log.info({ url: options.url }, 'connected to oned');
      link.attach({
        send: (data) => {
          this.socket.emit('f', data);
        },
        close: () => {
          this.socket.disconnect();
          this.redial(RETRY.minMs);
        },
      });
      options.onConnected?.();
    });
    this.socket.on('f', (data: unknown) => {
      if (data instanceof Uint8Array) link.receive(data);
    });
    this.socket.on('disconnect', (reason) => {
      link.detach();
      if (this.closed) return;
      options.log.warn({ reason }, 'disconnected from oned');
      this.redial(this.nextDelay());
    });
    this.socket.on('connect_error', (err: Error & { data?: { code?: string; message?: string } }) => {
      const code = err.data?.code;
      if (code !== undefined && REFUSALS.has(code)) {
        options.log.error({ code, message: err.data?.message }, `oned refused this agent; retrying in ${REFUSED_RETRY_MS / 1000} s`);
        this.redial(REFUSED_RETRY_MS);
      } else {
        options.log.warn({ err: err.message }, 'oned not reachable');
        this.redial(this.nextDelay());
      }
    });
  }

  start(): void {
    this.socket.connect();
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
    this.socket.close();
  }

  private hello(): NodeHello {
    const { link } = this.options;
    return {
      protocol: PROTOCOL_VERSION,
      hostId: this.options.hostId,
      token: this.options.token,
      incarnation: link.incarnation,
      recvSeq: link.recvSeq,
      capabilities: this.options.capabilities,
    };
  }

  private nextDelay(): number {
    return backoffDelay(RETRY, this.attempt++, Math.random);
  }

  private redial(ms: number): void {
    if (this.closed) return;
    this.timer?.cancel();
    this.timer = this.options.clock.setTimer(() => {
      this.timer = undefined;
      if (!this.closed && !this.socket.connected) this.socket.connect();
    }, ms);
  }
}

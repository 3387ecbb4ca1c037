import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Server } from 'socket.io';
import { DEFAULT_API_LIMITS, type ApiLimits } from '../api/api-limits.js';
import { ConnectionGuard, addressOf } from './connection-guard.js';

export interface ListenerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Plain HTTP requests (GET /metrics), once open; socket.io's path is left to socket.io. */
  readonly route: (skipPrefix: string) => (req: IncomingMessage, res: ServerResponse) => void;
  /** Connections not yet authenticated, and slow HTTP clients. @default DEFAULT_API_LIMITS */
  readonly limits?: Pick<ApiLimits, 'unauthenticatedPerAddress' | 'unauthenticatedTotal' | 'authenticateWithinMs' | 'headersTimeoutMs'>;
  /** Addresses whose new connections are refused before they are set up (too many failed logins lately). @default none */
  readonly blocked?: (address: string) => boolean;
}

/** oned's one port: the API and the node agents over socket.io, and GET /metrics. */
export interface Listener {
  readonly io: Server;
  readonly port: number;
  readonly url: string;
  /** Handshakes held, waiting for `open()`. */
  readonly held: number;
  /** Connections that have not (yet) authenticated to a namespace. */
  readonly unauthenticated: number;
  /** oned is ready: the handshakes held so far, and every one after, go through. */
  open(): void;
  /** Closes every connection, held ones included, and the port. */
  close(): Promise<void>;
  /** Serves `path` (exactly, any query) with `handler` once open, beside socket.io and GET /metrics: XML-RPC's POST /RPC2. */
  mount(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void;
}

/**
 * Listens at once, before oned's actors are up, but holds every socket.io
 * handshake (agents and clients alike) until `open()`: what dials while a
 * restarted oned loads its VMs (seconds, with a hundred thousand) waits for
 * it, instead of being refused and backing off — agents redial with a
 * backoff of up to 10 s, which would come on top of the start. GET
 * /metrics answers 503 until then.
 */
export async function listen(options: ListenerOptions): Promise<Listener> {
  let state: 'held' | 'open' | 'closed' = 'held';
  /** Handshakes waiting for `open()`. */
  const held: Array<(err: string | null, ok: boolean) => void> = [];
  const limits = options.limits ?? DEFAULT_API_LIMITS;
  // Slowloris: a client that dribbles its headers, or sends none, is cut off.
  const http: HttpServer = createServer({
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: Math.max(30_000, limits.headersTimeoutMs),
    // Node checks those timeouts this often (30 s by default): a slow client is cut off near its time, not long after.
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  });
  // Node's headersTimeout starts with the first byte: a connection that sends none is closed here.
  http.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => {
      if (socket.bytesRead === 0) socket.destroy();
    }, limits.headersTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
  const guard = new ConnectionGuard(limits);
  const io = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: 8 * 1024 * 1024,
    transports: ['websocket', 'polling'],
    allowRequest: (req, fn) => {
      // Only a new engine.io session counts: polling's later requests carry the sid of an admitted one.
      const fresh = !(req.url ?? '').includes('sid=');
      if (fresh && options.blocked?.(addressOf(req)) === true) {
        fn('too many failed logins from this address; retry later', false);
        return;
      }
      if (fresh && !guard.allow(addressOf(req))) {
        fn('too many connections that have not logged in from this address', false);
        return;
      }
      // A counted request that is refused after all never becomes a connection: uncount it.
      const done = (err: string | null | undefined, ok: boolean): void => {
        if (fresh && !ok) guard.release(addressOf(req));
        fn(err, ok);
      };
      if (state === 'held') held.push(done);
      else done(state === 'open' ? null : 'oned is stopping', state === 'open');
    },
  });
  guard.watch(io);
  // Nothing is served in the main namespace: a socket there would be kept for nothing.
  io.use((_socket, next) =>
    next(Object.assign(new Error('no such namespace'), { data: { code: 'INVALID_ARGUMENT', message: 'connect to /api or /node' } })),
  );
  const skip = `${io.path()}/`;
  const route = options.route(skip);
  /** Doors with a path of their own (XML-RPC's /RPC2), by path. */
  const mounted = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();
  // GET /metrics, without a login (docs/observability.md); 404 elsewhere, socket.io's path left to it.
  http.on('request', (req, res) => {
    if ((req.url ?? '/').startsWith(skip)) return;
    const door = mounted.get((req.url ?? '/').split('?', 1)[0] as string);
    // As socket.io's handshakes: an address with too many failed logins lately is refused before its body is read.
    if (door !== undefined && options.blocked?.(addressOf(req)) === true) {
      res.writeHead(429, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '10', Connection: 'close' });
      res.end('too many failed logins from this address; retry later\n');
      return;
    }
    if (state === 'open' && door !== undefined) return door(req, res);
    if (state === 'open') return route(req, res);
    res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '1' });
    res.end('oned is starting.\n');
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port, options.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  return {
    io,
    port,
    get held() {
      return held.length;
    },
    get unauthenticated() {
      return guard.pending;
    },
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    mount(path, handler) {
      mounted.set(path, handler);
    },
    open() {
      if (state !== 'held') return;
      state = 'open';
      for (const fn of held.splice(0)) fn(null, true);
    },
    async close() {
      const wasHeld = state === 'held';
      state = 'closed';
      if (wasHeld) for (const fn of held.splice(0)) fn('oned is stopping', false);
      io.disconnectSockets(true);
      guard.close();
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
    },
  };
}

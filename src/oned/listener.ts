import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';

export interface ListenerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** Plain HTTP requests (GET /metrics), once open; socket.io's path is left to socket.io. */
  readonly route: (skipPrefix: string) => (req: IncomingMessage, res: ServerResponse) => void;
}

/** oned's one port: the API and the node agents over socket.io, and GET /metrics. */
export interface Listener {
  readonly io: Server;
  readonly port: number;
  readonly url: string;
  /** Handshakes held, waiting for `open()`. */
  readonly held: number;
  /** oned is ready: the handshakes held so far, and every one after, go through. */
  open(): void;
  /** Closes every connection, held ones included, and the port. */
  close(): Promise<void>;
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
  const http: HttpServer = createServer();
  const io = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: 8 * 1024 * 1024,
    transports: ['websocket', 'polling'],
    allowRequest: (_req, fn) => {
      if (state === 'held') held.push(fn);
      else fn(state === 'open' ? null : 'oned is stopping', state === 'open');
    },
  });
  const skip = `${io.path()}/`;
  const route = options.route(skip);
  // GET /metrics, without a login (docs/observability.md); 404 elsewhere, socket.io's path left to it.
  http.on('request', (req, res) => {
    if ((req.url ?? '/').startsWith(skip)) return;
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
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
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
      await new Promise<void>((resolve) => { io.close(() => resolve()); });
    },
  };
}

/**
 * The two loopback set-ups the link suite measures, both in this process:
 *
 * - LinkRig: the real stack. A socket.io Server (namespace /node, binary
 *   event `f`) with a front-end Link<'frontend'> attached to each accepted
 *   socket the way node-gateway.ts and the HostActor do it, and a
 *   socket.io-client socket (websocket only, forceNew) with a node
 *   Link<'node'> attached the way nodes/frontend-client.ts does it. No auth
 *   and no HostActor: the server calls `resume(nodeIncarnation, 0)` once the
 *   socket connects, so the `hello` handshake flows as in oned.
 * - WsRig: the baseline. A bare `ws` WebSocketServer and WebSocket, nothing
 *   on top; the suite sends msgpackr-packed messages over it, one per
 *   WebSocket message.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { WebSocket, WebSocketServer } from 'ws';
import { systemClock } from '../src/base/clock.js';
import { FRAME_EVENT, NODE_NAMESPACE } from '../src/gateway/node-gateway.js';
import { Link } from '../src/protocol/link.js';
import type { NodeCommand, NodeRequest } from '../src/protocol/messages.js';

const HOST = '127.0.0.1';
const log = pino({ level: 'silent' });

/** What the node end does with what arrives; the suite swaps these between measurements. */
export interface NodeHooks {
  onCommand(msg: NodeCommand): void;
  onRequest(msg: NodeRequest): unknown;
}

export interface LinkRig {
  readonly front: Link<'frontend'>;
  readonly node: Link<'node'>;
  readonly nodeIncarnation: string;
  readonly hooks: NodeHooks;
  close(): Promise<void>;
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Rejects with `what` when `promise` has not settled after `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not done after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function startLinkRig(): Promise<LinkRig> {
  const http = createServer();
  // The options oned gives its Server (src/oned/oned.ts).
  const ioServer = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: 8 * 1024 * 1024,
    transports: ['websocket', 'polling'],
  });
  http.listen(0, HOST);
  await once(http, 'listening');
  const { port } = http.address() as AddressInfo;

  const nodeIncarnation = randomUUID();
  const hooks: NodeHooks = {
    onCommand: () => undefined,
    onRequest: () => ({ incarnation: nodeIncarnation }),
  };

  const front = new Link<'frontend'>({
    side: 'frontend',
    name: 'host-0',
    incarnation: randomUUID(),
    clock: systemClock,
    log,
    onCommand: () => undefined,
  });

  // The gateway's and the HostActor's part: each accepted socket carries the front-end link.
  ioServer.of(NODE_NAMESPACE).on('connection', (socket) => {
    socket.on(FRAME_EVENT, (data: unknown) => {
      if (data instanceof Uint8Array) front.receive(data);
      else socket.disconnect(true);
    });
    socket.on('disconnect', () => front.detach());
    front.attach({
      send: (data) => {
        socket.emit(FRAME_EVENT, data);
      },
      close: () => {
        socket.disconnect(true);
      },
    });
    front.resume(nodeIncarnation, 0);
  });

  const nodeReady = deferred();
  const node = new Link<'node'>({
    side: 'node',
    name: 'oned',
    incarnation: nodeIncarnation,
    clock: systemClock,
    log,
    onCommand: (msg) => hooks.onCommand(msg),
    onRequest: (msg) => hooks.onRequest(msg),
    onResumed: () => nodeReady.resolve(),
  });

  // The agent's part (nodes/frontend-client.ts), without the redialling.
  const socket = io(`http://${HOST}:${port}${NODE_NAMESPACE}`, {
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    transports: ['websocket'],
    auth: { incarnation: nodeIncarnation, recvSeq: 0 },
  });
  socket.on('connect', () => {
    node.attach({
      send: (data) => {
        socket.emit(FRAME_EVENT, data);
      },
      close: () => {
        socket.disconnect();
      },
    });
  });
  socket.on(FRAME_EVENT, (data: unknown) => {
    if (data instanceof Uint8Array) node.receive(data);
  });
  socket.on('disconnect', () => node.detach());
  socket.connect();

  const close = async (): Promise<void> => {
    node.close();
    front.close();
    socket.close();
    await new Promise<void>((resolve, reject) => {
      ioServer.close((err) => (err === undefined ? resolve() : reject(err)));
    });
  };
  try {
    await within(nodeReady.promise, 10_000, 'link handshake');
    if (!front.ready || !node.ready) throw new Error('links attached but not ready');
  } catch (err) {
    await close();
    throw err;
  }
  return { front, node, nodeIncarnation, hooks, close };
}

/** Handlers of the two ends of a bare WebSocket, swapped between measurements. */
export interface WsHooks {
  /** A message the server end received. */
  onServer(data: Buffer): void;
  /** A message the client end received. */
  onClient(data: Buffer): void;
}

export interface WsRig {
  /** The server's end of the connection. */
  readonly server: WebSocket;
  readonly client: WebSocket;
  readonly hooks: WsHooks;
  close(): Promise<void>;
}

export async function startWsRig(): Promise<WsRig> {
  const wss = new WebSocketServer({ host: HOST, port: 0, perMessageDeflate: false });
  await once(wss, 'listening');
  const { port } = wss.address() as AddressInfo;
  const accepted = once(wss, 'connection') as Promise<[WebSocket]>;
  const client = new WebSocket(`ws://${HOST}:${port}`, { perMessageDeflate: false });
  const closed = once(client, 'close');
  const close = async (): Promise<void> => {
    client.terminate();
    for (const ws of wss.clients) ws.terminate();
    await closed;
    await new Promise<void>((resolve, reject) => {
      wss.close((err) => (err === undefined ? resolve() : reject(err)));
    });
  };
  let server: WebSocket;
  try {
    await within(once(client, 'open'), 10_000, 'ws open');
    [server] = await within(accepted, 10_000, 'ws accept');
  } catch (err) {
    await close();
    throw err;
  }
  const hooks: WsHooks = { onServer: () => undefined, onClient: () => undefined };
  // binaryType 'nodebuffer' (the default) and no fragmentation: each message is one Buffer.
  server.on('message', (data) => hooks.onServer(data as Buffer));
  client.on('message', (data) => hooks.onClient(data as Buffer));
  return { server, client, hooks, close };
}

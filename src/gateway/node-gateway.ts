import type { Logger } from 'pino';
import type { Namespace, Server, Socket } from 'socket.io';
import type { ActorRef } from '../actors/index.js';
import { coalesceTurn } from '../base/turn-writes.js';
import { handshakeRefusal } from '../api/handshake-refusal.js';
import { NepheleError } from '../errors.js';
import type { HostMsg, NodeConnection } from '../hosts/host-actor.js';
import type { HostPoolMsg } from '../hosts/host-pool.js';
import type { NodeHello } from '../protocol/messages.js';
import { validateHello } from '../protocol/validate.js';
import { PROTOCOL_VERSION } from '../protocol/version.js';

/** The socket.io namespace node agents dial, and the event that carries frames. */
export const NODE_NAMESPACE = '/node';
export const FRAME_EVENT = 'f';

export interface NodeGatewayOptions {
  io: Server;
  pool: () => ActorRef<HostPoolMsg>;
  log: Logger;
}

/**
 * Where node agents dial in. The handshake (socket.io's auth payload) is
 * checked here — protocol version, host id, token — before anything else;
 * then the connection is handed to the host's actor. A refusal reaches the
 * agent as a connect_error carrying `{ code, message }`.
 */
export class NodeGateway {
  private readonly nsp: Namespace;
  private readonly options: NodeGatewayOptions;

  constructor(options: NodeGatewayOptions) {
    this.options = options;
    this.nsp = options.io.of(NODE_NAMESPACE);
    this.nsp.use((socket, next) => {
      this.admit(socket).then(
        () => next(),
        (err: unknown) => {
          const code = (err as Partial<NepheleError>).code ?? 'AUTH_FAILED';
          // The host id only: the handshake's token never reaches a log.
          const hostId = (socket.handshake.auth as { hostId?: unknown }).hostId;
          options.log.warn(
            { address: socket.handshake.address, hostId: typeof hostId === 'number' ? hostId : undefined, code },
            'agent refused',
          );
          next(handshakeRefusal(err));
        },
      );
    });
    this.nsp.on('connection', (socket) => this.onConnection(socket));
  }

  private async admit(socket: Socket): Promise<void> {
    const raw = socket.handshake.auth as { protocol?: unknown };
    if (typeof raw.protocol === 'number' && raw.protocol !== PROTOCOL_VERSION) {
      throw new NepheleError('PROTOCOL_VERSION', `oned speaks protocol ${PROTOCOL_VERSION}, the agent ${raw.protocol}`, {
        details: { expected: PROTOCOL_VERSION, got: raw.protocol },
      });
    }
    const hello = validateHello(socket.handshake.auth);
    const host = await this.options.pool().ask({
      type: 'resolve_agent',
      hostId: hello.hostId,
      token: hello.token,
      hypervisor: hello.capabilities.hypervisor,
    });
    // A host with a live agent refuses a second one here, where the refusal reaches the newcomer with its code.
    await host.ask({ type: 'admit', incarnation: hello.incarnation });
    (socket.data as { admitted?: { host: ActorRef<HostMsg>; hello: NodeHello } }).admitted = { host, hello };
  }

  private onConnection(socket: Socket): void {
    const { host, hello } = (socket.data as { admitted: { host: ActorRef<HostMsg>; hello: NodeHello } }).admitted;
    // Frames that arrive before the host actor takes the connection wait here.
    let pending: Uint8Array[] | undefined = [];
    let receiver: (data: Uint8Array) => void = (data) => pending?.push(data);
    const conn: NodeConnection = {
      id: socket.id,
      send: (data) => {
        coalesceTurn(socket.request.socket);
        socket.emit(FRAME_EVENT, data);
      },
      close: () => {
        socket.disconnect(true);
      },
      isOpen: () => socket.connected,
      setReceiver: (fn) => {
        receiver = fn;
        const queued = pending ?? [];
        pending = undefined;
        for (const data of queued) fn(data);
      },
    };
    socket.on(FRAME_EVENT, (data: unknown) => {
      if (data instanceof Uint8Array) receiver(data);
      else {
        this.options.log.warn({ hostId: hello.hostId }, 'agent sent a non-binary frame; closing');
        socket.disconnect(true);
      }
    });
    socket.on('disconnect', (reason) => host.tell({ type: 'disconnect', conn, reason }));
    host.tell({ type: 'connect', conn, hello });
  }
}

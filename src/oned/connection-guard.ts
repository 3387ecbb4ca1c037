import type { IncomingMessage } from 'node:http';
import type { Server } from 'socket.io';

export interface ConnectionGuardLimits {
  readonly unauthenticatedPerAddress: number;
  readonly unauthenticatedTotal: number;
  readonly authenticateWithinMs: number;
}

/** The shape of engine.io's connection that the guard uses. */
interface EngineConnection {
  readonly request: IncomingMessage;
  close(): void;
  once(event: 'close', listener: () => void): void;
}

/**
 * Connections that have not logged in are a cost without a name: each holds
 * a socket and buffers. The guard counts them per address and in all, refuses
 * a new one over either limit, and closes any that has not authenticated to a
 * namespace (/api, /node) within its time. Once in a namespace a connection
 * answers to that namespace's own limits.
 */
export class ConnectionGuard {
  private readonly limits: ConnectionGuardLimits;
  private readonly perAddress = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private total = 0;

  constructor(limits: ConnectionGuardLimits) {
    this.limits = limits;
  }

  get pending(): number {
    return this.total;
  }

  /** A new engine.io session from `address`: counted if allowed. */
  allow(address: string): boolean {
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.limits.unauthenticatedPerAddress || this.total >= this.limits.unauthenticatedTotal) return false;
    this.perAddress.set(address, mine + 1);
    this.total++;
    return true;
  }

  /** Follows the server's connections: each is uncounted when it authenticates or closes, and closed if it does neither in time. */
  watch(io: Server): void {
    const admittedBy = new WeakMap<object, () => void>();
    io.engine.on('connection', (conn: EngineConnection) => {
      const address = addressOf(conn.request);
      let counted = true;
      const release = (): void => {
        if (!counted) return;
        counted = false;
        clearTimeout(timer);
        this.timers.delete(timer);
        this.release(address);
      };
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        if (counted) conn.close();
      }, this.limits.authenticateWithinMs);
      timer.unref();
      this.timers.add(timer);
      conn.once('close', release);
      admittedBy.set(conn, release);
    });
    io.on('new_namespace', (nsp) => {
      nsp.on('connection', (socket: { conn: object }) => admittedBy.get(socket.conn)?.());
    });
  }

  /** A reservation whose handshake was refused after `allow`. */
  release(address: string): void {
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left <= 0) this.perAddress.delete(address);
    else this.perAddress.set(address, left);
    this.total = Math.max(0, this.total - 1);
  }

  close(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}

/** The peer's address as the socket saw it (no forwarded headers: oned is not behind a proxy it trusts). */
export function addressOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}

/**
 * Coalesces a turn's writes to a stream into one system call.
 *
 * A socket.io message is a websocket frame or two, and each is a write of
 * its own: a hundred API replies that become ready in one event-loop turn
 * would be two hundred `writev` calls on one TCP connection, and on
 * loopback each of those runs the whole TCP path of both ends. Corked
 * until the check phase (`setImmediate`) of the turn in which the first of
 * them was written, the turn's frames leave together: they wait for the
 * end of the turn at most, and the batcher of the node links and the
 * store's group commit wait as long for the same reason.
 */
import type { Writable } from 'node:stream';

const corked = new Set<Writable>();
let uncorkPending = false;

function uncorkAll(): void {
  uncorkPending = false;
  const streams = [...corked];
  corked.clear();
  for (const stream of streams) stream.uncork();
}

/** Holds what is written to `stream` from now until the end of this event-loop turn, then writes it at once. */
export function coalesceTurn(stream: Writable | undefined | null): void {
  if (stream === undefined || stream === null || corked.has(stream) || stream.destroyed) return;
  stream.cork();
  corked.add(stream);
  if (uncorkPending) return;
  uncorkPending = true;
  setImmediate(uncorkAll);
}

/**
 * Coalesces the writes to a stream made by one callback into one system call.
 *
 * A socket.io message is a websocket frame or two, and each is a write of
 * its own: a hundred API replies that become ready together (a group
 * commit's slice resolving its writers, a burst of calls read from one
 * socket) would be two hundred `writev` calls on one TCP connection, and on
 * loopback each of those runs the whole TCP path of both ends. The stream
 * is corked at the first write and uncorked on `process.nextTick`, which
 * runs once the current callback and every promise job it set off are
 * done: what they wrote leaves together, and a reply waits for no other
 * callback of the turn (uncorking at the turn's end, `setImmediate`, held
 * an unrelated `vm.info` reply behind a whole burst's turn).
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

/** Holds what is written to `stream` from now until the current callback and its promise jobs are done, then writes it at once. */
export function coalesceTurn(stream: Writable | undefined | null): void {
  if (stream === undefined || stream === null || corked.has(stream) || stream.destroyed) return;
  stream.cork();
  corked.add(stream);
  if (uncorkPending) return;
  uncorkPending = true;
  process.nextTick(uncorkAll);
}

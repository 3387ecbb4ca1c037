/**
 * A VM's migration stream to and from a checkpoint file, over unix sockets
 * in the VM's directory. QEMU 7.2 has no `file:` migration target, and the
 * `exec:` one runs a shell; here QEMU talks to a socket and the agent moves
 * the bytes between it and the file.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { NepheleError } from '../../src/errors.js';

export interface Receiver {
  /** Resolves when the stream has ended and the file is written. */
  readonly done: Promise<void>;
  /** Stops listening; a transfer in progress is cut. */
  close(): void;
}

/**
 * Listens at `socket` (a unix socket path) for one connection and writes
 * what it carries to `file`. Resolves once listening.
 */
export async function receiveToFile(socket: string, file: string, signal?: AbortSignal): Promise<Receiver> {
  await rm(socket, { force: true });
  let settle: { resolve(): void; reject(err: unknown): void } | undefined;
  const done = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server = createServer({ allowHalfOpen: true }, (conn) => {
    server.close();
    pipeline(conn, createWriteStream(file), ...(signal === undefined ? [] : [{ signal }])).then(
      () => settle?.resolve(),
      (err: unknown) => settle?.reject(streamError('receiving the VM state failed', err)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => reject(streamError(`cannot listen at ${socket}`, err)));
    server.listen(socket, () => resolve());
  });
  done.catch(() => {}); // the caller may never wait for it when the migration itself fails
  return {
    done,
    close() {
      server.close();
      settle?.reject(new NepheleError('DRIVER_FAILED', 'the VM state stream was closed', { details: { driver: 'qemu' } }));
    },
  };
}

/** Errors that mean the reader hung up, which QEMU does as soon as it has parsed the stream's end marker. */
const PEER_CLOSED = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'EPIPE', 'ECONNRESET']);

/**
 * Connects to `socket` and sends it `file`; resolves once all of it is
 * written. With `peerMayClose`, the reader hanging up early is not an error
 * here: the caller learns from the reader itself (QEMU's query-migrate)
 * whether it got everything.
 */
export async function sendFile(
  socket: string,
  file: string,
  signal?: AbortSignal,
  options: { peerMayClose?: boolean } = {},
): Promise<void> {
  const conn = connect(socket);
  try {
    await pipeline(createReadStream(file), conn, ...(signal === undefined ? [] : [{ signal }]));
  } catch (err) {
    conn.destroy();
    const code = (err as NodeJS.ErrnoException).code;
    if (options.peerMayClose === true && code !== undefined && PEER_CLOSED.has(code)) return;
    throw streamError('sending the VM state failed', err);
  }
}

function streamError(message: string, cause: unknown): unknown {
  if (cause instanceof Error && cause.name === 'AbortError') return cause;
  return new NepheleError('DRIVER_FAILED', `${message}: ${cause instanceof Error ? cause.message : String(cause)}`, {
    details: { driver: 'qemu' },
    cause,
  });
}

/**
 * A small client of QEMU's machine protocol (QMP) over a unix socket: the
 * greeting, capabilities negotiation, commands correlated by id, and the
 * asynchronous events (SHUTDOWN, STOP, RESUME, POWERDOWN, RESET, MIGRATION…).
 * Every command has a timeout, since a wedged QEMU must not wedge the agent.
 */
import { connect, type Socket } from 'node:net';
import { NepheleError } from '../../src/errors.js';

export interface QmpEvent {
  readonly event: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly timestamp: { readonly seconds: number; readonly microseconds: number };
}

export interface QmpGreeting {
  readonly version: { readonly qemu: { readonly major: number; readonly minor: number; readonly micro: number } };
  readonly capabilities: readonly string[];
}

export interface QmpCallOptions {
  /** @default the client's timeoutMs */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface QmpConnectOptions {
  /** For the connection, the greeting and each command unless a call says otherwise. @default 5000 */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

interface Pending {
  readonly command: string;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** A QMP error reply (`{ error: { class, desc } }`) or a broken connection. */
function qmpError(message: string, details: Record<string, unknown>, cause?: unknown): NepheleError {
  return new NepheleError('DRIVER_FAILED', message, { details: { driver: 'qemu', ...details }, cause });
}

/**
 * One QMP connection. QEMU serves one client per monitor socket at a time, so
 * an owner keeps one open per VM and closes it when done with the VM.
 */
export class QmpClient {
  readonly greeting: QmpGreeting;
  /** Resolves when the connection ends, whoever ended it (QEMU exiting ends it too). */
  readonly closed: Promise<void>;
  private readonly socket: Socket;
  private readonly timeoutMs: number;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private nextId = 1;
  private ended = false;

  private constructor(socket: Socket, greeting: QmpGreeting, rest: string, timeoutMs: number) {
    this.socket = socket;
    this.greeting = greeting;
    this.timeoutMs = timeoutMs;
    let buffer = rest;
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line !== '') this.dispatch(line);
      }
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.ended = true;
        const err = qmpError('the QMP connection closed', {});
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        resolve();
      });
    });
    socket.on('error', () => {}); // 'close' follows and settles what is pending
  }

  /** Connects to the monitor at `path`, reads the greeting and leaves capabilities negotiation done. */
  static async connect(path: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const socket = connect(path);
    socket.setEncoding('utf8');
    let greeting: { greeting: QmpGreeting; rest: string };
    try {
      greeting = await withTimeout(readGreeting(socket), timeoutMs, options.signal, `QMP greeting on ${path}`);
    } catch (err) {
      socket.destroy();
      throw err;
    }
    const client = new QmpClient(socket, greeting.greeting, greeting.rest, timeoutMs);
    try {
      await client.execute('qmp_capabilities', undefined, options.signal === undefined ? {} : { signal: options.signal });
    } catch (err) {
      client.socket.destroy();
      throw err;
    }
    return client;
  }

  get status(): 'open' | 'closed' {
    return this.ended ? 'closed' : 'open';
  }

  /**
   * Runs `command` and resolves with its `return` value. A QMP error reply
   * rejects with DRIVER_FAILED (details `{ command, class, desc }`); so does a
   * reply not arriving within the timeout, or the connection closing.
   */
  execute<T = unknown>(command: string, args?: Readonly<Record<string, unknown>>, options: QmpCallOptions = {}): Promise<T> {
    if (this.ended) return Promise.reject(qmpError(`QMP ${command}: the connection is closed`, { command }));
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { command, resolve, reject });
    });
    this.socket.write(`${JSON.stringify(args === undefined ? { execute: command, id } : { execute: command, arguments: args, id })}\n`);
    return withTimeout(reply, options.timeoutMs ?? this.timeoutMs, options.signal, `QMP ${command}`).finally(() => {
      this.pending.delete(id);
    }) as Promise<T>;
  }

  /** Calls `listener` with every event from now on; returns the function that stops it. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The next event named one of `names`; rejects on timeout, abort or the connection closing. */
  nextEvent(names: readonly string[], options: QmpCallOptions = {}): Promise<QmpEvent> {
    let off = (): void => {};
    const event = new Promise<QmpEvent>((resolve, reject) => {
      off = this.onEvent((e) => {
        if (names.includes(e.event)) resolve(e);
      });
      void this.closed.then(() => reject(qmpError(`the QMP connection closed while waiting for ${names.join('/')}`, { events: names })));
    });
    return withTimeout(event, options.timeoutMs ?? this.timeoutMs, options.signal, `QMP event ${names.join('/')}`).finally(off);
  }

  /** Ends the connection; commands still waiting reject. QEMU goes on running. */
  async close(): Promise<void> {
    if (!this.ended) this.socket.destroy();
    await this.closed;
  }

  private dispatch(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // QEMU speaks JSON; a torn line can only come from a dying process
    }
    if (typeof msg.event === 'string') {
      const event = msg as unknown as QmpEvent;
      for (const listener of [...this.listeners]) listener({ ...event, data: event.data ?? {} });
      return;
    }
    const pending = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
    if (pending === undefined) return;
    this.pending.delete(msg.id as number);
    if ('error' in msg) {
      const error = (msg.error ?? {}) as { class?: string; desc?: string };
      pending.reject(
        qmpError(`QMP ${pending.command} failed: ${error.desc ?? 'unknown error'}`, {
          command: pending.command,
          class: error.class,
          desc: error.desc,
        }),
      );
    } else {
      pending.resolve(msg.return);
    }
  }
}

function readGreeting(socket: Socket): Promise<{ greeting: QmpGreeting; rest: string }> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: string): void => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) return;
      off();
      try {
        const msg = JSON.parse(buffer.slice(0, nl)) as { QMP?: QmpGreeting };
        if (msg.QMP === undefined) throw new Error('no QMP greeting');
        resolve({ greeting: msg.QMP, rest: buffer.slice(nl + 1) });
      } catch (err) {
        reject(qmpError('not a QMP greeting', {}, err));
      }
    };
    const onError = (err: Error): void => {
      off();
      reject(qmpError(`cannot connect to QMP: ${err.message}`, { errno: (err as NodeJS.ErrnoException).code }, err));
    };
    const onClose = (): void => {
      off();
      reject(qmpError('the QMP connection closed before the greeting', {}));
    };
    const off = (): void => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
}

/** `p`, or a DRIVER_FAILED after `ms`, or the signal's reason. */
export function withTimeout<T>(p: Promise<T>, ms: number, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal?.aborted === true) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(qmpError(`${what}: no answer in ${ms} ms`, { timeoutMs: ms }));
    }, ms);
    const abort = (): void => {
      off();
      reject(signal?.reason);
    };
    const off = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    };
    signal?.addEventListener('abort', abort);
    p.then(
      (v) => {
        off();
        resolve(v);
      },
      (err: unknown) => {
        off();
        reject(err);
      },
    );
  });
}

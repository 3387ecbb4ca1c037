import { RingQueue } from './ring-queue.js';

/**
 * An actor's mailbox: system messages in a queue of their own, always taken
 * before user messages; user messages FIFO. A user message travels with the
 * ask that waits for its reply (or undefined for a tell) in the next slot of
 * the same ring, so a tell allocates nothing. The ring is allocated on first
 * use and shrinks back when a flood has drained, which keeps idle actors small.
 */
export class Mailbox<M, S, A> {
  private buf: unknown[] = EMPTY;
  private head = 0;
  private size = 0;
  private system: RingQueue<S> | undefined;
  /** The ask that travelled with the message last taken by `shift`. */
  lastAsk: A | undefined;

  /** User messages waiting. */
  get length(): number {
    return this.size;
  }

  get systemLength(): number {
    return this.system === undefined ? 0 : this.system.length;
  }

  push(msg: M, ask: A | undefined): void {
    const cap = this.buf.length;
    if (this.size * 2 === cap) this.grow();
    const i = (this.head + this.size * 2) & (this.buf.length - 1);
    this.buf[i] = msg;
    this.buf[i + 1] = ask;
    this.size++;
  }

  /** Takes the oldest user message; its ask (if any) is left in `lastAsk`. */
  shift(): M {
    const i = this.head;
    const msg = this.buf[i] as M;
    this.lastAsk = this.buf[i + 1] as A | undefined;
    this.buf[i] = undefined;
    this.buf[i + 1] = undefined;
    this.head = (i + 2) & (this.buf.length - 1);
    if (--this.size === 0) {
      this.head = 0;
      if (this.buf.length > 2048) this.buf = EMPTY;
    }
    return msg;
  }

  pushSystem(msg: S): void {
    (this.system ??= new RingQueue<S>(4)).push(msg);
  }

  shiftSystem(): S | undefined {
    return this.system?.shift();
  }

  /** Empties the user queue, handing each message and its ask to `fn`. */
  drain(fn: (msg: M, ask: A | undefined) => void): void {
    while (this.size > 0) {
      const msg = this.shift();
      fn(msg, this.lastAsk);
    }
    this.lastAsk = undefined;
  }

  private grow(): void {
    const old = this.buf;
    const oldCap = old.length;
    const next = new Array<unknown>(oldCap === 0 ? 16 : oldCap * 2);
    for (let k = 0; k < this.size * 2; k++) next[k] = old[(this.head + k) & (oldCap - 1)];
    this.buf = next;
    this.head = 0;
  }
}

const EMPTY: unknown[] = Object.freeze([]) as unknown as unknown[];

import type { Logger } from 'pino';
import { NepheleError, type ErrorCode } from '../errors.js';
import type { Clock } from '../base/clock.js';
import type { PendingAsk } from '../base/ask-timeouts.js';

export interface DeadLetter {
  /** Path of the actor the message was for. */
  readonly recipient: string;
  /** The message's `type` when it has one, else its JavaScript type; never its content. */
  readonly messageType: string;
  readonly code: ErrorCode;
}

/**
 * Messages that could not be delivered: counted, logged (at most one line a
 * second, with the number left out), and, when the message was an ask,
 * answered with an error so no caller waits for its timeout.
 */
export class DeadLetters {
  private total = 0;
  private suppressed = 0;
  private lastLogAt = -Infinity;
  private readonly listeners = new Set<(letter: DeadLetter) => void>();
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(log: Logger, clock: Clock) {
    this.log = log;
    this.clock = clock;
  }

  get count(): number {
    return this.total;
  }

  /** Calls `fn` for every dead letter; returns the function that unsubscribes. */
  subscribe(fn: (letter: DeadLetter) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(recipient: string, msg: unknown, ask: PendingAsk | undefined, code: ErrorCode): void {
    this.total++;
    const messageType = typeOf(msg);
    if (ask !== undefined) {
      ask.reject(
        new NepheleError(code, `message ${messageType} to ${recipient} was not delivered (${code})`, {
          details: { recipient, messageType },
        }),
      );
    }
    const now = this.clock.now();
    if (now - this.lastLogAt >= 1000) {
      this.log.warn({ recipient, messageType, code, suppressed: this.suppressed }, 'dead letter');
      this.lastLogAt = now;
      this.suppressed = 0;
    } else {
      this.suppressed++;
    }
    if (this.listeners.size > 0) {
      const letter: DeadLetter = { recipient, messageType, code };
      for (const fn of this.listeners) fn(letter);
    }
  }
}

function typeOf(msg: unknown): string {
  if (typeof msg === 'object' && msg !== null) {
    const t = (msg as { type?: unknown }).type;
    if (typeof t === 'string') return t;
  }
  return typeof msg;
}

import type { Logger } from 'pino';
import type { AskTimeouts } from './ask.js';
import type { AnyCell } from './actor-cell.js';
import type { Clock } from './clock.js';
import type { DeadLetters } from './dead-letters.js';
import type { Dispatcher } from './dispatcher.js';
import type { Mailbox } from './mailbox.js';
import type { PendingAsk } from './ask.js';
import type { SystemMessage } from './actor-cell.js';
import type { Registry } from './registry.js';

/** What an actor cell needs of its system; the ActorSystem implements it. */
export interface Kernel {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly dispatcher: Dispatcher;
  readonly deadLetters: DeadLetters;
  readonly registry: Registry;
  readonly asks: AskTimeouts;
  readonly askTimeoutMs: number;
  readonly stashLimit: number;
  readonly stopTimeoutMs: number;
  nextId(): number;
  newMailbox<M>(): Mailbox<M, SystemMessage, PendingAsk>;
  spawned(cell: AnyCell): void;
  stopped(cell: AnyCell): void;
  restarted(): void;
}

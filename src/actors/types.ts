import type { Logger } from 'pino';
import type { AskOptions } from '../base/ask-timeouts.js';
import type { Clock } from '../base/clock.js';
import type { Askable, Exact, ReplyTo } from './replies.js';

export type { AskOptions } from '../base/ask-timeouts.js';

/** Why an actor stopped. */
export type ExitReason = { readonly type: 'normal' } | { readonly type: 'shutdown' } | { readonly type: 'failure'; readonly error: Error };

export const NORMAL: ExitReason = Object.freeze({ type: 'normal' });
export const SHUTDOWN: ExitReason = Object.freeze({ type: 'shutdown' });

/**
 * The address of an actor. It stays the same across restarts of the actor,
 * so holders never need to look it up again.
 */
export interface ActorRef<M> {
  readonly id: number;
  readonly name: string;
  readonly path: string;
  /** Fire and forget. A message to a stopped actor becomes a dead letter. */
  tell(msg: M): void;
  /**
   * Sends and waits for the handler's return value; always times out. The
   * reply's type is the one `M` declares for the message (see replies.ts).
   */
  ask<Q extends Askable<M>>(msg: Exact<M, Q>, options?: AskOptions): Promise<ReplyTo<M, Q>>;
}

/**
 * The tell half of a ref. A lower layer holds a higher one's actor as this,
 * typed by messages the lower side defines: any ref whose messages include
 * them fits (a whole ActorRef does not, its replies tie it to its messages).
 */
export interface TellRef<M> {
  tell(msg: M): void;
}

/** Any actor's ref, whatever it accepts. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRef = ActorRef<any>;

/** Delivered to `onTerminated` of an actor that watches `ref`. */
export interface Terminated {
  readonly type: 'terminated';
  readonly ref: AnyRef;
  readonly reason: ExitReason;
}

/**
 * The behaviour of an actor. One message at a time: when `receive` returns a
 * promise, the next message waits for it. The value `receive` returns (or its
 * promise resolves to) answers an `ask`. Throwing a NepheleError refuses the
 * ask and leaves the actor as it is; throwing anything else is a crash, and
 * the actor's supervisor decides what follows.
 */
export interface Actor<M> {
  receive(msg: M): unknown;
  /** Runs before the first message, after every restart too. */
  preStart?(): void | Promise<void>;
  /** Runs once the actor stops for good, or is shut down to be restarted with its siblings. */
  postStop?(): void | Promise<void>;
  /** Runs on the failed instance before it is replaced. @default postStop */
  preRestart?(error: Error): void | Promise<void>;
  onTerminated?(signal: Terminated): void | Promise<void>;
}

export interface SpawnOptions {
  /** Unique among siblings; part of the path. @default 'actor-<id>' */
  name?: string;
  /** Also register the actor under this system-wide name; dropped when it stops. */
  register?: string;
  /** Extra pino bindings for this actor's logger, e.g. `{ actor: 'vm', vmId }`. Never user input. */
  log?: Readonly<Record<string, string | number>>;
  /** Messages kept while the actor restarts; more become dead letters. @default system stashLimit */
  stashLimit?: number;
  /** Bound of the mailbox; more become dead letters. @default Infinity */
  mailboxCapacity?: number;
  /** How long a graceful stop may take before the actor is killed. @default 5000 */
  stopTimeoutMs?: number;
}

/** What an actor sees of itself and the system. */
export interface ActorContext<M> {
  readonly self: ActorRef<M>;
  readonly parent: AnyRef | undefined;
  readonly log: Logger;
  /** The system's clock: use it for timestamps so that tests can drive time. */
  readonly clock: Clock;
  /** Live children in start order. */
  readonly children: readonly AnyRef[];
  spawn<C>(factory: ActorFactory<C>, options?: SpawnOptions): ActorRef<C>;
  /** Stops a child, or this actor when called with no ref. Resolves once stopped. */
  stop(ref?: AnyRef): Promise<void>;
  /** After this, `onTerminated` hears when `ref` stops, with the reason. */
  watch(ref: AnyRef): void;
  unwatch(ref: AnyRef): void;
  /** Sends `msg` to self after `delayMs`, or every `delayMs` with `repeat`; replaces a timer of the same key. */
  startTimer(key: string, msg: M, delayMs: number, options?: { repeat?: boolean }): void;
  cancelTimer(key: string): void;
  isTimerActive(key: string): boolean;
  /**
   * Answers the current ask with `promise` once it settles, without holding
   * the mailbox: the actor goes on with the next message meanwhile.
   */
  detach<R>(promise: Promise<R>): Detached<R>;
}

export type ActorFactory<M> = (ctx: ActorContext<M>) => Actor<M>;

/** A reply that settles later; see ActorContext.detach. */
export class Detached<R> {
  readonly promise: Promise<R>;
  constructor(promise: Promise<R>) {
    this.promise = promise;
  }
}

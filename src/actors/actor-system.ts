import { pino, type Logger } from 'pino';
import { NepheleError } from '../errors.js';
import { AskTimeouts, type PendingAsk } from '../base/ask-timeouts.js';
import { ActorCell, SUPERVISE, type ActorStatus, type AnyCell, type Kernel, type SystemMessage } from './actor-cell.js';
import { systemClock, type Clock } from '../base/clock.js';
import { DeadLetters } from './dead-letters.js';
import { Dispatcher } from './dispatcher.js';
import { Mailbox } from './mailbox.js';
import { Registry } from './registry.js';
import { SHUTDOWN, type Actor, type ActorFactory, type ActorRef, type AnyRef, type ExitReason, type SpawnOptions } from './types.js';

export interface ActorSystemOptions {
  /** Name of the root; every path starts with it. @default 'nephele' */
  name?: string;
  /** @default pino at level 'info' */
  logger?: Logger;
  /** @default the system clock */
  clock?: Clock;
  /** @default 5000 */
  askTimeoutMs?: number;
  /** Messages kept for an actor while it restarts. @default 1000 */
  stashLimit?: number;
  /** Graceful stop time of an actor before it is killed. @default 5000 */
  stopTimeoutMs?: number;
  /** Messages an actor handles before the next one's turn. @default 32 */
  throughput?: number;
  /** Messages handled per event-loop turn before yielding to timers and I/O. @default 1024 */
  turnBudget?: number;
}

export type SystemStatus = 'open' | 'closing' | 'closed';

export interface SystemStats {
  status: SystemStatus;
  actors: number;
  restarts: number;
  deadLetters: number;
  /** Messages waiting in all mailboxes. */
  mailboxDepth: number;
  /** Actors waiting for their turn on the dispatcher. */
  readyQueue: number;
}

export interface ActorStats {
  path: string;
  status: ActorStatus;
  mailboxDepth: number;
  restarts: number;
  processed: number;
  children: number;
}

/**
 * The root of a tree of actors: runs them on one dispatcher, names them,
 * watches over the top-level ones, and stops them all in order on shutdown.
 */
export class ActorSystem implements Kernel {
  readonly logger: Logger;
  readonly clock: Clock;
  readonly dispatcher: Dispatcher;
  readonly deadLetters: DeadLetters;
  readonly registry = new Registry();
  readonly asks: AskTimeouts;
  readonly askTimeoutMs: number;
  readonly stashLimit: number;
  readonly stopTimeoutMs: number;
  private readonly root: ActorCell<unknown>;
  private ids = 0;
  private live = 0;
  private restartCount = 0;
  private state: SystemStatus = 'open';
  private closing: Promise<void> | undefined;

  constructor(options: Readonly<ActorSystemOptions> = {}) {
    this.logger = options.logger ?? pino({ level: 'info' });
    this.clock = options.clock ?? systemClock;
    this.askTimeoutMs = positive(options.askTimeoutMs ?? 5000, 'askTimeoutMs');
    this.stashLimit = positive(options.stashLimit ?? 1000, 'stashLimit');
    this.stopTimeoutMs = positive(options.stopTimeoutMs ?? 5000, 'stopTimeoutMs');
    this.dispatcher = new Dispatcher({
      throughput: positive(options.throughput ?? 32, 'throughput'),
      turnBudget: positive(options.turnBudget ?? 1024, 'turnBudget'),
    });
    this.deadLetters = new DeadLetters(this.logger.child({ actor: 'dead-letters' }), this.clock);
    this.asks = new AskTimeouts(this.clock);
    this.root = new ActorCell<unknown>(this, undefined, (ctx) => new Guardian(ctx.log), { name: options.name ?? 'nephele' });
    void this.root.startInstance();
  }

  get status(): SystemStatus {
    return this.state;
  }

  /** Starts a top-level actor. */
  spawn<M>(factory: ActorFactory<M>, options: SpawnOptions = {}): ActorRef<M> {
    if (this.state !== 'open') throw new NepheleError('SYSTEM_SHUTDOWN', 'the actor system is shutting down');
    return this.root.spawnChild(factory, options);
  }

  /** Stops a top-level actor (children stop through their parent's context). */
  stop(ref: AnyRef): Promise<void> {
    return this.root.stop(ref);
  }

  lookup<M = unknown>(name: string): ActorRef<M> | undefined {
    return this.registry.lookup(name);
  }

  whenTerminated(ref: AnyRef): Promise<ExitReason> {
    return asCell(ref).whenTerminated();
  }

  stats(): SystemStats {
    let mailboxDepth = 0;
    walk(this.root, (cell) => {
      mailboxDepth += cell.mailboxDepth;
    });
    return {
      status: this.state,
      actors: this.live,
      restarts: this.restartCount,
      deadLetters: this.deadLetters.count,
      mailboxDepth,
      readyQueue: this.dispatcher.queued,
    };
  }

  inspect(ref: AnyRef): ActorStats {
    const cell = asCell(ref);
    return {
      path: cell.path,
      status: cell.status,
      mailboxDepth: cell.mailboxDepth,
      restarts: cell.restarts,
      processed: cell.processed,
      children: cell.childCells.length,
    };
  }

  /** Stops every actor, newest top-level actor first, then closes. */
  shutdown(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    this.state = 'closing';
    this.closing = this.root.terminate(SHUTDOWN, true).then(() => {
      this.asks.close();
      this.state = 'closed';
    });
    return this.closing;
  }

  // ---- Kernel ----------------------------------------------------------------

  nextId(): number {
    return ++this.ids;
  }

  newMailbox<M>(): Mailbox<M, SystemMessage, PendingAsk> {
    return new Mailbox<M, SystemMessage, PendingAsk>();
  }

  spawned(): void {
    this.live++;
  }

  stopped(cell: AnyCell): void {
    if (cell !== this.root) this.live--;
  }

  restarted(): void {
    this.restartCount++;
  }
}

/** The root's behaviour: a top-level actor that fails is stopped with the failure as its reason. */
class Guardian implements Actor<unknown> {
  private readonly log: Logger;

  constructor(log: Logger) {
    this.log = log;
  }

  receive(): undefined {
    return undefined;
  }

  [SUPERVISE](child: AnyCell, reason: ExitReason): Promise<void> | undefined {
    if (reason.type !== 'failure') return undefined;
    this.log.error({ err: reason.error, child: child.name }, 'top-level actor failed; stopping it');
    return child.terminate(reason, true);
  }
}

function asCell(ref: AnyRef): AnyCell {
  if (!(ref instanceof ActorCell)) throw new TypeError('not a local actor ref');
  return ref as AnyCell;
}

function walk(cell: AnyCell, fn: (cell: AnyCell) => void): void {
  fn(cell);
  for (const child of cell.childCells) walk(child, fn);
}

function positive(n: number, what: string): number {
  if (!(n > 0)) throw new TypeError(`${what} must be positive, got ${n}`);
  return n;
}

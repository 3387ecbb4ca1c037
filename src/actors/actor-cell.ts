import type { Logger } from 'pino';
import { NepheleError, isNepheleError } from '../errors.js';
import { PendingAsk, type AskTimeouts } from '../base/ask-timeouts.js';
import type { Clock, TimerHandle } from '../base/clock.js';
import type { DeadLetters } from './dead-letters.js';
import type { Dispatcher, Runnable } from './dispatcher.js';
import type { Mailbox } from './mailbox.js';
import type { Registry } from './registry.js';
import {
  Detached,
  NORMAL,
  SHUTDOWN,
  type Actor,
  type ActorContext,
  type ActorFactory,
  type ActorRef,
  type AnyRef,
  type AskOptions,
  type ExitReason,
  type SpawnOptions,
} from './types.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCell = ActorCell<any>;

/** Where an actor is in its life. */
export type ActorStatus = 'starting' | 'running' | 'suspended' | 'stopping' | 'stopped';

const STARTING = 0;
const RUNNING = 1;
const SUSPENDED = 2;
const STOPPING = 3;
const STOPPED = 4;
const STATUS_NAMES: readonly ActorStatus[] = ['starting', 'running', 'suspended', 'stopping', 'stopped'];

/** Messages the kernel sends between actors, handled before user messages. */
export type SystemMessage =
  | { readonly kind: 'down'; readonly child: AnyCell; readonly reason: ExitReason }
  | { readonly kind: 'terminated'; readonly ref: AnyCell; readonly reason: ExitReason }
  | { readonly kind: 'call'; readonly fn: () => unknown };

// Declared beside the cell, which needs it, rather than beside the system that implements
// it: the interface speaks of cells, so a file of its own would import the cell back.
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

/** Implemented by supervisors: decides what happens to a child that went down. */
export const SUPERVISE: unique symbol = Symbol('nephele.supervise');
export interface Supervising {
  [SUPERVISE](child: AnyCell, reason: ExitReason): unknown;
}

/**
 * The runtime of one actor: its ref, its context, its mailbox and its life
 * cycle, in one object so that an idle actor costs little. The cell outlives
 * restarts — only the Actor instance is replaced — so a ref stays valid and
 * messages sent during a restart wait in the mailbox (up to the stash limit).
 */
export class ActorCell<M> implements ActorRef<M>, ActorContext<M>, Runnable {
  readonly id: number;
  readonly name: string;
  readonly parentCell: AnyCell | undefined;
  private readonly kernel: Kernel;
  private readonly factory: ActorFactory<M>;
  private readonly options: Readonly<SpawnOptions>;
  private readonly mailbox;
  private instance: Actor<M> | undefined;
  private state = STARTING;
  /** True from a failure until the replacement instance runs: the mailbox is a bounded stash. */
  private restarting = false;
  /** A handler's promise or a lifecycle step is in flight; nothing else runs meanwhile. */
  private busy = false;
  /** In the dispatcher's ready queue, or being run by it. */
  private scheduled = false;
  private stopRequestedByParent = false;
  private inflight: Promise<unknown> | undefined;
  private stopping: Promise<void> | undefined;
  private childMap: Map<string, AnyCell> | undefined;
  private watchers: Set<AnyCell> | undefined;
  private watching: Set<AnyCell> | undefined;
  private timers: Map<string, TimerHandle> | undefined;
  private logger: Logger | undefined;
  private exit: ExitReason | undefined;
  private exitWaiters: ((reason: ExitReason) => void)[] | undefined;
  private startDone: Promise<void> | undefined;
  /** Why the last start attempt failed, until a start succeeds. */
  startError: Error | undefined;
  startedAt = 0;
  restarts = 0;
  processed = 0;

  constructor(kernel: Kernel, parent: AnyCell | undefined, factory: ActorFactory<M>, options: Readonly<SpawnOptions>) {
    this.kernel = kernel;
    this.id = kernel.nextId();
    this.name = options.name ?? `actor-${this.id}`;
    this.parentCell = parent;
    this.factory = factory;
    this.options = options;
    this.mailbox = kernel.newMailbox<M>();
  }

  // ---- ActorRef ------------------------------------------------------------

  get path(): string {
    return this.parentCell === undefined ? `/${this.name}` : `${this.parentCell.path}/${this.name}`;
  }

  tell(msg: M): void {
    this.enqueue(msg, undefined);
  }

  // The reply's type is the ref's interface's business (ActorRef.ask); the cell only carries it.
  ask(msg: M, options?: AskOptions): Promise<any> {
    return new Promise((resolve, reject) => {
      const timeoutMs = options?.timeoutMs ?? this.kernel.askTimeoutMs;
      if (!(timeoutMs > 0 && timeoutMs < 2 ** 31)) throw new TypeError(`ask timeoutMs must be in (0, 2^31) ms, got ${timeoutMs}`);
      const ask = new PendingAsk(resolve as (v: unknown) => void, reject, this);
      this.kernel.asks.add(ask, timeoutMs);
      if (options?.signal !== undefined) {
        if (options.signal.aborted) return ask.reject(options.signal.reason);
        ask.onAbort(options.signal);
      }
      this.enqueue(msg, ask);
    });
  }

  // ---- ActorContext --------------------------------------------------------

  get self(): ActorRef<M> {
    return this;
  }

  get clock(): Clock {
    return this.kernel.clock;
  }

  get parent(): AnyRef | undefined {
    return this.parentCell;
  }

  get log(): Logger {
    return (this.logger ??= this.kernel.logger.child({ actor: this.name, ...this.options.log }));
  }

  get children(): readonly AnyRef[] {
    return this.childMap === undefined ? [] : [...this.childMap.values()];
  }

  spawn<C>(factory: ActorFactory<C>, options: SpawnOptions = {}): ActorRef<C> {
    return this.spawnChild(factory, options);
  }

  stop(ref?: AnyRef): Promise<void> {
    if (ref === undefined || ref === this) {
      // Resolves at once: the stop itself waits for the current message, so
      // a handler awaiting it would wait for itself.
      if (this.state < STOPPING) void this.terminate(NORMAL, false);
      return Promise.resolve();
    }
    const child = ref as AnyCell;
    if (child.parentCell !== this) throw new TypeError(`${ref.path} is not a child of ${this.path}`);
    return child.terminate(SHUTDOWN, true);
  }

  watch(ref: AnyRef): void {
    const target = ref as AnyCell;
    if (target.exit !== undefined) {
      this.pushSystem({ kind: 'terminated', ref: target, reason: target.exit });
      return;
    }
    (target.watchers ??= new Set()).add(this);
    (this.watching ??= new Set()).add(target);
  }

  unwatch(ref: AnyRef): void {
    const target = ref as AnyCell;
    target.watchers?.delete(this);
    this.watching?.delete(target);
  }

  startTimer(key: string, msg: M, delayMs: number, options?: { repeat?: boolean }): void {
    this.cancelTimer(key);
    const timers = (this.timers ??= new Map());
    const fire = (): void => {
      if (timers.get(key) !== handle) return;
      if (options?.repeat === true) timers.set(key, (handle = this.kernel.clock.setTimer(fire, delayMs)));
      else timers.delete(key);
      this.tell(msg);
    };
    let handle = this.kernel.clock.setTimer(fire, delayMs);
    timers.set(key, handle);
  }

  cancelTimer(key: string): void {
    const handle = this.timers?.get(key);
    if (handle === undefined) return;
    handle.cancel();
    this.timers?.delete(key);
  }

  isTimerActive(key: string): boolean {
    return this.timers?.has(key) ?? false;
  }

  detach<R>(promise: Promise<R>): Detached<R> {
    return new Detached(promise);
  }

  // ---- kernel-internal API ---------------------------------------------------

  get status(): ActorStatus {
    return STATUS_NAMES[this.state] as ActorStatus;
  }

  get mailboxDepth(): number {
    return this.mailbox.length + this.mailbox.systemLength;
  }

  get childCells(): readonly AnyCell[] {
    return this.childMap === undefined ? [] : [...this.childMap.values()];
  }

  /** The reason this actor stopped, once it has. */
  get exitReason(): ExitReason | undefined {
    return this.exit;
  }

  spawnChild<C>(factory: ActorFactory<C>, options: Readonly<SpawnOptions>): ActorCell<C> {
    if (this.state >= STOPPING) throw new NepheleError('ACTOR_STOPPED', `${this.path} is stopping and spawns no children`);
    if (options.name !== undefined && this.childMap?.has(options.name) === true) {
      throw new NepheleError('NAME_TAKEN', `${this.path} already has a child named ${options.name}`, { details: { name: options.name } });
    }
    const child = new ActorCell<C>(this.kernel, this, factory, options);
    if (options.register !== undefined) this.kernel.registry.register(options.register, child);
    (this.childMap ??= new Map()).set(child.name, child as AnyCell);
    this.kernel.spawned(child as AnyCell);
    child.startDone = Promise.resolve().then(() => child.startInstance());
    return child;
  }

  /** Resolves once the first start attempt is over (running, or failed). */
  whenStarted(): Promise<void> {
    return this.startDone ?? Promise.resolve();
  }

  /** Resolves with the exit reason once the actor has stopped. */
  whenTerminated(): Promise<ExitReason> {
    if (this.exit !== undefined) return Promise.resolve(this.exit);
    return new Promise((resolve) => (this.exitWaiters ??= []).push(resolve));
  }

  pushSystem(msg: SystemMessage): void {
    if (this.state >= STOPPED) return;
    this.mailbox.pushSystem(msg);
    this.kick();
  }

  /** Creates a fresh instance and runs preStart; messages wait until it is done. */
  async startInstance(): Promise<void> {
    if (this.state >= STOPPING) return;
    this.state = STARTING;
    this.busy = true;
    try {
      const instance = this.factory(this);
      this.instance = instance;
      const started = instance.preStart?.();
      if (started !== undefined) await started;
    } catch (err) {
      this.busy = false;
      this.startError = toError(err);
      this.fail(this.startError);
      return;
    } finally {
      this.startDone = undefined;
    }
    this.busy = false;
    if (this.state !== STARTING) return;
    this.state = RUNNING;
    this.restarting = false;
    this.startError = undefined;
    this.startedAt = this.kernel.clock.now();
    this.kick();
  }

  /**
   * Takes the instance down so that it can be replaced: the failed one gets
   * preRestart(error), a sibling shut down with it gets postStop. Children and
   * timers go with it; the mailbox stays and stashes.
   */
  async suspendInstance(error: Error | undefined): Promise<void> {
    if (this.state >= STOPPING) return;
    this.state = SUSPENDED;
    this.restarting = true;
    this.cancelTimers();
    await this.takeDown((instance) =>
      error !== undefined && instance.preRestart !== undefined ? instance.preRestart(error) : instance.postStop?.(),
    );
  }

  /** Replaces a suspended instance with a fresh one. */
  async restartInstance(): Promise<void> {
    this.countRestart();
    await this.startInstance();
  }

  /** Counts a restart of this actor, or of the one it replaces. */
  countRestart(): void {
    this.restarts++;
    this.kernel.restarted();
  }

  /**
   * Stops this actor for good: the message in hand finishes, children stop
   * (reverse start order, each within its own stop timeout), postStop runs,
   * then watchers and the parent hear of it. A handler or postStop that
   * outlasts the stop timeout is abandoned: the actor is killed.
   */
  terminate(reason: ExitReason, byParent: boolean): Promise<void> {
    if (this.state === STOPPED) return Promise.resolve();
    if (byParent) this.stopRequestedByParent = true;
    if (this.stopping !== undefined) return this.stopping;
    this.state = STOPPING;
    this.cancelTimers();
    // On a microtask: a handler that stops its own actor has returned by then,
    // and its promise (if any) is the in-flight work to wait for.
    this.stopping = Promise.resolve()
      .then(() => this.takeDown((instance) => instance.postStop?.()))
      .then(() => this.finish(reason));
    return this.stopping;
  }

  // ---- Runnable (the dispatcher's side) -------------------------------------

  run(max: number): number {
    let n = 0;
    const mailbox = this.mailbox;
    while (this.state === RUNNING && !this.busy) {
      if (mailbox.systemLength > 0) {
        this.handleSystem(mailbox.shiftSystem() as SystemMessage);
        n++;
      } else if (n < max && mailbox.length > 0) {
        const msg = mailbox.shift();
        n++;
        this.invoke(msg, mailbox.lastAsk);
      } else {
        break;
      }
    }
    this.processed += n;
    return n;
  }

  afterRun(): boolean {
    const again = this.state === RUNNING && !this.busy && this.mailbox.length + this.mailbox.systemLength > 0;
    this.scheduled = again;
    return again;
  }

  // ---- internals -----------------------------------------------------------

  private enqueue(msg: M, ask: PendingAsk | undefined): void {
    const state = this.state;
    if (state >= STOPPING) return this.kernel.deadLetters.publish(this.path, msg, ask, 'ACTOR_STOPPED');
    const capacity = this.options.mailboxCapacity ?? Infinity;
    const limit = this.restarting ? Math.min(capacity, this.options.stashLimit ?? this.kernel.stashLimit) : capacity;
    if (this.mailbox.length >= limit) return this.kernel.deadLetters.publish(this.path, msg, ask, 'MAILBOX_FULL');
    this.mailbox.push(msg, ask);
    if (!this.scheduled && state === RUNNING && !this.busy) {
      this.scheduled = true;
      this.kernel.dispatcher.schedule(this);
    }
  }

  private kick(): void {
    if (this.scheduled || this.busy || this.state !== RUNNING) return;
    if (this.mailbox.length + this.mailbox.systemLength === 0) return;
    this.scheduled = true;
    this.kernel.dispatcher.schedule(this);
  }

  private invoke(msg: M, ask: PendingAsk | undefined): void {
    let result: unknown;
    try {
      result = (this.instance as Actor<M>).receive(msg);
    } catch (err) {
      this.handlerError(err, ask);
      return;
    }
    if (result instanceof Detached) {
      this.settleDetached(result, ask);
    } else if (isThenable(result)) {
      this.await(result, ask);
    } else {
      ask?.resolve(result);
    }
  }

  private await(promise: PromiseLike<unknown>, ask: PendingAsk | undefined): void {
    this.busy = true;
    const instance = this.instance;
    const done = Promise.resolve(promise).then(
      (value) => {
        if (value instanceof Detached) this.settleDetached(value, ask);
        else ask?.resolve(value);
        if (this.instance !== instance) return;
        this.busy = false;
        this.kick();
      },
      (err: unknown) => {
        if (this.instance !== instance) return ask?.reject(err);
        this.busy = false;
        this.handlerError(err, ask);
        this.kick();
      },
    );
    this.inflight = done;
  }

  private handlerError(err: unknown, ask: PendingAsk | undefined): void {
    if (isNepheleError(err)) {
      if (ask !== undefined) ask.reject(err);
      else this.log.warn({ code: err.code }, 'message refused');
      return;
    }
    const error = toError(err);
    ask?.reject(new NepheleError('ACTOR_FAILED', `${this.path} failed: ${error.message}`, { cause: error }));
    this.fail(error);
  }

  private settleDetached(detached: Detached<unknown>, ask: PendingAsk | undefined): void {
    detached.promise.then(
      (v) => ask?.resolve(v),
      (err: unknown) => {
        if (ask !== undefined) ask.reject(err);
        else if (!isNepheleError(err)) this.log.error({ err }, 'detached work failed');
      },
    );
  }

  private handleSystem(msg: SystemMessage): void {
    let result: unknown;
    try {
      result = this.systemEffect(msg);
    } catch (err) {
      this.fail(toError(err));
      return;
    }
    if (isThenable(result)) {
      this.busy = true;
      const instance = this.instance;
      this.inflight = Promise.resolve(result).then(
        () => {
          if (this.instance !== instance) return;
          this.busy = false;
          this.kick();
        },
        (err: unknown) => {
          if (this.instance !== instance) return;
          this.busy = false;
          this.fail(toError(err));
        },
      );
    }
  }

  private systemEffect(msg: SystemMessage): unknown {
    const instance = this.instance as Actor<M>;
    switch (msg.kind) {
      case 'terminated':
        this.watching?.delete(msg.ref);
        return instance.onTerminated?.({ type: 'terminated', ref: msg.ref, reason: msg.reason });
      case 'call':
        return msg.fn();
      case 'down': {
        if (msg.child.parentCell !== this) return undefined;
        const supervise = (instance as Partial<Supervising>)[SUPERVISE];
        if (supervise !== undefined) return supervise.call(instance, msg.child, msg.reason);
        // Only supervisors restart: a plain actor's failed child is stopped.
        if (msg.reason.type === 'failure' && msg.child.state < STOPPING) {
          this.log.error({ err: msg.reason.error, child: msg.child.name }, 'child failed and is stopped');
          return msg.child.terminate(msg.reason, true);
        }
        return undefined;
      }
    }
  }

  /** A crash: stop handling messages and let the parent decide. */
  fail(error: Error): void {
    if (this.state >= SUSPENDED) return;
    this.state = SUSPENDED;
    this.restarting = true;
    this.cancelTimers();
    this.log.error({ err: error }, 'actor failed');
    const parent = this.parentCell;
    if (parent !== undefined) parent.pushSystem({ kind: 'down', child: this, reason: { type: 'failure', error } });
  }

  /**
   * The shared part of stopping and restarting: wait for the work in hand,
   * stop the children, run the hook, drop the instance. Each wait on this
   * actor's own code is bounded by its stop timeout.
   */
  private async takeDown(hook: (instance: Actor<M>) => void | Promise<void>): Promise<void> {
    const timeoutMs = this.options.stopTimeoutMs ?? this.kernel.stopTimeoutMs;
    const inflight = this.inflight;
    this.inflight = undefined;
    if (!(await this.within(Promise.all([inflight, this.startDone]), timeoutMs))) {
      this.log.warn({ timeoutMs }, 'the message in hand did not finish in time; abandoned');
    }
    if (this.childMap !== undefined) {
      for (const child of [...this.childMap.values()].reverse()) await child.terminate(SHUTDOWN, true);
    }
    const instance = this.instance;
    this.instance = undefined;
    if (instance === undefined) return;
    if (
      !(await this.within(
        Promise.resolve().then(() => hook(instance)),
        timeoutMs,
      ))
    ) {
      this.log.warn({ timeoutMs }, 'lifecycle hook did not finish in time; the actor was killed');
    }
  }

  /** True when `work` settled within `ms`; a rejection is logged, not thrown. */
  private within(work: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = this.kernel.clock.setTimer(() => resolve(false), ms);
    });
    const done = work.then(
      () => true,
      (err: unknown) => {
        this.log.error({ err }, 'lifecycle hook failed');
        return true;
      },
    );
    return Promise.race([done, timeout]).finally(() => timer?.cancel());
  }

  private finish(reason: ExitReason): void {
    if (this.state === STOPPED) return;
    this.state = STOPPED;
    this.exit = reason;
    this.busy = false;
    this.cancelTimers();
    this.mailbox.drain((msg, ask) => this.kernel.deadLetters.publish(this.path, msg, ask, 'ACTOR_STOPPED'));
    if (this.options.register !== undefined) this.kernel.registry.unregister(this.options.register, this);
    if (this.watching !== undefined) for (const target of this.watching) target.watchers?.delete(this);
    if (this.watchers !== undefined) {
      for (const watcher of this.watchers) {
        watcher.watching?.delete(this);
        watcher.pushSystem({ kind: 'terminated', ref: this, reason });
      }
      this.watchers = undefined;
    }
    const parent = this.parentCell;
    if (parent !== undefined) {
      if (parent.childMap?.get(this.name) === this) parent.childMap.delete(this.name);
      if (!this.stopRequestedByParent) parent.pushSystem({ kind: 'down', child: this, reason });
    }
    this.kernel.stopped(this);
    const waiters = this.exitWaiters;
    this.exitWaiters = undefined;
    if (waiters !== undefined) for (const w of waiters) w(reason);
  }

  private cancelTimers(): void {
    if (this.timers === undefined) return;
    for (const handle of this.timers.values()) handle.cancel();
    this.timers = undefined;
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

import { RingQueue } from './ring-queue.js';

/** What the dispatcher runs: an actor with messages waiting. */
export interface Runnable {
  /** Handles up to `max` messages; returns how many it handled. */
  run(max: number): number;
  /** Called after `run`: true to be queued again. */
  afterRun(): boolean;
}

export interface DispatcherOptions {
  /** Messages one actor handles before the next ready actor gets its turn. @default 32 */
  throughput: number;
  /** Messages handled in one event-loop turn before yielding with setImmediate. @default 1024 */
  turnBudget: number;
}

/**
 * Runs ready actors. Work starts on a microtask, so an idle system answers
 * at once; after `turnBudget` messages in one event-loop turn the rest waits
 * for setImmediate, so timers and I/O run between batches however many
 * messages flow. Each actor handles at most `throughput` messages before the
 * next one in line, so one busy actor does not starve the others.
 */
export class Dispatcher {
  private readonly ready = new RingQueue<Runnable>(64);
  private readonly throughput: number;
  private readonly turnBudget: number;
  private usedThisTurn = 0;
  private drainQueued = false;
  private turnMarkPending = false;

  constructor(options: Readonly<DispatcherOptions>) {
    this.throughput = options.throughput;
    this.turnBudget = options.turnBudget;
  }

  /** Actors waiting for their turn. */
  get queued(): number {
    return this.ready.length;
  }

  schedule(r: Runnable): void {
    this.ready.push(r);
    if (this.drainQueued) return;
    this.drainQueued = true;
    if (this.usedThisTurn < this.turnBudget) queueMicrotask(this.drain);
    else this.markTurn();
  }

  private readonly drain = (): void => {
    let budget = this.turnBudget - this.usedThisTurn;
    const start = budget;
    while (budget > 0) {
      const r = this.ready.shift();
      if (r === undefined) break;
      budget -= Math.max(1, r.run(Math.min(this.throughput, budget)));
      if (r.afterRun()) this.ready.push(r);
    }
    this.usedThisTurn += start - budget;
    if (this.usedThisTurn > 0) this.markTurn();
    // With work left, the turn mark's setImmediate drains it.
    this.drainQueued = this.ready.length > 0;
  };

  private markTurn(): void {
    if (this.turnMarkPending) return;
    this.turnMarkPending = true;
    setImmediate(this.newTurn);
  }

  private readonly newTurn = (): void => {
    this.turnMarkPending = false;
    this.usedThisTurn = 0;
    if (this.drainQueued) this.drain();
  };
}

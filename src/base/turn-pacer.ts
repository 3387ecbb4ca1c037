/**
 * Bounds the work started in one event-loop turn. A burst of requests read
 * in one turn (a socket read holds many) would otherwise all start at once
 * and hold the loop for as long as their synchronous parts and the
 * microtasks they chain take, so every timer, socket and actor in the
 * process waits that long. The pacer lets through at most `perTurn` starts,
 * and none once `budgetMs` has passed since the turn's first start; the rest
 * wait, in order, for later turns (`setImmediate`, after the I/O of the
 * turn). Under light load everything starts at once, without a hop.
 */
export interface TurnPacerOptions {
  /** Starts per turn. @default 64 */
  readonly perTurn?: number;
  /** Milliseconds of a turn, from its first start, after which nothing more starts in it. @default 4 */
  readonly budgetMs?: number;
  /** The clock, ms. @default performance.now */
  readonly now?: () => number;
}

export class TurnPacer {
  private readonly perTurn: number;
  private readonly budgetMs: number;
  private readonly now: () => number;
  private readonly waiting: Array<() => void> = [];
  /** Where the next waiting start is; the array is compacted when it empties. */
  private head = 0;
  private started = 0;
  private turnStart = 0;
  private tick: NodeJS.Immediate | undefined;

  constructor(options: TurnPacerOptions = {}) {
    this.perTurn = options.perTurn ?? 64;
    this.budgetMs = options.budgetMs ?? 4;
    this.now = options.now ?? (() => performance.now());
    if (!(Number.isInteger(this.perTurn) && this.perTurn > 0))
      throw new TypeError(`perTurn must be a positive integer, got ${this.perTurn}`);
  }

  /** Starts waiting for a later turn. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  /**
   * Undefined when the start may go now (counted against this turn), else a
   * promise that resolves in the turn that lets it go. Callers test for
   * undefined so that an unpaced start costs no promise hop.
   */
  slot(): Promise<void> | undefined {
    if (this.queued === 0 && this.hasRoom()) {
      this.take();
      return undefined;
    }
    this.arm();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private hasRoom(): boolean {
    return this.started === 0 || (this.started < this.perTurn && this.now() - this.turnStart < this.budgetMs);
  }

  private take(): void {
    if (this.started === 0) this.turnStart = this.now();
    this.started++;
    this.arm();
  }

  private arm(): void {
    this.tick ??= setImmediate(this.nextTurn);
  }

  /** A new turn: its budget is fresh, and what waits goes first, in order. */
  private readonly nextTurn = (): void => {
    this.tick = undefined;
    this.started = 0;
    while (this.queued > 0 && this.hasRoom()) {
      const resolve = this.waiting[this.head] as () => void;
      this.waiting[this.head++] = noop;
      this.take();
      resolve();
    }
    if (this.queued === 0) {
      this.waiting.length = 0;
      this.head = 0;
    } else {
      this.arm();
    }
  };
}

const noop = (): void => {};

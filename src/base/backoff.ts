/** How long a supervisor waits before it restarts a child that keeps failing. */
export interface BackoffOptions {
  /** Delay before the first restart. @default 0 (restart at once, as OTP does) */
  minMs: number;
  /** Upper bound of the delay. @default 30000 */
  maxMs: number;
  /** Growth per consecutive failure. @default 2 */
  factor: number;
  /** Random spread, as a fraction of the delay (0.2 → ±20 %). @default 0.2 */
  jitter: number;
  /** A child that ran this long without failing starts again from `minMs`. @default 30000 */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  minMs: 0,
  maxMs: 30_000,
  factor: 2,
  jitter: 0.2,
  resetAfterMs: 30_000,
});

/**
 * The delay before restart number `attempt` (0-based) of a failing child:
 * the first restart waits `minMs`; each later one waits `factor` times
 * longer, at least 10 ms when `minMs` is 0, never more than `maxMs`, spread by
 * `jitter` so that many children failing together do not restart in lockstep.
 */
export function backoffDelay(opts: Readonly<BackoffOptions>, attempt: number, random: () => number): number {
  if (attempt === 0 && opts.minMs === 0) return 0;
  const base = opts.minMs === 0 ? 10 * opts.factor ** (attempt - 1) : opts.minMs * opts.factor ** attempt;
  const capped = Math.min(opts.maxMs, base);
  const spread = capped * opts.jitter * (random() * 2 - 1);
  return Math.max(0, Math.min(opts.maxMs, Math.round(capped + spread)));
}

/**
 * OTP's restart intensity: at most `maxRestarts` restarts within
 * `periodMs`. `record` notes one restart and says whether it is still allowed.
 */
export class RestartIntensity {
  private readonly stamps: number[] = [];
  private readonly maxRestarts: number;
  private readonly periodMs: number;

  constructor(maxRestarts: number, periodMs: number) {
    this.maxRestarts = maxRestarts;
    this.periodMs = periodMs;
  }

  record(now: number): boolean {
    const since = now - this.periodMs;
    while (this.stamps.length > 0 && (this.stamps[0] as number) <= since) this.stamps.shift();
    this.stamps.push(now);
    return this.stamps.length <= this.maxRestarts;
  }
}

/**
 * How long one object's monitoring samples are kept, and how many at most.
 * OpenNebula 6.10's monitord keeps HOST_MONITORING_EXPIRATION_TIME and
 * VM_MONITORING_EXPIRATION_TIME seconds of samples (43,200 each by default,
 * src/monitor/etc/monitord.conf), however many there are; here a cap bounds
 * them too, so memory stays bounded whatever the push interval.
 */
export interface WindowLimits {
  /** Samples older than this (ms) go. */
  readonly windowMs: number;
  /** Samples kept at most: one per `windowMs / maxSamples`, the newest replacing the rest of its slot. */
  readonly maxSamples: number;
}

/** Where a ring starts before it grows (doubling, up to its cap). */
const FIRST_ROWS = 8;

/**
 * The samples of one object (a host or a VM) over a time window: a
 * timestamp and `width` figures each, in one typed array used as a ring,
 * so a full window costs `maxSamples × (width + 1) × 8` bytes and no more.
 *
 * Samples are spread over the window: a row holds one slot of
 * `windowMs / maxSamples`, and a sample arriving within the slot of the
 * newest row replaces it (the newest figures are always there), while one
 * arriving later opens a new row. At the cap, the oldest row goes.
 */
export class SampleWindow {
  private readonly width: number;
  private readonly windowMs: number;
  private readonly maxRows: number;
  private readonly slotMs: number;
  private data: Float64Array;
  private rows: number;
  private first = 0;
  private count = 0;
  /** When the newest row's slot began: the first sample that landed in it. */
  private slotStart = Number.NEGATIVE_INFINITY;

  constructor(width: number, limits: WindowLimits) {
    checkLimits(limits);
    if (!Number.isInteger(width) || width < 1) throw new TypeError(`a window's width must be a positive integer, got ${width}`);
    this.width = width;
    this.windowMs = limits.windowMs;
    this.maxRows = limits.maxSamples;
    this.slotMs = limits.windowMs / limits.maxSamples;
    this.rows = Math.min(FIRST_ROWS, this.maxRows);
    this.data = new Float64Array(this.rows * (width + 1));
  }

  /** Samples held now. */
  get size(): number {
    return this.count;
  }

  /** Takes a sample taken at `at` (ms since the epoch); `figures` has `width` numbers. */
  add(at: number, figures: readonly number[]): void {
    if (figures.length !== this.width) throw new TypeError(`a sample has ${this.width} figures, got ${figures.length}`);
    this.expire(at);
    // A clock stepped back: the sample is still the newest word, stamped no earlier than the one before.
    const stamp = this.count === 0 ? at : Math.max(at, this.timeAt(this.count - 1));
    if (this.count > 0 && stamp - this.slotStart < this.slotMs) {
      this.write(this.count - 1, stamp, figures);
      return;
    }
    if (this.count === this.rows && this.rows < this.maxRows) this.grow();
    if (this.count === this.rows) {
      this.first = (this.first + 1) % this.rows;
      this.count--;
    }
    this.count++;
    this.slotStart = stamp;
    this.write(this.count - 1, stamp, figures);
  }

  /**
   * The samples taken after `since` (ms since the epoch) and within the
   * window at `now`, oldest first, each `[timestamp, ...figures]`.
   */
  samples(now: number, since = Number.NEGATIVE_INFINITY): number[][] {
    this.expire(now);
    const out: number[][] = [];
    for (let i = 0; i < this.count; i++) {
      const at = this.timeAt(i);
      if (at > since) out.push(this.row(i));
    }
    return out;
  }

  /** The newest sample within the window at `now`, if any. */
  latest(now: number): number[] | undefined {
    this.expire(now);
    return this.count === 0 ? undefined : this.row(this.count - 1);
  }

  /** Drops the samples that fell out of the window by `now`. */
  private expire(now: number): void {
    const oldest = now - this.windowMs;
    while (this.count > 0 && this.timeAt(0) < oldest) {
      this.first = (this.first + 1) % this.rows;
      this.count--;
    }
    if (this.count === 0) this.slotStart = Number.NEGATIVE_INFINITY;
  }

  /** The offset of logical row `i` (0 the oldest) in `data`. */
  private offset(i: number): number {
    return ((this.first + i) % this.rows) * (this.width + 1);
  }

  private timeAt(i: number): number {
    return this.data[this.offset(i)] as number;
  }

  private row(i: number): number[] {
    const at = this.offset(i);
    return Array.from(this.data.subarray(at, at + this.width + 1));
  }

  private write(i: number, at: number, figures: readonly number[]): void {
    const o = this.offset(i);
    this.data[o] = at;
    for (let k = 0; k < this.width; k++) this.data[o + 1 + k] = figures[k] as number;
  }

  /** Twice the rows (at most the cap), the samples copied in order from row 0. */
  private grow(): void {
    const rows = Math.min(this.rows * 2, this.maxRows);
    const stride = this.width + 1;
    const next = new Float64Array(rows * stride);
    for (let i = 0; i < this.count; i++) next.set(this.data.subarray(this.offset(i), this.offset(i) + stride), i * stride);
    this.data = next;
    this.rows = rows;
    this.first = 0;
  }
}

/** A programming mistake, not a runtime one: limits come from oned's frozen config. */
export function checkLimits(limits: WindowLimits): void {
  if (!(Number.isFinite(limits.windowMs) && limits.windowMs > 0)) throw new TypeError(`windowMs must be > 0, got ${limits.windowMs}`);
  if (!(Number.isSafeInteger(limits.maxSamples) && limits.maxSamples >= 1))
    throw new TypeError(`maxSamples must be an integer ≥ 1, got ${limits.maxSamples}`);
}

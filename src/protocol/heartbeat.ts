/**
 * A link's two heartbeat timers: one pings the peer every `intervalMs`, the
 * other declares the peer lost once nothing was heard for `lostAfterMs`.
 * Hearing is cheap (a timestamp); the liveness timer re-arms itself for the
 * remaining silence instead of being reset on every inbound message.
 */
import type { Clock, TimerHandle } from '../base/clock.js';

export interface HeartbeatOptions {
  intervalMs: number;
  lostAfterMs: number;
  ping(): void;
  lost(): void;
}

export class Heartbeat {
  private readonly clock: Clock;
  private readonly options: HeartbeatOptions;
  private pingTimer: TimerHandle | undefined;
  private liveTimer: TimerHandle | undefined;
  private lastHeard = 0;

  constructor(clock: Clock, options: HeartbeatOptions) {
    this.clock = clock;
    this.options = { ...options };
  }

  get intervalMs(): number {
    return this.options.intervalMs;
  }

  get lostAfterMs(): number {
    return this.options.lostAfterMs;
  }

  get running(): boolean {
    return this.liveTimer !== undefined;
  }

  start(): void {
    this.stop();
    this.lastHeard = this.clock.now();
    this.armPing();
    this.armLive(this.options.lostAfterMs);
  }

  stop(): void {
    this.pingTimer?.cancel();
    this.liveTimer?.cancel();
    this.pingTimer = this.liveTimer = undefined;
  }

  heard(): void {
    this.lastHeard = this.clock.now();
  }

  /** Takes a new period (the front-end's, from its hello); restarts the ping timer when running. */
  retime(intervalMs: number, lostAfterMs: number): void {
    this.options.intervalMs = intervalMs;
    this.options.lostAfterMs = lostAfterMs;
    if (this.running) {
      this.pingTimer?.cancel();
      this.armPing();
    }
  }

  private armPing(): void {
    this.pingTimer = this.clock.setTimer(() => {
      this.armPing();
      this.options.ping();
    }, this.options.intervalMs);
  }

  private armLive(ms: number): void {
    this.liveTimer = this.clock.setTimer(() => {
      const silent = this.clock.now() - this.lastHeard;
      if (silent < this.options.lostAfterMs) return this.armLive(this.options.lostAfterMs - silent);
      this.stop();
      this.options.lost();
    }, ms);
  }
}

import type { Clock } from '../actors/clock.js';

/**
 * Failed logins per user: after `maxFailures` within `windowMs` the user is
 * refused for `lockMs`, whatever the password, so guessing is slow.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();
  private readonly clock: Clock;
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly lockMs: number;

  constructor(clock: Clock, maxFailures = 5, windowMs = 60_000, lockMs = 30_000) {
    this.clock = clock;
    this.maxFailures = maxFailures;
    this.windowMs = windowMs;
    this.lockMs = lockMs;
  }

  isLocked(user: string): boolean {
    const until = this.lockedUntil.get(user);
    if (until === undefined) return false;
    if (this.clock.now() < until) return true;
    this.lockedUntil.delete(user);
    return false;
  }

  failed(user: string): void {
    const now = this.clock.now();
    // Guessed user names must not grow the map without bound: forget the oldest.
    if (this.failures.size >= 10_000 && !this.failures.has(user)) this.failures.delete(this.failures.keys().next().value as string);
    const recent = (this.failures.get(user) ?? []).filter((t) => now - t < this.windowMs);
    recent.push(now);
    if (recent.length >= this.maxFailures) {
      this.lockedUntil.set(user, now + this.lockMs);
      this.failures.delete(user);
    } else {
      this.failures.set(user, recent);
    }
  }

  succeeded(user: string): void {
    this.failures.delete(user);
  }
}

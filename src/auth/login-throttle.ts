import type { Clock } from '../base/clock.js';

/** Names the throttle keeps at most, per map: guessed names must not grow it without bound. */
const MAX_NAMES = 10_000;

/**
 * Failed logins per user: after `maxFailures` within `windowMs` the user is
 * refused for `lockMs`, whatever the password, so guessing is slow.
 *
 * A try is reserved before its password is checked (`begin`) and counted as
 * a failure until it ends well: the check is asynchronous, and otherwise a
 * burst of guesses sent at once would all pass the lock before the first one
 * failed. The caller bounds a name's length; the throttle bounds how many
 * names it keeps, forgetting the oldest.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly inFlight = new Map<string, number>();
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

  /**
   * Reserves a try for `user`, or says no: the user is locked, or its recent
   * failures plus the tries still being checked reach the limit.
   */
  begin(user: string): boolean {
    if (this.isLocked(user)) return false;
    const pending = this.inFlight.get(user) ?? 0;
    if (this.recent(user).length + pending >= this.maxFailures) return false;
    if (pending === 0 && this.inFlight.size >= MAX_NAMES) return false;
    this.inFlight.set(user, pending + 1);
    return true;
  }

  /** Ends a try reserved with `begin`. */
  end(user: string, ok: boolean): void {
    const pending = (this.inFlight.get(user) ?? 1) - 1;
    if (pending === 0) this.inFlight.delete(user);
    else this.inFlight.set(user, pending);
    if (ok) this.failures.delete(user);
    else this.failed(user);
  }

  failed(user: string): void {
    const now = this.clock.now();
    bound(this.failures, user);
    const recent = this.recent(user);
    recent.push(now);
    if (recent.length >= this.maxFailures) {
      bound(this.lockedUntil, user);
      this.lockedUntil.set(user, now + this.lockMs);
      this.failures.delete(user);
    } else {
      this.failures.set(user, recent);
    }
  }

  succeeded(user: string): void {
    this.failures.delete(user);
  }

  /** Names kept, for tests of the bound. */
  get size(): number {
    return this.failures.size + this.lockedUntil.size + this.inFlight.size;
  }

  private recent(user: string): number[] {
    const now = this.clock.now();
    return (this.failures.get(user) ?? []).filter((t) => now - t < this.windowMs);
  }
}

/** Forgets the oldest entry of a full map before a new name goes in (Maps iterate in insertion order). */
function bound<V>(map: Map<string, V>, key: string): void {
  if (map.size >= MAX_NAMES && !map.has(key)) map.delete(map.keys().next().value as string);
}

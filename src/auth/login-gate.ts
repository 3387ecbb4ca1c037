import { NepheleError, isNepheleError } from '../errors.js';

export interface LoginGateLimits {
  /** Checks running at once. */
  readonly loginsRunning: number;
  /** Checks waiting, all addresses together. */
  readonly loginsQueued: number;
  /** Checks running or waiting from one address. */
  readonly loginsPerAddress: number;
  /** Failed or refused logins from one address within 10 s after which its logins are refused unchecked until the window passes. */
  readonly failuresPerAddress: number;
  /** The window an address's failures are counted in, ms. */
  readonly failureWindowMs: number;
}

/** Addresses whose failures are kept at most: the oldest is forgotten first. */
const MAX_ADDRESSES = 10_000;

/**
 * Logins pass one at a time per slot: a password check is scrypt, tens of
 * milliseconds of a core and 16 MiB, run on libuv's thread pool, which the
 * store shares. Unbounded, a storm of logins starves the pool and every API
 * call behind it times out; gated, the storm waits in a short queue and the
 * rest is refused at once with TOO_BUSY, one address never holding more than
 * its share of the queue.
 */
export class LoginGate {
  private readonly limits: LoginGateLimits;
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly perAddress = new Map<string, number>();
  /** Per address: failures in the current window, and when it began. */
  private readonly failures = new Map<string, { count: number; since: number }>();
  private readonly now: () => number;

  constructor(limits: LoginGateLimits, now: () => number = Date.now) {
    this.limits = limits;
    this.now = now;
  }

  /**
   * An address that failed too many logins lately: its logins are refused
   * before anything is checked, and its new connections before they are
   * even set up (src/oned/listener.ts), so a storm costs oned next to nothing.
   */
  blocked(address: string): boolean {
    const f = this.failures.get(address);
    if (f === undefined) return false;
    if (this.now() - f.since >= this.limits.failureWindowMs) {
      this.failures.delete(address);
      return false;
    }
    return f.count >= this.limits.failuresPerAddress;
  }

  private failed(address: string): void {
    const now = this.now();
    const f = this.failures.get(address);
    if (f !== undefined && now - f.since < this.limits.failureWindowMs) {
      f.count++;
      return;
    }
    this.failures.delete(address);
    if (this.failures.size >= MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value as string);
    this.failures.set(address, { count: 1, since: now });
  }

  /** Runs `check` when a slot is free; refuses with TOO_BUSY when the queue or the address's share is full. */
  async run<T>(address: string, check: () => Promise<T>): Promise<T> {
    if (this.blocked(address)) {
      throw new NepheleError('TOO_BUSY', 'too many failed logins from this address; retry later', {
        details: { scope: 'address-failures', limit: this.limits.failuresPerAddress },
      });
    }
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.limits.loginsPerAddress) {
      // A refusal counts as a failure: an address that storms is blocked as one that guesses.
      this.failed(address);
      throw new NepheleError('TOO_BUSY', 'too many logins from this address at once; retry shortly', {
        details: { scope: 'address', limit: this.limits.loginsPerAddress },
      });
    }
    if (this.running >= this.limits.loginsRunning && this.waiting.length >= this.limits.loginsQueued) {
      throw new NepheleError('TOO_BUSY', 'oned is checking as many logins as it takes; retry shortly', {
        details: { scope: 'logins', limit: this.limits.loginsQueued },
      });
    }
    this.perAddress.set(address, mine + 1);
    try {
      if (this.running >= this.limits.loginsRunning) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else this.running++;
      try {
        return await check();
      } catch (err) {
        if (isNepheleError(err, 'AUTH_FAILED')) this.failed(address);
        throw err;
      } finally {
        // The slot passes straight to the next waiter, so `running` never dips below what is queued.
        const next = this.waiting.shift();
        if (next === undefined) this.running--;
        else next();
      }
    } finally {
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left === 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    }
  }

  get stats(): { running: number; waiting: number; addresses: number } {
    return { running: this.running, waiting: this.waiting.length, addresses: this.perAddress.size };
  }
}

import { NepheleError } from '../errors.js';

export interface LoginGateLimits {
  /** Checks running at once. */
  readonly loginsRunning: number;
  /** Checks waiting, all addresses together. */
  readonly loginsQueued: number;
  /** Checks running or waiting from one address. */
  readonly loginsPerAddress: number;
}

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

  constructor(limits: LoginGateLimits) {
    this.limits = limits;
  }

  /** Runs `check` when a slot is free; refuses with TOO_BUSY when the queue or the address's share is full. */
  async run<T>(address: string, check: () => Promise<T>): Promise<T> {
    const mine = this.perAddress.get(address) ?? 0;
    if (mine >= this.limits.loginsPerAddress) {
      throw new NepheleError('TOO_BUSY', 'too many logins from this address at once; retry shortly', { details: { scope: 'address', limit: this.limits.loginsPerAddress } });
    }
    if (this.running >= this.limits.loginsRunning && this.waiting.length >= this.limits.loginsQueued) {
      throw new NepheleError('TOO_BUSY', 'oned is checking as many logins as it takes; retry shortly', { details: { scope: 'logins', limit: this.limits.loginsQueued } });
    }
    this.perAddress.set(address, mine + 1);
    try {
      if (this.running >= this.limits.loginsRunning) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else this.running++;
      try {
        return await check();
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

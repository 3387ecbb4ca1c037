import { createHash } from 'node:crypto';
import type { Authenticated } from '../../../auth/session.js';

export interface SessionCacheOptions {
  /** Session strings kept at most; the least recently used goes first. */
  readonly size: number;
  /** How long a verified session string is taken without checking its password again, ms. */
  readonly ttlMs: number;
  /**
   * Follows an entry while it is kept: `drop` forgets it (oned calls it when
   * the user's password, tokens, enabled flag or existence change); returns
   * the function that stops following it.
   */
  readonly watch?: (auth: Authenticated, drop: () => void) => () => void;
  /** @default Date.now */
  readonly now?: () => number;
}

interface Entry {
  readonly auth: Authenticated;
  readonly until: number;
  readonly unwatch: () => void;
}

/**
 * XML-RPC sends the credentials with every call (`user:password`, as the
 * Ruby CLI does with a new connection per command), and checking a password
 * is scrypt, one at a time behind the login gate: a few calls a second. The
 * cache keeps session strings already verified, keyed by their SHA-256
 * (never the string itself), for a short time, so that a client's later
 * calls skip scrypt. What it keeps is a login's `Authenticated`: each call
 * through the core still checks it against the user as they stand
 * (enabled, same password salt, token not revoked), and oned drops the entry
 * as soon as that fails. Logins of one string under way are shared: a burst
 * of a new client's first calls costs one check, not one each.
 */
export class SessionCache {
  private readonly options: SessionCacheOptions;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Promise<Authenticated>>();

  constructor(options: SessionCacheOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** The key of a session string: what the cache keeps instead of it. */
  static keyOf(session: string): string {
    return createHash('sha256').update(session).digest('base64');
  }

  /** Sessions kept, for tests and metrics. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The verified login of `key`, from the cache or by `login` (shared with
   * any login of the same key under way). A failed login is not kept.
   */
  async get(key: string, login: () => Promise<Authenticated>): Promise<{ auth: Authenticated; cached: boolean }> {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      if (this.now() < hit.until) {
        // Most recently used last: the first key is the one to evict.
        this.entries.delete(key);
        this.entries.set(key, hit);
        return { auth: hit.auth, cached: true };
      }
      this.drop(key);
    }
    let running = this.pending.get(key);
    if (running === undefined) {
      running = login().then(
        (auth) => {
          this.pending.delete(key);
          this.keep(key, auth);
          return auth;
        },
        (err: unknown) => {
          this.pending.delete(key);
          throw err;
        },
      );
      this.pending.set(key, running);
    }
    return { auth: await running, cached: false };
  }

  /** Forgets `key` (its login no longer holds); with `auth`, only if that is still the login kept. */
  drop(key: string, auth?: Authenticated): void {
    const e = this.entries.get(key);
    if (e === undefined || (auth !== undefined && e.auth !== auth)) return;
    this.entries.delete(key);
    e.unwatch();
  }

  /** Forgets every entry. */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private keep(key: string, auth: Authenticated): void {
    if (this.options.size <= 0) return;
    this.drop(key);
    while (this.entries.size >= this.options.size) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    // Dropped by oned when the login stops holding; by the TTL at the latest.
    let dropped = false;
    const unwatch = this.options.watch?.(auth, () => {
      if (!dropped) this.drop(key, auth);
    });
    this.entries.set(key, {
      auth,
      // A login token is not taken past its own expiry.
      until: Math.min(this.now() + this.options.ttlMs, auth.expires ?? Number.POSITIVE_INFINITY),
      unwatch: () => {
        dropped = true;
        unwatch?.();
      },
    });
  }
}

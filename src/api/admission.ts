import { NepheleError } from '../errors.js';

export interface AdmissionLimits {
  readonly callsPerConnection: number;
  readonly callsPerUser: number;
  readonly callsTotal: number;
  readonly listingsPerUser: number;
}

/** One connection's count of calls in flight, kept by whoever holds the connection. */
export interface CallCounter {
  inFlight: number;
}

/**
 * Admission of API calls: a call holds a place on its connection, its user
 * and (for non-administrators) oned as a whole until it is answered. A call
 * over any limit is refused at once with TOO_BUSY: a flood costs the flooder,
 * not the callers behind it in one queue.
 */
export class Admission {
  private readonly limits: AdmissionLimits;
  private readonly perUser = new Map<number, number>();
  private readonly listings = new Map<number, number>();
  private total = 0;

  constructor(limits: AdmissionLimits) {
    this.limits = limits;
  }

  /** Takes a place for one call; the returned function gives it back (once). */
  admit(conn: CallCounter, uid: number, admin: boolean): () => void {
    const user = this.perUser.get(uid) ?? 0;
    if (conn.inFlight >= this.limits.callsPerConnection) {
      throw busy(
        `this connection has ${conn.inFlight} calls in flight, the most oned takes; wait for their answers`,
        'connection',
        this.limits.callsPerConnection,
      );
    }
    if (user >= this.limits.callsPerUser)
      throw busy(`you have ${user} calls in flight, the most oned takes`, 'user', this.limits.callsPerUser);
    if (!admin && this.total >= this.limits.callsTotal)
      throw busy('oned has as many calls in flight as it takes; retry shortly', 'total', this.limits.callsTotal);
    conn.inFlight++;
    this.perUser.set(uid, user + 1);
    if (!admin) this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      conn.inFlight--;
      const left = (this.perUser.get(uid) ?? 1) - 1;
      if (left === 0) this.perUser.delete(uid);
      else this.perUser.set(uid, left);
      if (!admin) this.total--;
    };
  }

  /**
   * Takes a listing's place for a call already admitted: a listing holds a
   * page of views in memory until it is sent, so a user runs only a few at once.
   */
  admitListing(uid: number): () => void {
    const mine = this.listings.get(uid) ?? 0;
    if (mine >= this.limits.listingsPerUser) {
      throw busy(
        `you have ${mine} listings in flight, the most oned takes; wait for their answers`,
        'listings',
        this.limits.listingsPerUser,
      );
    }
    this.listings.set(uid, mine + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.listings.get(uid) ?? 1) - 1;
      if (left === 0) this.listings.delete(uid);
      else this.listings.set(uid, left);
    };
  }

  /** Calls in flight, for the metrics and tests. */
  get inFlight(): { total: number; users: number } {
    let sum = 0;
    for (const n of this.perUser.values()) sum += n;
    return { total: sum, users: this.perUser.size };
  }
}

function busy(message: string, scope: 'connection' | 'user' | 'total' | 'listings', limit: number): NepheleError {
  return new NepheleError('TOO_BUSY', message, { details: { scope, limit } });
}

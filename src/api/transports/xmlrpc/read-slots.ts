/**
 * Requests being read or decoded, per address and in all. A request holds
 * up to `xmlrpcRequestBytes` of body and the decoder's work before anything
 * is known of its caller (the credentials are in the body), so the core's
 * admission, which counts authenticated calls, cannot bound them: this
 * does, before a byte of the body is read.
 */
export class ReadSlots {
  private readonly perAddress: number;
  private readonly total: number;
  private readonly byAddress = new Map<string, number>();
  private inUse = 0;

  constructor(limits: { readonly perAddress: number; readonly total: number }) {
    this.perAddress = limits.perAddress;
    this.total = limits.total;
  }

  /** Requests being read or decoded now, for tests and metrics. */
  get reading(): number {
    return this.inUse;
  }

  /** A slot for a request of `address`, or undefined when it is over a limit. The release runs once, however often it is called. */
  take(address: string): (() => void) | undefined {
    const mine = this.byAddress.get(address) ?? 0;
    if (mine >= this.perAddress || this.inUse >= this.total) return undefined;
    this.byAddress.set(address, mine + 1);
    this.inUse++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.inUse--;
      const left = (this.byAddress.get(address) ?? 1) - 1;
      if (left === 0) this.byAddress.delete(address);
      else this.byAddress.set(address, left);
    };
  }
}

/**
 * The asks a link has sent and waits replies for, by request id. Ids are
 * never reused in a link's life, so a late reply from an earlier connection
 * cannot settle a newer ask. Timeouts run on the kernel's AskTimeouts: one
 * clock timer for all.
 */
import { AskTimeouts, PendingAsk } from '../base/ask-timeouts.js';
import type { Clock } from '../base/clock.js';
import { NepheleError } from '../errors.js';
import type { ResFrame } from './frames.js';
import { validateReply } from './validate.js';

interface Inflight {
  readonly ask: PendingAsk;
  /** The request type, to check its reply. */
  readonly type: string;
}

export class PendingAsks {
  private readonly inflight = new Map<number, Inflight>();
  private readonly timeouts: AskTimeouts;
  private readonly target: { readonly path: string };
  private nextId = 1;

  constructor(clock: Clock, target: string) {
    this.timeouts = new AskTimeouts(clock);
    this.target = { path: target };
  }

  get size(): number {
    return this.inflight.size;
  }

  /** A fresh request id. */
  newId(): number {
    return this.nextId++;
  }

  /** Waits for the reply to request `id` of `type`; settles through resolve/reject. */
  add(
    id: number,
    type: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    resolve: (v: unknown) => void,
    reject: (e: unknown) => void,
  ): void {
    const ask = new PendingAsk(
      (value) => {
        this.inflight.delete(id);
        resolve(value);
      },
      (err) => {
        this.inflight.delete(id);
        reject(err);
      },
      this.target,
    );
    this.inflight.set(id, { ask, type });
    this.timeouts.add(ask, timeoutMs);
    if (signal !== undefined) ask.onAbort(signal);
  }

  /**
   * Settles the ask a `res` answers. Returns the validation error of a
   * malformed reply (the ask is rejected with it too); a reply to no pending
   * ask (it timed out) is ignored.
   */
  settle(res: ResFrame): NepheleError | undefined {
    const inflight = this.inflight.get(res.id);
    if (inflight === undefined) return undefined;
    if (!res.ok) {
      const { code, message, details } = res.error;
      inflight.ask.reject(new NepheleError(code, message, details === undefined ? {} : { details }));
      return undefined;
    }
    let value: unknown;
    try {
      value = validateReply(inflight.type, res.value);
    } catch (err) {
      inflight.ask.reject(err);
      return err as NepheleError;
    }
    inflight.ask.resolve(value);
    return undefined;
  }

  /** Rejects every pending ask with `err`. */
  failAll(err: NepheleError): void {
    for (const { ask } of [...this.inflight.values()]) ask.reject(err);
  }

  /** Stops the timeout timer for good. */
  close(): void {
    this.timeouts.close();
  }
}

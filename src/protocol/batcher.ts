/**
 * Coalescing: the frames a link produces during one event-loop turn leave
 * as one transport message at the end of the turn, split only when a
 * message reaches `maxBatch` frames or half of `maxFrameBytes`.
 *
 * The flush runs on setImmediate, not queueMicrotask: a microtask flush
 * would run as soon as the current synchronous run ends, between promise
 * hops and between two socket reads of the same turn, giving more and
 * smaller messages. setImmediate runs after the whole I/O phase, so acks
 * for a burst of inbound messages and the tells of a full dispatcher batch
 * share one message, for at most one loop iteration of latency.
 */
import { ARRAY_HEADER_BYTES, encodeFrame, joinFrames } from './codec.js';

export interface BatcherOptions {
  maxBatch: number;
  maxFrameBytes: number;
  /** Hands one transport message over; `frames` counts what it holds. */
  sink(data: Uint8Array, frames: number): void;
}

export class Batcher {
  private readonly options: BatcherOptions;
  private parts: Uint8Array[] = [];
  /** A cumulative ack waiting to go; only the newest matters. */
  private ackSeq: number | undefined;
  private immediate: NodeJS.Immediate | undefined;

  constructor(options: BatcherOptions) {
    this.options = options;
  }

  /** Frames waiting for the flush, the ack included. */
  get length(): number {
    return this.parts.length + (this.ackSeq === undefined ? 0 : 1);
  }

  /** Queues an encoded frame (see encodeFrame). */
  add(part: Uint8Array): void {
    this.parts.push(part);
    this.schedule();
  }

  /** Queues a cumulative ack, replacing one already waiting. */
  ack(seq: number): void {
    this.ackSeq = seq;
    this.schedule();
  }

  /** Drops what waits. */
  clear(): void {
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.immediate = undefined;
    this.parts = [];
    this.ackSeq = undefined;
  }

  /** Sends what waits now, in as few messages as the bounds allow. */
  flush(): void {
    const parts = this.parts;
    if (this.ackSeq !== undefined) parts.unshift(encodeFrame({ t: 'ack', seq: this.ackSeq }));
    this.clear();
    const { maxBatch, sink } = this.options;
    const targetBytes = this.options.maxFrameBytes / 2 - ARRAY_HEADER_BYTES;
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < parts.length; i++) {
      const size = (parts[i] as Uint8Array).length;
      if (i > start && (i - start === maxBatch || bytes + size > targetBytes)) {
        sink(joinFrames(parts.slice(start, i)), i - start);
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (parts.length > start) sink(joinFrames(parts.slice(start)), parts.length - start);
  }

  private schedule(): void {
    this.immediate ??= setImmediate(() => {
      this.immediate = undefined;
      this.flush();
    });
  }
}

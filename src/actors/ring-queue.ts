/**
 * A growable FIFO ring buffer with a power-of-two capacity. `shift` is O(1)
 * (an array's `shift` is O(n)), and an empty queue that grew large gives its
 * memory back, so an actor that once saw a flood does not keep the buffer.
 */
export class RingQueue<T> {
  private buf: (T | undefined)[];
  private head = 0;
  private size = 0;
  private mask: number;
  private readonly minCapacity: number;

  /** @param capacity initial capacity, rounded up to a power of two. @default 16 */
  constructor(capacity = 16) {
    let cap = 4;
    while (cap < capacity) cap <<= 1;
    this.minCapacity = cap;
    this.mask = cap - 1;
    this.buf = new Array<T | undefined>(cap);
  }

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.size > this.mask) this.grow();
    this.buf[(this.head + this.size) & this.mask] = item;
    this.size++;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.buf[this.head];
    this.buf[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    if (this.size === 0 && this.mask >= 1024) this.reset();
    return item;
  }

  peek(): T | undefined {
    return this.size === 0 ? undefined : this.buf[this.head];
  }

  /** Removes every item, handing each to `fn` in FIFO order. */
  drain(fn: (item: T) => void): void {
    while (this.size > 0) fn(this.shift() as T);
  }

  private grow(): void {
    const cap = (this.mask + 1) * 2;
    const next = new Array<T | undefined>(cap);
    for (let i = 0; i < this.size; i++) next[i] = this.buf[(this.head + i) & this.mask];
    this.buf = next;
    this.head = 0;
    this.mask = cap - 1;
  }

  private reset(): void {
    this.buf = new Array<T | undefined>(this.minCapacity);
    this.mask = this.minCapacity - 1;
    this.head = 0;
  }
}

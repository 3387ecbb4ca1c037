import t from 'tap';
import { RingQueue } from '../../src/actors/ring-queue.js';

t.test('FIFO across growth and wrap-around', async (t) => {
  const q = new RingQueue<number>(4);
  let next = 0;
  let expect = 0;
  // interleave pushes and shifts so the head wraps while the buffer grows
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < round + 3; i++) q.push(next++);
    for (let i = 0; i < round + 1; i++) t.equal(q.shift(), expect++);
  }
  while (q.length > 0) t.equal(q.shift(), expect++);
  t.equal(expect, next);
  t.equal(q.shift(), undefined);
  t.equal(q.peek(), undefined);
});

t.test('drain hands out every item in order and empties the queue', async (t) => {
  const q = new RingQueue<string>();
  for (const s of ['a', 'b', 'c']) q.push(s);
  const seen: string[] = [];
  q.drain((s) => seen.push(s));
  t.same(seen, ['a', 'b', 'c']);
  t.equal(q.length, 0);
});

t.test('a large queue that empties is usable again', async (t) => {
  const q = new RingQueue<number>();
  for (let i = 0; i < 5000; i++) q.push(i);
  for (let i = 0; i < 5000; i++) q.shift();
  q.push(42);
  t.equal(q.peek(), 42);
  t.equal(q.length, 1);
});

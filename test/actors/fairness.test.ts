import t from 'tap';
import { testSystem } from '../fixtures/system.js';

// Not a timing assertion: the point is that a timer gets its turn while a
// flood is still flowing, because the dispatcher yields to the event loop.
t.test('a 1 ms timer fires while a million messages flow', async (t) => {
  const system = testSystem(t);
  const total = 1_000_000;
  let handled = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  // two actors bouncing the flood between them, so it never runs dry
  const sink = system.spawn<number>(() => ({
    receive: () => {
      if (++handled === total) done();
    },
  }));
  const relay = system.spawn<number>(() => ({ receive: (n) => sink.tell(n) }));
  for (let i = 0; i < total; i++) relay.tell(i);
  // armed with the whole flood already queued
  let handledWhenTimerFired = -1;
  let lagMs = -1;
  const armedAt = performance.now();
  setTimeout(() => {
    handledWhenTimerFired = handled;
    lagMs = performance.now() - armedAt;
  }, 1);
  await finished;
  t.ok(handledWhenTimerFired >= 0, 'the timer fired');
  t.ok(handledWhenTimerFired < total / 2, `it fired with ${handledWhenTimerFired} of ${total} handled, not after the flood`);
  t.comment(`timer fired after ${lagMs.toFixed(2)} ms (reported, not asserted)`);
});

t.test('I/O callbacks interleave with a self-sustaining message loop', async (t) => {
  const system = testSystem(t);
  let loops = 0;
  let stop = false;
  // an actor that keeps telling itself: without yielding this would starve everything
  const spinner = system.spawn<'spin'>((ctx) => ({
    receive: () => {
      loops++;
      if (!stop) ctx.self.tell('spin');
    },
  }));
  spinner.tell('spin');
  const before = loops;
  await new Promise<void>((r) => setImmediate(r));
  await new Promise<void>((r) => setTimeout(r, 2));
  stop = true;
  t.ok(loops > before, 'the loop ran while setImmediate and a timer got their turns');
});

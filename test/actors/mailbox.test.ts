import t from 'tap';
import { Mailbox } from '../../src/actors/mailbox.js';

t.test('user messages keep their asks and their order across growth', async (t) => {
  const mb = new Mailbox<number, string, string>();
  for (let i = 0; i < 100; i++) mb.push(i, i % 2 === 0 ? `ask-${i}` : undefined);
  t.equal(mb.length, 100);
  for (let i = 0; i < 60; i++) {
    t.equal(mb.shift(), i);
    t.equal(mb.lastAsk, i % 2 === 0 ? `ask-${i}` : undefined);
  }
  for (let i = 100; i < 150; i++) mb.push(i, undefined);
  const rest: number[] = [];
  mb.drain((m) => rest.push(m));
  t.same(
    rest,
    Array.from({ length: 90 }, (_, k) => k + 60),
  );
  t.equal(mb.length, 0);
});

t.test('system messages queue apart from user messages', async (t) => {
  const mb = new Mailbox<number, string, never>();
  mb.push(1, undefined);
  mb.pushSystem('s1');
  mb.pushSystem('s2');
  t.equal(mb.systemLength, 2);
  t.equal(mb.length, 1);
  t.equal(mb.shiftSystem(), 's1');
  t.equal(mb.shiftSystem(), 's2');
  t.equal(mb.shiftSystem(), undefined);
  t.equal(mb.shift(), 1);
});

import t from 'tap';
import { NepheleError } from '../../src/errors.js';
import { Session } from '../../src/protocol/session.js';

t.test('a session delivers the next seq, drops old ones, and refuses a gap', async (t) => {
  const s = new Session<string>();
  t.equal(s.accept(1), 'deliver');
  t.equal(s.accept(2), 'deliver');
  t.equal(s.accept(1), 'duplicate');
  t.equal(s.recvSeq, 2);
  t.match(s.accept(4), { code: 'BAD_FRAME', details: { expected: 3, got: 4 } });
  t.equal(s.recvSeq, 2, 'a gap changes nothing');
});

t.test('acks are cumulative and never ahead of what was sent', async (t) => {
  const s = new Session<string>();
  for (const m of ['a', 'b', 'c']) s.outbox.push(m);
  t.equal(s.ack(2), undefined);
  t.same(
    [...s.outbox.pending()].map((e) => e.msg),
    ['c'],
  );
  t.equal(s.ack(1), undefined, 'a stale ack is harmless');
  t.ok(s.ack(4) instanceof NepheleError);
  t.equal(s.outbox.length, 1);
});

t.test('resuming: the same peer acks up to its recvSeq; a new one renumbers and resets', async (t) => {
  const s = new Session<string>();
  t.equal(s.resume('peer-1', 0), 'restarted', 'first contact');
  for (const m of ['a', 'b', 'c', 'd']) s.outbox.push(m);
  s.accept(1);
  s.ack(1);
  t.equal(s.resume('peer-1', 2), 'resumed');
  t.same(
    [...s.outbox.pending()].map((e) => [e.seq, e.msg]),
    [
      [3, 'c'],
      [4, 'd'],
    ],
  );
  t.equal(s.recvSeq, 1, 'kept for the same peer');
  t.match(s.resume('peer-1', 5), { code: 'BAD_FRAME', details: { field: 'recvSeq', got: 5 } }, 'ahead of what was sent');
  t.match(s.resume('peer-1', 1), { code: 'BAD_FRAME' }, 'behind what it acked before');
  t.equal(s.resume('peer-2', 9), 'restarted');
  t.same(
    [...s.outbox.pending()].map((e) => [e.seq, e.msg]),
    [
      [1, 'c'],
      [2, 'd'],
    ],
  );
  t.equal(s.recvSeq, 0);
  t.equal(s.outbox.push('e').seq, 3, 'new seqs follow the renumbered ones');
});

t.test('a long-lived outbox compacts what was acked', async (t) => {
  const s = new Session<number>();
  for (let i = 1; i <= 5000; i++) s.outbox.push(i);
  s.ack(4000);
  t.equal(s.outbox.length, 1000);
  t.equal(s.outbox.firstSeq, 4001);
  t.same(
    [...s.outbox.pending()].slice(0, 2).map((e) => e.msg),
    [4001, 4002],
  );
  s.ack(5000);
  t.equal(s.outbox.length, 0);
  t.equal(s.outbox.firstSeq, 5001);
});

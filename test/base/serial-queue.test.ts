import t from 'tap';
import { SerialQueue } from '../../src/base/serial-queue.js';

/** A promise settled from outside, to hold a piece of work running. */
function gate(): { promise: Promise<void>; open(): void; fail(err: Error): void } {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const turns = async (n = 5): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
};

t.test('pieces on one key run one at a time, in call order; the first starts in this turn', async (t) => {
  const q = new SerialQueue<number>();
  const log: string[] = [];
  const gates = [gate(), gate(), gate()];
  const runs = gates.map((g, i) =>
    q.run(1, [], async () => {
      log.push(`start ${i}`);
      await g.promise;
      log.push(`end ${i}`);
      return i;
    }),
  );
  t.same(log, ['start 0'], 'the first piece started synchronously, the others wait');
  gates[2]!.open();
  gates[1]!.open();
  await turns();
  t.same(log, ['start 0'], 'a later piece ready first still waits its turn');
  gates[0]!.open();
  t.same(await Promise.all(runs), [0, 1, 2], 'each call gets its own result');
  t.same(log, ['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
});

t.test('pieces on different keys run at once', async (t) => {
  const q = new SerialQueue<string>();
  const a = gate();
  let bRan = false;
  const first = q.run('a', [], () => a.promise);
  await q.run('b', [], async () => {
    bRan = true;
  });
  t.ok(bRan, 'b ran while a was still running');
  // A key is forgotten a few microtasks after its last piece settled.
  await turns(1);
  t.ok(q.busy('a'));
  t.notOk(q.busy('b'), 'a key with nothing left is forgotten');
  a.open();
  await first;
  await turns(1);
  t.notOk(q.busy('a'));
});

t.test('a failed piece rejects its own call and does not stop the ones behind it', async (t) => {
  const q = new SerialQueue<number>();
  const g = gate();
  const failing = q.run(7, [], () => g.promise);
  const next = q.run(7, [], async () => 'ran');
  g.fail(new Error('boom'));
  await t.rejects(failing, { message: 'boom' });
  t.equal(await next, 'ran');
});

t.test('a piece whose signal aborted while it waited rejects with the reason, without running', async (t) => {
  const q = new SerialQueue<number>();
  const g = gate();
  const ac = new AbortController();
  const other = new AbortController();
  let ran = false;
  const first = q.run(1, [], () => g.promise);
  const waiting = q.run(1, [undefined, other.signal, ac.signal], async () => {
    ran = true;
  });
  ac.abort(new Error('cancelled'));
  g.open();
  await first;
  await t.rejects(waiting, { message: 'cancelled' });
  t.notOk(ran);
  const aborted = AbortSignal.abort(new Error('already'));
  await t.rejects(
    q.run(2, [aborted], async () => 'no'),
    { message: 'already' },
    'already aborted with nothing ahead: refused at once',
  );
});

t.test('idle waits for every piece, those queued meanwhile included', async (t) => {
  const q = new SerialQueue<number>();
  await q.idle();
  t.pass('an empty queue is idle at once');
  const g = gate();
  let late = false;
  void q.run(1, [], async () => {
    await g.promise;
    void q.run(2, [], async () => {
      await turns(2);
      late = true;
    });
  });
  let idle = false;
  const done = q.idle().then(() => {
    idle = true;
  });
  await turns();
  t.notOk(idle);
  g.open();
  await done;
  t.ok(late, 'the piece queued while waiting ran before idle resolved');
  t.notOk(q.busy(1) || q.busy(2));
});

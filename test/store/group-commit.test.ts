import t from 'tap';
import { GroupCommit } from '../../src/store/group-commit.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Enough turns for a finished batch to hand over to the next (it schedules it with setImmediate). */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 3; i++) await turn();
};

/** A write function whose batches finish when the test says so. */
function controlledWrite() {
  const batches: { ops: string[]; resolve: () => void; reject: (err: unknown) => void }[] = [];
  const write = (ops: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      batches.push({ ops, resolve, reject });
    });
  return { batches, write };
}

t.test('ops added in one turn, microtasks included, form one batch', async (t) => {
  const { batches, write } = controlledWrite();
  const gc = new GroupCommit<string>(write);
  const done: Promise<void>[] = [gc.add(['a']), gc.add(['b', 'c'])];
  await Promise.resolve();
  done.push(gc.add(['d']));
  await turn();
  t.equal(batches.length, 1);
  t.same(batches[0]?.ops, ['a', 'b', 'c', 'd']);
  batches[0]?.resolve();
  await Promise.all(done);
});

t.test('one batch in flight at a time; what arrives meanwhile is the next batch, in order', async (t) => {
  const { batches, write } = controlledWrite();
  const gc = new GroupCommit<string>(write);
  const first = gc.add(['1']);
  await turn();
  const second = gc.add(['2']);
  const third = gc.add(['3']);
  await turn();
  await turn();
  t.equal(batches.length, 1, 'the second batch waits for the first');
  let secondDone = false;
  void second.then(() => (secondDone = true));
  batches[0]?.resolve();
  await first;
  await settle();
  t.equal(batches.length, 2);
  t.same(batches[1]?.ops, ['2', '3']);
  t.equal(secondDone, false, 'a write resolves only with its own batch');
  batches[1]?.resolve();
  await Promise.all([second, third]);
});

t.test('a failed batch rejects every write in it and no other', async (t) => {
  const { batches, write } = controlledWrite();
  const gc = new GroupCommit<string>(write);
  const a = gc.add(['a']);
  const b = gc.add(['b']);
  await turn();
  const c = gc.add(['c']);
  const boom = new Error('boom');
  batches[0]?.reject(boom);
  await t.rejects(a, boom);
  await t.rejects(b, boom);
  await settle();
  t.same(batches[1]?.ops, ['c']);
  batches[1]?.resolve();
  await t.resolves(c);
});

t.test('a write function that throws rejects its batch', async (t) => {
  const gc = new GroupCommit<string>(() => {
    throw new Error('sync throw');
  });
  await t.rejects(gc.add(['x']), { message: 'sync throw' });
});

t.test('commit() without ops still runs a batch', async (t) => {
  const { batches, write } = controlledWrite();
  const gc = new GroupCommit<string>(write);
  const p = gc.commit();
  await turn();
  t.equal(batches.length, 1);
  t.same(batches[0]?.ops, []);
  batches[0]?.resolve();
  await p;
});

t.test('drain writes what is queued at once and waits for what is in flight', async (t) => {
  const written: string[][] = [];
  const gc = new GroupCommit<string>(async (ops) => {
    written.push(ops);
  });
  const first = gc.add(['a']);
  await turn();
  const second = gc.add(['b']);
  await gc.drain();
  t.same(written, [['a'], ['b']]);
  await Promise.all([first, second]);
  await gc.drain();
  t.equal(written.length, 2, 'drain on an idle queue writes nothing');
});

t.test('a landed batch resolves its writes a slice per turn, in order; the next goes to disk meanwhile', async (t) => {
  const { batches, write } = controlledWrite();
  const gc = new GroupCommit<string>(write, 2);
  const order: string[] = [];
  const first = ['a', 'b', 'c', 'd', 'e'].map((op) => gc.add([op]).then(() => order.push(op)));
  await turn();
  t.equal(batches.length, 1);
  const late = gc.add(['f']).then(() => order.push('f'));
  batches[0]?.resolve();
  await Promise.resolve();
  await Promise.resolve();
  await Promise.resolve();
  t.same(order, ['a', 'b'], 'the first slice in the turn the batch lands');
  await turn();
  t.equal(batches.length, 2, 'the next batch goes to disk while this one is still being resolved');
  t.same(batches[1]?.ops, ['f']);
  batches[1]?.resolve();
  t.same(order, ['a', 'b', 'c', 'd'], 'the next slice in the next turn');
  await turn();
  t.same(order, ['a', 'b', 'c', 'd', 'e', 'f'], 'the next batch resolves after the last slice of this one');
  await Promise.all(first);
  await late;
});

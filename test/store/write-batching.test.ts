import t, { type Test } from 'tap';
import { Level } from 'level';
import { Store } from '../../src/store/index.js';

/** Counts LevelDB batch calls, passing them through. */
function spyBatches(t: Test) {
  const batch = Level.prototype.batch;
  return t.capture(Level.prototype, 'batch', function (this: Level, ...args: unknown[]) {
    return Reflect.apply(batch, this, args) as unknown;
  });
}

/** Entity ops in the captured batches, leaving out the id counters that ride along. */
const entityOps = (call: { args: unknown[] }): number => (call.args[0] as { key: string }[]).filter((op) => /^\d+$/.test(op.key)).length;
const opsIn = (calls: { args: unknown[] }[]): number => calls.reduce((n, c) => n + entityOps(c), 0);

t.test('1,000 puts issued in one turn are one LevelDB batch, and all durable', async (t) => {
  const dir = t.testdir();
  const store = await Store.open(dir);
  const batches = spyBatches(t);
  const writes = Array.from({ length: 1000 }, (_, id) => store.put('vms', id, { id, state: 'PENDING' }));
  t.equal(batches().length, 0, 'nothing is written before the turn ends');
  await Promise.all(writes);
  const calls = batches();
  t.ok(calls.length >= 1 && calls.length <= 2, `${calls.length} LevelDB batch calls`);
  t.equal(opsIn(calls), 1000, 'every put is in them');
  await store.close();
  batches.restore();

  const again = await Store.open(dir);
  t.teardown(() => again.close());
  const vms = await again.list('vms');
  t.equal(vms.length, 1000);
  t.ok(vms.every((e, i) => e.id === i && e.value.id === i && e.value.state === 'PENDING'));
});

t.test('10,000 actors persisting from their own promise chains share a few batches', async (t) => {
  const store = await Store.open(t.testdir());
  t.teardown(() => store.close());
  const batches = spyBatches(t);
  // Each "actor" awaits something first, so its write is issued from a microtask.
  const actor = async (id: number): Promise<void> => {
    await Promise.resolve();
    await store.batch([
      { type: 'put', kind: 'vms', id, value: { state: 'RUNNING' } },
      { type: 'put', kind: 'history', id, value: { vm: id, state: 'RUNNING' } },
    ]);
  };
  await Promise.all(Array.from({ length: 10_000 }, (_, id) => actor(id)));
  const calls = batches();
  t.ok(calls.length >= 1 && calls.length <= 2, `${calls.length} LevelDB batch calls`);
  t.equal(opsIn(calls), 20_000);
  t.equal(await store.count('vms'), 10_000);
  t.equal(await store.count('history'), 10_000);
});

t.test('writes arriving while a batch is in flight form the next batch', async (t) => {
  const store = await Store.open(t.testdir());
  t.teardown(() => store.close());
  const batches = spyBatches(t);
  const first = Array.from({ length: 10 }, (_, id) => store.put('hosts', id, { id }));
  // Issued after the first batch has gone to LevelDB and before it is done.
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(batches.calls.length, 1, 'the first batch is in flight');
  const second = Array.from({ length: 10 }, (_, id) => store.put('hosts', id + 10, { id: id + 10 }));
  await Promise.all([...first, ...second]);
  const calls = batches();
  t.equal(calls.length, 2);
  t.same(calls.map(entityOps), [10, 10]);
  t.equal(await store.count('hosts'), 20);
});

t.test('an awaited write is seen by the next read', async (t) => {
  const store = await Store.open(t.testdir());
  t.teardown(() => store.close());
  for (let i = 0; i < 20; i++) {
    await store.put('networks', 1, { leases: i });
    t.same(await store.get('networks', 1), { leases: i });
    t.same(await store.list('networks'), [{ id: 1, value: { leases: i } }]);
  }
  await store.del('networks', 1);
  t.equal(await store.get('networks', 1), undefined);
});

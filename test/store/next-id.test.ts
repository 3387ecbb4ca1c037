import t, { type Test } from 'tap';
import { Level } from 'level';
import { Store } from '../../src/store/index.js';

async function openStore(t: Test, dir = t.testdir()): Promise<Store> {
  const store = await Store.open(dir);
  t.teardown(() => store.close());
  return store;
}

/** Counts LevelDB batch calls, passing them through. */
function spyBatches(t: Test) {
  const batch = Level.prototype.batch;
  return t.capture(Level.prototype, 'batch', function (this: Level, ...args: unknown[]) {
    return Reflect.apply(batch, this, args) as unknown;
  });
}

t.test('ids start at 0 and are monotonic across close and reopen', async (t) => {
  const dir = t.testdir();
  const seen: number[] = [];
  for (let run = 0; run < 3; run++) {
    const store = await Store.open(dir);
    seen.push(await store.nextId('vms'), await store.nextId('vms'));
    // Deleting the newest entity must not give its id back.
    await store.put('vms', seen.at(-1) ?? -1, { run });
    await store.del('vms', seen.at(-1) ?? -1);
    await store.close();
  }
  t.same(seen, [0, 1, 2, 3, 4, 5]);
});

t.test('kinds count on their own', async (t) => {
  const store = await openStore(t);
  t.equal(await store.nextId('vms'), 0);
  t.equal(await store.nextId('vms'), 1);
  t.equal(await store.nextId('hosts'), 0);
  t.equal(await store.nextId('vms'), 2);
});

t.test('1,000 concurrent callers get distinct ids, in one batch with one counter write', async (t) => {
  const dir = t.testdir();
  const store = await openStore(t, dir);
  const batches = spyBatches(t);
  const ids = await Promise.all(Array.from({ length: 1000 }, () => store.nextId('vms')));
  t.same(
    [...ids].sort((a, b) => a - b),
    Array.from({ length: 1000 }, (_, i) => i),
  );
  t.same(
    ids,
    [...ids].sort((a, b) => a - b),
    'handed out in call order',
  );
  const calls = batches();
  t.ok(calls.length >= 1 && calls.length <= 2, `${calls.length} LevelDB batches`);
  const ops = calls.flatMap((c) => c.args[0] as unknown[]);
  t.equal(ops.length, calls.length, 'one counter op per batch, not per id');
  batches.restore();
  await store.close();

  const again = await openStore(t, dir);
  t.equal(await again.nextId('vms'), 1000);
});

t.test('an id put by the caller is never handed out', async (t) => {
  const dir = t.testdir();
  const store = await Store.open(dir);
  // oneadmin is user 0 and serveradmin user 1, as in OpenNebula.
  await store.put('users', 0, { name: 'oneadmin' });
  await store.put('users', 1, { name: 'serveradmin' });
  t.equal(await store.nextId('users'), 2);
  await store.put('users', 40, { name: 'imported' });
  t.equal(await store.nextId('users'), 41);
  await store.put('users', 7, { name: 'below the counter' });
  t.equal(await store.nextId('users'), 42, 'a lower id does not move the counter back');
  await store.close();

  const again = await openStore(t, dir);
  t.equal(await again.nextId('users'), 43);
});

t.test('reserveId lands in the same LevelDB batch as the entity it names', async (t) => {
  const dir = t.testdir();
  const store = await openStore(t, dir);
  await store.nextId('vms');
  const batches = spyBatches(t);
  const id = store.reserveId('vms');
  t.equal(id, 1);
  await store.batch([
    { type: 'put', kind: 'vms', id, value: { name: 'vm-1' } },
    { type: 'put', kind: 'history', id: 0, value: { vm: id, seq: 0 } },
  ]);
  const calls = batches();
  t.equal(calls.length, 1, 'counter and entity in one atomic batch');
  const keys = ((calls[0]?.args[0] ?? []) as { key: string }[]).map((op) => op.key).sort();
  t.same(keys, ['0000000000', '0000000001', 'next-id/history', 'next-id/vms']);
  batches.restore();
  await store.close();

  const again = await openStore(t, dir);
  t.same(await again.get('vms', id), { name: 'vm-1' });
  t.equal(await again.nextId('vms'), 2);
});

t.test('a reserved id reaches disk even with no write after it', async (t) => {
  const dir = t.testdir();
  const store = await Store.open(dir);
  t.equal(store.reserveId('networks'), 0);
  t.equal(store.reserveId('networks'), 1);
  await store.close();
  const again = await openStore(t, dir);
  t.equal(await again.nextId('networks'), 2);
});

t.test('a counter whose batch failed is written by the next batch', async (t) => {
  const dir = t.testdir();
  const store = await Store.open(dir);
  const batch = Level.prototype.batch;
  let failures = 1;
  t.capture(Level.prototype, 'batch', function (this: Level, ...args: unknown[]) {
    if (failures-- > 0) return Promise.reject(new Error('disk on fire'));
    return Reflect.apply(batch, this, args) as unknown;
  });
  const failed = store.nextId('templates');
  const alsoFailed = store.put('templates', 100, { name: 'lost' });
  await t.rejects(failed, { message: 'disk on fire' });
  await t.rejects(alsoFailed, { message: 'disk on fire' });
  t.equal(await store.get('templates', 100), undefined, 'nothing of the failed batch was written');

  await store.put('vms', 0, { name: 'later' });
  await store.close();
  const again = await openStore(t, dir);
  t.equal(await again.nextId('templates'), 101, 'no id allocated before the failure comes round again');
});

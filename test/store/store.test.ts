import t, { type Test } from 'tap';
import { NepheleError } from '../../src/errors.js';
import { ENTITY_KINDS, Store } from '../../src/store/index.js';

const isClosed = { constructor: NepheleError, code: 'STORE_CLOSED' };

async function openStore(t: Test, dir = t.testdir()): Promise<Store> {
  const store = await Store.open(dir);
  t.teardown(() => store.close());
  return store;
}

const sample = (n: number) => ({
  name: `thing-${n}`,
  n,
  ratio: n / 3,
  neg: -n,
  on: n % 2 === 0,
  none: null,
  tags: ['a', 'ü', '名前'],
  nested: { disks: [{ size: 1024 * n, path: `/var/lib/one/${n}` }] },
  when: new Date(1_700_000_000_000 + n),
});

t.test('every kind round-trips a value, and del removes it', async (t) => {
  const store = await openStore(t);
  t.equal(store.status, 'open');
  for (const [i, kind] of ENTITY_KINDS.entries()) {
    t.equal(await store.get(kind, i), undefined, `${kind} starts empty`);
    await store.put(kind, i, sample(i));
    t.same(await store.get(kind, i), sample(i), `${kind} round-trips`);
  }
  t.equal(await store.get('vms', 0), undefined, 'kinds do not share ids');
  await store.del('hosts', 0);
  t.equal(await store.get('hosts', 0), undefined);
  t.same(await store.get('vms', 1), sample(1), 'del touches only its key');
});

t.test('put overwrites, and the latest issued write wins even when not awaited', async (t) => {
  const store = await openStore(t);
  const writes = [store.put('vms', 7, { state: 'PENDING' }), store.put('vms', 7, { state: 'PROLOG' })];
  await new Promise((resolve) => setImmediate(resolve));
  writes.push(store.put('vms', 7, { state: 'BOOT' }));
  await Promise.all(writes);
  t.same(await store.get('vms', 7), { state: 'BOOT' });
});

t.test('list is in numeric id order and pages with gt and limit', async (t) => {
  const store = await openStore(t);
  const ids = [10, 2, 100, 1, 33, 9_999_999_999, 0];
  await Promise.all(ids.map((id) => store.put('vms', id, { id })));
  const all = await store.list('vms');
  t.same(
    all.map((e) => e.id),
    [0, 1, 2, 10, 33, 100, 9_999_999_999],
  );
  t.ok(
    all.every((e) => e.value.id === e.id),
    'each entry carries its own value',
  );

  const pages: number[][] = [];
  let gt: number | undefined;
  for (;;) {
    const page = await store.list('vms', gt === undefined ? { limit: 3 } : { gt, limit: 3 });
    if (page.length === 0) break;
    pages.push(page.map((e) => e.id));
    gt = page.at(-1)?.id;
  }
  t.same(pages, [[0, 1, 2], [10, 33, 100], [9_999_999_999]]);

  t.same(
    (await store.list('vms', { reverse: true, limit: 2 })).map((e) => e.id),
    [9_999_999_999, 100],
  );
  t.same(
    (await store.list('vms', { reverse: true, lt: 100, limit: 2 })).map((e) => e.id),
    [33, 10],
    'reverse pages continue below lt',
  );
  t.same(
    (await store.list('vms', { gt: 1, lt: 33 })).map((e) => e.id),
    [2, 10],
  );
  t.same(await store.list('vms', { limit: 0 }), []);
  t.same(await store.list('hosts'), [], 'other kinds are untouched');
});

t.test('count follows puts and dels, and meta bookkeeping is not an entity', async (t) => {
  const store = await openStore(t);
  t.equal(await store.count('images'), 0);
  await Promise.all([1, 2, 3, 4].map((id) => store.put('images', id, { id })));
  await store.put('images', 2, { id: 2, again: true });
  t.equal(await store.count('images'), 4, 'an overwrite is not a new entity');
  await store.del('images', 3);
  await store.del('images', 99);
  t.equal(await store.count('images'), 3);

  await store.nextId('meta');
  await store.nextId('vms');
  await store.put('meta', 5, { schema: 1 });
  t.same(await store.list('meta'), [{ id: 5, value: { schema: 1 } }], 'id counters kept in meta are not listed');
  t.equal(await store.count('meta'), 1);
});

t.test('an atomic batch writes all of its ops or none', async (t) => {
  const store = await openStore(t);
  await store.batch([
    { type: 'put', kind: 'vms', id: 1, value: { name: 'one' } },
    { type: 'put', kind: 'history', id: 1, value: { vm: 1, seq: 0 } },
    { type: 'put', kind: 'vms', id: 2, value: { name: 'two' } },
  ]);
  t.same(await store.get('history', 1), { vm: 1, seq: 0 });

  const bad = [
    { type: 'put', kind: 'vms', id: -1, value: {} },
    { type: 'put', kind: 'vms', id: 1.5, value: {} },
    { type: 'put', kind: 'vms', id: 10_000_000_000, value: {} },
    { type: 'put', kind: 'vms', id: 5, value: undefined },
    { type: 'put', kind: 'nope', id: 5, value: {} },
    { type: 'merge', kind: 'vms', id: 5, value: {} },
  ] as const;
  for (const op of bad) {
    // Each invalid op comes last, after a good put and a good del, and sinks them too.
    const ops = [
      { type: 'put', kind: 'vms', id: 3, value: { name: 'three' } },
      { type: 'del', kind: 'vms', id: 1 },
      op,
    ] as unknown as Parameters<Store['batch']>[0];
    // A valid write from someone else in the same turn, hence the same group commit.
    const neighbour = store.put('users', 1, { name: 'neighbour' });
    await t.rejects(store.batch(ops), TypeError, `rejects ${JSON.stringify(op)}`);
    await t.resolves(neighbour, 'a bad batch does not sink its neighbours');
    t.equal(await store.get('vms', 3), undefined, 'its put was not written');
    t.same(await store.get('vms', 1), { name: 'one' }, 'its del was not written');
  }
  t.same(
    (await store.list('vms')).map((e) => e.id),
    [1, 2],
  );
});

t.test('bad arguments are programming mistakes', async (t) => {
  const store = await openStore(t);
  await t.rejects(store.get('vms', -1), TypeError);
  await t.rejects(store.put('vms', Number.NaN, {}), TypeError);
  await t.rejects(store.list('vms', { limit: -1 }), TypeError);
  await t.rejects(store.list('vms', { gt: 0.5 }), TypeError);
  await t.rejects(store.count('floppies' as never), TypeError);
  t.throws(() => store.reserveId('floppies' as never), TypeError);
});

t.test('after close every call rejects with STORE_CLOSED', async (t) => {
  const store = await Store.open(t.testdir());
  const closing = store.close();
  t.equal(store.status, 'closing');
  await t.rejects(store.put('vms', 1, {}), isClosed, 'a write issued while closing');
  await closing;
  t.equal(store.status, 'closed');
  await t.resolves(store.close(), 'close is idempotent');

  await t.rejects(store.get('vms', 1), isClosed);
  await t.rejects(store.put('vms', 1, {}), isClosed);
  await t.rejects(store.del('vms', 1), isClosed);
  await t.rejects(store.batch([{ type: 'del', kind: 'vms', id: 1 }]), isClosed);
  await t.rejects(store.list('vms'), isClosed);
  await t.rejects(store.count('vms'), isClosed);
  await t.rejects(store.nextId('vms'), isClosed);
  t.throws(() => store.reserveId('vms'), isClosed);
});

t.test('close finishes accepted writes and reads first', async (t) => {
  const dir = t.testdir();
  const store = await Store.open(dir);
  const writes = Array.from({ length: 100 }, (_, id) => store.put('vms', id, sample(id)));
  const read = store.list('vms');
  await store.close();
  await t.resolves(Promise.all(writes), 'writes accepted before close resolve');
  await t.resolves(read);

  const again = await openStore(t, dir);
  t.equal(await again.count('vms'), 100);
});

t.test('a reopened store sees everything', async (t) => {
  const dir = t.testdir();
  const first = await Store.open(dir);
  for (const [i, kind] of ENTITY_KINDS.entries()) {
    await first.batch([
      { type: 'put', kind, id: 2, value: sample(i) },
      { type: 'put', kind, id: 10, value: sample(i + 10) },
      { type: 'put', kind, id: 11, value: 'gone soon' },
    ]);
    await first.del(kind, 11);
  }
  const vmId = await first.nextId('vms');
  await first.close();

  const second = await openStore(t, dir);
  for (const [i, kind] of ENTITY_KINDS.entries()) {
    t.same(
      await second.list(kind),
      [
        { id: 2, value: sample(i) },
        { id: 10, value: sample(i + 10) },
      ],
      `${kind} is as it was`,
    );
  }
  t.ok((await second.nextId('vms')) > vmId, 'ids carry on');
});

t.test('a second store cannot open a directory in use', async (t) => {
  const dir = t.testdir();
  await openStore(t, dir);
  await t.rejects(Store.open(dir));
});

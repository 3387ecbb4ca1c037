import t from 'tap';
import { Store } from '../../src/store/index.js';

t.test('kinds kept in memory answer reads from memory, as the disk would', async (t) => {
  const dir = t.testdir();
  const first = await Store.open(dir);
  await first.put('users', 0, { id: 0, name: 'oneadmin', tokens: [{ hash: 'x' }] });
  await first.put('users', 5, { id: 5, name: 'alice', tokens: [] });
  await first.put('vms', 1, { id: 1 });
  await first.close();

  const store = await Store.open(dir, { memoryKinds: ['users', 'groups'] });
  t.teardown(() => store.close());
  t.same(await store.get('users', 5), { id: 5, name: 'alice', tokens: [] }, 'loaded at open');
  t.same(
    (await store.list('users')).map((e) => e.id),
    [0, 5],
  );
  t.same(
    (await store.list('users', { reverse: true, limit: 1 })).map((e) => e.id),
    [5],
  );
  t.same(
    (await store.list('users', { gt: 0 })).map((e) => e.id),
    [5],
  );
  t.equal(await store.count('users'), 2);
  t.same(await store.get('vms', 1), { id: 1 }, 'other kinds read LevelDB as ever');

  const admin = await store.get('users', 0);
  t.ok(Object.isFrozen(admin) && Object.isFrozen(admin?.tokens), 'values come out frozen: shared by every reader');
  // The type says readonly; the frozen value says so at run time too.
  t.throws(() => (admin?.tokens as unknown[] | undefined)?.push(1), TypeError);

  const write = store.put('users', 7, { id: 7, name: 'bob' });
  t.equal(await store.get('users', 7), undefined, 'a write not yet on disk is not seen');
  await write;
  t.same(await store.get('users', 7), { id: 7, name: 'bob' }, 'once on disk it is');
  const value = { id: 8, name: 'carol' };
  await store.put('users', 8, value);
  value.name = 'changed after the put';
  t.equal((await store.get('users', 8))?.name, 'carol', "the copy is of what was written, not the caller's object");
  await store.del('users', 5);
  t.equal(await store.get('users', 5), undefined);
  t.equal(await store.count('users'), 3);
  await store.close();

  const again = await Store.open(dir);
  t.same(
    (await again.list('users')).map((e) => e.id),
    [0, 7, 8],
    'what memory showed is what is on disk',
  );
  await again.close();
});

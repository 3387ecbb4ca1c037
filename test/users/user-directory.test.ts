import t from 'tap';
import { Store } from '../../src/store/index.js';
import { UserDirectory } from '../../src/users/user-directory.js';

t.test('the directory reads users as written, upgraded, from the in-memory copy', async (t) => {
  const store = await Store.open(t.testdir(), { memoryKinds: ['users'] });
  t.teardown(() => store.close());
  const salt = new Uint8Array([1, 2, 3]);
  const hash = new Uint8Array([4, 5, 6]);
  // A record from before gid, enabled and tokens existed, as an old store holds it.
  await store.put('users', 0, { id: 0, name: 'oneadmin', salt, hash });
  await store.put('users', 4, { id: 4, name: 'alice', gid: 1, enabled: false, tokens: [], createdAt: 7, salt, hash });
  const users = new UserDirectory(store);
  t.match(
    await users.get(0),
    { id: 0, name: 'oneadmin', gid: 0, enabled: true, tokens: [], createdAt: 0 },
    'an old record comes out upgraded',
  );
  t.match(await users.get(4), { name: 'alice', gid: 1, enabled: false, createdAt: 7 });
  t.equal(await users.get(5), undefined, 'no such user');
  t.same(
    (await users.list()).map((u) => [u.id, u.name, u.gid]),
    [
      [0, 'oneadmin', 0],
      [4, 'alice', 1],
    ],
    'every user in id order',
  );
  t.same(
    await users.names(),
    [
      { id: 0, name: 'oneadmin' },
      { id: 4, name: 'alice' },
    ],
    'names carry no hash, salt or token',
  );
  await store.del('users', 4);
  t.equal(await users.get(4), undefined, 'a deleted user is gone once the delete is on disk');
});

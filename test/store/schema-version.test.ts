import t from 'tap';
import { MIGRATIONS, SCHEMA_VERSION, Store, type Migration } from '../../src/store/index.js';

interface Named {
  id: number;
  name?: string;
  label?: string;
  upper?: string;
}

/** Two steps past today's schema: 1 → 2 renames `name` to `label`, 2 → 3 derives `upper` from it. */
const FUTURE: readonly Migration[] = [
  ...MIGRATIONS,
  {
    from: 1,
    why: 'users: name becomes label',
    ops: async (read) =>
      (await read.list('users')).map(({ id, value }) => {
        const { name, ...rest } = value as Named;
        return { type: 'put' as const, kind: 'users' as const, id, value: { ...rest, label: name } };
      }),
  },
  {
    from: 2,
    why: 'users: upper',
    ops: async (read) =>
      (await read.list('users')).map(({ id, value }) => ({
        type: 'put' as const,
        kind: 'users' as const,
        id,
        value: { ...(value as Named), upper: (value as Named).label?.toUpperCase() },
      })),
  },
];

t.test('a new store is at the current version, and stays there across opens', async (t) => {
  const dir = t.testdir();
  const store = await Store.open(dir);
  t.equal(store.schemaVersion, SCHEMA_VERSION);
  t.equal(SCHEMA_VERSION, MIGRATIONS.length, 'one past the last step');
  await store.close();
  const again = await Store.open(dir);
  t.equal(again.schemaVersion, SCHEMA_VERSION);
  await again.close();
});

t.test('a store without a version is version 0: it is migrated on open, its records kept', async (t) => {
  const dir = t.testdir();
  // No steps known: nothing is written, as main wrote stores before the version.
  const v0 = await Store.open(dir, { migrations: [] });
  t.equal(v0.schemaVersion, 0);
  await v0.put('users', 3, { id: 3, name: 'alice' });
  await v0.close();
  const store = await Store.open(dir);
  t.equal(store.schemaVersion, SCHEMA_VERSION);
  t.same(await store.get('users', 3), { id: 3, name: 'alice' });
  await store.close();
});

t.test('steps run in order, each on what the one before wrote; reads, copies and counters see the result', async (t) => {
  const dir = t.testdir();
  const old = await Store.open(dir);
  await old.put('users', 0, { id: 0, name: 'oneadmin' });
  await old.put('users', 7, { id: 7, name: 'bob' });
  await old.close();
  const store = await Store.open(dir, { migrations: FUTURE, memoryKinds: ['users'] });
  t.equal(store.schemaVersion, 3);
  t.same(await store.list('users'), [
    { id: 0, value: { id: 0, label: 'oneadmin', upper: 'ONEADMIN' } },
    { id: 7, value: { id: 7, label: 'bob', upper: 'BOB' } },
  ]);
  t.equal(await store.nextId('users'), 8, 'the id counter is untouched');
  await store.close();
  const again = await Store.open(dir, { migrations: FUTURE });
  t.same(await again.get('users', 7), { id: 7, label: 'bob', upper: 'BOB' }, 'nothing runs twice');
  await again.close();
});

t.test('a store newer than the code is refused with STORE_TOO_NEW, untouched', async (t) => {
  const dir = t.testdir();
  const newer = await Store.open(dir, { migrations: FUTURE });
  await newer.put('users', 1, { id: 1, label: 'carol' });
  await newer.close();
  await t.rejects(Store.open(dir), { code: 'STORE_TOO_NEW', details: { version: 3, known: SCHEMA_VERSION } });
  const still = await Store.open(dir, { migrations: FUTURE });
  t.same(await still.get('users', 1), { id: 1, label: 'carol' }, 'the newer store is as it was');
  await still.close();
});

t.test('a failing step leaves the store at the version before it; the next open goes on from there', async (t) => {
  const dir = t.testdir();
  const old = await Store.open(dir);
  await old.put('users', 1, { id: 1, name: 'dave' });
  await old.close();
  const broken: readonly Migration[] = [
    FUTURE[0]!,
    FUTURE[1]!,
    {
      from: 2,
      why: 'broken',
      ops: async () => {
        throw new Error('step failed');
      },
    },
  ];
  await t.rejects(Store.open(dir, { migrations: broken }), { message: 'step failed' });
  const midway = await Store.open(dir, { migrations: FUTURE.slice(0, 2) });
  t.equal(midway.schemaVersion, 2, 'the step before the failure is on disk');
  t.same(await midway.get('users', 1), { id: 1, label: 'dave' });
  await midway.close();
  const done = await Store.open(dir, { migrations: FUTURE });
  t.same(await done.get('users', 1), { id: 1, label: 'dave', upper: 'DAVE' });
  await done.close();
});

t.test('steps out of order are a programming mistake', async (t) => {
  const dir = t.testdir();
  await t.rejects(Store.open(dir, { migrations: [FUTURE[1]!] }), TypeError);
});

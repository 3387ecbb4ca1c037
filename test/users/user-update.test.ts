/**
 * `user.update` through oned's API: a user's TEMPLATE replaced or merged
 * as OpenNebula's one.user.update; one's own, or anyone's for an
 * administrator (another user is not found, as a missing one); bounded;
 * OpenNebula's USER_RESTRICTED_ATTR refused; kept across a restart, a
 * record stored before the field opening with none.
 */
import { join } from 'node:path';
import t from 'tap';
import { ApiClient } from '../../src/cli/api-client.js';
import { Store } from '../../src/store/index.js';
import type { UserRecord } from '../../src/users/user-record.js';
import { adminClient, onedOn } from '../fixtures/cloud.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG9uZW5lYnVsYQ alice@laptop';

t.test('replace and merge, who may, limits, restricted attributes, on disk', async (t) => {
  const dir = t.testdir();
  const start = onedOn(dir);
  const first = await start();
  const admin = await adminClient(first);
  const { id: aliceId } = await admin.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  const { id: bobId } = await admin.call('user.allocate', { name: 'bob', password: 'bob-pw' });
  const alice = await ApiClient.connect({ url: first.url, user: 'alice', password: 'alice-pw' });
  const bob = await ApiClient.connect({ url: first.url, user: 'bob', password: 'bob-pw' });

  t.same((await alice.call('user.info', {})).template, [], 'a new user has none');
  const replaced = await alice.call('user.update', {
    user: 'alice',
    template: `SSH_PUBLIC_KEY = "${KEY}"\nLABELS = [ TEAM = web ]\n`,
    append: false,
  });
  t.match(replaced, { id: aliceId, name: 'alice', group: 'users', enabled: true });
  t.same(replaced.template, [
    { name: 'SSH_PUBLIC_KEY', value: KEY },
    { name: 'LABELS', value: { TEAM: 'web' } },
  ]);
  t.same(
    (await alice.call('user.update', { user: aliceId, template: 'EMAIL = alice@example.org\nLABELS = [ ]\n', append: true })).template,
    [
      { name: 'SSH_PUBLIC_KEY', value: KEY },
      { name: 'EMAIL', value: 'alice@example.org' },
    ],
    'append: by id, the others stay, an empty vector removes',
  );
  t.same((await alice.call('user.info', { user: 'alice' })).template.length, 2, 'user.info shows it');

  await t.rejects(alice.call('user.update', { user: 'alice', template: 'A = "open\n', append: true }), { code: 'TEMPLATE_SYNTAX' });
  await t.rejects(alice.call('user.update', { user: 'alice', template: `A = "${'x'.repeat(4097)}"\n`, append: true }), {
    code: 'INVALID_TEMPLATE',
    details: { attribute: 'A' },
  });
  const many = Array.from({ length: 257 }, (_, i) => `A${i} = ${i}\n`).join('');
  await t.rejects(alice.call('user.update', { user: 'alice', template: many, append: false }), { code: 'INVALID_TEMPLATE' });
  await t.rejects(
    alice.call('user.update', { user: 'alice', template: 'VM_USE_OPERATIONS = "migrate"\n', append: true }),
    { code: 'NOT_AUTHORIZED', details: { attribute: 'VM_USE_OPERATIONS' } },
    "OpenNebula's USER_RESTRICTED_ATTR: not a user's to set",
  );
  await t.rejects(
    admin.call('user.update', { user: 'alice', template: 'VM_ADMIN_OPERATIONS = "migrate"\n', append: true }),
    { code: 'INVALID_TEMPLATE', details: { attribute: 'VM_ADMIN_OPERATIONS' } },
    'nor kept for an administrator: Nephele has no per-user operation sets',
  );

  const theirs = alice.call('user.update', { user: 'bob', template: 'X = 1\n', append: true });
  await t.rejects(theirs, { code: 'USER_NOT_FOUND', message: 'no user bob' }, "another user's is not found");
  await t.rejects(alice.call('user.update', { user: bobId, template: 'X = 1\n', append: true }), { code: 'USER_NOT_FOUND' });
  await t.rejects(alice.call('user.update', { user: 'nosuch', template: 'X = 1\n', append: true }), {
    code: 'USER_NOT_FOUND',
    message: 'no user nosuch',
  });
  t.same((await admin.call('user.update', { user: 'bob', template: 'NOTE = "by the admin"\n', append: false })).template, [
    { name: 'NOTE', value: 'by the admin' },
  ]);
  t.same((await bob.call('user.info', {})).template, [{ name: 'NOTE', value: 'by the admin' }]);
  t.same(
    (await admin.call('userpool.info', {})).find((u) => u.id === aliceId)?.template.map((a) => a.name),
    ['SSH_PUBLIC_KEY', 'EMAIL'],
    'the pool shows each user’s',
  );
  // The password still logs in: an update leaves the hash and the tokens alone.
  await alice.call('user.login', { user: 'alice', expire: 60 });
  alice.close();
  bob.close();
  admin.close();
  await first.close();

  const store = await Store.open(join(dir, 'db'));
  const { template: _gone, ...old } = (await store.get('users', bobId)) as UserRecord;
  await store.put('users', bobId, old);
  await store.close();
  const second = await start();
  t.teardown(() => second.close());
  const c = await ApiClient.connect({ url: second.url, user: 'alice', password: 'alice-pw' });
  t.teardown(() => c.close());
  t.same(
    (await c.call('user.info', {})).template.map((a) => a.name),
    ['SSH_PUBLIC_KEY', 'EMAIL'],
    'after a restart',
  );
  const a2 = await adminClient(second);
  t.teardown(() => a2.close());
  t.same((await a2.call('user.info', { user: 'bob' })).template, [], 'a record stored before the field: none');
  t.same((await a2.call('user.update', { user: 'bob', template: 'Y = 1\n', append: true })).template, [{ name: 'Y', value: '1' }]);
});

/**
 * `vm.update` through oned's API (a dummy agent where a VM must run): the
 * VM's USER_TEMPLATE, as OpenNebula's `onevm update` edits it — replaced or
 * merged (append), bounded, VM_RESTRICTED_ATTR an administrator's; in any
 * state but DONE; the manage right (another user's VM not found, one seen
 * but not managed NOT_AUTHORIZED); kept on disk across a restart, a record
 * stored before the field opening with its template's user attributes; new
 * SCHED_REQUIREMENTS reach the scheduler of a VM that waits.
 */
import { join } from 'node:path';
import t from 'tap';
import { ApiClient } from '../../src/cli/api-client.js';
import type { VmRecord } from '../../src/vms/vm-record.js';
import { Store } from '../../src/store/index.js';
import { adminClient, onedOn, startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const VM = 'NAME = web\nCPU = 0.1\nMEMORY = 64\nDESCRIPTION = "a web server"\nLABELS = [ TEAM = web ]\n';

t.test('replace and merge; limits; restricted attributes; rights; any state but DONE', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  for (const name of ['alice', 'bob']) await admin.call('user.allocate', { name, password: `${name}-pw` });
  const alice = await ApiClient.connect({ url: cloud.oned.url, user: 'alice', password: 'alice-pw' });
  const bob = await ApiClient.connect({ url: cloud.oned.url, user: 'bob', password: 'bob-pw' });
  t.teardown(() => {
    alice.close();
    bob.close();
  });

  const { id } = await alice.call('vm.allocate', { template: VM, hold: true });
  t.same(
    (await alice.call('vm.info', { id })).userTemplate,
    [
      { name: 'DESCRIPTION', value: 'a web server' },
      { name: 'LABELS', value: { TEAM: 'web' } },
    ],
    "at create: the template's attributes that are not the VM's own, in order",
  );

  const replaced = await alice.call('vm.update', {
    id,
    template: 'note = "first"\nLABELS = [ TEAM = db, TIER = "back end" ]\n',
    append: false,
  });
  t.same(replaced.userTemplate, [
    { name: 'NOTE', value: 'first' },
    { name: 'LABELS', value: { TEAM: 'db', TIER: 'back end' } },
  ]);
  t.match(replaced, { id, name: 'web', cpu: 0.1, memory: 64, state: 'HOLD', user: 'alice' }, 'the VM itself is as it was');
  t.equal(replaced.template, VM, 'the template the VM was made from stays');
  const merged = await alice.call('vm.update', { id, template: 'NOTE = second\nOWNER = alice\nLABELS = [ ]\n', append: true });
  t.same(
    merged.userTemplate,
    [
      { name: 'NOTE', value: 'second' },
      { name: 'OWNER', value: 'alice' },
    ],
    'append: the names given replace theirs, the others stay, an empty vector removes',
  );
  t.same((await alice.call('vm.update', { id, template: '', append: false })).userTemplate, [], 'an empty replace clears it');
  await alice.call('vm.update', { id, template: 'NOTE = kept\n', append: false });

  await t.rejects(alice.call('vm.update', { id, template: 'A = "open\n', append: false }), { code: 'TEMPLATE_SYNTAX' });
  await t.rejects(alice.call('vm.update', { id, template: `A = "${'x'.repeat(4097)}"\n`, append: true }), {
    code: 'INVALID_TEMPLATE',
    details: { attribute: 'A' },
  });
  await t.rejects(alice.call('vm.update', { id, template: 'A = [ B = "bell\x07" ]\n', append: true }), {
    code: 'INVALID_TEMPLATE',
    details: { attribute: 'A' },
  });
  const many = Array.from({ length: 257 }, (_, i) => `A${i} = ${i}\n`).join('');
  await t.rejects(alice.call('vm.update', { id, template: many, append: false }), { code: 'INVALID_TEMPLATE', details: { max: 256 } });
  const half = (from: number) => Array.from({ length: 200 }, (_, i) => `B${from + i} = ${i}\n`).join('');
  await alice.call('vm.update', { id, template: half(0), append: false });
  await t.rejects(
    alice.call('vm.update', { id, template: half(200), append: true }),
    { code: 'INVALID_TEMPLATE' },
    'the merged whole is bounded too',
  );
  const wide = Array.from({ length: 20 }, (_, i) => `W${i} = "${'w'.repeat(4000)}"\n`).join('');
  await t.rejects(alice.call('vm.update', { id, template: wide, append: false }), {
    code: 'INVALID_TEMPLATE',
    details: { maxChars: 65_536 },
  });
  await t.rejects(alice.call('vm.update', { id, template: 'SCHED_REQUIREMENTS = "CPU > "\n', append: true }), {
    code: 'EXPRESSION_SYNTAX',
    details: { attribute: 'SCHED_REQUIREMENTS' },
  });
  await t.rejects(alice.call('vm.update', { id, template: 7 as unknown as string, append: false }), {
    code: 'INVALID_ARGUMENT',
    details: { field: 'template' },
  });
  await alice.call('vm.update', { id, template: 'NOTE = kept\n', append: false });

  // OpenNebula's VM_RESTRICTED_ATTR: an administrator's to set; a user's replace keeps them.
  await t.rejects(alice.call('vm.update', { id, template: 'USER_PRIORITY = 10\n', append: true }), {
    code: 'NOT_AUTHORIZED',
    details: { attribute: 'USER_PRIORITY' },
  });
  await t.rejects(alice.call('vm.update', { id, template: 'NIC = [ NETWORK = lan, MAC = "02:00:00:00:00:01" ]\n', append: true }), {
    code: 'NOT_AUTHORIZED',
    details: { attribute: 'NIC' },
  });
  t.same(
    (await admin.call('vm.update', { id, template: 'USER_PRIORITY = 10\n', append: true })).userTemplate,
    [
      { name: 'NOTE', value: 'kept' },
      { name: 'USER_PRIORITY', value: '10' },
    ],
    'an administrator sets one',
  );
  t.same(
    (await alice.call('vm.update', { id, template: 'NOTE = mine\n', append: false })).userTemplate,
    [
      { name: 'NOTE', value: 'mine' },
      { name: 'USER_PRIORITY', value: '10' },
    ],
    "a user's replace keeps what only an administrator sets",
  );
  t.same(
    (await alice.call('vm.update', { id, template: 'USER_PRIORITY = 10\nX = 1\n', append: true })).userTemplate.map((a) => a.name),
    ['NOTE', 'USER_PRIORITY', 'X'],
    'the same value again is no change',
  );
  await t.rejects(alice.call('vm.update', { id, template: 'USER_PRIORITY = 99\n', append: false }), { code: 'NOT_AUTHORIZED' });

  // Rights: another user's VM is not found, as a missing one; seen but not managed is NOT_AUTHORIZED.
  await t.rejects(bob.call('vm.update', { id, template: 'X = 2\n', append: true }), { code: 'VM_NOT_FOUND', message: `no VM ${id}` });
  await t.rejects(bob.call('vm.update', { id: 9999, template: 'X = 2\n', append: true }), { code: 'VM_NOT_FOUND', message: 'no VM 9999' });
  await alice.call('vm.chmod', { id, octet: '604' });
  await t.rejects(bob.call('vm.update', { id, template: 'X = 2\n', append: true }), { code: 'NOT_AUTHORIZED' });
  await alice.call('vm.chmod', { id, octet: '606' });
  t.match(
    (await bob.call('vm.update', { id, template: 'X = 3\n', append: true })).userTemplate,
    [{}, {}, { name: 'X', value: '3' }],
    'the manage right',
  );
  t.same(
    (await admin.call('vm.update', { id, template: 'BY = admin\n', append: false })).userTemplate,
    [{ name: 'BY', value: 'admin' }],
    "an administrator's replace",
  );

  // Any state: a RUNNING VM too.
  const { id: hostId } = await cloud.addHost('node1');
  await cloud.waitState(hostId, 'MONITORED');
  await admin.call('vm.action', { id, action: 'release' });
  await admin.call('vm.action', { id, action: 'deploy', host: hostId });
  await eventually(
    () => admin.call('vm.info', { id }),
    (v) => v.state === 'RUNNING',
    10_000,
    'VM RUNNING',
  );
  t.match(await alice.call('vm.update', { id, template: 'WHILE = running\n', append: true }), {
    state: 'RUNNING',
    userTemplate: [{}, { name: 'WHILE' }],
  });

  // But DONE.
  await alice.call('vm.action', { id, action: 'terminate', hard: true });
  await eventually(
    () => alice.call('vm.info', { id }),
    (v) => v.state === 'DONE',
    10_000,
    'VM DONE',
  );
  await t.rejects(alice.call('vm.update', { id, template: 'LATE = 1\n', append: true }), { code: 'ACTION_NOT_ALLOWED' });
  t.same(
    (await alice.call('vm.info', { id })).userTemplate.map((a) => a.name),
    ['BY', 'WHILE'],
    'a DONE VM keeps its last user template',
  );
});

t.test('new SCHED_REQUIREMENTS reach the scheduler of a VM that waits', async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  const admin = cloud.client;
  const { id: hostId } = await cloud.addHost('node1');
  await cloud.waitState(hostId, 'MONITORED');
  const { id } = await admin.call('vm.allocate', { template: `${VM}SCHED_REQUIREMENTS = "ID = 99"\n`, hold: false });
  await eventually(
    () => admin.call('vm.info', { id }),
    (v) => v.schedMessage !== undefined,
    10_000,
    'a scheduler message',
  );
  t.equal((await admin.call('vm.info', { id })).state, 'PENDING', 'no host matches');
  await admin.call('vm.update', { id, template: `SCHED_REQUIREMENTS = "ID = ${hostId}"\n`, append: true });
  const placed = await eventually(
    () => admin.call('vm.info', { id }),
    (v) => v.state === 'RUNNING',
    10_000,
    'VM RUNNING',
  );
  t.equal(placed.hostId, hostId, 'placed by the new requirements');
});

t.test('kept on disk; a record stored before the field opens with its template attributes', async (t) => {
  const dir = t.testdir();
  const start = onedOn(dir);
  const first = await start();
  const admin = await adminClient(first);
  const { id: updated } = await admin.call('vm.allocate', { template: VM, hold: true });
  const { id: old } = await admin.call('vm.allocate', { template: VM, hold: true });
  await admin.call('vm.update', { id: updated, template: 'NOTE = "on disk"\n', append: true });
  admin.close();
  await first.close();

  const store = await Store.open(join(dir, 'db'));
  const { userTemplate: _gone, ...before } = (await store.get('vms', old)) as VmRecord;
  await store.put('vms', old, before);
  await store.close();

  const second = await start();
  t.teardown(() => second.close());
  const c = await adminClient(second);
  t.teardown(() => c.close());
  t.same((await c.call('vm.info', { id: updated })).userTemplate, [
    { name: 'DESCRIPTION', value: 'a web server' },
    { name: 'LABELS', value: { TEAM: 'web' } },
    { name: 'NOTE', value: 'on disk' },
  ]);
  t.same(
    (await c.call('vm.info', { id: old })).userTemplate,
    [
      { name: 'DESCRIPTION', value: 'a web server' },
      { name: 'LABELS', value: { TEAM: 'web' } },
    ],
    'an old record: its template gives its user template',
  );
  t.same(
    (await c.call('vm.update', { id: old, template: 'LABELS = [ TEAM = ops ]\n', append: true })).userTemplate,
    [
      { name: 'DESCRIPTION', value: 'a web server' },
      { name: 'LABELS', value: { TEAM: 'ops' } },
    ],
    'and it is updated as any',
  );
});

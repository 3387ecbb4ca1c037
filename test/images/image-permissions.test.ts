/**
 * OpenNebula's permission bits on images, through the real API (oned on
 * port 0): image.chown and image.chmod, and what the bits then let each
 * user do — the owner, a member of the image's group, anyone else; use
 * (see, list, clone, a VM's disk) and manage (change, rename, delete).
 * What a user may not see is not found, as a missing image; what they see
 * but may not change is NOT_AUTHORIZED. Images stored before they had bits
 * keep the rule they were made under (an administrator's public), and the
 * bits survive a restart.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { ApiMethod, ParamsOf } from '../../src/api/api-types.js';
import { ApiClient } from '../../src/cli/api-client.js';
import { isNepheleError } from '../../src/errors.js';
import { Store } from '../../src/store/index.js';
import type { Oned } from '../../src/oned/oned.js';
import { adminClient, onedOn, startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const VM = 'NAME = web\nCPU = 0.1\nMEMORY = 64\n';

/** An empty DATABLOCK: READY at once, usable as a VM's disk. */
const blank = (name: string) => ({ name, type: 'DATABLOCK' as const, persistent: false, description: '', size: 1 });

/** Creates users (in `group` when given) and logs each in. */
async function users(t: Test, oned: Oned, admin: ApiClient, names: readonly (readonly [string, string?])[]): Promise<ApiClient[]> {
  const out: ApiClient[] = [];
  for (const [name, group] of names) {
    await admin.call('user.allocate', { name, password: `${name}-pw`, ...(group === undefined ? {} : { group }) });
    out.push(await login(t, oned, name));
  }
  return out;
}

async function login(t: Test, oned: Oned, name: string): Promise<ApiClient> {
  const c = await ApiClient.connect({ url: oned.url, user: name, password: `${name}-pw` });
  t.teardown(() => c.close());
  return c;
}

/** The code of a call that must fail; 'OK' when it did not. */
async function code<M extends ApiMethod>(c: ApiClient, method: M, params: ParamsOf<M>): Promise<string> {
  try {
    await c.call(method, params);
  } catch (err) {
    if (isNepheleError(err)) return err.code;
    throw err;
  }
  return 'OK';
}

t.test('images: owner, group and others, use and manage, as the bits say', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  await admin.call('group.allocate', { name: 'devs' });
  const [alice, bob, carol] = (await users(t, cloud.oned, admin, [['alice'], ['bob'], ['carol', 'devs']])) as [
    ApiClient,
    ApiClient,
    ApiClient,
  ];
  const { id } = await alice.call('image.allocate', blank('data'));
  t.match(
    await alice.call('image.info', { image: id }),
    { permissions: 0o600, user: 'alice', group: 'users', gid: 1 },
    "a new image: its owner's to use and manage (600), in her group",
  );

  const sees = async (c: ApiClient): Promise<boolean> => (await code(c, 'image.info', { image: id })) === 'OK';
  const lists = async (c: ApiClient): Promise<boolean> => (await c.call('imagepool.info', {})).some((i) => i.id === id);
  t.equal(await code(bob, 'image.info', { image: id }), 'IMAGE_NOT_FOUND', '600: a member of its group does not see it');
  t.notOk(await lists(bob), 'nor lists it');
  t.equal(await code(bob, 'image.chmod', { id, octet: '644' }), 'IMAGE_NOT_FOUND', 'nor changes its bits: not found');
  t.equal(await code(bob, 'image.chown', { id, group: 'users' }), 'IMAGE_NOT_FOUND');

  t.match(await alice.call('image.chmod', { id, octet: '640' }), { id, permissions: 0o640 }, 'chmod answers the image with its bits');
  t.ok(await sees(bob), '640: the group member sees it');
  t.ok(await lists(bob), 'and lists it');
  t.equal((await bob.call('image.info', { image: 'data' })).id, id, 'and finds it by name: shared with him');
  t.notOk(await sees(carol), 'someone of another group does not');
  t.notOk(await lists(carol));
  for (const [method, params] of [
    ['image.rename', { image: id, name: 'x' }],
    ['image.delete', { image: id }],
    ['image.persistent', { image: id, persistent: true }],
    ['image.enable', { image: id, enable: false }],
    ['image.chtype', { image: id, type: 'OS' }],
    ['image.update', { image: id, template: 'X = 1\n', append: true }],
    ['image.chmod', { id, octet: '666' }],
    ['image.chown', { id, group: 'users' }],
  ] as const) {
    t.equal(await code(bob, method, params as never), 'NOT_AUTHORIZED', `use is not manage: no ${method}`);
  }
  t.equal(await code(carol, 'image.rename', { image: id, name: 'x' }), 'IMAGE_NOT_FOUND', 'not seen: not found, as a missing image');

  // Use is enough to copy it: the copy is bob's, with a new image's bits.
  const { id: copy } = await bob.call('image.clone', { image: id, name: 'bobs copy' });
  await eventually(
    () => bob.call('image.info', { image: copy }),
    (i) => i.state !== 'LOCKED',
    10_000,
    'the copy done',
  );
  t.match(await bob.call('image.info', { image: copy }), { user: 'bob', group: 'users', permissions: 0o600, state: 'READY' });
  t.equal(await code(alice, 'image.info', { image: copy }), 'IMAGE_NOT_FOUND', "the copy is bob's alone");
  t.equal(await code(carol, 'image.clone', { image: id, name: 'mine' }), 'IMAGE_NOT_FOUND', 'carol may not copy what she may not see');

  await alice.call('image.chmod', { id, values: [-1, -1, -1, -1, 1, -1, -1, -1, -1] });
  t.equal((await alice.call('image.info', { image: id })).permissions, 0o660, 'the nine values: GROUP_M set, the rest as it was');
  t.equal((await bob.call('image.rename', { image: id, name: 'by bob' })).name, 'by bob', '660: the group member renames it');
  t.equal((await bob.call('image.update', { image: id, template: 'X = 1\n', append: true })).id, id, 'and updates it');

  await alice.call('image.chmod', { id, octet: '604' });
  t.ok(await sees(carol), '604: anyone sees it');
  t.ok(await lists(carol));
  t.equal(await code(carol, 'image.delete', { image: id }), 'NOT_AUTHORIZED', 'but only uses it');

  // Admin bits: OpenNebula's RequestManagerChmod asks the admin right to change any of them.
  t.equal(await code(alice, 'image.chmod', { id, octet: '704' }), 'NOT_AUTHORIZED', 'the owner sets no admin bit');
  t.equal((await alice.call('image.info', { image: id })).permissions, 0o604, 'a refused chmod changes nothing');
  await admin.call('image.chmod', { id, octet: '704' });
  t.equal((await alice.call('image.chmod', { id, octet: '740' })).permissions, 0o740, 'holding the admin right, the owner changes them');
  t.equal(await code(alice, 'image.chmod', { id, octet: '64' }), 'INVALID_ARGUMENT');
  t.equal(await code(alice, 'image.chmod', { id, values: [1, 1] }), 'INVALID_ARGUMENT');
  t.equal(await code(alice, 'image.chmod', { id, octet: '640', values: Array(9).fill(-1) }), 'INVALID_ARGUMENT', 'one of octet and values');

  // chown: a new owner by administrators only; a new group the caller's own; names unique per owner.
  t.equal(await code(alice, 'image.chown', { id, user: 'bob' }), 'USER_NOT_FOUND', 'a user sees no other user to give it to');
  t.equal(await code(alice, 'image.chown', { id, group: 'devs' }), 'GROUP_NOT_FOUND', 'nor another group');
  t.match(await alice.call('image.chown', { id, user: 'alice', group: 'users' }), { user: 'alice', group: 'users' }, 'her own: no change');
  t.equal(await code(admin, 'image.chown', { id, user: 'nobody' }), 'USER_NOT_FOUND');
  t.equal(await code(admin, 'image.chown', { id, group: 999 }), 'GROUP_NOT_FOUND');
  t.equal(await code(admin, 'image.chown', { id: 999, user: 'carol' }), 'IMAGE_NOT_FOUND');
  await carol.call('image.allocate', blank('by bob'));
  t.equal(await code(admin, 'image.chown', { id, user: 'carol' }), 'NAME_TAKEN', 'carol has an image of its name already');
  t.equal((await alice.call('image.info', { image: id })).user, 'alice', 'a refused chown changes nothing');
  await alice.call('image.rename', { image: id, name: 'given' });
  const carolId = (await carol.call('user.info', {})).id;
  t.match(
    await admin.call('image.chown', { id: 'given', user: 'carol', group: 'devs' }),
    { uid: carolId, gid: 2, user: 'carol', group: 'devs', permissions: 0o740 },
    'an administrator gives it away, by name; the bits stay',
  );
  t.equal((await carol.call('image.rename', { image: id, name: 'mine' })).name, 'mine', 'the new owner manages it');
  t.notOk(await sees(alice), 'the old owner, of another group, no longer sees it');
  t.match(await admin.call('image.chown', { id, user: -1, group: 'users' }), { user: 'carol', group: 'users' }, '-1: the owner stays');
  t.ok(await sees(alice), "in alice's group again: she sees it by the group bit");
  t.equal(await code(alice, 'image.rename', { image: id, name: 'x' }), 'NOT_AUTHORIZED');
});

t.test("an image shared with the group is a disk of a group member's VM, on a host", async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const { id: hostId } = await cloud.addHost('node1');
  await admin.call('group.allocate', { name: 'devs' });
  const [alice, bob, carol] = (await users(t, cloud.oned, admin, [['alice'], ['bob'], ['carol', 'devs']])) as [
    ApiClient,
    ApiClient,
    ApiClient,
  ];
  const { id } = await alice.call('image.allocate', blank('data'));
  const byId = `${VM}DISK = [ IMAGE_ID = ${id} ]\n`;
  const byUname = `${VM}DISK = [ IMAGE = "data", IMAGE_UNAME = "alice" ]\n`;
  const byName = `${VM}DISK = [ IMAGE = "data" ]\n`;
  for (const template of [byId, byUname, byName]) {
    t.equal(await code(bob, 'vm.allocate', { template, hold: true }), 'IMAGE_NOT_FOUND', '600: not for the group');
  }

  await alice.call('image.chmod', { id, octet: '640' });
  const { id: vm } = await bob.call('vm.allocate', { template: byId, hold: true });
  t.match(await bob.call('vm.info', { id: vm }), { user: 'bob', disks: [{ imageId: id }] }, "640: the group member's VM takes it");
  const { id: vm2 } = await bob.call('vm.allocate', { template: byUname, hold: true });
  const { id: vm3 } = await bob.call('vm.allocate', { template: byName, hold: true });
  t.match(await bob.call('vm.info', { id: vm3 }), { disks: [{ imageId: id }] }, 'by name alone too: shared with him');
  for (const template of [byId, byUname, byName]) {
    t.equal(await code(carol, 'vm.allocate', { template, hold: true }), 'IMAGE_NOT_FOUND', 'another group: still not found');
  }

  await cloud.waitState(hostId, 'MONITORED');
  await admin.call('vm.action', { id: vm, action: 'deploy', host: hostId });
  await eventually(
    () => bob.call('vm.info', { id: vm }),
    (v) => v.state === 'RUNNING',
    15_000,
    "bob's VM RUNNING",
  );
  t.match(await alice.call('image.info', { image: id }), { state: 'USED', runningVms: [vm, vm2, vm3] }, "the image is USED by bob's VMs");
  t.equal(await code(alice, 'image.delete', { image: id }), 'IMAGE_IN_USE', 'and its owner cannot delete it under them');
});

t.test('images from before the bits keep their rule; bits survive a restart', async (t) => {
  const dir = t.testdir();
  const start = onedOn(dir);
  const first = await start();
  let admin = await adminClient(first);
  const [alice, bob] = (await users(t, first, admin, [['alice'], ['bob']])) as [ApiClient, ApiClient];
  const { id: shared } = await alice.call('image.allocate', blank('shared'));
  await alice.call('image.chmod', { id: shared, octet: '640' });
  const { id: pub } = await admin.call('image.allocate', blank('base'));
  t.equal((await admin.call('image.info', { image: pub })).permissions, 0o604, "a new administrator's image is public (604)");
  const { id: oldPub } = await admin.call('image.allocate', blank('old base'));
  const { id: oldMine } = await alice.call('image.allocate', blank('mine'));
  for (const c of [admin, alice, bob]) c.close();
  await first.close();

  // As an older oned stored them: no bits.
  const store = await Store.open(join(dir, 'db'));
  for (const id of [oldPub, oldMine]) {
    const stored = await store.get('images', id);
    if (stored === undefined) throw new Error(`image ${id} is not stored`);
    const { perms: _bits, ...old } = stored;
    await store.put('images', id, old);
  }
  await store.close();

  const second = await start();
  t.teardown(() => second.close());
  admin = await adminClient(second);
  t.teardown(() => admin.close());
  const alice2 = await login(t, second, 'alice');
  const bob2 = await login(t, second, 'bob');
  t.match(await bob2.call('image.info', { image: shared }), { permissions: 0o640 }, 'the bits set before the restart hold after it');
  t.match(await alice2.call('image.info', { image: oldMine }), { permissions: 0o600, group: 'users' }, "an old image: its owner's");
  t.equal(await code(bob2, 'image.info', { image: oldMine }), 'IMAGE_NOT_FOUND', 'as before: not for anyone else');
  t.equal((await bob2.call('image.info', { image: oldPub })).permissions, 0o604, "an administrator's old image: public");
  const { id: vm } = await bob2.call('vm.allocate', { template: `${VM}DISK = [ IMAGE = "old base" ]\n`, hold: true });
  t.match(await bob2.call('vm.info', { id: vm }), { disks: [{ imageId: oldPub }] }, 'anyone uses it by name, as before');
  t.equal(await code(bob2, 'image.delete', { image: oldPub }), 'NOT_AUTHORIZED', 'public is use, not manage');
  t.same(
    (await bob2.call('imagepool.info', {})).map((i) => i.id),
    [shared, pub, oldPub],
    'bob lists what he may use',
  );

  // The first chmod or chown of an old image stores its bits.
  await alice2.call('image.chmod', { id: oldMine, octet: '640' });
  t.equal((await bob2.call('image.info', { image: 'mine' })).permissions, 0o640, 'a chmod shares an old image');
  await admin.call('image.chown', { id: oldPub, user: 'alice' });
  t.match(
    await bob2.call('image.info', { image: oldPub }),
    { user: 'alice', permissions: 0o604 },
    'an old public image given to a user keeps the rule it was made under, now stored',
  );
});

/**
 * OpenNebula's object permissions through the real API (oned on port 0):
 * chown and chmod of VMs, VM templates and virtual networks, and what the
 * bits then let each user do — the owner, a member of the object's group,
 * anyone else; use (see, instantiate, lease) and manage (act, change,
 * delete). What a user may not see is not found, as a missing object;
 * what they see but may not change is NOT_AUTHORIZED. Records stored before
 * objects had bits keep the rule they were made under, and the bits
 * survive a restart.
 */
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { ApiMethod, ParamsOf } from '../../src/api/api-types.js';
import { ApiClient } from '../../src/cli/api-client.js';
import { isNepheleError } from '../../src/errors.js';
import { Store } from '../../src/store/index.js';
import type { Oned } from '../../src/oned/oned.js';
import { adminClient, onedOn, startCloud } from '../fixtures/cloud.js';
import { runCliBin } from '../fixtures/processes.js';

const VM = 'NAME = web\nCPU = 0.1\nMEMORY = 64\n';
const net = (name: string, ip: string): string => `NAME = ${name}\nAR = [ TYPE = IP4, IP = ${ip}, SIZE = 8 ]\n`;

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

/** The code of a call that must fail. */
async function code<M extends ApiMethod>(c: ApiClient, method: M, params: ParamsOf<M>): Promise<string> {
  try {
    await c.call(method, params);
  } catch (err) {
    if (isNepheleError(err)) return err.code;
    throw err;
  }
  return 'OK';
}

t.test('VMs: owner, group and others, use and manage, as the bits say', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  await admin.call('group.allocate', { name: 'devs' });
  const [alice, bob, carol] = (await users(t, cloud.oned, admin, [['alice'], ['bob'], ['carol', 'devs']])) as [
    ApiClient,
    ApiClient,
    ApiClient,
  ];
  const { id } = await alice.call('vm.allocate', { template: VM, hold: true });
  const created = await alice.call('vm.info', { id });
  t.match(created, { permissions: 0o600, user: 'alice', group: 'users', gid: 1 }, "a new VM: its owner's to use and manage (600)");

  const sees = async (c: ApiClient): Promise<boolean> => (await code(c, 'vm.info', { id })) === 'OK';
  const lists = async (c: ApiClient): Promise<boolean> => (await c.call('vmpool.info', { all: false })).some((v) => v.id === id);
  t.equal(await code(bob, 'vm.info', { id }), 'VM_NOT_FOUND', '600: a member of its group does not see it');
  t.notOk(await lists(bob), 'nor lists it');
  t.equal(await code(bob, 'vm.chmod', { id, octet: '644' }), 'VM_NOT_FOUND', 'nor changes its bits: not found');

  t.match(await alice.call('vm.chmod', { id, octet: '640' }), { permissions: 0o640 }, 'chmod answers the VM with its new bits');
  t.ok(await sees(bob), '640: the group member sees it');
  t.ok(await lists(bob), 'and lists it');
  t.notOk(await sees(carol), 'someone of another group does not');
  t.notOk(await lists(carol));
  t.equal(await code(bob, 'vm.action', { id, action: 'release' }), 'NOT_AUTHORIZED', 'use is not manage: no action');
  t.equal(await code(bob, 'vm.rename', { id, name: 'x' }), 'NOT_AUTHORIZED', 'no rename');
  t.equal(await code(bob, 'vm.chmod', { id, octet: '666' }), 'NOT_AUTHORIZED', 'no chmod');
  t.equal(await code(carol, 'vm.action', { id, action: 'release' }), 'VM_NOT_FOUND', 'not seen: not found, as a missing VM');

  await alice.call('vm.chmod', { id, values: [-1, -1, -1, -1, 1, -1, -1, -1, -1] });
  t.equal((await alice.call('vm.info', { id })).permissions, 0o660, 'the nine values: GROUP_M set, the rest as it was');
  t.equal((await bob.call('vm.action', { id, action: 'release' })).state, 'PENDING', '660: the group member acts on it');
  t.equal((await bob.call('vm.rename', { id, name: 'by bob' })).name, 'by bob', 'and renames it');
  t.equal(await code(bob, 'vm.action', { id, action: 'deploy', host: 0 }), 'NOT_AUTHORIZED', 'administrator actions stay theirs');

  await alice.call('vm.chmod', { id, octet: '604' });
  t.ok(await sees(carol), '604: anyone sees it');
  t.ok(await sees(bob), 'the group member too, as anyone');
  t.equal(await code(carol, 'vm.action', { id, action: 'hold' }), 'NOT_AUTHORIZED');
  await alice.call('vm.chmod', { id, octet: '606' });
  t.equal((await carol.call('vm.action', { id, action: 'hold' })).state, 'HOLD', '606: anyone manages it');

  // Admin bits: OpenNebula's RequestManagerChmod asks the admin right to change any of them.
  t.equal(await code(alice, 'vm.chmod', { id, octet: '706' }), 'NOT_AUTHORIZED', 'the owner sets no admin bit');
  t.equal(await code(alice, 'vm.chmod', { id, values: [-1, -1, -1, -1, -1, 1, -1, -1, -1] }), 'NOT_AUTHORIZED');
  t.equal((await alice.call('vm.info', { id })).permissions, 0o606, 'a refused chmod changes nothing');
  await admin.call('vm.chmod', { id, octet: '706' });
  t.equal((await alice.call('vm.chmod', { id, octet: '740' })).permissions, 0o740, 'holding the admin right, the owner changes admin bits');
  t.equal(await code(alice, 'vm.chmod', { id, octet: '64' }), 'INVALID_ARGUMENT');
  t.equal(await code(alice, 'vm.chmod', { id, values: [1, 1] }), 'INVALID_ARGUMENT');
  t.equal(await code(alice, 'vm.chmod', { id, octet: '640', values: Array(9).fill(-1) }), 'INVALID_ARGUMENT', 'one of octet and values');

  // chown: a new owner by administrators only; a new group the caller's own.
  t.equal(await code(alice, 'vm.chown', { id, user: 'bob' }), 'USER_NOT_FOUND', 'a user sees no other user to give it to');
  t.equal(await code(alice, 'vm.chown', { id, group: 'devs' }), 'GROUP_NOT_FOUND', 'nor another group');
  t.equal(await code(bob, 'vm.chown', { id, group: 'users' }), 'NOT_AUTHORIZED', 'the group member may not (no manage)');
  t.match(await alice.call('vm.chown', { id, user: 'alice', group: 'users' }), { user: 'alice', group: 'users' }, 'her own: no change');
  t.equal(await code(admin, 'vm.chown', { id, user: 'nobody' }), 'USER_NOT_FOUND');
  t.equal(await code(admin, 'vm.chown', { id, group: 999 }), 'GROUP_NOT_FOUND');
  t.equal(await code(admin, 'vm.chown', { id: 999, user: 'carol' }), 'VM_NOT_FOUND');
  const given = await admin.call('vm.chown', { id, user: 'carol', group: 'devs' });
  t.match(
    given,
    { uid: (await carol.call('user.info', {})).id, user: 'carol', group: 'devs', permissions: 0o740 },
    'an administrator gives it away',
  );
  t.ok(await sees(carol), 'the new owner sees it');
  t.equal((await carol.call('vm.rename', { id, name: 'mine' })).name, 'mine', 'and manages it');
  t.notOk(await sees(alice), 'the old owner, in another group now, no longer does');
  t.match(await admin.call('vm.chown', { id, user: -1, group: 'users' }), { user: 'carol', group: 'users' }, '-1: the owner stays');
  t.ok(await sees(alice), "in alice's group again: she sees it by the group bit");
});

t.test('templates: use is seeing and instantiating, manage is changing; a new owner keeps names unique', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const [alice, bob] = (await users(t, cloud.oned, admin, [['alice'], ['bob']])) as [ApiClient, ApiClient];
  const { id } = await alice.call('template.allocate', { template: VM });
  t.match(await alice.call('template.info', { id }), { permissions: 0o600, group: 'users' });
  t.equal(await code(bob, 'template.info', { id }), 'TEMPLATE_NOT_FOUND');
  t.equal(await code(bob, 'template.instantiate', { id, hold: true }), 'TEMPLATE_NOT_FOUND');
  await alice.call('template.chmod', { id, octet: '640' });
  t.same(
    (await bob.call('templatepool.info', {})).map((x) => x.id),
    [id],
    '640: the group member lists it',
  );
  t.equal((await bob.call('template.info', { id: 'web' })).id, id, "and finds it by name: shared with them, not another's private one");
  const { id: vm } = await bob.call('template.instantiate', { id, hold: true });
  t.equal((await bob.call('vm.info', { id: vm })).user, 'bob', 'and instantiates it: the VM is his');
  t.equal(await code(bob, 'template.update', { id, template: VM }), 'NOT_AUTHORIZED', 'but does not change it');
  t.equal(await code(bob, 'template.delete', { id }), 'NOT_AUTHORIZED');
  t.equal(await code(bob, 'template.chmod', { id, octet: '666' }), 'NOT_AUTHORIZED');

  await bob.call('template.allocate', { template: VM });
  t.equal(await code(admin, 'template.chown', { id, user: 'bob' }), 'NAME_TAKEN', 'bob has a template named web already');
  await alice.call('template.rename', { id, name: 'web2' });
  t.match(await admin.call('template.chown', { id, user: 'bob' }), { user: 'bob', permissions: 0o640 }, 'renamed, it can be his');
  t.equal((await bob.call('template.update', { id, template: VM.replace('web', 'web2') })).id, id, 'the new owner manages it');
  t.equal((await alice.call('template.info', { id })).user, 'bob', 'alice, of its group, still sees it');
});

t.test("networks: a network shared with the group is used in a group member's VM", async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  await admin.call('group.allocate', { name: 'devs' });
  const [alice, bob, carol] = (await users(t, cloud.oned, admin, [['alice'], ['bob'], ['carol', 'devs']])) as [
    ApiClient,
    ApiClient,
    ApiClient,
  ];
  const { id } = await alice.call('vn.allocate', { template: net('lan', '10.9.0.1') });
  t.match(await alice.call('vn.info', { network: id }), { permissions: 0o600, user: 'alice', group: 'users' });
  const byId = `${VM}NIC = [ NETWORK_ID = ${id} ]\n`;
  const byName = `${VM}NIC = [ NETWORK = "lan", NETWORK_UNAME = "alice" ]\n`;
  t.equal(await code(bob, 'vm.allocate', { template: byId, hold: true }), 'NETWORK_NOT_FOUND', '600: not for the group');
  t.equal(await code(bob, 'vm.allocate', { template: byName, hold: true }), 'NETWORK_NOT_FOUND');
  t.equal(await code(bob, 'vn.info', { network: id }), 'NETWORK_NOT_FOUND');

  await alice.call('vn.chmod', { id, octet: '640' });
  const { id: vm } = await bob.call('vm.allocate', { template: byId, hold: true });
  t.equal((await bob.call('vm.info', { id: vm })).nics[0]?.ip, '10.9.0.1', "640: the group member's VM leases from it");
  const { id: vm2 } = await bob.call('vm.allocate', { template: byName, hold: true });
  t.equal((await bob.call('vm.info', { id: vm2 })).nics[0]?.network, 'lan', "by name, as alice's");
  t.same(
    (await bob.call('vnpool.info', {})).map((n) => n.id),
    [id],
    'he lists it',
  );
  t.equal(await code(bob, 'vn.hold', { network: id, ip: '10.9.0.8' }), 'NOT_AUTHORIZED', 'he does not manage it');
  t.equal(await code(bob, 'vn.delete', { network: id }), 'NOT_AUTHORIZED');
  t.equal(await code(carol, 'vm.allocate', { template: byId, hold: true }), 'NETWORK_NOT_FOUND', 'another group: still not found');

  // An administrator's network is public (604), as before networks had bits, until its bits say otherwise.
  const { id: pub } = await admin.call('vn.allocate', { template: net('pub', '10.8.0.1') });
  t.equal((await admin.call('vn.info', { network: pub })).permissions, 0o604);
  const onPub = `${VM}NIC = [ NETWORK_ID = ${pub} ]\n`;
  await carol.call('vm.allocate', { template: onPub, hold: true });
  await admin.call('vn.chmod', { id: pub, values: [-1, -1, -1, -1, -1, -1, 0, -1, -1] });
  t.equal(await code(carol, 'vm.allocate', { template: onPub, hold: true }), 'NETWORK_NOT_FOUND', 'OTHER_U cleared: private');

  // chown: names stay unique per owner.
  await carol.call('vn.allocate', { template: net('lan', '10.7.0.1') });
  t.equal(await code(admin, 'vn.chown', { id, user: 'carol' }), 'NAME_TAKEN');
  t.equal(await code(alice, 'vn.chown', { id, group: 'devs' }), 'GROUP_NOT_FOUND');
  t.match(await admin.call('vn.chown', { id, group: 'devs' }), { user: 'alice', group: 'devs' }, 'a new group');
  t.equal(await code(bob, 'vm.allocate', { template: byId, hold: true }), 'NETWORK_NOT_FOUND', 'bob is no longer of its group');
  const { id: vm3 } = await carol.call('vm.allocate', { template: byId, hold: true });
  t.equal((await carol.call('vm.info', { id: vm3 })).nics[0]?.networkId, id, 'carol is');
});

t.test('records from before the bits keep their rule; bits survive a restart', async (t) => {
  const dir = t.testdir();
  const start = onedOn(dir);
  const first = await start();
  let admin = await adminClient(first);
  const [alice, bob] = (await users(t, first, admin, [['alice'], ['bob']])) as [ApiClient, ApiClient];
  const { id: shared } = await alice.call('vm.allocate', { template: VM, hold: true });
  await alice.call('vm.chmod', { id: shared, octet: '640' });
  const { id: oldVm } = await alice.call('vm.allocate', { template: VM, hold: true });
  const { id: oldTemplate } = await alice.call('template.allocate', { template: VM });
  const { id: oldPub } = await admin.call('vn.allocate', { template: net('pub', '10.6.0.1') });
  const { id: oldLan } = await alice.call('vn.allocate', { template: net('lan', '10.5.0.1') });
  for (const c of [admin, alice, bob]) c.close();
  await first.close();

  // As an older oned stored them: no bits, and templates without a group.
  const store = await Store.open(join(dir, 'db'));
  const strip = <T extends object>(r: T | undefined, keys: readonly string[]): T => {
    const out = { ...(r as T) } as Record<string, unknown>;
    for (const k of keys) delete out[k];
    return out as T;
  };
  await store.put('vms', oldVm, strip(await store.get('vms', oldVm), ['perms', 'gid']));
  await store.put('templates', oldTemplate, strip(await store.get('templates', oldTemplate), ['perms', 'gid']));
  await store.put('networks', oldPub, strip(await store.get('networks', oldPub), ['perms']));
  await store.put('networks', oldLan, strip(await store.get('networks', oldLan), ['perms']));
  await store.close();

  const second = await start();
  t.teardown(() => second.close());
  admin = await adminClient(second);
  t.teardown(() => admin.close());
  const alice2 = await login(t, second, 'alice');
  const bob2 = await login(t, second, 'bob');
  t.match(await bob2.call('vm.info', { id: shared }), { permissions: 0o640 }, 'the bits set before the restart hold after it');
  t.match(await alice2.call('vm.info', { id: oldVm }), { permissions: 0o600, group: 'users' }, "an old VM: its owner's (600)");
  t.equal(await code(bob2, 'vm.info', { id: oldVm }), 'VM_NOT_FOUND', 'as before: not for anyone else');
  t.match(
    await alice2.call('template.info', { id: oldTemplate }),
    { permissions: 0o600, group: 'users', gid: 1 },
    "an old template: its owner's group shown",
  );
  t.equal(await code(bob2, 'template.info', { id: oldTemplate }), 'TEMPLATE_NOT_FOUND');
  t.equal((await bob2.call('vn.info', { network: oldPub })).permissions, 0o604, "an administrator's old network: public");
  await bob2.call('vm.allocate', { template: `${VM}NIC = [ NETWORK = "pub" ]\n`, hold: true });
  t.equal(await code(bob2, 'vn.info', { network: oldLan }), 'NETWORK_NOT_FOUND', "a user's old network: private");
  t.equal(await code(bob2, 'vn.delete', { network: oldPub }), 'NOT_AUTHORIZED', 'public is use, not manage');

  // A chmod gives an old template the group it was shown in.
  await alice2.call('template.chmod', { id: oldTemplate, octet: '640' });
  t.equal((await bob2.call('template.info', { id: oldTemplate })).gid, 1, 'the group member sees it: its group is stored');
  await alice2.call('vn.chmod', { id: oldLan, octet: '640' });
  t.equal((await bob2.call('vn.info', { network: 'lan' })).permissions, 0o640);
});

t.test('the CLI: chown, chgrp, chmod and PERMISSIONS in show', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  await admin.call('group.allocate', { name: 'devs' });
  await admin.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  const { id: vm } = await admin.call('vm.allocate', { template: VM, hold: true });
  const { id: template } = await admin.call('template.allocate', { template: VM });
  const { id: network } = await admin.call('vn.allocate', { template: net('lan', '10.4.0.1') });
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };

  const show = await runCliBin(t, 'onevm', ['show', String(vm)], env);
  t.equal(show.code, 0, show.out);
  t.match(show.out, /^PERMISSIONS\nOWNER\s+: um-\nGROUP\s+: ---\nOTHER\s+: ---$/m, "onevm show: OpenNebula's block");
  const chmod = await runCliBin(t, 'onevm', ['chmod', String(vm), '640'], env);
  t.equal(chmod.code, 0, chmod.out);
  const chown = await runCliBin(t, 'onevm', ['chown', String(vm), 'alice', 'devs'], env);
  t.equal(chown.code, 0, chown.out);
  t.match(await admin.call('vm.info', { id: vm }), { permissions: 0o640, user: 'alice', group: 'devs' }, 'onevm chmod and chown');
  const chgrp = await runCliBin(t, 'onevm', ['chgrp', String(vm), 'users'], env);
  t.equal(chgrp.code, 0, chgrp.out);
  t.match(await admin.call('vm.info', { id: vm }), { user: 'alice', group: 'users' }, 'onevm chgrp');
  const after = await runCliBin(t, 'onevm', ['show', String(vm)], env);
  t.match(after.out, /^OWNER\s+: um-\nGROUP\s+: u--\nOTHER\s+: ---$/m);

  const tmpl = await runCliBin(t, 'onetemplate', ['chmod', 'web', '604'], env);
  t.equal(tmpl.code, 0, tmpl.out);
  const tShow = await runCliBin(t, 'onetemplate', ['show', String(template)], env);
  t.match(tShow.out, /^PERMISSIONS\nOWNER\s+: um-\nGROUP\s+: ---\nOTHER\s+: u--$/m, 'onetemplate chmod, by name, and show');

  const vnet = await runCliBin(t, 'onevnet', ['chown', 'lan', 'alice'], env);
  t.equal(vnet.code, 0, vnet.out);
  const vShow = await runCliBin(t, 'onevnet', ['show', String(network)], env);
  t.match(vShow.out, /^USER\s+: alice$/m, 'onevnet chown');
  t.match(vShow.out, /^PERMISSIONS\nOWNER\s+: um-\nGROUP\s+: ---\nOTHER\s+: u--$/m, "an administrator's network was public");

  const refused = await runCliBin(t, 'onevm', ['chown', String(vm), 'oneadmin', '--user', 'alice', '--password', 'alice-pw'], {
    NEPHELE_URL: cloud.oned.url,
  });
  t.equal(refused.code, 1);
  t.match(refused.out, /\[USER_NOT_FOUND\]/, 'a user gives nothing away');
  const bad = await runCliBin(t, 'onevm', ['chmod', String(vm), '9'], env);
  t.equal(bad.code, 1);
  t.match(bad.out, /\[INVALID_ARGUMENT\] .*octal/);
});

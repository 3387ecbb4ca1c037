/**
 * `*.rename` through the real API (oned on port 0, a dummy agent) and the
 * CLI, with OpenNebula's rules (RequestManagerRename): owner or
 * administrator; another user's object is not found, exactly as a missing
 * one; the same name again is a success that changes nothing; the new name
 * is held to the rule of the object's create. Renames are stored before
 * they answer: an oned restarted on the same directory has them.
 */
import t, { type Test } from 'tap';
import type { ApiMethod, ParamsOf } from '../../src/api/api-types.js';
import { ApiClient } from '../../src/cli/api-client.js';
import { isNepheleError } from '../../src/errors.js';
import { adminClient, onedOn, startCloud, type TestCloud } from '../fixtures/cloud.js';
import { eventually, runCliBin } from '../fixtures/processes.js';

const VM = 'NAME = web\nCPU = 0.1\nMEMORY = 64\n';

async function user(t: Test, cloud: TestCloud, name: string): Promise<ApiClient> {
  await cloud.client.call('user.allocate', { name, password: `${name}-secret` });
  const c = await ApiClient.connect({ url: cloud.oned.url, user: name, password: `${name}-secret` });
  t.teardown(() => c.close());
  return c;
}

/** The error of a call that must fail: its code, its message with `ref` replaced, its detail keys. */
async function refusal<M extends ApiMethod>(c: ApiClient, method: M, params: ParamsOf<M>, ref?: string | number) {
  try {
    await c.call(method, params);
  } catch (err) {
    if (!isNepheleError(err)) throw err;
    const message = ref === undefined ? err.message : err.message.split(String(ref)).join('<ref>');
    return { code: err.code, message, details: Object.keys(err.details ?? {}).sort() };
  }
  throw new Error(`${method} did not fail`);
}

t.test('vm.rename: any state but DONE, names need not be unique, owner or administrator', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const { id: hostId } = await cloud.addHost('node1');
  await cloud.waitState(hostId, 'MONITORED');
  const alice = await user(t, cloud, 'alice');
  const bob = await user(t, cloud, 'bob');

  const { id: held } = await admin.call('vm.allocate', { template: VM, hold: true });
  const renamed = await admin.call('vm.rename', { id: held, name: 'web 2 (été)' });
  t.match(renamed, { id: held, name: 'web 2 (été)', state: 'HOLD', user: 'oneadmin' }, 'the view answered has the new name');
  t.equal((await admin.call('vm.info', { id: held })).name, 'web 2 (été)');
  t.equal((await admin.call('vm.rename', { id: held, name: 'web 2 (été)' })).name, 'web 2 (été)', 'the same name again: a success');

  const { id: running } = await admin.call('vm.allocate', { template: VM, hold: false });
  await admin.call('vm.action', { id: running, action: 'deploy', host: hostId });
  await eventually(
    () => admin.call('vm.info', { id: running }),
    (v) => v.state === 'RUNNING',
    10_000,
    'VM RUNNING',
  );
  t.match(
    await admin.call('vm.rename', { id: running, name: 'web 2 (été)' }),
    { name: 'web 2 (été)', state: 'RUNNING' },
    'while RUNNING, and to a name another VM has',
  );

  for (const [name, why] of [
    ['', 'empty'],
    ['a\nb', 'a control character'],
    ['x'.repeat(129), '129 characters'],
  ] as const) {
    const e = await refusal(admin, 'vm.rename', { id: held, name });
    t.match(e, { code: 'INVALID_ARGUMENT', details: ['field'] }, `${why}: INVALID_ARGUMENT`);
  }
  t.equal((await admin.call('vm.info', { id: held })).name, 'web 2 (été)', 'a refused name changes nothing');

  const { id: hers } = await alice.call('vm.allocate', { template: VM, hold: true });
  t.equal((await alice.call('vm.rename', { id: hers, name: 'mine' })).name, 'mine', 'the owner renames');
  const theirs = await refusal(bob, 'vm.rename', { id: hers, name: 'stolen' }, hers);
  const none = await refusal(bob, 'vm.rename', { id: 9999, name: 'stolen' }, 9999);
  t.same(theirs, none, "another user's VM fails as a missing one does");
  t.equal(theirs.code, 'VM_NOT_FOUND');
  t.equal((await alice.call('vm.info', { id: hers })).name, 'mine', "bob's attempt changed nothing");
  t.equal((await admin.call('vm.rename', { id: hers, name: 'by admin' })).name, 'by admin', 'an administrator renames anyone’s');

  await alice.call('vm.action', { id: hers, action: 'terminate' });
  await eventually(
    () => alice.call('vm.info', { id: hers }),
    (v) => v.state === 'DONE',
    5000,
    'VM DONE',
  );
  t.match(await refusal(alice, 'vm.rename', { id: hers, name: 'late' }), { code: 'ACTION_NOT_ALLOWED' }, 'a DONE VM keeps its name');

  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const ok = await runCliBin(t, 'onevm', ['rename', String(held), 'from the cli'], env);
  t.equal(ok.code, 0, ok.out);
  t.equal((await admin.call('vm.info', { id: held })).name, 'from the cli', 'onevm rename <id> <name>');
  const bad = await runCliBin(t, 'onevm', ['rename', String(held), ''], env);
  t.equal(bad.code, 1);
  t.match(bad.out, /\[INVALID_ARGUMENT\] name must not be empty/);
  const missing = await runCliBin(t, 'onevm', ['rename', '9999', 'x'], env);
  t.equal(missing.code, 1);
  t.match(missing.out, /\[VM_NOT_FOUND\]/);
});

t.test("template.rename: unique among the owner's templates, NAME follows, owner or administrator", async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const alice = await user(t, cloud, 'alice');
  const bob = await user(t, cloud, 'bob');
  const { id } = await admin.call('template.allocate', { template: `# a comment\n${VM}` });
  await admin.call('template.allocate', { template: VM.replace('web', 'other') });

  const renamed = await admin.call('template.rename', { id, name: 'web 2' });
  t.match(renamed, { id, name: 'web 2', user: 'oneadmin' });
  t.match(renamed.template, /^NAME = "web 2"$/m, "the template's NAME follows");
  t.equal((await admin.call('template.info', { id: 'web 2' })).id, id, 'found by its new name');
  const { id: vm } = await admin.call('template.instantiate', { id, hold: true });
  t.equal(
    (await admin.call('vm.info', { id: vm })).name,
    `web 2-${vm}`,
    'an instance is named after the new name, as OpenNebula: <template>-<id>',
  );
  t.equal((await admin.call('template.rename', { id, name: 'web 2' })).name, 'web 2', 'the same name again: a success');

  const taken = await refusal(admin, 'template.rename', { id, name: 'other' });
  t.match(taken, { code: 'NAME_TAKEN', details: ['name'] }, "a name the owner's other template has");
  for (const name of ['', 'a\u0007b', 'x'.repeat(129)]) {
    t.match(await refusal(admin, 'template.rename', { id, name }), { code: 'INVALID_ARGUMENT' }, JSON.stringify(name.slice(0, 8)));
  }
  t.equal((await admin.call('template.info', { id })).name, 'web 2', 'refusals change nothing');

  const { id: hers } = await alice.call('template.allocate', { template: VM });
  t.equal((await alice.call('template.rename', { id: hers, name: 'other' })).name, 'other', "another owner's name is free");
  const theirs = await refusal(bob, 'template.rename', { id: hers, name: 'stolen' }, hers);
  t.same(
    theirs,
    await refusal(bob, 'template.rename', { id: 9999, name: 'stolen' }, 9999),
    "another user's template fails as a missing one",
  );
  t.equal(theirs.code, 'TEMPLATE_NOT_FOUND');
  t.match(await refusal(bob, 'template.rename', { id: 'other', name: 'stolen' }), { code: 'TEMPLATE_NOT_FOUND' }, 'by name too');
  t.equal((await alice.call('template.info', { id: hers })).name, 'other', "bob's attempts changed nothing");
  t.equal((await admin.call('template.rename', { id: hers, name: 'by admin' })).name, 'by admin', "an administrator renames anyone's");

  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const ok = await runCliBin(t, 'onetemplate', ['rename', 'web 2', 'web3'], env);
  t.equal(ok.code, 0, ok.out);
  t.equal((await admin.call('template.info', { id })).name, 'web3', 'onetemplate rename <name> <name>');
  const dup = await runCliBin(t, 'onetemplate', ['rename', String(id), 'other'], env);
  t.equal(dup.code, 1);
  t.match(dup.out, /\[NAME_TAKEN\]/);
});

const net = (name: string, ip: string) => `NAME = "${name}"\nAR = [ TYPE = IP4, IP = ${ip}, SIZE = 4 ]\n`;

t.test("vn.rename: unique among the owner's networks, NICs find the new name, owner or administrator", async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const alice = await user(t, cloud, 'alice');
  const bob = await user(t, cloud, 'bob');
  const { id } = await admin.call('vn.allocate', { template: net('lan', '10.0.1.1') });
  await admin.call('vn.allocate', { template: net('other', '10.0.2.1') });

  const renamed = await admin.call('vn.rename', { id, name: 'Private LAN' });
  t.match(renamed, { id, name: 'Private LAN', user: 'oneadmin' });
  t.match(renamed.template, /^NAME = "Private LAN"$/m, "the template's NAME follows");
  t.equal((await admin.call('vn.info', { network: 'Private LAN' })).id, id, 'found by its new name');
  t.match(await refusal(admin, 'vn.info', { network: 'lan' }), { code: 'NETWORK_NOT_FOUND' }, 'not by its old one');
  const nic = (name: string) => `CPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK = "${name}" ]\n`;
  const { id: vm } = await alice.call('vm.allocate', { template: nic('Private LAN'), hold: true });
  t.equal((await alice.call('vm.info', { id: vm })).nics[0]?.networkId, id, "a user's NIC finds the public network by its new name");
  t.equal((await admin.call('vn.rename', { id: 'Private LAN', name: 'Private LAN' })).name, 'Private LAN', 'the same name again');

  t.match(
    await refusal(admin, 'vn.rename', { id, name: 'other' }),
    { code: 'NAME_TAKEN', details: ['name'] },
    "a name the owner's other network has",
  );
  for (const name of ['', ' lan', 'lan ', 'a\tb', 'x'.repeat(129)]) {
    t.match(await refusal(admin, 'vn.rename', { id, name }), { code: 'INVALID_ARGUMENT' }, JSON.stringify(name.slice(0, 8)));
  }
  t.equal((await admin.call('vn.info', { network: id })).name, 'Private LAN', 'refusals change nothing');

  const { id: hers } = await alice.call('vn.allocate', { template: net('alices', '10.0.3.1') });
  t.equal((await alice.call('vn.rename', { id: hers, name: 'other' })).name, 'other', "another owner's name is free");
  const theirs = await refusal(bob, 'vn.rename', { id: hers, name: 'stolen' }, hers);
  t.same(
    theirs,
    await refusal(bob, 'vn.rename', { id: 9999, name: 'stolen' }, 9999),
    "another user's private network fails as a missing one",
  );
  t.equal(theirs.code, 'NETWORK_NOT_FOUND');
  t.match(
    await refusal(alice, 'vn.rename', { id, name: 'mine now' }),
    { code: 'NOT_AUTHORIZED' },
    "a public network its user may see but not change (OpenNebula's AUTHORIZATION)",
  );
  t.equal((await admin.call('vn.info', { network: id })).name, 'Private LAN', "alice's attempt changed nothing");
  t.equal((await admin.call('vn.rename', { id: hers, name: 'by admin' })).name, 'by admin', "an administrator renames anyone's");

  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const ok = await runCliBin(t, 'onevnet', ['rename', 'Private LAN', 'lan3'], env);
  t.equal(ok.code, 0, ok.out);
  t.equal((await admin.call('vn.info', { network: id })).name, 'lan3', 'onevnet rename <name> <name>');
  const dup = await runCliBin(t, 'onevnet', ['rename', String(id), 'other'], env);
  t.equal(dup.code, 1);
  t.match(dup.out, /\[NAME_TAKEN\]/);
});

t.test('host.rename: administrators only, unique among all hosts, the agent keeps its link', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const alice = await user(t, cloud, 'alice');
  const { id } = await cloud.addHost('node1');
  await cloud.waitState(id, 'MONITORED');
  const { id: other } = await admin.call('host.allocate', { name: 'node2', im: 'dummy', vm: 'dummy' });
  const { id: vm } = await admin.call('vm.allocate', { template: VM, hold: true });
  await admin.call('vm.action', { id: vm, action: 'deploy', host: id });

  const renamed = await admin.call('host.rename', { id: 'node1', name: 'node-a.example' });
  t.match(renamed, { id, name: 'node-a.example' });
  t.equal((await admin.call('host.info', { host: 'node-a.example' })).id, id, 'found by its new name');
  t.match(await refusal(admin, 'host.info', { host: 'node1' }), { code: 'HOST_NOT_FOUND' }, 'not by its old one');
  t.same(
    (await admin.call('hostpool.info', {})).map((h) => h.name),
    ['node-a.example', 'node2'],
  );
  t.equal((await admin.call('vm.info', { id: vm })).host, 'node-a.example', "its VMs' views name it anew");
  await cloud.waitState(id, 'MONITORED');
  t.pass('the agent, linked by id, stays MONITORED');
  t.equal((await admin.call('host.rename', { id, name: 'node-a.example' })).name, 'node-a.example', 'the same name again');

  t.match(await refusal(admin, 'host.rename', { id, name: 'node2' }), { code: 'NAME_TAKEN', details: ['name'] }, "another host's name");
  for (const name of ['', 'a b', '-x', 'a/b', 'x'.repeat(129)]) {
    t.match(await refusal(admin, 'host.rename', { id, name }), { code: 'INVALID_ARGUMENT' }, JSON.stringify(name.slice(0, 8)));
  }
  t.match(await refusal(alice, 'host.rename', { id, name: 'mine' }), { code: 'NOT_AUTHORIZED' }, 'a user may not (ADMIN in OpenNebula)');
  t.match(await refusal(admin, 'host.rename', { id: 9999, name: 'x' }), { code: 'HOST_NOT_FOUND' });
  t.equal((await admin.call('host.info', { host: id })).name, 'node-a.example', 'refusals change nothing');

  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const ok = await runCliBin(t, 'onehost', ['rename', 'node2', 'node3'], env);
  t.equal(ok.code, 0, ok.out);
  t.equal((await admin.call('host.info', { host: other })).name, 'node3', 'onehost rename <name> <name>');
  const dup = await runCliBin(t, 'onehost', ['rename', String(other), 'node-a.example'], env);
  t.equal(dup.code, 1);
  t.match(dup.out, /\[NAME_TAKEN\]/);
});

t.test('renames are stored before they answer: a restarted oned has them', async (t) => {
  const start = onedOn(t.testdir());
  const first = await start();
  const c1 = await adminClient(first);
  const { id: vm } = await c1.call('vm.allocate', { template: VM, hold: true });
  await c1.call('vm.rename', { id: vm, name: 'kept' });
  const { id: template } = await c1.call('template.allocate', { template: VM });
  await c1.call('template.rename', { id: template, name: 'kept' });
  const { id: network } = await c1.call('vn.allocate', { template: net('lan', '10.0.1.1') });
  await c1.call('vn.rename', { id: network, name: 'kept' });
  const { id: host } = await c1.call('host.allocate', { name: 'h', im: 'dummy', vm: 'dummy' });
  await c1.call('host.rename', { id: host, name: 'kept' });
  c1.close();
  await first.close();

  const second = await start();
  t.teardown(() => second.close());
  const c2 = await adminClient(second);
  t.teardown(() => c2.close());
  t.equal((await c2.call('vm.info', { id: vm })).name, 'kept', 'the VM');
  t.equal((await c2.call('template.info', { id: template })).name, 'kept', 'the template');
  t.equal((await c2.call('vn.info', { network: 'kept' })).id, network, 'the network, found by its new name');
  t.equal((await c2.call('host.info', { host: 'kept' })).id, host, 'the host, found by its new name');
});

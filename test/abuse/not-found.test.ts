/**
 * What a user may not see is reported as not found: for each kind, a call on
 * another user's object fails with the very error (code, message with the
 * ref put in, detail keys) that an id nobody has gives, so a refusal tells
 * neither that the object exists nor its name. And the host view does not
 * list other users' VMs.
 */
import t, { type Test } from 'tap';
import type { ApiMethod, ParamsOf as ApiParams } from '../../src/api/api-types.js';
import { ApiClient } from '../../src/cli/api-client.js';
import { isNepheleError } from '../../src/errors.js';
import { startCloud, type TestCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const MISSING = 9999;

/** The error of a call that must fail, with its ref replaced so that two refs can be compared. */
async function refusal<M extends ApiMethod>(
  c: ApiClient,
  method: M,
  params: ApiParams<M>,
  ref: string | number,
): Promise<{ code: string; message: string; details: string[] }> {
  try {
    await c.call(method, params);
  } catch (err) {
    if (!isNepheleError(err)) throw err;
    return { code: err.code, message: err.message.split(String(ref)).join('<ref>'), details: Object.keys(err.details ?? {}).sort() };
  }
  throw new Error(`${method} did not fail`);
}

/** The call on another user's object, and on one nobody has, fail alike and as not found. */
async function alike<M extends ApiMethod>(
  t: Test,
  c: ApiClient,
  method: M,
  params: (ref: number | string) => ApiParams<M>,
  foreign: number | string,
  missing: number | string,
  code: string,
): Promise<void> {
  const theirs = await refusal(c, method, params(foreign), foreign);
  const none = await refusal(c, method, params(missing), missing);
  t.same(theirs, none, `${method}: another user's ${String(foreign)} fails as ${String(missing)} does`);
  t.equal(theirs.code, code, `${method}: ${code}`);
}

async function user(t: Test, cloud: TestCloud, name: string): Promise<ApiClient> {
  await cloud.client.call('user.allocate', { name, password: `${name}-secret` });
  const c = await ApiClient.connect({ url: cloud.oned.url, user: name, password: `${name}-secret` });
  t.teardown(() => c.close());
  return c;
}

t.test("every kind: another user's object is refused as a missing one, and nothing changes", async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const alice = await user(t, cloud, 'alice');
  const bob = await user(t, cloud, 'bob');

  const { id: vm } = await alice.call('vm.allocate', { template: 'NAME = secret-vm\nCPU = 0.1\nMEMORY = 64\n', hold: true });
  const { id: tmpl } = await alice.call('template.allocate', { template: 'NAME = secret-tmpl\nCPU = 0.1\nMEMORY = 64\n' });
  const { id: net } = await alice.call('vn.allocate', { template: 'NAME = secret-net\nAR = [ TYPE = IP4, IP = 10.5.0.1, SIZE = 4 ]\n' });
  const { id: img } = await alice.call('image.allocate', {
    name: 'alice-img2',
    type: 'DATABLOCK',
    persistent: false,
    description: '',
    size: 1,
    format: 'raw',
  });
  const { id: locked } = await alice.call('image.allocate', { name: 'uploading', type: 'OS', persistent: false, description: '' });

  await alike(t, bob, 'vm.info', (id) => ({ id: id as number }), vm, MISSING, 'VM_NOT_FOUND');
  await alike(t, bob, 'vm.action', (id) => ({ id: id as number, action: 'release' }), vm, MISSING, 'VM_NOT_FOUND');
  await alike(t, bob, 'vm.action', (id) => ({ id: id as number, action: 'terminate', hard: true }), vm, MISSING, 'VM_NOT_FOUND');

  for (const ref of [
    [tmpl, MISSING],
    ['secret-tmpl', 'no-such-tmpl'],
  ] as const) {
    await alike(t, bob, 'template.info', (id) => ({ id }), ref[0], ref[1], 'TEMPLATE_NOT_FOUND');
    await alike(
      t,
      bob,
      'template.update',
      (id) => ({ id, template: 'NAME = x\nCPU = 1\nMEMORY = 1\n' }),
      ref[0],
      ref[1],
      'TEMPLATE_NOT_FOUND',
    );
    await alike(t, bob, 'template.instantiate', (id) => ({ id, hold: true }), ref[0], ref[1], 'TEMPLATE_NOT_FOUND');
    await alike(t, bob, 'template.delete', (id) => ({ id }), ref[0], ref[1], 'TEMPLATE_NOT_FOUND');
  }

  for (const ref of [
    [net, MISSING],
    ['secret-net', 'no-such-net'],
  ] as const) {
    await alike(t, bob, 'vn.info', (network) => ({ network }), ref[0], ref[1], 'NETWORK_NOT_FOUND');
    await alike(t, bob, 'vn.delete', (network) => ({ network }), ref[0], ref[1], 'NETWORK_NOT_FOUND');
    await alike(t, bob, 'vn.hold', (network) => ({ network, ip: '10.5.0.2' }), ref[0], ref[1], 'NETWORK_NOT_FOUND');
    await alike(t, bob, 'vn.release', (network) => ({ network, ip: '10.5.0.2' }), ref[0], ref[1], 'NETWORK_NOT_FOUND');
    await alike(
      t,
      bob,
      'vn.add_ar',
      (network) => ({ network, template: 'AR = [ TYPE = IP4, IP = 10.6.0.1, SIZE = 2 ]' }),
      ref[0],
      ref[1],
      'NETWORK_NOT_FOUND',
    );
    await alike(t, bob, 'vn.rm_ar', (network) => ({ network, arId: 0 }), ref[0], ref[1], 'NETWORK_NOT_FOUND');
  }
  await alike(
    t,
    bob,
    'vm.allocate',
    (id) => ({ template: `NAME = v\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK_ID = ${id} ]\n`, hold: true }),
    net,
    MISSING,
    'NETWORK_NOT_FOUND',
  );
  await alike(
    t,
    bob,
    'vm.allocate',
    (name) => ({ template: `NAME = v\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK = "${name}", NETWORK_UNAME = alice ]\n`, hold: true }),
    'secret-net',
    'no-such-net',
    'NETWORK_NOT_FOUND',
  );

  for (const ref of [
    [img, MISSING],
    ['alice-img2', 'no-such-img'],
  ] as const) {
    await alike(t, bob, 'image.info', (image) => ({ image }), ref[0], ref[1], 'IMAGE_NOT_FOUND');
    await alike(t, bob, 'image.delete', (image) => ({ image }), ref[0], ref[1], 'IMAGE_NOT_FOUND');
    await alike(t, bob, 'image.persistent', (image) => ({ image, persistent: true }), ref[0], ref[1], 'IMAGE_NOT_FOUND');
    await alike(t, bob, 'image.enable', (image) => ({ image, enable: false }), ref[0], ref[1], 'IMAGE_NOT_FOUND');
    await alike(t, bob, 'image.rename', (image) => ({ image, name: 'mine-now' }), ref[0], ref[1], 'IMAGE_NOT_FOUND');
  }
  await alike(
    t,
    bob,
    'image.upload',
    (id) => ({ id: id as number, offset: 0, data: new Uint8Array(10) }),
    locked,
    MISSING,
    'IMAGE_NOT_FOUND',
  );
  await alike(t, bob, 'image.commit', (id) => ({ id: id as number, size: 10 }), locked, MISSING, 'IMAGE_NOT_FOUND');
  await alike(
    t,
    bob,
    'vm.allocate',
    (id) => ({ template: `NAME = v\nCPU = 0.1\nMEMORY = 64\nDISK = [ IMAGE_ID = ${id} ]\n`, hold: true }),
    img,
    MISSING,
    'IMAGE_NOT_FOUND',
  );
  await alike(
    t,
    bob,
    'vm.allocate',
    (name) => ({ template: `NAME = v\nCPU = 0.1\nMEMORY = 64\nDISK = [ IMAGE = "${name}", IMAGE_UNAME = alice ]\n`, hold: true }),
    'alice-img2',
    'no-such-img',
    'IMAGE_NOT_FOUND',
  );
  const refused = await refusal(bob, 'image.info', { image: img }, img);
  t.notMatch(refused.message, /alice-img2/, 'the refusal does not name the image');

  const aliceId = (await alice.call('user.info', {})).id;
  for (const ref of [
    [aliceId, MISSING],
    ['alice', 'nosuch'],
  ] as const) {
    await alike(t, bob, 'user.info', (u) => ({ user: u }), ref[0], ref[1], 'USER_NOT_FOUND');
    await alike(t, bob, 'user.passwd', (u) => ({ user: u, password: 'taken-over' }), ref[0], ref[1], 'USER_NOT_FOUND');
    await alike(t, bob, 'user.login', (u) => ({ user: u, expire: 60 }), ref[0], ref[1], 'USER_NOT_FOUND');
  }
  await alike(t, bob, 'group.info', (g) => ({ group: g }), 'oneadmin', 'nosuch', 'GROUP_NOT_FOUND');
  await alike(t, bob, 'group.info', (g) => ({ group: g }), 0, MISSING, 'GROUP_NOT_FOUND');

  // Afterwards: oned answers an administrator, and alice's objects are as they were.
  t.match(await admin.call('vm.info', { id: vm }), { name: 'secret-vm', state: 'HOLD', user: 'alice' });
  t.match(await alice.call('template.info', { id: tmpl }), {
    name: 'secret-tmpl',
    template: 'NAME = secret-tmpl\nCPU = 0.1\nMEMORY = 64\n',
  });
  t.match(await alice.call('vn.info', { network: net }), { name: 'secret-net', used: 0, ranges: [{ arId: 0, size: 4 }] });
  t.match(await alice.call('image.info', { image: img }), { name: 'alice-img2', persistent: false, state: 'READY' });
  t.match(await alice.call('image.info', { image: locked }), { state: 'LOCKED' });
  t.same(
    (await admin.call('vmpool.info', { all: true })).map((v) => v.id),
    [vm],
    'no VM was created by the refused calls',
  );
  t.equal((await alice.call('user.info', {})).name, 'alice');
});

t.test('hostpool.info and host.info show a user their own VMs only, and no deployment details', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const alice = await user(t, cloud, 'alice');
  const bob = await user(t, cloud, 'bob');
  const node = await cloud.addHost('node1');
  await cloud.waitState(node.id, 'MONITORED');
  const hold = 'CPU = 0.1\nMEMORY = 64\n';
  const { id: adminVm } = await admin.call('vm.allocate', { template: `NAME = a\n${hold}`, hold: false });
  const { id: aliceVm } = await alice.call('vm.allocate', { template: `NAME = b\n${hold}`, hold: false });
  for (const id of [adminVm, aliceVm]) await admin.call('vm.action', { id, action: 'deploy', host: node.id });
  const all = await eventually(
    () => admin.call('host.info', { host: node.id }),
    (h) => h.vms.length === 2,
    20_000,
    'both VMs on the host',
  );
  t.same(
    [...all.vms].sort((a, b) => a - b),
    [adminVm, aliceVm],
    'an administrator sees every VM id',
  );

  const asAlice = await alice.call('hostpool.info', {});
  t.same(
    asAlice.map((h) => h.vms),
    [[aliceVm]],
    'alice sees her own VM only',
  );
  t.same((await alice.call('host.info', { host: node.id })).vms, [aliceVm]);
  const asBob = await bob.call('hostpool.info', {});
  t.same(
    asBob.map((h) => h.vms),
    [[]],
    'bob sees no VM id',
  );
  t.same((await bob.call('host.info', { host: 'node1' })).vms, []);
  t.equal(asBob[0]?.name, 'node1', 'the host itself is visible');
  t.equal(asBob[0]?.allocatedCpu, all.allocatedCpu, 'and its capacity');
  t.equal(asBob[0]?.ssh, undefined);
  t.equal(asBob[0]?.deploy, undefined);

  // Afterwards: oned answers an administrator, and nothing changed.
  t.same(
    (await admin.call('hostpool.info', {})).map((h) => [...h.vms].sort((a, b) => a - b)),
    [[adminVm, aliceVm]],
  );
  t.same(
    (await admin.call('vmpool.info', { all: false })).map((v) => [v.id, v.user]),
    [
      [adminVm, 'oneadmin'],
      [aliceVm, 'alice'],
    ],
  );
});

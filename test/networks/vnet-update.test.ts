/**
 * `vn.update` through oned's API: the network's template attributes
 * replaced or merged as OpenNebula's one.vn.update; BRIDGE kept when left
 * out, BRIDGE and VLAN_ID fixed while VMs hold leases; no address ranges
 * (add_ar, rm_ar); NAME is the network's own; bounded; new leases see the
 * new attributes; the manage right; kept across a restart.
 */
import t from 'tap';
import { ApiClient } from '../../src/cli/api-client.js';
import { adminClient, onedOn, startCloud } from '../fixtures/cloud.js';

const NET = 'NAME = lan\nBRIDGE = br7\nVLAN_ID = 7\nGATEWAY = 10.0.0.254\nDNS = 10.0.0.53\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 8 ]\n';
const VM = 'NAME = web\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK = lan ]\n';

t.test('replace and merge; what an update may not change; rights', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  for (const name of ['alice', 'bob']) await admin.call('user.allocate', { name, password: `${name}-pw` });
  const alice = await ApiClient.connect({ url: cloud.oned.url, user: 'alice', password: 'alice-pw' });
  const bob = await ApiClient.connect({ url: cloud.oned.url, user: 'bob', password: 'bob-pw' });
  t.teardown(() => {
    alice.close();
    bob.close();
  });
  const { id } = await alice.call('vn.allocate', { template: NET });

  const replaced = await alice.call('vn.update', { id, template: 'BRIDGE = br8\nVLAN_ID = 8\nDNS = 1.1.1.1\nmtu = 1400\n', append: false });
  t.match(replaced, { id, name: 'lan', bridge: 'br8', vlanId: 8, attributes: { DNS: '1.1.1.1', MTU: '1400' }, size: 8 });
  t.same(Object.keys(replaced.attributes), ['DNS', 'MTU'], 'a replace: GATEWAY went');
  t.equal(replaced.template, 'NAME = lan\nBRIDGE = br8\nVLAN_ID = 8\nDNS = 1.1.1.1\nMTU = 1400\n', 'the template as it now stands');
  const merged = await alice.call('vn.update', { id, template: 'GATEWAY = 10.0.0.1\nMTU = 9000\n', append: true });
  t.same(merged.attributes, { DNS: '1.1.1.1', MTU: '9000', GATEWAY: '10.0.0.1' }, 'append: the others stay');
  t.match(merged, { bridge: 'br8', vlanId: 8 });
  const kept = await alice.call('vn.update', { id, template: 'NAME = other\nDNS = 9.9.9.9\nMTU = ""\n', append: true });
  t.match(kept, { name: 'lan', bridge: 'br8', vlanId: 8 }, 'NAME is the network’s own: vn.rename changes it');
  t.same(kept.attributes, { DNS: '9.9.9.9', GATEWAY: '10.0.0.1' }, 'an empty value removes');
  const noBridge = await alice.call('vn.update', { id, template: 'DNS = 9.9.9.9\n', append: false });
  t.match(noBridge, { bridge: 'br8', vlanId: undefined }, 'a replace without BRIDGE keeps the bridge; without VLAN_ID, no tag');

  for (const [template, attribute] of [
    ['AR = [ TYPE = IP4, IP = 10.9.0.1, SIZE = 2 ]\n', 'AR'],
    ['LEASES = [ IP = 10.9.0.1 ]\n', 'LEASES'],
    ['X = [ A = 1 ]\n', 'X'],
    ['X = 1\nX = 2\n', 'X'],
    ['BRIDGE = "br 0"\n', 'BRIDGE'],
    ['VLAN_ID = 4095\n', 'VLAN_ID'],
    ['GATEWAY = nowhere\n', 'GATEWAY'],
    [`DNS = "${'d'.repeat(4097)}"\n`, 'DNS'],
  ] as const) {
    await t.rejects(
      alice.call('vn.update', { id, template, append: true }),
      { code: 'INVALID_TEMPLATE', details: { attribute } },
      attribute,
    );
  }
  await t.rejects(alice.call('vn.update', { id, template: 'A = "open\n', append: true }), { code: 'TEMPLATE_SYNTAX' });
  t.same((await alice.call('vn.info', { network: id })).attributes, { DNS: '9.9.9.9' }, 'refusals change nothing');

  // New leases see the new attributes; BRIDGE and VLAN_ID stay while a VM holds a lease.
  await alice.call('vn.update', { id, template: 'BRIDGE = br9\nVLAN_ID = 9\nGATEWAY = 10.0.0.1\n', append: true });
  const { id: vm } = await alice.call('vm.allocate', { template: VM, hold: true });
  t.match((await alice.call('vm.info', { id: vm })).nics[0], { bridge: 'br9', vlanId: 9, attributes: { GATEWAY: '10.0.0.1' } });
  for (const [template, attribute] of [
    ['BRIDGE = br10\n', 'BRIDGE'],
    ['VLAN_ID = 10\n', 'VLAN_ID'],
  ] as const) {
    await t.rejects(alice.call('vn.update', { id, template, append: true }), {
      code: 'ACTION_NOT_ALLOWED',
      details: { attribute, vms: [vm] },
    });
  }
  t.match(
    await alice.call('vn.update', { id, template: 'BRIDGE = br9\nVLAN_ID = 9\nDNS = 8.8.8.8\n', append: true }),
    { bridge: 'br9', vlanId: 9, attributes: { DNS: '8.8.8.8' } },
    'the same bridge and tag again, other attributes changed: allowed while in use',
  );
  await alice.call('vn.hold', { network: id, ip: '10.0.0.5' });
  await alice.call('vm.action', { id: vm, action: 'terminate' });
  t.match(
    await alice.call('vn.update', { id, template: 'BRIDGE = br10\n', append: true }),
    { bridge: 'br10' },
    'a hold is no VM: once the VM is gone it may change',
  );

  // Rights.
  await t.rejects(bob.call('vn.update', { id, template: 'X = 1\n', append: true }), { code: 'NETWORK_NOT_FOUND' });
  await alice.call('vn.chmod', { id, octet: '604' });
  await t.rejects(bob.call('vn.update', { id, template: 'X = 1\n', append: true }), { code: 'NOT_AUTHORIZED' });
  t.match(
    await admin.call('vn.update', { id: 'lan', template: 'X = 1\n', append: true }),
    { attributes: { X: '1' } },
    "an administrator changes anyone's",
  );
  await t.rejects(alice.call('vn.update', { id: 9999, template: 'X = 1\n', append: true }), { code: 'NETWORK_NOT_FOUND' });
});

t.test('kept on disk', async (t) => {
  const start = onedOn(t.testdir());
  const first = await start();
  const admin = await adminClient(first);
  const { id } = await admin.call('vn.allocate', { template: NET });
  await admin.call('vn.update', { id, template: 'BRIDGE = br1\nNOTE = "on disk"\n', append: false });
  admin.close();
  await first.close();
  const second = await start();
  t.teardown(() => second.close());
  const c = await adminClient(second);
  t.teardown(() => c.close());
  t.match(await c.call('vn.info', { network: id }), { bridge: 'br1', vlanId: undefined, attributes: { NOTE: 'on disk' }, size: 8 });
});

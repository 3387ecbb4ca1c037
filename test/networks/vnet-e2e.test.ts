/**
 * Leases through the whole front-end: taken at `onevm create`, released at
 * DONE on every path there (terminate, a failed deploy recovered with
 * --delete, a delete from each state), never twice, never leaked, and kept
 * across an oned restart.
 */
import t from 'tap';
import type { VmActionParams } from '../../src/api/api-types.js';
import type { NetworkView } from '../../src/networks/network-view.js';
import type { VmView } from '../../src/vms/vm-record.js';
import type { VmState } from '../../src/vms/vm-states.js';
import { ApiClient } from '../../src/cli/api-client.js';
import type { NetworkMsg } from '../../src/networks/network-actor.js';
import { adminClient, onedOn, startCloud, type TestCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const LAN = `NAME = "Private LAN"
TYPE = RANGED
BRIDGE = nebr0
NETWORK_ADDRESS = 192.168.50.0
NETWORK_SIZE = 4
GATEWAY = 192.168.50.254
DNS = 192.168.50.253
`;

function ops(cloud: TestCloud) {
  const c = cloud.client;
  return {
    net: (ref: string | number) => c.call('vn.info', { network: ref }),
    create: async (nics: string[], extra = '', hold = false) =>
      (
        await c.call('vm.allocate', {
          template: `NAME = vm\nCPU = 0.1\nMEMORY = 64\n${nics.map((n) => `NIC = [ ${n} ]`).join('\n')}\n${extra}`,
          hold,
        })
      ).id,
    act: (id: number, action: VmActionParams['action'], more: Partial<VmActionParams> = {}) => c.call('vm.action', { id, action, ...more }),
    info: (id: number) => c.call('vm.info', { id }),
    waitState: (id: number, state: VmState) =>
      eventually(
        () => c.call('vm.info', { id }),
        (v: VmView) => v.state === state,
        20_000,
        `VM ${id} ${state}`,
      ),
    /** The network's leases, once the releases told to it have landed. */
    waitUsed: (ref: string | number, used: number) =>
      eventually(
        () => c.call('vn.info', { network: ref }),
        (n: NetworkView) => n.used === used,
        10_000,
        `network ${ref} with ${used} leases`,
      ),
  };
}

t.test('a NIC gets a lease at create; the context sees it; terminate gives it back', async (t) => {
  const cloud = await startCloud(t);
  const o = ops(cloud);
  const { id: netId } = await cloud.client.call('vn.allocate', { template: LAN });
  const node = await cloud.addHost('node1');
  await cloud.waitState(node.id, 'MONITORED');
  const id = await o.create(
    ['NETWORK = "Private LAN"', `NETWORK_ID = ${netId}, IP = 192.168.50.4, MODEL = e1000`],
    'CONTEXT = [ NETWORK = YES, HOSTNAME = "$NAME", IP0 = "$NIC[IP, NETWORK=\\"Private LAN\\"]", GW = "$NETWORK[GATEWAY, NETWORK_ID=' +
      netId +
      ']" ]',
  );
  const vm = await o.info(id);
  t.same(
    vm.nics.map((n) => [n.nicId, n.ip, n.mac, n.bridge, n.model]),
    [
      [0, '192.168.50.1', '02:00:c0:a8:32:01', 'nebr0', undefined],
      [1, '192.168.50.4', '02:00:c0:a8:32:04', 'nebr0', 'e1000'],
    ],
  );
  t.match(vm.context, {
    HOSTNAME: 'vm',
    IP0: '192.168.50.1',
    GW: '192.168.50.254',
    ETH0_IP: '192.168.50.1',
    ETH0_MAC: '02:00:c0:a8:32:01',
    ETH0_MASK: '255.255.255.248',
    ETH0_GATEWAY: '192.168.50.254',
    ETH0_DNS: '192.168.50.253',
    ETH1_IP: '192.168.50.4',
  });
  const net = await o.net(netId);
  t.same(
    net.leases.map((l) => [l.ip, l.vmId, l.nicId]),
    [
      ['192.168.50.1', id, 0],
      ['192.168.50.4', id, 1],
    ],
  );

  await o.act(id, 'deploy', { host: node.id });
  await o.waitState(id, 'RUNNING');
  await o.act(id, 'terminate', { hard: true });
  await o.waitState(id, 'DONE');
  await o.waitUsed(netId, 0);
  t.pass('terminated: both leases are free again');
});

t.test('exhaustion refuses the create and takes nothing; a taken IP is refused', async (t) => {
  const cloud = await startCloud(t);
  const o = ops(cloud);
  await cloud.client.call('vn.allocate', { template: LAN });
  const a = await o.create(['NETWORK = "Private LAN"', 'NETWORK = "Private LAN"', 'NETWORK = "Private LAN"']);
  await t.rejects(o.create(['NETWORK = "Private LAN"', 'NETWORK = "Private LAN"']), { code: 'NO_LEASES' }, 'one left, two asked');
  t.equal((await o.net('Private LAN')).used, 3, 'the refused create took none');
  await t.rejects(o.create(['NETWORK = "Private LAN", IP = 192.168.50.2']), { code: 'NO_LEASES' }, 'a leased IP');
  await t.rejects(o.create(['NETWORK = "nowhere"']), { code: 'NETWORK_NOT_FOUND' });
  await t.rejects(o.create(['NETWORK = "Private LAN"'], 'CONTEXT = [ X = "$NIC[IP, NETWORK=\\"other\\"]" ]'), { code: 'INVALID_TEMPLATE' });
  t.equal((await o.net('Private LAN')).used, 3, 'a create refused after leasing gave its lease back');
  const last = await o.create(['NETWORK = "Private LAN"']);
  t.equal((await o.info(last)).nics[0]?.ip, '192.168.50.4');
  await t.rejects(cloud.client.call('vn.delete', { network: 'Private LAN' }), { code: 'ACTION_NOT_ALLOWED' }, 'leases in use');
  await o.act(a, 'terminate');
  await o.waitUsed('Private LAN', 1);
  const again = await o.create(['NETWORK = "Private LAN"', 'NETWORK = "Private LAN"', 'NETWORK = "Private LAN"']);
  t.same(
    (await o.info(again)).nics.map((n) => n.ip),
    ['192.168.50.1', '192.168.50.2', '192.168.50.3'],
    'released leases are leased again',
  );
});

t.test('every way to DONE releases the leases: delete from each state, failed deploys', async (t) => {
  const cloud = await startCloud(t);
  const o = ops(cloud);
  const { id: netId } = await cloud.client.call('vn.allocate', {
    template: 'NAME = big\nAR = [ TYPE = IP4, IP = 10.9.0.1, SIZE = 100 ]\n',
  });
  const good = await cloud.addHost('good');
  const bad = await cloud.addHost('bad', { fail: 'deploy' });
  await cloud.waitState(good.id, 'MONITORED');
  await cloud.waitState(bad.id, 'MONITORED');
  const nic = [`NETWORK_ID = ${netId}`];
  const cases: Array<[string, () => Promise<number>]> = [
    ['HOLD', async () => o.create(nic, '', true)],
    ['PENDING', async () => o.create(nic)],
    [
      'RUNNING',
      async () => {
        const id = await o.create(nic);
        await o.act(id, 'deploy', { host: good.id });
        await o.waitState(id, 'RUNNING');
        return id;
      },
    ],
    [
      'POWEROFF',
      async () => {
        const id = await o.create(nic);
        await o.act(id, 'deploy', { host: good.id });
        await o.waitState(id, 'RUNNING');
        await o.act(id, 'poweroff', { hard: true });
        await o.waitState(id, 'POWEROFF');
        return id;
      },
    ],
    [
      'UNDEPLOYED',
      async () => {
        const id = await o.create(nic);
        await o.act(id, 'deploy', { host: good.id });
        await o.waitState(id, 'RUNNING');
        await o.act(id, 'undeploy', { hard: true });
        await o.waitState(id, 'UNDEPLOYED');
        return id;
      },
    ],
    [
      'BOOT_FAILURE',
      async () => {
        const id = await o.create(nic);
        await o.act(id, 'deploy', { host: bad.id });
        await o.waitState(id, 'BOOT_FAILURE');
        return id;
      },
    ],
  ];
  for (const [state, make] of cases) {
    const id = await make();
    t.equal((await o.info(id)).state, state);
    t.equal((await o.net(netId)).leases.filter((l) => l.vmId === id).length, 1, `${state}: the VM holds its lease`);
    await o.act(id, 'recover', { op: 'delete' });
    await o.waitState(id, 'DONE');
    await eventually(
      () => o.net(netId),
      (n) => !n.leases.some((l) => l.vmId === id),
      10_000,
      `VM ${id}'s lease released`,
    );
    t.pass(`deleted in ${state}: released`);
  }
  // terminate from HOLD and PENDING (no host), and after a failed deploy.
  for (const hold of [true, false]) {
    const id = await o.create(nic, '', hold);
    await o.act(id, 'terminate');
    await o.waitState(id, 'DONE');
  }
  await o.waitUsed(netId, 0);
  t.pass('terminate without a host released too');
});

t.test('leases survive an oned restart, and leases of VMs that never got stored are reclaimed', async (t) => {
  const dir = t.testdir();
  const start = onedOn(dir);
  const first = await start();
  const c1 = await adminClient(first);
  await c1.call('vn.allocate', { template: LAN });
  const { id } = await c1.call('vm.allocate', {
    template: 'NAME = a\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK = "Private LAN" ]\n',
    hold: false,
  });
  // A lease for a VM id no record holds: what a crash between the lease and the VM's write leaves.
  await first.system.lookup<NetworkMsg>('vnet-0')?.ask({ type: 'lease', vmId: 999, requests: [{ nicId: 0 }] });
  t.same(
    (await c1.call('vn.info', { network: 0 })).leases.map((l) => l.vmId),
    [id, 999],
  );
  c1.close();
  await first.close();

  const second = await start();
  t.teardown(() => second.close());
  const c2 = await adminClient(second);
  t.teardown(() => c2.close());
  const after = await c2.call('vn.info', { network: 0 });
  t.same(
    after.leases.map((l) => [l.vmId, l.ip]),
    [[id, '192.168.50.1']],
    'the orphan is released, the VM keeps its lease',
  );
});

t.test('networks of oneadmin are public, others private to their owner', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  await admin.call('user.allocate', { name: 'alice', password: 'alice-secret' });
  await admin.call('user.allocate', { name: 'bob', password: 'bob-secret' });
  const as = async (user: string) => {
    const c = await ApiClient.connect({ url: cloud.oned.url, user, password: `${user}-secret` });
    t.teardown(() => c.close());
    return c;
  };
  const alice = await as('alice');
  const bob = await as('bob');
  await admin.call('vn.allocate', { template: 'NAME = public\nAR = [ TYPE = IP4, IP = 10.1.0.1, SIZE = 10 ]\n' });
  const { id: mine } = await alice.call('vn.allocate', { template: 'NAME = alices\nAR = [ TYPE = IP4, IP = 10.2.0.1, SIZE = 10 ]\n' });
  const vm = (net: string) => `NAME = v\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK = "${net}" ]\n`;

  t.same(
    (await bob.call('vnpool.info', {})).map((n) => n.name),
    ['public'],
    'bob sees the public network only',
  );
  t.same(
    (await alice.call('vnpool.info', {})).map((n) => n.name),
    ['public', 'alices'],
  );
  t.same(
    (await admin.call('vnpool.info', {})).map((n) => [n.name, n.user]),
    [
      ['public', 'oneadmin'],
      ['alices', 'alice'],
    ],
  );
  await t.rejects(
    bob.call('vn.info', { network: mine }),
    { code: 'NETWORK_NOT_FOUND', message: `no network ${mine}` },
    "another user's network is not found",
  );
  await t.rejects(
    bob.call('vm.allocate', { template: vm('alices'), hold: false }),
    { code: 'NETWORK_NOT_FOUND' },
    "no lease from another user's network",
  );
  await t.rejects(bob.call('vn.hold', { network: 'public', ip: '10.1.0.5' }), { code: 'NOT_AUTHORIZED' }, 'public to use, not to change');
  await t.rejects(bob.call('vn.delete', { network: 'alices' }), { code: 'NETWORK_NOT_FOUND', message: 'no network alices' });
  t.equal((await admin.call('vn.info', { network: 'alices' })).used, 0, 'nothing changed on a refusal');

  const { id: bobVm } = await bob.call('vm.allocate', { template: vm('public'), hold: false });
  t.equal((await bob.call('vm.info', { id: bobVm })).nics[0]?.ip, '10.1.0.1');
  const { id: aliceVm } = await alice.call('vm.allocate', { template: vm('alices'), hold: false });
  t.equal((await alice.call('vm.info', { id: aliceVm })).nics[0]?.network, 'alices');
  await alice.call('vn.hold', { network: 'alices', ip: '10.2.0.9' });
  t.same(
    (await alice.call('vn.info', { network: mine })).leases.map((l) => [l.ip, l.vmId]),
    [
      ['10.2.0.1', aliceVm],
      ['10.2.0.9', undefined],
    ],
  );
});

/**
 * NICs on a host for real: an agent with the Linux network driver plugs a
 * VM's NICs into a network namespace of this test's own — the network's
 * bridge made when missing, one tap per NIC with the lease's MAC (fe: first
 * byte) on it — and unplugs them when the VM is done.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import t from 'tap';
import type { VmView } from '../../src/vms/vm-record.js';
import { findOnPath } from '../../scripts/guest/build-guest.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const run = promisify(execFile);
const skip =
  process.getuid?.() !== 0
    ? 'needs root for network namespaces'
    : (await findOnPath('ip')) === undefined
      ? 'ip (iproute2) not found'
      : undefined;

interface Link {
  ifname: string;
  master?: string;
  address: string;
  flags: string[];
}

if (skip !== undefined) {
  t.comment(`skipped: ${skip}`);
  t.pass('skipped');
} else {
  t.test('deploy plugs the NICs into the bridge, terminate unplugs them', async (t) => {
    const tag = randomBytes(3).toString('hex');
    const ns = `nephele-t-${tag}`;
    const bridge = `nbr${tag}`;
    await run('ip', ['netns', 'add', ns]);
    t.teardown(() => run('ip', ['netns', 'del', ns]));
    const links = async (): Promise<Map<string, Link>> =>
      new Map((JSON.parse((await run('ip', ['-n', ns, '-j', 'link', 'show'])).stdout) as Link[]).map((l) => [l.ifname, l]));

    const cloud = await startCloud(t);
    const node = await cloud.addHost('node1', { args: ['--network', 'linux', '--netns', ns] });
    await cloud.waitState(node.id, 'MONITORED');
    await cloud.client.call('vn.allocate', { template: `NAME = lan\nBRIDGE = ${bridge}\nAR = [ TYPE = IP4, IP = 10.7.0.10, SIZE = 8 ]\n` });
    const { id } = await cloud.client.call('vm.allocate', {
      template: 'NAME = v\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK = lan ]\nNIC = [ NETWORK = lan, IP = 10.7.0.15 ]\n',
      hold: false,
    });
    t.notOk((await links()).has(bridge), 'no bridge before a VM needs it');
    await cloud.client.call('vm.action', { id, action: 'deploy', host: node.id });
    await eventually(
      () => cloud.client.call('vm.info', { id }),
      (v: VmView) => v.state === 'RUNNING',
      20_000,
      'RUNNING',
    );

    let now = await links();
    t.ok(now.get(bridge)?.flags.includes('UP'), 'the bridge was made and is up');
    t.match(
      now.get(`one-${id}-0`),
      { master: bridge, address: 'fe:00:0a:07:00:0a' },
      "NIC 0: a tap on the bridge with the lease's MAC behind fe",
    );
    t.match(now.get(`one-${id}-1`), { master: bridge, address: 'fe:00:0a:07:00:0f' }, 'NIC 1: the IP asked for');

    await cloud.client.call('vm.action', { id, action: 'terminate', hard: true });
    await eventually(
      () => cloud.client.call('vm.info', { id }),
      (v: VmView) => v.state === 'DONE',
      20_000,
      'DONE',
    );
    now = await eventually(links, (l) => !l.has(`one-${id}-0`) && !l.has(`one-${id}-1`), 10_000, 'taps removed');
    t.ok(now.has(bridge), "the bridge stays for the network's other VMs");
    t.equal((await cloud.client.call('vn.info', { network: 'lan' })).used, 0, 'and the leases are free');

    // A deploy the hypervisor refuses leaves no tap behind.
    const broken = await cloud.addHost('broken', { fail: 'deploy', args: ['--network', 'linux', '--netns', ns] });
    await cloud.waitState(broken.id, 'MONITORED');
    const { id: failing } = await cloud.client.call('vm.allocate', {
      template: 'NAME = f\nCPU = 0.1\nMEMORY = 64\nNIC = [ NETWORK = lan ]\n',
      hold: false,
    });
    await cloud.client.call('vm.action', { id: failing, action: 'deploy', host: broken.id });
    await eventually(
      () => cloud.client.call('vm.info', { id: failing }),
      (v: VmView) => v.state === 'BOOT_FAILURE',
      20_000,
      'BOOT_FAILURE',
    );
    t.notOk((await links()).has(`one-${failing}-0`), 'the failed deploy removed its tap');
  });
}

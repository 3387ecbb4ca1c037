import t, { type Test } from 'tap';
import type { ActorRef } from '../../src/actors/index.js';
import type { VmActionParams } from '../../src/api/api-types.js';
import type { ApiClient } from '../../src/cli/api-client.js';
import type { HostPoolMsg } from '../../src/hosts/host-pool.js';
import type { VmView } from '../../src/vms/vm-record.js';
import type { VmState } from '../../src/vms/vm-states.js';
import { startCloud, type TestCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

function vmOps(cloud: TestCloud) {
  const c: ApiClient = cloud.client;
  return {
    create: async (name: string, hold = false) =>
      (await c.call('vm.allocate', { template: `NAME = ${name}\nCPU = 0.5\nMEMORY = 128\n`, hold })).id,
    act: (id: number, action: VmActionParams['action'], extra: Partial<VmActionParams> = {}) =>
      c.call('vm.action', { id, action, ...extra }),
    info: (id: number) => c.call('vm.info', { id }),
    waitState: (id: number, state: VmState) =>
      eventually(
        () => c.call('vm.info', { id }),
        (v: VmView) => v.state === state,
        20_000,
        `VM ${id} ${state}`,
      ),
    /** What the node itself runs, asked through its host actor. */
    nodeVms: async (hostId: number) => {
      const pool = cloud.oned.system.lookup<HostPoolMsg>('host-pool') as ActorRef<HostPoolMsg>;
      const host = await pool.ask({ type: 'get', host: hostId });
      return host.ask({ type: 'request', req: { type: 'vm.list' } });
    },
  };
}

/** One host with its agent, and one VM running on it. */
async function oneRunningVm(t: Test, options: { heartbeatMs?: number; lostAfterMs?: number } = {}) {
  const cloud = await startCloud(t, options);
  const node = await cloud.addHost('node1');
  await cloud.waitState(node.id, 'MONITORED');
  const vm = vmOps(cloud);
  const id = await vm.create('web');
  await vm.act(id, 'deploy', { host: node.id });
  await vm.waitState(id, 'RUNNING');
  return { cloud, node, vm, id };
}

async function twoHosts(t: Test) {
  const cloud = await startCloud(t);
  const a = await cloud.addHost('node1');
  const b = await cloud.addHost('node2');
  await cloud.waitState(a.id, 'MONITORED');
  await cloud.waitState(b.id, 'MONITORED');
  return { cloud, a: a.id, b: b.id, vm: vmOps(cloud) };
}

t.test('the OpenNebula life cycle through oned and real agents', async (t) => {
  const { cloud, a, b, vm } = await twoHosts(t);
  const id = await vm.create('web');
  t.equal((await vm.info(id)).state, 'PENDING');

  await vm.act(id, 'deploy', { host: 'node1' });
  let v = await vm.waitState(id, 'RUNNING');
  t.equal(v.hostId, a);
  t.same(
    (await vm.nodeVms(a)).map((x) => x.vmId),
    [id],
    'node1 runs it',
  );
  const host = await cloud.host(a);
  t.same([host.rvm, host.allocatedCpu, host.allocatedMem], [1, 50, 128 * 1024], 'node1 counts it');

  await vm.act(id, 'reboot');
  await vm.act(id, 'reboot', { hard: true });
  t.equal((await vm.info(id)).state, 'RUNNING');

  await vm.act(id, 'poweroff');
  await vm.waitState(id, 'POWEROFF');
  t.same(await vm.nodeVms(a), [], 'powered off: not running on the node');
  await vm.act(id, 'resume');
  await vm.waitState(id, 'RUNNING');

  await vm.act(id, 'suspend');
  await vm.waitState(id, 'SUSPENDED');
  await vm.act(id, 'resume');
  await vm.waitState(id, 'RUNNING');

  await vm.act(id, 'stop');
  await vm.waitState(id, 'STOPPED');
  t.equal((await cloud.host(a)).rvm, 0, 'a stopped VM frees its host');
  await vm.act(id, 'resume');
  await vm.act(id, 'deploy', { host: b });
  v = await vm.waitState(id, 'RUNNING');
  t.equal(v.hostId, b, 'resumed on another host');

  await vm.act(id, 'undeploy', { hard: true });
  await vm.waitState(id, 'UNDEPLOYED');
  await vm.act(id, 'deploy', { host: a });
  await vm.waitState(id, 'RUNNING');

  await vm.act(id, 'migrate', { host: b });
  v = await vm.waitState(id, 'RUNNING');
  t.equal(v.hostId, b, 'cold migration moved it');
  t.same(await vm.nodeVms(a), [], 'and the source holds nothing');

  await vm.act(id, 'migrate', { host: a, live: true });
  v = await eventually(
    () => vm.info(id),
    (x) => x.state === 'RUNNING' && x.hostId === a,
  );
  await eventually(
    () => vm.nodeVms(b),
    (list) => list.length === 0,
    10_000,
    'the source to let go',
  );
  t.same(
    (await vm.nodeVms(a)).map((x) => x.vmId),
    [id],
    'live migration moved it',
  );

  await vm.act(id, 'terminate');
  v = await vm.waitState(id, 'DONE');
  t.same(await vm.nodeVms(a), []);
  t.equal((await cloud.host(a)).rvm, 0);
  t.ok(
    v.history.every((h) => h.etime !== undefined),
    'every stay is closed',
  );
  t.same(
    v.history.map((h) => h.reason),
    ['stop', 'undeploy', 'migrate', 'migrate', 'terminate'],
  );
  t.same(await cloud.client.call('vmpool.info', { all: false }), [], 'DONE VMs are listed only with all');
  t.equal((await cloud.client.call('vmpool.info', { all: true })).length, 1);
});

t.test('hold, release, recover --delete, and refused actions', async (t) => {
  const { a, vm } = await twoHosts(t);
  const held = await vm.create('held', true);
  t.equal((await vm.info(held)).state, 'HOLD');
  await vm.act(held, 'release');
  t.equal((await vm.info(held)).state, 'PENDING');
  await t.rejects(vm.act(held, 'suspend'), { code: 'ACTION_NOT_ALLOWED', message: /PENDING/ });
  await t.rejects(vm.act(held, 'resume'), { code: 'ACTION_NOT_ALLOWED' });
  t.equal((await vm.info(held)).state, 'PENDING', 'a refused action changes nothing');

  await vm.act(held, 'deploy', { host: a });
  await vm.waitState(held, 'RUNNING');
  await vm.act(held, 'recover', { op: 'delete' });
  await vm.waitState(held, 'DONE');
  await eventually(
    () => vm.nodeVms(a),
    (l) => l.length === 0,
    10_000,
    'cleanup on the node',
  );
  await t.rejects(vm.act(held, 'resume'), { code: 'ACTION_NOT_ALLOWED', message: /DONE/ });
  await t.rejects(vm.info(999), { code: 'VM_NOT_FOUND' });
});

t.test('bad templates are refused at create with a code, and nothing is created', async (t) => {
  const { cloud } = await twoHosts(t);
  await t.rejects(cloud.client.call('vm.allocate', { template: 'CPU = 1\nMEMORY = abc\n', hold: false }), { code: 'INVALID_TEMPLATE' });
  await t.rejects(cloud.client.call('vm.allocate', { template: 'CPU = 1\n', hold: false }), { code: 'INVALID_TEMPLATE' });
  await t.rejects(cloud.client.call('vm.allocate', { template: 'DISK = [ IMAGE = "x"\n', hold: false }), {
    code: 'TEMPLATE_SYNTAX',
    details: { line: 2, column: 1 },
  });
  t.same(await cloud.client.call('vmpool.info', { all: true }), []);
});

t.test('a lost host puts its VMs in UNKNOWN; back with the VM alive, they run again', async (t) => {
  const { node, vm, id } = await oneRunningVm(t, { heartbeatMs: 100, lostAfterMs: 500 });
  process.kill(node.agent.pid, 'SIGSTOP');
  t.teardown(() => {
    try {
      process.kill(node.agent.pid, 'SIGCONT');
    } catch {
      /* gone */
    }
  });
  await vm.waitState(id, 'UNKNOWN');
  process.kill(node.agent.pid, 'SIGCONT');
  const v = await vm.waitState(id, 'RUNNING');
  t.equal(v.hostId, node.id, 'same host, nothing redeployed');
  t.same(
    (await vm.nodeVms(node.id)).map((x) => x.vmId),
    [id],
  );
});

t.test('a boot the node refuses (no capacity) is BOOT_FAILURE; recover takes it out', async (t) => {
  const { a, b, vm, cloud } = await twoHosts(t);
  const big = (await cloud.client.call('vm.allocate', { template: 'NAME = big\nCPU = 1\nMEMORY = 16777216\n', hold: false })).id;
  await t.rejects(vm.act(big, 'deploy', { host: a }), { code: 'NO_CAPACITY' }, 'oned checks the capacity first');
  await vm.act(big, 'deploy', { host: a, enforce: false });
  const failed = await vm.waitState(big, 'BOOT_FAILURE');
  t.match(failed.lastError, /memory|capacity/i, 'the node said why');
  await t.rejects(vm.act(big, 'resume'), { code: 'ACTION_NOT_ALLOWED', message: /BOOT_FAILURE/ });
  await vm.act(big, 'recover', { op: 'retry' });
  await vm.waitState(big, 'BOOT_FAILURE');
  await vm.act(big, 'recover', { op: 'recreate' });
  const again = await vm.waitState(big, 'PENDING');
  t.equal(again.id, big, 'recreate keeps the id');
  t.equal((await cloud.host(a)).rvm, 0, 'and frees the host');
  await vm.act(big, 'recover', { op: 'delete' });
  await vm.waitState(big, 'DONE');
  t.same(await vm.nodeVms(b), []);
});

t.test('a host actor that crashes learns its VMs again', async (t) => {
  const { cloud, a, vm } = await twoHosts(t);
  const id = await vm.create('web');
  await vm.act(id, 'deploy', { host: a });
  await vm.waitState(id, 'RUNNING');
  t.equal((await cloud.host(a)).rvm, 1);
  const pool = cloud.oned.system.lookup<HostPoolMsg>('host-pool') as ActorRef<HostPoolMsg>;
  const host = await pool.ask({ type: 'get', host: a });
  (host as unknown as { fail(e: Error): void }).fail(new Error('injected crash'));
  const back = await eventually(
    () => cloud.host(a),
    (h) => h.state === 'MONITORED' && h.rvm === 1,
    10_000,
    'the host to know its VM again',
  );
  t.equal(back.allocatedMem, 128 * 1024);
  t.equal(cloud.oned.system.inspect(host).restarts, 1);
  t.equal((await vm.info(id)).state, 'RUNNING', 'the VM never noticed');
});

t.test('failures the node reports: each lands where OpenNebula lands it, and recover works', async (t) => {
  const cloud = await startCloud(t);
  const good = await cloud.addHost('good');
  const broken = await cloud.addHost('broken', { fail: 'save,restore' });
  await cloud.waitState(good.id, 'MONITORED');
  await cloud.waitState(broken.id, 'MONITORED');
  const vm = vmOps(cloud);

  const a = await vm.create('on-broken');
  await vm.act(a, 'deploy', { host: broken.id });
  await vm.waitState(a, 'RUNNING');
  await vm.act(a, 'stop');
  let v = await eventually(
    () => vm.info(a),
    (x) => x.state === 'RUNNING' && x.pending === undefined,
  );
  t.match(v.lastError, /simulated save failure/, 'a failed save leaves it RUNNING, and says why');
  await vm.act(a, 'suspend');
  await eventually(
    () => vm.info(a),
    (x) => x.state === 'RUNNING' && x.pending === undefined,
  );
  await vm.act(a, 'migrate', { host: good.id });
  v = await eventually(
    () => vm.info(a),
    (x) => x.state === 'RUNNING' && x.pending === undefined,
  );
  t.equal(v.hostId, broken.id, 'a cold migration whose save fails stays where it was');
  t.equal(v.history[v.history.length - 1]?.reason, 'migrate_failed', 'the stay it was going to is closed as failed');

  const b = await vm.create('on-good');
  await vm.act(b, 'deploy', { host: good.id });
  await vm.waitState(b, 'RUNNING');
  await vm.act(b, 'migrate', { host: broken.id, live: true });
  v = await eventually(
    () => vm.info(b),
    (x) => x.state === 'RUNNING' && x.pending === undefined,
  );
  t.equal(v.hostId, good.id, 'a live migration that fails keeps the VM running at the source');
  t.same((await vm.nodeVms(good.id)).map((x) => x.vmId).sort(), [b]);

  await vm.act(b, 'stop');
  await vm.waitState(b, 'STOPPED');
  await vm.act(b, 'resume');
  await vm.act(b, 'deploy', { host: broken.id });
  await vm.waitState(b, 'BOOT_STOPPED_FAILURE');
  await vm.act(b, 'recover', { op: 'retry' });
  await vm.waitState(b, 'BOOT_STOPPED_FAILURE');
  await vm.act(b, 'recover', { op: 'delete' });
  await vm.waitState(b, 'DONE');
  t.equal((await cloud.host(broken.id)).rvm, 1, 'only the first VM is left on the broken host');
});

t.test('an agent that comes back without the VM (it restarted): UNKNOWN, then POWEROFF', async (t) => {
  const { node, vm, id } = await oneRunningVm(t);
  await node.agent.kill('SIGKILL'); // the dummy's VMs die with it
  await vm.waitState(id, 'UNKNOWN');
  node.start();
  const off = await vm.waitState(id, 'POWEROFF');
  t.equal(off.hostId, node.id, 'POWEROFF keeps its host');
  await vm.act(id, 'resume');
  await vm.waitState(id, 'RUNNING');
  t.same(
    (await vm.nodeVms(node.id)).map((x) => x.vmId),
    [id],
    'and resume starts it again',
  );
});

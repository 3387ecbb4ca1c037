/**
 * A restarted agent's ledger agrees with its hypervisor: the dummy driver's
 * VMs live in the agent's memory, so after kill -9 they are gone, and the
 * agent that starts next must neither list them nor answer a retried deploy
 * of one as done. oned, told, moves them out of RUNNING.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { ActorRef } from '../../src/actors/index.js';
import type { HostPoolMsg } from '../../src/hosts/host-pool.js';
import type { VmInfo, VmSpec } from '../../src/protocol/domain.js';
import { VmLedger, parseLedger } from '../../nodes/vm-ledger.js';
import { startCloud, type TestCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const spec = (vmId: number): VmSpec => ({ vmId, name: `vm-${vmId}`, cpu: 1, vcpu: 1, memoryMb: 64 });

async function nodeVms(cloud: TestCloud, hostId: number): Promise<readonly VmInfo[]> {
  const pool = cloud.oned.system.lookup<HostPoolMsg>('host-pool') as ActorRef<HostPoolMsg>;
  const host = await pool.ask({ type: 'get', host: hostId });
  return host.ask({ type: 'request', req: { type: 'vm.list' } });
}

t.test('reconcile forgets the VMs the hypervisor does not hold, and the operations done on them', async (t) => {
  const file = join(t.testdir(), 'ledger.json');
  const ledger = await VmLedger.open(file);
  for (const id of [1, 2, 3]) {
    await ledger.setVm(id, spec(id));
    await ledger.record(`deploy-${id}`, { vmId: id, op: 'vm.deploy', at: id });
  }
  await ledger.record('shutdown-9', { vmId: 9, op: 'vm.shutdown', at: 9 });
  const lost = await ledger.reconcile(new Set([2]));
  t.same(
    lost.map((s) => s.vmId),
    [1, 3],
    'the VMs gone, with their specs (for their taps)',
  );
  t.same(
    ledger.vms().map((s) => s.vmId),
    [2],
    'the held VM stays',
  );
  t.notOk(ledger.has('deploy-1'), 'a retried deploy of a lost VM runs again instead of being answered "done"');
  t.notOk(ledger.has('deploy-3'));
  t.ok(ledger.has('deploy-2'), "the held VM's operations stay");
  t.ok(ledger.has('shutdown-9'), 'so do those of VMs the ledger no longer lists');
  await ledger.close();
  const onDisk = parseLedger(await readFile(file, 'utf8'), file);
  t.same(
    onDisk.vms.map((s) => s.vmId),
    [2],
    'on disk before it resolves',
  );
  t.same(await (await VmLedger.open(file)).reconcile(new Set([2])), [], 'a second reconcile finds nothing to do');
});

t.test('kill -9 of a dummy agent: the restarted agent no longer claims its VMs, and oned moves them out of RUNNING', async (t) => {
  const cloud = await startCloud(t);
  const c = cloud.client;
  const node = await cloud.addHost('node1');
  await cloud.waitState(node.id, 'MONITORED');
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { id } = await c.call('vm.allocate', { template: `NAME = v${i}\nCPU = 0.1\nMEMORY = 64\n`, hold: false });
    await c.call('vm.action', { id, action: 'deploy', host: node.id });
    ids.push(id);
  }
  for (const id of ids)
    await eventually(
      () => c.call('vm.info', { id }),
      (v) => v.state === 'RUNNING',
      20_000,
      `VM ${id} RUNNING`,
    );
  const ledgerFile = join(cloud.dir, 'node1', 'ledger.json');
  const before = parseLedger(await readFile(ledgerFile, 'utf8'), ledgerFile);
  t.same(
    before.vms.map((s) => s.vmId),
    ids,
    'the ledger lists the running VMs',
  );
  t.ok(
    ids.every((id) => before.ops.some((o) => o.vmId === id && o.op === 'vm.deploy')),
    'and their deploys',
  );

  await node.agent.kill('SIGKILL'); // the dummy's VMs die with it
  const again = node.start();
  await cloud.waitState(node.id, 'MONITORED');
  await again.waitFor(/onenode started/);

  const after = parseLedger(await readFile(ledgerFile, 'utf8'), ledgerFile);
  t.same(after.vms, [], "the restarted agent's ledger lists none of the dead VMs");
  t.same(
    after.ops.filter((o) => ids.includes(o.vmId)),
    [],
    'nor remembers their deploys as done',
  );
  // Asked through oned once the new agent's link is up.
  t.same(
    await eventually(
      () => nodeVms(cloud, node.id),
      () => true,
      20_000,
      'the new agent answers',
    ),
    [],
    'the agent reports no VM',
  );
  await eventually(
    () => cloud.host(node.id),
    (h) => h.monitoring?.RUNNING_VMS === 0,
    20_000,
    'monitoring of the new agent',
  );
  t.pass('its monitoring counts none running');
  for (const id of ids) {
    const v = await eventually(
      () => c.call('vm.info', { id }),
      (x) => x.state !== 'RUNNING' && x.state !== 'UNKNOWN',
      20_000,
      `VM ${id} out of RUNNING`,
    );
    t.equal(v.state, 'POWEROFF', `VM ${id} is POWEROFF, on its host`);
    t.equal(v.hostId, node.id);
  }

  // The agent's view is true again: a resumed VM is in its ledger once more.
  const first = ids[0] as number;
  await c.call('vm.action', { id: first, action: 'resume' });
  await eventually(
    () => c.call('vm.info', { id: first }),
    (v) => v.state === 'RUNNING',
    20_000,
    'resumed',
  );
  const resumed = parseLedger(await readFile(ledgerFile, 'utf8'), ledgerFile);
  t.same(
    resumed.vms.map((s) => s.vmId),
    [first],
    'the resumed VM is in the ledger again',
  );
  t.same(
    (await nodeVms(cloud, node.id)).map((v) => v.vmId),
    [first],
  );
});

/**
 * The attack: kill -9 an agent while it runs VM operations it has already
 * acknowledged, then start it again. The old agent took the commands with
 * it (oned had dropped them from its outbox on the ack), and only oned's own
 * start used to send pending operations again: each VM stayed in
 * SHUTDOWN_POWEROFF, SHUTDOWN_UNDEPLOY or SAVE_SUSPEND for good while its
 * host was MONITORED again. Now the returning agent (a new incarnation) gets
 * every operation in flight on it again, under the same operation id.
 */
import { readLedger } from '../fixtures/ledger.js';
import { join } from 'node:path';
import t from 'tap';
import type { VmView } from '../../src/vms/vm-record.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

/** Operations the agent carried out, from its ledger (it survives the agent: same data directory). */
async function ledgerOps(dir: string): Promise<readonly { opId: string; op: string; vmId: number }[]> {
  return (await readLedger(dir)).ops;
}

t.setTimeout(120_000);

t.test('an agent killed in the middle of poweroff, undeploy and suspend: each VM gets its answer after the agent returns', async (t) => {
  const cloud = await startCloud(t);
  const c = cloud.client;
  // Slow operations (3 s each), so the agent dies with all three in flight.
  const slow = await cloud.addHost('slow', { latencyMs: 3_000 });
  const other = await cloud.addHost('other');
  await cloud.waitState(slow.id, 'MONITORED');
  await cloud.waitState(other.id, 'MONITORED');
  const make = async (name: string): Promise<number> =>
    (await c.call('vm.allocate', { template: `NAME = ${name}\nCPU = 0.1\nMEMORY = 64\n`, hold: true })).id;
  const info = (id: number): Promise<VmView> => c.call('vm.info', { id });
  const settled = (id: number, state: string, timeoutMs = 20_000): Promise<VmView> =>
    eventually(
      () => info(id),
      (v) => v.state === state && v.pending === undefined,
      timeoutMs,
      `VM ${id} ${state}`,
    );

  // An earlier VM on another host: nothing below may touch it.
  const bystander = await make('bystander');
  await c.call('vm.action', { id: bystander, action: 'deploy', host: other.id });
  const before = await settled(bystander, 'RUNNING');

  const ids = { poweroff: await make('p'), undeploy: await make('u'), suspend: await make('s') };
  for (const id of Object.values(ids)) await c.call('vm.action', { id, action: 'deploy', host: slow.id });
  for (const id of Object.values(ids)) await settled(id, 'RUNNING');

  await c.call('vm.action', { id: ids.poweroff, action: 'poweroff' });
  await c.call('vm.action', { id: ids.undeploy, action: 'undeploy' });
  await c.call('vm.action', { id: ids.suspend, action: 'suspend' });
  for (const [id, state] of [
    [ids.poweroff, 'SHUTDOWN_POWEROFF'],
    [ids.undeploy, 'SHUTDOWN_UNDEPLOY'],
    [ids.suspend, 'SAVE_SUSPEND'],
  ] as const) {
    t.equal((await info(id)).state, state, `caught in ${state}`);
  }
  // The agent has acknowledged all three (it runs them): now it dies.
  await new Promise((r) => setTimeout(r, 1_000));
  await slow.agent.kill('SIGKILL');
  await cloud.waitState(slow.id, 'ERROR');
  t.same(
    await ledgerOps(join(cloud.dir, 'slow')).then((ops) => ops.filter((o) => o.op !== 'vm.deploy')),
    [],
    'the killed agent finished none of them',
  );

  slow.start();
  await cloud.waitState(slow.id, 'MONITORED');
  // The new agent has none of the old one's (simulated) guests: a shutdown finds it gone, which is what it
  // was for; a save finds nothing to save, so the VM is not running there and says so (POWEROFF).
  const off = await settled(ids.poweroff, 'POWEROFF');
  const undeployed = await settled(ids.undeploy, 'UNDEPLOYED');
  const suspended = await settled(ids.suspend, 'POWEROFF');
  t.equal(off.hostId, slow.id, 'the powered-off VM keeps its host');
  t.equal(undeployed.hostId, undefined, 'the undeployed VM left its host');
  t.equal(suspended.hostId, slow.id, 'the VM whose save was lost stays on its host, powered off');
  t.match(suspended.lastError, /no longer runs the VM/, 'and says why');

  // Sent again under the same operation id and run once by the new agent.
  const ops = await ledgerOps(join(cloud.dir, 'slow'));
  const count = (vmId: number, op: string): number => ops.filter((o) => o.vmId === vmId && o.op === op).length;
  t.equal(count(ids.poweroff, 'vm.shutdown'), 1, 'the poweroff ran once');
  t.equal(count(ids.undeploy, 'vm.shutdown'), 1, "the undeploy's shutdown ran once");
  t.equal(count(ids.suspend, 'vm.save'), 1, 'the save ran once');

  // oned still answers its administrator, and the earlier VM is as it was.
  const after = await info(bystander);
  t.equal(after.state, 'RUNNING');
  t.equal(after.hostId, other.id);
  t.same(after.history, before.history, "the bystander's history is unchanged");
  t.equal((await cloud.host(other.id)).state, 'MONITORED');
  const listed = await c.call('vmpool.info', { all: true });
  t.ok(
    listed.some((v) => v.id === bystander && v.state === 'RUNNING'),
    'vmpool.info answers',
  );
});

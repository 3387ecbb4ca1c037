/**
 * The host-failure policy's `migrate`, on dummy agents: a host started by
 * hand cannot be fenced by oned (no SSH), so its VM waits in UNKNOWN until
 * the operator runs `onehost fence`; then the VM, whose files are in the
 * shared datastores, goes to UNDEPLOYED and the scheduler boots it on
 * another host. (test/hosts/host-failure.test.ts covers `recreate` and SSH
 * fencing on real hosts.)
 */
import t from 'tap';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

t.test('migrate: after the operator fences the lost host, the VM boots on another', async (t) => {
  const cloud = await startCloud(t, { scheduler: true, hostFailure: { policy: 'migrate', graceMs: 500 } });
  const c = cloud.client;
  const h1 = await cloud.addHost('h1');
  await cloud.waitState(h1.id, 'MONITORED');
  const { id } = await c.call('vm.allocate', { template: 'NAME = m\nCPU = 0.1\nMEMORY = 32\n', hold: false });
  await eventually(
    () => c.call('vm.info', { id }),
    (v) => v.state === 'RUNNING' && v.hostId === h1.id,
    20_000,
    'RUNNING on h1',
  );
  const h2 = await cloud.addHost('h2');
  await cloud.waitState(h2.id, 'MONITORED');

  await h1.agent.kill('SIGKILL');
  await eventually(
    () => c.call('vm.info', { id }),
    (v) => v.state === 'UNKNOWN',
    20_000,
    'UNKNOWN',
  );
  const waiting = await eventually(
    () => c.call('host.info', { host: h1.id }),
    (h) => /onehost fence/.test(h.error ?? ''),
    20_000,
    'waiting for the operator',
  );
  t.match(waiting.error, /could not confirm it is down \(host h1 was not deployed over SSH/, 'oned cannot fence a host it has no SSH to');
  t.equal((await c.call('vm.info', { id })).state, 'UNKNOWN', 'so the VM waits');

  await t.rejects(c.call('host.fence', { host: h2.id }), { code: 'HOST_NOT_FAILED' }, 'a connected host cannot be fenced');
  await c.call('host.fence', { host: h1.id });
  const moved = await eventually(
    () => c.call('vm.info', { id }),
    (v) => v.state === 'RUNNING' && v.hostId === h2.id,
    20_000,
    'RUNNING on h2',
  );
  t.ok(
    moved.history.some((s) => s.hostId === h1.id && s.reason === 'migrate'),
    'its stay on h1 ended as a migration',
  );
  t.equal((await c.call('host.info', { host: h1.id })).rvm, 0, 'the fenced host holds nothing');
});

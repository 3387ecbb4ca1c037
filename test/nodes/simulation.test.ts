import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { writeSecretFile } from '../../src/auth/auth-file.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually, runBin } from '../fixtures/processes.js';

/** Registers `n` dummy hosts and writes the hosts file `onenode --simulate` reads. */
async function hostsFor(cloud: Awaited<ReturnType<typeof startCloud>>, n: number): Promise<{ file: string; ids: number[] }> {
  const hosts: { hostId: number; token: string }[] = [];
  for (let i = 0; i < n; i++) {
    const { id, token } = await cloud.client.call('host.allocate', { name: `sim-${i}`, im: 'dummy', vm: 'dummy' });
    hosts.push({ hostId: id, token: token as string });
  }
  const file = join(cloud.dir, 'hosts.json');
  await writeSecretFile(file, JSON.stringify(hosts));
  return { file, ids: hosts.map((h) => h.hostId) };
}

t.test('one process stands for several hosts, each with its own link, and runs their VMs', async (t) => {
  const cloud = await startCloud(t);
  const { file, ids } = await hostsFor(cloud, 3);
  const sim = runBin(t, 'onenode', [
    '--simulate',
    '3',
    '--simulate-hosts',
    file,
    '--frontend',
    cloud.oned.url,
    '--data-dir',
    join(cloud.dir, 'sim'),
    '--simulate-cpus',
    '4',
    '--simulate-memory-mb',
    '8192',
    '--monitor-interval-ms',
    '200',
  ]);
  const views = await Promise.all(ids.map((id) => cloud.waitState(id, 'MONITORED')));
  t.same(
    views.map((v) => v.monitoring?.TOTALCPU),
    [400, 400, 400],
    "the simulated capacity, not this machine's",
  );
  t.same(
    views.map((v) => v.monitoring?.TOTALMEMORY),
    [8192 * 1024, 8192 * 1024, 8192 * 1024],
  );
  t.equal(new Set(views.map((v) => v.monitoring?.HOSTNAME)).size, 3, 'each host names itself');
  t.equal(new Set(views.map((v) => v.agentIncarnation)).size, 3, 'each host has a link of its own');

  // A VM on each host, by hand (this cloud runs no scheduler).
  const vms: number[] = [];
  for (const hostId of ids) {
    const { id } = await cloud.client.call('vm.allocate', { template: 'CPU = 1\nMEMORY = 512\n', hold: false });
    await cloud.client.call('vm.action', { id, action: 'deploy', host: hostId });
    vms.push(id);
  }
  for (const id of vms)
    await eventually(
      () => cloud.client.call('vm.info', { id }),
      (v) => v.state === 'RUNNING',
      20_000,
      `VM ${id} RUNNING`,
    );
  for (const [i, hostId] of ids.entries()) {
    const fresh = await cloud.client.call('host.monitor', { host: hostId });
    t.equal(fresh.monitoring?.RUNNING_VMS, 1, `host ${hostId} runs its own VM`);
    t.equal(fresh.monitoring?.USEDMEMORY, 512 * 1024);
    t.same(fresh.vms, [vms[i]]);
  }
  // One host's VM ends; the others' do not notice.
  await cloud.client.call('vm.action', { id: vms[0] as number, action: 'terminate', hard: true });
  await eventually(
    () => cloud.client.call('vm.info', { id: vms[0] as number }),
    (v) => v.state === 'DONE',
    20_000,
    'terminated',
  );
  t.equal((await cloud.client.call('host.monitor', { host: ids[0] as number })).monitoring?.RUNNING_VMS, 0);
  t.equal((await cloud.client.call('host.monitor', { host: ids[1] as number })).monitoring?.RUNNING_VMS, 1);

  // The whole process goes: every host it stood for is lost, and their VMs with it.
  await sim.kill('SIGKILL');
  for (const id of ids) await cloud.waitState(id, 'ERROR');
  await eventually(
    () => cloud.client.call('vm.info', { id: vms[1] as number }),
    (v) => v.state === 'UNKNOWN',
    20_000,
    'VM UNKNOWN',
  );
});

t.test('the hosts file is checked before anything dials', async (t) => {
  const cloud = await startCloud(t);
  const { file } = await hostsFor(cloud, 2);
  const args = (f: string, n: string): string[] => [
    '--simulate',
    n,
    '--simulate-hosts',
    f,
    '--frontend',
    cloud.oned.url,
    '--data-dir',
    join(cloud.dir, 'sim'),
  ];

  await chmod(file, 0o644);
  const open = runBin(t, 'onenode', args(file, '2'));
  const line = await open.waitFor(/simulate-hosts/);
  t.match(line, /mode 644/, 'a file others can read is refused');
  t.notMatch(open.output(), /"token"|[0-9a-f]{32}/, 'no token is echoed');
  await chmod(file, 0o600);

  const few = runBin(t, 'onenode', args(file, '3'));
  t.match(await few.waitFor(/lists 2 hosts/), /--simulate 3/);

  const bad = join(cloud.dir, 'bad.json');
  await writeFile(
    bad,
    JSON.stringify([
      { hostId: 0, token: 'x' },
      { hostId: 0, token: 'y' },
    ]),
    { mode: 0o600 },
  );
  t.match(await runBin(t, 'onenode', args(bad, '2')).waitFor(/listed twice/), /host 0/);

  const qemu = runBin(t, 'onenode', [...args(file, '2'), '--vm', 'qemu']);
  t.match(await qemu.waitFor(/dummy driver only/), /--simulate/);
});

import { readLedger } from '../fixtures/ledger.js';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { readAuthFile, writeSecretFile } from '../../src/auth/auth-file.js';
import { ApiClient } from '../../src/cli/api-client.js';
import type { VmView } from '../../src/vms/vm-record.js';
import { eventually, freePort, runBin } from '../fixtures/processes.js';

/** Operations the agent ran, from its ledger: what "deployed twice" would show. */
async function ledgerOps(dir: string): Promise<readonly { opId: string; op: string; vmId: number }[]> {
  return (await readLedger(dir)).ops;
}

interface CrashRig {
  c: ApiClient;
  hostId: number;
  otherId: number;
  agentDir: string;
  otherDir: string;
  /** kill -9 of oned, then oned again on the same data dir and port; returns a new client. */
  crash(): Promise<ApiClient>;
}

/** oned as a process, two slow dummy agents (1.5 s per step), ready to be crashed. */
async function crashRig(t: Test): Promise<CrashRig> {
  const dir = t.testdir();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const onedArgs = ['--data-dir', dir, '--listen', `127.0.0.1:${port}`, '--heartbeat-ms', '200', '--no-scheduler'];
  let oned = runBin(t, 'oned', onedArgs);
  await oned.waitFor(/oned listening/);
  const connect = async (): Promise<ApiClient> =>
    eventually(
      async () => ApiClient.connect({ url, ...(await readAuthFile(join(dir, 'one_auth'))) }),
      () => true,
      20_000,
      'oned',
    );
  const c = await connect();
  const { id: hostId, token } = await c.call('host.allocate', { name: 'node1', im: 'dummy', vm: 'dummy' });
  await writeSecretFile(join(dir, 'node1.token'), token ?? '');
  const agentDir = join(dir, 'node1');
  runBin(t, 'onenode', [
    '--frontend',
    url,
    '--host-id',
    String(hostId),
    '--token-file',
    join(dir, 'node1.token'),
    '--data-dir',
    agentDir,
    '--vm',
    'dummy',
    '--dummy-latency-ms',
    '1500',
    '--monitor-interval-ms',
    '200',
  ]);
  await eventually(
    () => c.call('host.info', { host: hostId }),
    (h) => h.state === 'MONITORED',
  );
  const { id: otherId, token: otherToken } = await c.call('host.allocate', { name: 'node2', im: 'dummy', vm: 'dummy' });
  await writeSecretFile(join(dir, 'node2.token'), otherToken ?? '');
  const otherDir = join(dir, 'node2');
  runBin(t, 'onenode', [
    '--frontend',
    url,
    '--host-id',
    String(otherId),
    '--token-file',
    join(dir, 'node2.token'),
    '--data-dir',
    otherDir,
    '--vm',
    'dummy',
    '--dummy-latency-ms',
    '1500',
    '--monitor-interval-ms',
    '200',
  ]);
  await eventually(
    () => c.call('host.info', { host: otherId }),
    (h) => h.state === 'MONITORED',
  );

  return {
    c,
    hostId,
    otherId,
    agentDir,
    otherDir,
    async crash() {
      c.close();
      await oned.kill('SIGKILL');
      oned = runBin(t, 'oned', onedArgs);
      await oned.waitFor(/oned listening/);
      const next = await connect();
      t.teardown(() => next.close());
      return next;
    },
  };
}

t.test('kill -9 of oned with VMs in seven transient states: each finishes its step, nothing runs twice', async (t) => {
  const rig = await crashRig(t);
  let { c } = rig;
  const { hostId, otherId, agentDir, otherDir } = rig;

  // VMs caught booting, shutting down, saving for a stop, and saving for a cold migration
  const make = async (name: string): Promise<number> =>
    (await c.call('vm.allocate', { template: `NAME = ${name}\nCPU = 0.1\nMEMORY = 64\n`, hold: false })).id;
  const booting = await make('a');
  const leaving = await make('b');
  const stopping = await make('c');
  const moving = await make('d');
  const poweringOff = await make('e');
  const resuming = await make('f');
  const flying = await make('g');
  const waitFor = (id: number, state: string): Promise<VmView> =>
    eventually(
      () => c.call('vm.info', { id }),
      (v: VmView) => v.state === state,
    );
  const early = [leaving, stopping, moving, poweringOff, resuming, flying];
  for (const id of early) await c.call('vm.action', { id, action: 'deploy', host: hostId });
  for (const id of early) await waitFor(id, 'RUNNING');
  await c.call('vm.action', { id: resuming, action: 'stop' });
  await waitFor(resuming, 'STOPPED');
  await c.call('vm.action', { id: resuming, action: 'resume' });

  await c.call('vm.action', { id: booting, action: 'deploy', host: hostId });
  await c.call('vm.action', { id: leaving, action: 'terminate' });
  await c.call('vm.action', { id: stopping, action: 'stop' });
  await c.call('vm.action', { id: moving, action: 'migrate', host: otherId });
  await c.call('vm.action', { id: poweringOff, action: 'poweroff' });
  await c.call('vm.action', { id: resuming, action: 'deploy', host: otherId });
  await c.call('vm.action', { id: flying, action: 'migrate', host: otherId, live: true });
  const caught: [number, string][] = [
    [booting, 'BOOT'],
    [leaving, 'SHUTDOWN'],
    [stopping, 'SAVE_STOP'],
    [moving, 'SAVE_MIGRATE'],
    [poweringOff, 'SHUTDOWN_POWEROFF'],
    [resuming, 'BOOT_STOPPED'],
    [flying, 'MIGRATE'],
  ];
  for (const [id, state] of caught) t.equal((await c.call('vm.info', { id })).state, state, `caught in ${state}`);
  c = await rig.crash();
  const a = await eventually(
    () => c.call('vm.info', { id: booting }),
    (v: VmView) => v.state === 'RUNNING',
    30_000,
    'the booting VM to run',
  );
  const b = await eventually(
    () => c.call('vm.info', { id: leaving }),
    (v: VmView) => v.state === 'DONE',
    30_000,
    'the leaving VM to be done',
  );
  t.equal(a.hostId, hostId);
  t.equal(b.etime !== undefined, true);
  await eventually(
    () => c.call('vm.info', { id: stopping }),
    (v: VmView) => v.state === 'STOPPED',
    30_000,
    'the stopping VM to be stopped',
  );
  await eventually(
    () => c.call('vm.info', { id: moving }),
    (v: VmView) => v.state === 'RUNNING',
    30_000,
    'the moving VM to run again',
  );
  await eventually(
    () => c.call('vm.info', { id: poweringOff }),
    (v: VmView) => v.state === 'POWEROFF',
    30_000,
    'the VM to be off',
  );
  const r = await eventually(
    () => c.call('vm.info', { id: resuming }),
    (v: VmView) => v.state === 'RUNNING',
    30_000,
    'the resumed VM to run',
  );
  const f = await eventually(
    () => c.call('vm.info', { id: flying }),
    (v: VmView) => v.state === 'RUNNING' && v.pending === undefined,
    30_000,
    'the live migration to end',
  );
  t.same([r.hostId, f.hostId], [otherId, otherId], 'both on the host they were going to');

  const ops = await ledgerOps(agentDir);
  t.equal(ops.filter((o) => o.vmId === booting && o.op === 'vm.deploy').length, 1, 'deployed once, though oned sent it twice');
  t.equal(ops.filter((o) => o.vmId === leaving && o.op === 'vm.shutdown').length, 1, 'shut down once');
  const host = await c.call('host.info', { host: hostId });
  t.equal(ops.filter((o) => o.vmId === stopping && o.op === 'vm.save').length, 1, 'saved once');
  t.equal(ops.filter((o) => o.vmId === moving && o.op === 'vm.save').length, 1, 'saved once for the migration');
  t.equal(
    (await ledgerOps(otherDir)).filter((o) => o.vmId === moving && o.op === 'vm.restore').length,
    1,
    'restored once, on the new host',
  );
  const otherOps = await ledgerOps(otherDir);
  t.equal(otherOps.filter((o) => o.vmId === resuming && o.op === 'vm.restore').length, 1, 'the resumed VM restored once');
  t.equal(otherOps.filter((o) => o.vmId === flying && o.op === 'vm.migrate_in').length, 1, 'the live-migrated VM copied once');
  t.equal(ops.filter((o) => o.vmId === poweringOff && o.op === 'vm.shutdown').length, 1, 'powered off once');
  // node1: the booted VM and the powered-off one (POWEROFF keeps its host); node2: the three that moved there
  t.equal(host.rvm, 2, 'node1 holds exactly its VMs');
  t.equal((await c.call('host.info', { host: otherId })).rvm, 3, 'node2 the ones that moved');
  await t.rejects(
    c.call('vm.action', { id: moving, action: 'migrate', host: otherId }),
    { code: 'INVALID_ARGUMENT' },
    'not to where it already is',
  );
});

t.test('kill -9 of oned with VMs in six more transient states: each finishes its step, nothing runs twice', async (t) => {
  const rig = await crashRig(t);
  let { c } = rig;
  const { hostId, otherId, agentDir, otherDir } = rig;
  const make = async (name: string): Promise<number> =>
    (await c.call('vm.allocate', { template: `NAME = ${name}\nCPU = 0.1\nMEMORY = 64\n`, hold: false })).id;
  const waitFor = (id: number, state: string): Promise<VmView> =>
    eventually(
      () => c.call('vm.info', { id }),
      (v: VmView) => v.state === state && v.pending === undefined,
      30_000,
      `VM ${id} in ${state}`,
    );
  const ids = {
    suspending: await make('s'),
    undeploying: await make('u'),
    poweredOn: await make('p'),
    unsuspending: await make('r'),
    redeploying: await make('d'),
    migrating: await make('m'),
  };
  for (const id of Object.values(ids)) await c.call('vm.action', { id, action: 'deploy', host: hostId });
  for (const id of Object.values(ids)) await waitFor(id, 'RUNNING');
  // bring three to the stable state their step starts from
  await c.call('vm.action', { id: ids.poweredOn, action: 'poweroff', hard: true });
  await c.call('vm.action', { id: ids.unsuspending, action: 'suspend' });
  await c.call('vm.action', { id: ids.redeploying, action: 'undeploy', hard: true });
  await waitFor(ids.poweredOn, 'POWEROFF');
  await waitFor(ids.unsuspending, 'SUSPENDED');
  await waitFor(ids.redeploying, 'UNDEPLOYED');

  await c.call('vm.action', { id: ids.suspending, action: 'suspend' });
  await c.call('vm.action', { id: ids.undeploying, action: 'undeploy' });
  await c.call('vm.action', { id: ids.poweredOn, action: 'resume' });
  await c.call('vm.action', { id: ids.unsuspending, action: 'resume' });
  await c.call('vm.action', { id: ids.redeploying, action: 'deploy', host: otherId });
  await c.call('vm.action', { id: ids.migrating, action: 'migrate', host: otherId });
  const caught: [number, string][] = [
    [ids.suspending, 'SAVE_SUSPEND'],
    [ids.undeploying, 'SHUTDOWN_UNDEPLOY'],
    [ids.poweredOn, 'BOOT_POWEROFF'],
    [ids.unsuspending, 'BOOT_SUSPENDED'],
    [ids.redeploying, 'BOOT_UNDEPLOY'],
  ];
  for (const [id, state] of caught) t.equal((await c.call('vm.info', { id })).state, state, `caught in ${state}`);
  // the cold migration passes SAVE_MIGRATE (1.5 s) before it boots on the new host
  const bootMigrate = await eventually(
    () => c.call('vm.info', { id: ids.migrating }),
    (v: VmView) => v.state === 'BOOT_MIGRATE',
    20_000,
    'BOOT_MIGRATE',
  );
  t.equal(bootMigrate.pending, 'restore', 'caught in BOOT_MIGRATE, its restore in flight');

  c = await rig.crash();
  const expected: [number, string, number][] = [
    [ids.suspending, 'SUSPENDED', hostId],
    [ids.undeploying, 'UNDEPLOYED', -1],
    [ids.poweredOn, 'RUNNING', hostId],
    [ids.unsuspending, 'RUNNING', hostId],
    [ids.redeploying, 'RUNNING', otherId],
    [ids.migrating, 'RUNNING', otherId],
  ];
  for (const [id, state, host] of expected) {
    const v = await waitFor(id, state);
    t.equal(v.hostId ?? -1, host, `VM ${id} ${state} where it should be`);
  }
  const ops = [...(await ledgerOps(agentDir)), ...(await ledgerOps(otherDir))];
  const count = (id: number, op: string): number => ops.filter((o) => o.vmId === id && o.op === op).length;
  t.equal(count(ids.suspending, 'vm.save'), 1, 'suspended once');
  t.equal(count(ids.undeploying, 'vm.shutdown'), 1, 'undeployed once');
  t.equal(count(ids.poweredOn, 'vm.deploy'), 2, 'booted twice in all: the first deploy and the resume');
  t.equal(count(ids.unsuspending, 'vm.restore'), 1, 'restored once');
  t.equal(count(ids.redeploying, 'vm.deploy'), 2, 'the first deploy, and the one after the undeploy');
  t.equal(count(ids.migrating, 'vm.restore'), 1, 'restored once on the new host');
});

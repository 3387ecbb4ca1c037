/**
 * The host-failure policy (OpenNebula's host_error hook) on real hosts: lab
 * namespaces with qemu agents deployed over SSH. A host whose agent dies
 * past the grace period is fenced over SSH (its QEMUs killed) and its VM is
 * recreated on the other host; a partitioned host cannot be fenced, so its
 * VM waits in UNKNOWN until the operator declares the host down. At every
 * step each VM runs at most once, counted in /proc.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { ApiClient } from '../../src/cli/api-client.js';
import { uploadImage } from '../../src/cli/oneimage.js';
import { startCloud } from '../fixtures/cloud.js';
import { GUEST_CMDLINE, GUEST_MEMORY_MIB } from '../fixtures/guest.js';
import { startLab, type Lab, type LabHost } from '../fixtures/lab.js';
import { deployLabHost, labGuest, onedPublicKey } from '../fixtures/lab-guest.js';
import { eventually } from '../fixtures/processes.js';
import { qemuByVm } from '../fixtures/qemu-procs.js';

const guest = await labGuest();

const deploy = async (c: ApiClient, name: string, h: LabHost): Promise<number> => (await deployLabHost(c, name, h)).id;

const agentPid = async (h: LabHost): Promise<number> => Number((await readFile(join(h.dir, 'agent', 'onenode.pid'), 'utf8')).trim());

if ('skip' in guest) {
  t.comment(`skipped: ${guest.skip}`);
  t.pass('skipped');
} else {
  t.setTimeout(600_000);
  t.test('host failure: fenced over SSH and recreated; a partitioned host waits for the operator', async (t) => {
    const cloud = await startCloud(t, {
      host: '0.0.0.0',
      deployWaitMs: 60_000,
      scheduler: true,
      heartbeatMs: 200,
      lostAfterMs: 1_000,
      hostFailure: { policy: 'recreate', graceMs: 2_000 },
    });
    const c = cloud.client;
    const pub = await onedPublicKey(cloud.dir);
    const lab: Lab = await startLab(t, { hosts: 2, authorizedKeys: [pub] });
    const [ha, hb] = lab.hosts as [LabHost, LabHost];
    const running = async (): Promise<Map<number, number[]>> => qemuByVm(lab.dir);

    await uploadImage(c, { name: 'k', type: 'KERNEL', persistent: false, description: '' }, guest.kernel);
    await uploadImage(c, { name: 'i', type: 'RAMDISK', persistent: false, description: '' }, guest.initrd);
    // Host a first, alone: the scheduler puts the VM there.
    const a = await deploy(c, 'a', ha);
    const { id } = await c.call('vm.allocate', {
      hold: false,
      template: `NAME = v\nCPU = 0.5\nMEMORY = ${GUEST_MEMORY_MIB}\nOS = [ KERNEL_DS = "$FILE[IMAGE=\\"k\\"]", INITRD_DS = "$FILE[IMAGE=\\"i\\"]", KERNEL_CMD = "${GUEST_CMDLINE}" ]\n`,
    });
    const vmIs = (what: string, ok: (v: Awaited<ReturnType<typeof info>>) => boolean) => eventually(info, ok, 120_000, what);
    const info = () => c.call('vm.info', { id });
    await vmIs('RUNNING on a', (v) => v.state === 'RUNNING' && v.hostId === a);
    const b = await deploy(c, 'b', hb);
    const first = (await running()).get(id) ?? [];
    t.equal(first.length, 1, 'one QEMU runs the VM');

    // The agent of a dies. Past the grace period oned fences a over SSH and recreates the VM on b.
    process.kill(await agentPid(ha), 'SIGKILL');
    await eventually(
      () => c.call('host.info', { host: a }),
      (h) => h.state === 'ERROR',
      30_000,
      'a in ERROR',
    );
    await vmIs('UNKNOWN', (v) => v.state === 'UNKNOWN' || v.hostId === b);
    const moved = await vmIs('RUNNING on b', (v) => v.state === 'RUNNING' && v.hostId === b);
    t.equal(moved.hostId, b, 'the VM was recreated on b');
    const hostA = await c.call('host.info', { host: a });
    t.match(hostA.fenced?.how, /over SSH: agent not running, 1 QEMU killed/, 'a was fenced over SSH: its QEMU killed');
    const after = (await running()).get(id) ?? [];
    t.equal(after.length, 1, 'exactly one QEMU runs the VM');
    t.not(after[0], first[0], 'a new one, on b');
    t.ok(
      moved.history.some((h) => h.reason === 'recreate'),
      'its history says it was recreated',
    );

    // a comes back (its agent redeployed): the fence is lifted.
    await c.call('host.sync', { host: a, force: true });
    await eventually(
      () => c.call('host.info', { host: a }),
      (h) => h.state === 'MONITORED' && h.fenced === undefined,
      60_000,
      'a back',
    );
    t.pass('a is MONITORED again, no longer fenced');

    // b is cut off: it cannot be fenced, so the VM waits in UNKNOWN, never started twice.
    await lab.linkDown(hb);
    t.teardown(() => lab.linkUp(hb).catch(() => undefined));
    await vmIs('UNKNOWN after the partition', (v) => v.state === 'UNKNOWN');
    const waiting = await eventually(
      () => c.call('host.info', { host: b }),
      (h) => /onehost fence/.test(h.error ?? ''),
      60_000,
      'fencing failed',
    );
    t.match(waiting.error, /could not confirm it is down/, 'fencing b failed: nothing proves it is down');
    t.equal((await info()).state, 'UNKNOWN', 'so the VM waits in UNKNOWN');
    t.equal((await running()).get(id)?.length, 1, 'still one QEMU: the one on b');

    // The operator powers b off (here: kills its QEMU) and says so.
    for (const pid of (await running()).get(id) ?? []) process.kill(pid, 'SIGKILL');
    const fenced = await c.call('host.fence', { host: b });
    t.match(fenced.fenced?.how, /operator/, 'b is fenced by the operator');
    const back = await vmIs('RUNNING on a again', (v) => v.state === 'RUNNING' && v.hostId === a);
    t.equal(back.hostId, a, 'the VM was recreated on a');
    t.equal((await running()).get(id)?.length, 1, 'one QEMU runs it');
    await t.rejects(c.call('host.fence', { host: a }), { code: 'HOST_NOT_FAILED' }, 'a host whose agent is connected cannot be fenced');

    // b heals: its agent comes back, the fence goes, and its old copy does not pull the VM back.
    await lab.linkUp(hb);
    await eventually(
      () => c.call('host.info', { host: b }),
      (h) => h.state === 'MONITORED' && h.fenced === undefined,
      60_000,
      'b back',
    );
    await new Promise((r) => setTimeout(r, 1_500));
    const settled = await info();
    t.equal(settled.state, 'RUNNING', 'the VM keeps RUNNING');
    t.equal(settled.hostId, a, 'on a');
    t.equal((await running()).get(id)?.length, 1, 'and runs once');
  });
}

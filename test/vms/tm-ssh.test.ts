/**
 * TM_MAD = ssh on real hosts: two lab hosts (network namespaces with their
 * own sshd and their own directories) get qemu agents from
 * `onehost create --ssh --tm ssh`. Their VMs' files are their own: PROLOG
 * uploads the images over SFTP, stop brings the directory back to the
 * front-end, resume takes it to the other host, a cold migration copies it
 * host to host through oned, and terminate brings a persistent disk and a
 * SAVE = yes disk back to the images datastore before the directory goes.
 */
import { execFile } from 'node:child_process';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { ApiClient } from '../../src/cli/api-client.js';
import { uploadImage } from '../../src/cli/oneimage.js';
import type { ImageType } from '../../src/images/image-record.js';
import type { VmView } from '../../src/vms/vm-record.js';
import type { VmState } from '../../src/vms/vm-states.js';
import { startCloud } from '../fixtures/cloud.js';
import { GUEST_CMDLINE, GUEST_MEMORY_MIB } from '../fixtures/guest.js';
import { startLab, type LabHost } from '../fixtures/lab.js';
import { deployLabHost, labGuest, onedPublicKey } from '../fixtures/lab-guest.js';
import { eventually } from '../fixtures/processes.js';

const run = promisify(execFile);

const guest = await labGuest();
const upload = (client: ApiClient, name: string, type: ImageType, path: string): Promise<number> =>
  uploadImage(client, { name, type, persistent: false, description: '' }, path);
const gone = (path: string): Promise<boolean> =>
  stat(path).then(
    () => false,
    () => true,
  );
const MARKER = 'persistent-disk-written-on-the-host';

if ('skip' in guest) {
  t.comment(`skipped: ${guest.skip}`);
  t.pass('skipped');
} else {
  t.setTimeout(600_000);
  t.test('a VM on TM_MAD = ssh hosts: prolog, stop, resume elsewhere, cold migration, terminate', async (t) => {
    const cloud = await startCloud(t, { host: '0.0.0.0', deployWaitMs: 60_000 });
    const c = cloud.client;
    const pub = await onedPublicKey(cloud.dir);
    const lab = await startLab(t, { hosts: 2, authorizedKeys: [pub] });
    const [h1, h2] = lab.hosts as [LabHost, LabHost];
    const ids: number[] = [];
    for (const [i, h] of [h1, h2].entries()) {
      const view = await deployLabHost(c, `ssh${i + 1}`, h, 'ssh');
      t.equal(view.state, 'MONITORED', `host ssh${i + 1} deployed over SSH and monitored`);
      t.equal(view.tm, 'ssh', 'with TM_MAD ssh');
      ids.push(view.id);
    }
    const [id1, id2] = ids as [number, number];
    const hostDir = (h: LabHost, vmId: number): string => join(h.dir, 'agent', 'datastores', '0', String(vmId));
    const consoleOf = (h: LabHost, vmId: number): Promise<string> =>
      readFile(join(h.dir, 'agent', 'vms', String(vmId), 'console.log'), 'utf8').catch(() => '');

    await upload(c, 'guest-kernel', 'KERNEL', guest.kernel);
    await upload(c, 'guest-initrd', 'RAMDISK', guest.initrd);
    await upload(c, 'guest-disk', 'OS', guest.disk);
    const data = await c.call('image.allocate', {
      name: 'data',
      type: 'DATABLOCK',
      persistent: true,
      description: '',
      size: 4,
      format: 'raw',
    });
    const dataImage = await c.call('image.info', { image: data.id });

    const os = `OS = [ KERNEL_DS = "$FILE[IMAGE=\\"guest-kernel\\"]", INITRD_DS = "$FILE[IMAGE=\\"guest-initrd\\"]", KERNEL_CMD = "${GUEST_CMDLINE}" ]`;
    const { id } = await c.call('vm.allocate', {
      hold: false,
      template: [
        'NAME = far',
        'CPU = 0.5',
        `MEMORY = ${GUEST_MEMORY_MIB}`,
        os,
        'DISK = [ IMAGE = "guest-disk", SAVE = yes, SAVE_AS = "far-saved" ]',
        'DISK = [ IMAGE = "data" ]',
        'CONTEXT = [ SET_HOSTNAME = "$NAME-$VMID" ]',
      ].join('\n'),
    });
    const waitVm = (state: VmState): Promise<VmView> =>
      eventually(
        () => c.call('vm.info', { id }),
        (v) => (v.state === state && v.pending === undefined) || /FAILURE/.test(v.state),
        180_000,
        `VM ${state}`,
      ).then((v) => {
        if (v.state !== state) throw new Error(`VM went to ${v.state} (${v.lastError ?? 'no error'}) instead of ${state}`);
        return v;
      });
    const frontDir = join(cloud.dir, 'datastores', '0', String(id));

    // PROLOG on host 1: the images go up over SFTP; the disks are whole copies there.
    await c.call('vm.action', { id, action: 'deploy', host: id1 });
    await waitVm('RUNNING');
    const ready = await eventually(
      () => consoleOf(h1, id),
      (s) => s.includes('NEPHELE-READY'),
      180_000,
      'READY on host 1',
    );
    t.match(ready, new RegExp(`"hostname":"far-${id}"`), 'the guest booted on host 1 with its context');
    t.ok(await gone(frontDir), "the front-end holds no copy of the VM's files");
    const disk0 = JSON.parse((await run('qemu-img', ['info', '--output=json', '-U', join(hostDir(h1, id), 'disk.0')])).stdout) as {
      format: string;
      'backing-filename'?: string;
    };
    t.equal(disk0.format, 'qcow2', 'disk.0 on the host is qcow2');
    t.equal(disk0['backing-filename'], undefined, 'standing alone: no backing file on the front-end');
    t.same(
      (await run('ls', [hostDir(h1, id)])).stdout.split('\n').filter((f) => f.endsWith('.src')),
      [],
      'the uploaded images were removed once used',
    );

    // Live migration needs shared datastores.
    await t.rejects(
      c.call('vm.action', { id, action: 'migrate', host: id2, live: true }),
      { code: 'ACTION_NOT_ALLOWED' },
      'a live migration is refused',
    );

    // stop: the directory comes back to the front-end; resume on host 2 takes it there.
    await c.call('vm.action', { id, action: 'stop' });
    await waitVm('STOPPED');
    t.ok(await gone(hostDir(h1, id)), 'stopped: host 1 no longer has the files');
    t.ok((await stat(join(frontDir, 'checkpoint'))).size > 0, 'the front-end has them, the checkpoint too');
    await c.call('vm.action', { id, action: 'resume' });
    await c.call('vm.action', { id, action: 'deploy', host: id2 });
    await waitVm('RUNNING');
    t.ok(await gone(frontDir), 'resumed on host 2: the files left the front-end');
    t.ok((await stat(join(hostDir(h2, id), 'disk.0'))).size > 0, 'and are on host 2');
    t.notMatch(await consoleOf(h2, id), /NEPHELE-READY/, 'restored from the checkpoint, not booted again');

    // Cold migration back to host 1: host to host, through oned.
    await c.call('vm.action', { id, action: 'migrate', host: id1 });
    const moved = await waitVm('RUNNING');
    t.equal(moved.hostId, id1, 'migrated to host 1');
    t.ok(await gone(hostDir(h2, id)), 'host 2 no longer has the files');
    t.ok(await gone(frontDir), 'nor the front-end');

    // The persistent disk changes on the host (written beside the guest, which leaves it alone).
    const fh = await open(join(hostDir(h1, id), 'disk.1'), 'r+');
    await fh.write(MARKER, 0);
    await fh.close();

    // poweroff: the guest answers the power button on host 1, so it ran there.
    await c.call('vm.action', { id, action: 'poweroff' });
    await waitVm('POWEROFF');
    t.match(await consoleOf(h1, id), /NEPHELE-POWEROFF/, 'the migrated guest shut itself down on host 1');

    // terminate: the persistent disk and the SAVE = yes disk come back, then the directory goes.
    await c.call('vm.action', { id, action: 'terminate' });
    await waitVm('DONE');
    t.ok(await gone(hostDir(h1, id)), 'terminated: the directory is gone from host 1');
    t.equal(
      (await readFile(dataImage.source)).subarray(0, MARKER.length).toString(),
      MARKER,
      'the persistent image holds what was written on the host',
    );
    const saved = await c.call('image.info', { image: 'far-saved' });
    t.match(saved, { state: 'READY', format: 'qcow2' }, 'SAVE = yes: the disk came back as an image');
    const savedInfo = JSON.parse((await run('qemu-img', ['info', '--output=json', saved.source])).stdout) as {
      'backing-filename'?: string;
    };
    t.equal(savedInfo['backing-filename'], undefined, 'standing alone');
    t.same(
      (await run('ls', [join(h1.dir, 'agent', 'datastores', '1')]).catch(() => ({ stdout: '' }))).stdout.trim(),
      '',
      "nothing left in host 1's images datastore",
    );
  });
}

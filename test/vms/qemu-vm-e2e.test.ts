/**
 * Real VMs through the whole stack: images uploaded through the API, a VM
 * from an OpenNebula template (KERNEL_DS/INITRD_DS, a cloned disk, a swap
 * disk, a NIC on a bridge, CONTEXT with FILES_DS and an init script) booted
 * by real agents running the qemu driver, its context applied by the guest,
 * then suspend/resume, stop/resume, poweroff/resume, an agent killed with
 * the VM running, a live migration between two hosts, and terminate.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { ApiClient } from '../../src/cli/api-client.js';
import { uploadImage } from '../../src/cli/oneimage.js';
import type { ImageType } from '../../src/images/image-record.js';
import type { VmView } from '../../src/vms/vm-record.js';
import type { VmState } from '../../src/vms/vm-states.js';
import { findOnPath } from '../../scripts/guest/build-guest.js';
import { startCloud } from '../fixtures/cloud.js';
import { DISK_MARKER, GUEST_CMDLINE, GUEST_MEMORY_MIB, parseReady, testGuest } from '../fixtures/guest.js';
import { eventually } from '../fixtures/processes.js';

const run = promisify(execFile);

async function why(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root for bridges and taps';
  for (const tool of ['ip', 'genisoimage', 'mkswap', 'qemu-img', 'busybox']) {
    if ((await findOnPath(tool)) === undefined) return `${tool} not found on PATH`;
  }
  return undefined;
}

const missing = await why();
const guest = missing === undefined ? await testGuest() : { skip: missing };

/** Uploads a file as an image through the API, as oneimage does. */
const upload = (client: ApiClient, name: string, type: ImageType, path: string): Promise<number> =>
  uploadImage(client, { name, type, persistent: false, description: '' }, path);

const READY = 'NEPHELE-READY';
const count = (text: string, what: string): number => text.split(what).length - 1;

if ('skip' in guest) {
  t.comment(`skipped: ${guest.skip}`);
  t.pass('skipped');
} else {
  // Real TCG boots, saves and restores, side by side with other test files.
  t.setTimeout(600_000);
  const tag = randomBytes(3).toString('hex');
  const bridge = `nbr${tag}`;
  // A subnet of this run's own on a bridge of its own, so the host can ping the guests.
  const net = `10.${200 + ((randomBytes(1)[0] as number) % 50)}.${randomBytes(1)[0] as number}`;

  t.test('a VM from images with a cloned disk, swap, a NIC and CONTEXT, through its life cycle', async (t) => {
    t.teardown(() => run('ip', ['link', 'del', bridge]).catch(() => undefined));
    // The guests' QEMUs outlive their agents by design: a failed run still stops every one it saw, by pid.
    const qemuPids = new Set<number>();
    t.teardown(() => {
      for (const pid of qemuPids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone already */
        }
      }
    });
    const cloud = await startCloud(t);
    const c = cloud.client;
    const ds = join(cloud.dir, 'datastores');
    const agentArgs = ['--accel', 'tcg', '--network', 'linux', '--datastores', ds];
    // Hosts are named by an address of their own: a live migration's destination listens on its host's name.
    const a = await cloud.addHost('127.0.0.2', { vm: 'qemu', args: agentArgs });
    const b = await cloud.addHost('127.0.0.3', { vm: 'qemu', args: agentArgs });
    await cloud.waitState(a.id, 'MONITORED', 30_000);
    await cloud.waitState(b.id, 'MONITORED', 30_000);

    await upload(c, 'guest-kernel', 'KERNEL', guest.kernel);
    await upload(c, 'guest-initrd', 'RAMDISK', guest.initrd);
    const diskImage = await upload(c, 'guest-disk', 'OS', guest.disk);
    const script = join(cloud.dir, 'init.sh');
    await writeFile(script, '#!/bin/sh\necho "init.sh ran" > /run/init-ran\n');
    await upload(c, 'init.sh', 'CONTEXT', script);
    const image = await c.call('image.info', { image: diskImage });
    t.equal(image.format, 'qcow2', 'the disk image is recognised as qcow2');

    await c.call('vn.allocate', {
      template: `NAME = lan\nBRIDGE = ${bridge}\nAR = [ TYPE = IP4, IP = ${net}.10, SIZE = 8 ]\nGATEWAY = ${net}.1\nNETWORK_MASK = 255.255.255.0\n`,
    });
    const os = `OS = [ KERNEL_DS = "$FILE[IMAGE=\\"guest-kernel\\"]", INITRD_DS = "$FILE[IMAGE=\\"guest-initrd\\"]", KERNEL_CMD = "${GUEST_CMDLINE}" ]`;
    const { id } = await c.call('vm.allocate', {
      hold: false,
      template: [
        'NAME = web',
        'CPU = 0.5',
        `MEMORY = ${GUEST_MEMORY_MIB}`,
        os,
        'DISK = [ IMAGE = "guest-disk" ]',
        'DISK = [ TYPE = swap, SIZE = 16 ]',
        'NIC = [ NETWORK = lan ]',
        'CONTEXT = [ SET_HOSTNAME = "$NAME-$VMID", NETWORK = YES, FILES_DS = "$FILE[IMAGE=\\"init.sh\\"]", INIT_SCRIPTS = "init.sh" ]',
      ].join('\n'),
    });
    const info = (): Promise<VmView> => c.call('vm.info', { id });
    const waitVm = (state: VmState, what: string = state, vmId = id): Promise<VmView> =>
      eventually(
        () => c.call('vm.info', { id: vmId }),
        (v) => v.state === state || /FAILURE/.test(v.state),
        180_000,
        `VM ${vmId} ${what}`,
      ).then((v) => {
        if (v.state !== state) throw new Error(`VM ${vmId} went to ${v.state} (${v.lastError ?? 'no error'}) instead of ${state}`);
        return v;
      });
    const consoleOf = (host: string, vmId = id): Promise<string> =>
      readFile(join(cloud.dir, host, 'vms', String(vmId), 'console.log'), 'utf8').catch(() => '');
    const pidOf = async (host: string, vmId = id): Promise<number> => {
      const pid = Number((await readFile(join(cloud.dir, host, 'vms', String(vmId), 'qemu.pid'), 'utf8')).trim());
      qemuPids.add(pid);
      return pid;
    };
    // A zombie (exited, not yet reaped by whoever adopted it) is gone for our purposes.
    const alive = (pid: number): boolean => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    const ping = (ip: string): Promise<boolean> =>
      run('busybox', ['ping', '-c', '1', '-W', '1', ip]).then(
        () => true,
        () => false,
      );
    const vmDir = join(ds, '0', String(id));

    await c.call('vm.action', { id, action: 'deploy', host: a.id });
    let vm = await waitVm('RUNNING');
    const ip = vm.nics[0]?.ip ?? '';
    t.match(ip, new RegExp(`^${net.replaceAll('.', '\\.')}\\.`), 'the NIC has a lease');
    const log = await eventually(
      () => consoleOf('127.0.0.2'),
      (s) => s.includes(READY),
      180_000,
      'READY on the console',
    );
    const ready = parseReady(log);
    t.equal(ready?.context, true, 'the guest found the context CD');
    t.equal(ready?.hostname, `web-${id}`, 'and set the hostname from CONTEXT');
    t.equal(ready?.eth0?.ip, `${ip}/24`, 'eth0 has the leased IP with the network mask');
    t.equal(ready?.eth0?.mac, vm.nics[0]?.mac, 'on the NIC with the leased MAC');
    t.equal(ready?.eth0?.gateway, `${net}.1`, 'and the gateway');
    t.same(ready?.scripts, ['init.sh'], 'the FILES_DS init script ran');
    t.ok(ready?.files.includes('init.sh') && ready.files.includes('context.sh'), 'the CD holds context.sh and init.sh');
    t.equal(ready?.disks.find((d) => d.dev === 'vda')?.marker, DISK_MARKER, 'vda is the cloned image');
    t.equal(ready?.disks.find((d) => d.dev === 'vdb')?.bytes, 16 * 1024 * 1024, 'vdb the 16 MiB swap disk');

    const files = (await readdir(vmDir)).sort();
    t.same(
      files.filter((f) => !f.startsWith('.')),
      ['disk.0', 'disk.1', 'disk.2', 'initrd', 'kernel'],
      'the VM directory: disks, context CD, kernel, initrd',
    );
    const overlay = JSON.parse((await run('qemu-img', ['info', '--output=json', '-U', join(vmDir, 'disk.0')])).stdout) as {
      format: string;
      'backing-filename'?: string;
    };
    t.equal(overlay.format, 'qcow2', 'disk.0 is a qcow2 overlay');
    t.equal(overlay['backing-filename'], image.source, 'whose backing file is the image');
    t.equal((await c.call('image.info', { image: diskImage })).runningVms.length, 1, 'the image counts the VM');

    // The host reaches the guest over the bridge.
    await run('ip', ['addr', 'add', `${net}.1/24`, 'dev', bridge]);
    t.ok(
      await eventually(
        () => ping(ip),
        (ok) => ok,
        60_000,
        'ping',
      ),
      'the guest answers ping on its leased IP',
    );

    // suspend: memory to a checkpoint, QEMU gone; resume: the same guest goes on.
    const firstPid = await pidOf('127.0.0.2');
    await c.call('vm.action', { id, action: 'suspend' });
    await waitVm('SUSPENDED');
    t.notOk(alive(firstPid), 'suspended: QEMU has exited');
    t.ok((await stat(join(vmDir, 'checkpoint'))).size > 0, 'its memory is in the VM directory');
    await c.call('vm.action', { id, action: 'resume' });
    await waitVm('RUNNING', 'RUNNING after resume');
    t.equal(count(await consoleOf('127.0.0.2'), READY), 1, 'resumed, not rebooted');
    t.ok(
      await eventually(
        () => ping(ip),
        (ok) => ok,
        60_000,
        'ping after resume',
      ),
      'and on the network again',
    );

    // stop: saved and off the host; resume and deploy: back from the checkpoint.
    await c.call('vm.action', { id, action: 'stop' });
    vm = await waitVm('STOPPED');
    t.equal(vm.hostId, undefined, 'stopped: on no host');
    await c.call('vm.action', { id, action: 'resume' });
    await c.call('vm.action', { id, action: 'deploy', host: a.id });
    await waitVm('RUNNING', 'RUNNING after stop');
    t.equal(count(await consoleOf('127.0.0.2'), READY), 1, 'restored, not rebooted');

    // poweroff: the guest shuts down (ACPI); resume boots it again from the same disks.
    await c.call('vm.action', { id, action: 'poweroff' });
    await waitVm('POWEROFF');
    t.match(await consoleOf('127.0.0.2'), /NEPHELE-POWEROFF/, 'the guest powered itself off');
    await c.call('vm.action', { id, action: 'resume' });
    await waitVm('RUNNING', 'RUNNING after poweroff');
    const rebooted = await eventually(
      () => consoleOf('127.0.0.2'),
      (s) => count(s, READY) === 2,
      180_000,
      'a second READY',
    );
    t.equal(parseReady(rebooted)?.disks.find((d) => d.dev === 'vda')?.marker, DISK_MARKER, 'booted again from its own disk');

    // The agent dies (kill -9): the guest runs on, and the restarted agent takes it back.
    const pid = await pidOf('127.0.0.2');
    await a.agent.kill('SIGKILL');
    t.ok(alive(pid), 'QEMU outlives its agent');
    a.start();
    await cloud.waitState(a.id, 'MONITORED', 60_000);
    await eventually(info, (v) => v.state === 'RUNNING' && v.pending === undefined, 60_000, 'RUNNING after the agent restart');
    t.equal(await pidOf('127.0.0.2'), pid, 'the same QEMU, re-adopted');
    t.ok(
      await eventually(
        () => ping(ip),
        (ok) => ok,
        60_000,
        'ping after re-adoption',
      ),
      'still on the network',
    );

    // QEMU dies under the VM: monitoring reports it, and the VM goes to UNKNOWN saying why
    // (a guest that powers itself off goes to POWEROFF instead: the migrated VM below).
    process.kill(pid, 'SIGKILL');
    vm = await eventually(info, (v) => v.state === 'UNKNOWN' && v.pending === undefined, 60_000, 'UNKNOWN after QEMU died');
    t.match(vm.lastError, /process died/, 'the VM says why it stopped');
    // resume from UNKNOWN boots it again.
    await c.call('vm.action', { id, action: 'resume' });
    await waitVm('RUNNING', 'RUNNING after the crash');
    await eventually(
      () => consoleOf('127.0.0.2'),
      (s) => count(s, READY) === 3,
      180_000,
      'a third READY, after the crash',
    );
    t.not(await pidOf('127.0.0.2'), pid, 'a new QEMU runs the VM');

    // terminate (hard, from RUNNING): the directory and the lease go, the image is free.
    await c.call('vm.action', { id, action: 'terminate', hard: true });
    await waitVm('DONE');
    await t.rejects(stat(vmDir), { code: 'ENOENT' }, 'the VM directory is gone');
    t.equal((await c.call('vn.info', { network: 'lan' })).used, 0, 'the lease is free');
    t.equal((await c.call('image.info', { image: diskImage })).runningVms.length, 0, 'the image is free');
    t.notOk(alive(pid), 'QEMU is gone');

    // Live migration between the two hosts: a VM without NICs (both hosts share this machine's taps).
    const { id: mover } = await c.call('vm.allocate', {
      hold: false,
      template: [
        'NAME = mover',
        'CPU = 0.5',
        `MEMORY = ${GUEST_MEMORY_MIB}`,
        os,
        'DISK = [ IMAGE = "guest-disk", SAVE = yes, SAVE_AS = "mover-saved" ]',
        'CONTEXT = [ SET_HOSTNAME = "mover" ]',
      ].join('\n'),
    });
    await c.call('vm.action', { id: mover, action: 'deploy', host: a.id });
    await waitVm('RUNNING', 'mover RUNNING', mover);
    await eventually(
      () => consoleOf('127.0.0.2', mover),
      (s) => s.includes(READY),
      180_000,
      'mover READY',
    );
    const sourcePid = await pidOf('127.0.0.2', mover);
    await c.call('vm.action', { id: mover, action: 'migrate', host: b.id, live: true });
    const moved = await eventually(
      () => c.call('vm.info', { id: mover }),
      (v) => v.state === 'RUNNING' && v.hostId === b.id && v.pending === undefined,
      180_000,
      'mover on host b',
    );
    t.equal(moved.history.filter((h) => h.etime === undefined).length, 1, 'one open stay: on the destination');
    // The source stops its QEMU once its side of the migration completed, maybe a moment after the destination runs.
    t.ok(
      await eventually(
        async () => !alive(sourcePid),
        (gone) => gone,
        30_000,
        'the source QEMU to exit',
      ),
      'the source QEMU has exited',
    );
    t.ok(alive(await pidOf('127.0.0.3', mover)), 'the destination QEMU runs it');
    t.notOk(
      (await consoleOf('127.0.0.3', mover)).includes('Linux version'),
      'the destination did not boot the guest: it came over running',
    );
    // The guest itself is alive over there: it answers the power button.
    await c.call('vm.action', { id: mover, action: 'poweroff' });
    await waitVm('POWEROFF', 'mover POWEROFF', mover);
    t.match(await consoleOf('127.0.0.3', mover), /NEPHELE-POWEROFF/, 'the migrated guest shut itself down on the destination');
    await c.call('vm.action', { id: mover, action: 'terminate', hard: true });
    await waitVm('DONE', 'mover DONE', mover);
    // SAVE = yes: the disk came back as an image of its own, standing alone.
    const saved = await c.call('image.info', { image: 'mover-saved' });
    t.match(saved, { state: 'READY', type: 'OS', format: 'qcow2', persistent: false }, 'SAVE = yes: the disk is a new image');
    const flat = JSON.parse((await run('qemu-img', ['info', '--output=json', saved.source])).stdout) as { 'backing-filename'?: string };
    t.equal(flat['backing-filename'], undefined, 'with no backing file: the image it was cloned from is not needed');
    t.equal((await c.call('image.info', { image: diskImage })).runningVms.length, 0, 'and the original image is free again');
  });
}

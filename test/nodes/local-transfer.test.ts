/** The local transfer driver with the real tools: qemu-img, mkswap, mkfs.ext4, genisoimage. */
import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { LocalTransfer } from '../../nodes/drivers/local-transfer.js';
import { findOnPath } from '../../scripts/guest/build-guest.js';

const run = promisify(execFile);
const missing = [];
for (const tool of ['qemu-img', 'mkswap', 'genisoimage', 'mkfs.ext4', 'blkid', 'isoinfo']) {
  if ((await findOnPath(tool)) === undefined) missing.push(tool);
}

const imageInfo = async (path: string): Promise<{ format: string; 'virtual-size': number; 'backing-filename'?: string }> =>
  JSON.parse((await run('qemu-img', ['info', '--output=json', '-U', path])).stdout) as { format: string; 'virtual-size': number };

if (missing.length > 0) {
  t.comment(`skipped: missing ${missing.join(', ')}`);
  t.pass('skipped');
} else {
  const MiB = 1024 * 1024;

  t.test('clone: a linked qcow2 overlay or a full copy, grown on request, idempotent', async (t) => {
    const dir = t.testdir();
    const image = join(dir, 'image.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', image, '16M']);
    const transfer = new LocalTransfer({ root: dir });
    const linked = join(dir, 'vm', 'disk.0');
    await run('mkdir', ['-p', join(dir, 'vm')]);
    await transfer.clone(image, linked, { mode: 'linked', sizeMb: 32 });
    t.match(await imageInfo(linked), { format: 'qcow2', 'virtual-size': 32 * MiB, 'backing-filename': image });
    await transfer.clone(image, linked, { mode: 'linked', sizeMb: 24 }); // a retry; never shrinks
    t.equal((await imageInfo(linked))['virtual-size'], 32 * MiB, 'done already; not shrunk');
    const copy = join(dir, 'vm', 'disk.1');
    await transfer.clone(image, copy, { mode: 'copy' });
    const info = await imageInfo(copy);
    t.match(info, { format: 'qcow2', 'virtual-size': 16 * MiB });
    t.equal(info['backing-filename'], undefined, 'a copy stands alone');
    await t.rejects(
      transfer.clone(copy, linked, { mode: 'linked' }),
      { code: 'DRIVER_FAILED' },
      'a linked clone of another image is not this one',
    );
    await t.rejects(transfer.clone(join(dir, 'nope.qcow2'), join(dir, 'vm', 'disk.2'), { mode: 'copy' }), {
      code: 'DRIVER_FAILED',
      details: { tool: 'qemu-img' },
    });
    await t.rejects(stat(join(dir, 'vm', 'disk.2.partial')), { code: 'ENOENT' }, 'a failure leaves no partial file');
  });

  t.test('mkswap and volatile disks', async (t) => {
    const dir = t.testdir();
    const transfer = new LocalTransfer();
    const swap = join(dir, 'disk.swap');
    await transfer.mkswap(swap, 8);
    t.equal((await stat(swap)).size, 8 * MiB);
    t.match((await run('blkid', ['-o', 'value', '-s', 'TYPE', swap])).stdout, /swap/);
    await transfer.mkswap(swap, 8);
    const fs = join(dir, 'disk.fs');
    await transfer.volatile(fs, 8, { fs: 'ext4' });
    t.match((await run('blkid', ['-o', 'value', '-s', 'TYPE', fs])).stdout, /ext4/);
    const blank = join(dir, 'disk.raw');
    await transfer.volatile(blank, 4);
    t.equal((await stat(blank)).size, 4 * MiB);
    t.equal((await stat(blank)).blocks, 0, 'sparse: no space taken');
    await t.rejects(transfer.volatile(join(dir, 'x'), 4, { fs: 'ntfs' as 'ext4' }), { code: 'INVALID_ARGUMENT' });
    await t.rejects(transfer.mkswap(join(dir, 'y'), 0), { code: 'INVALID_ARGUMENT' });
  });

  t.test('context CD: labelled ISO with the files, rewritten in place', async (t) => {
    const dir = t.testdir();
    const transfer = new LocalTransfer();
    const iso = join(dir, 'disk.context');
    await transfer.contextIso(iso, { 'context.sh': "HOSTNAME='vm-1'\n", 'key.bin': new Uint8Array([1, 2, 3]) }, { label: 'CONTEXT' });
    const pvd = (await run('isoinfo', ['-d', '-i', iso])).stdout;
    t.match(pvd, /Volume id: CONTEXT/);
    t.match((await run('isoinfo', ['-R', '-x', '/context.sh', '-i', iso])).stdout, "HOSTNAME='vm-1'");
    await transfer.contextIso(iso, { 'context.sh': "HOSTNAME='vm-2'\n" }, { label: 'CONTEXT' });
    t.match((await run('isoinfo', ['-R', '-x', '/context.sh', '-i', iso])).stdout, "HOSTNAME='vm-2'", 'rewritten');
    t.notMatch((await run('isoinfo', ['-R', '-f', '-i', iso])).stdout, /key\.bin/);
    await t.rejects(transfer.contextIso(iso, { '../evil': 'x' }, { label: 'CONTEXT' }), { code: 'INVALID_ARGUMENT' });
    await t.rejects(transfer.contextIso(iso, {}, { label: 'bad label' }), { code: 'INVALID_ARGUMENT' });
  });

  t.test('delete removes files and directories; missing is fine; bad paths are refused', async (t) => {
    const dir = t.testdir({ vm: { 'disk.0': 'x', sub: { a: 'b' } }, keep: 'me' });
    const transfer = new LocalTransfer({ root: dir });
    await transfer.delete(join(dir, 'vm'));
    await t.rejects(stat(join(dir, 'vm')), { code: 'ENOENT' });
    await transfer.delete(join(dir, 'vm'));
    t.equal(await readFile(join(dir, 'keep'), 'utf8'), 'me');
    for (const bad of ['relative/path', `${dir}/../etc`, '/', dir, '/etc/passwd']) {
      await t.rejects(transfer.delete(bad), { code: 'INVALID_ARGUMENT' }, `refuses ${bad}`);
    }
    const free = new LocalTransfer();
    await t.rejects(free.delete('/'), { code: 'INVALID_ARGUMENT' }, 'never /');
    await t.rejects(free.clone('/a/../b', join(dir, 'c'), { mode: 'copy' }), { code: 'INVALID_ARGUMENT' });
  });
}

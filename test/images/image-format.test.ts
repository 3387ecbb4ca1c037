/**
 * Format detection from the bytes: with qemu-img (skipped, with the reason,
 * where it is not installed) and without it (the qcow2 header read by hand).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { createBlank, inspectImage } from '../../src/images/image-format.js';

const run = promisify(execFile);
const MISSING = { qemuImg: '/nonexistent/qemu-img' };
const hasQemuImg = await run('qemu-img', ['--version']).then(
  () => true,
  () => false,
);

/** A qcow2 header: magic, version, backing file offset, virtual size, and v3's incompatible features. */
function qcow2Header(opts: { size: bigint; backing?: boolean; dataFile?: boolean }): Buffer {
  const h = Buffer.alloc(512);
  h.writeUInt32BE(0x514649fb, 0);
  h.writeUInt32BE(3, 4);
  h.writeBigUInt64BE(opts.backing === true ? 104n : 0n, 8);
  h.writeUInt32BE(16, 20); // cluster bits
  h.writeBigUInt64BE(opts.size, 24);
  h.writeBigUInt64BE(opts.dataFile === true ? 4n : 0n, 72);
  return h;
}

t.test('without qemu-img: raw unless the qcow2 magic; a backing or external data file is refused', async (t) => {
  const dir = t.testdir();
  const raw = join(dir, 'raw');
  await writeFile(raw, randomBytes(5000));
  t.same(await inspectImage(raw, MISSING), { format: 'raw', virtualSize: 5000 });
  const q = join(dir, 'q');
  await writeFile(q, qcow2Header({ size: 64n * 1024n * 1024n }));
  t.same(await inspectImage(q, MISSING), { format: 'qcow2', virtualSize: 64 * 1024 * 1024 });
  await writeFile(q, qcow2Header({ size: 1024n, backing: true }));
  await t.rejects(inspectImage(q, { ...MISSING, field: 'data' }), {
    code: 'INVALID_ARGUMENT',
    details: { field: 'data' },
    message: /backing file/,
  });
  await writeFile(q, qcow2Header({ size: 1024n, dataFile: true }));
  await t.rejects(inspectImage(q, MISSING), { code: 'INVALID_ARGUMENT', message: /external data file/ });
  const blank = join(dir, 'blank');
  await createBlank(blank, 'raw', 3, MISSING);
  t.equal((await stat(blank)).size, 3 * 1024 * 1024);
  await t.rejects(createBlank(blank, 'raw', 3, MISSING), { code: 'EEXIST' }, 'never over a file that exists');
});

t.test(
  'with qemu-img: qcow2 and raw detected, backing files and other formats refused',
  { skip: hasQemuImg ? false : 'qemu-img is not installed' },
  async (t) => {
    const dir = t.testdir();
    const q = join(dir, 'disk.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', q, '64M']);
    t.same(await inspectImage(q), { format: 'qcow2', virtualSize: 64 * 1024 * 1024 });
    const raw = join(dir, 'disk.raw');
    await writeFile(raw, randomBytes(10_000));
    t.same(await inspectImage(raw), { format: 'raw', virtualSize: 10_000 });
    const overlay = join(dir, 'overlay.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', raw, '-F', 'raw', overlay]);
    await t.rejects(inspectImage(overlay), { code: 'INVALID_ARGUMENT', message: /backing file/ }, 'it would read a file the user names');
    const vmdk = join(dir, 'disk.vmdk');
    await run('qemu-img', ['create', '-q', '-f', 'vmdk', vmdk, '1M']);
    await t.rejects(inspectImage(vmdk), { code: 'INVALID_ARGUMENT', message: /is vmdk/ }, 'a disk must be qcow2 or raw');
    t.equal((await inspectImage(vmdk, { anyFormat: true })).format, 'raw', 'a file QEMU reads as is (kernel, context) is raw');
    const blank = join(dir, 'blank.qcow2');
    await createBlank(blank, 'qcow2', 16);
    t.same(await inspectImage(blank), { format: 'qcow2', virtualSize: 16 * 1024 * 1024 });
  },
);

/**
 * What a VM's template makes of its files (src/vms/vm-disks.ts), what
 * context.sh looks like to a real shell, and the refusals at `onevm create`:
 * each with its code, before any image is taken.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { parseTemplate, vmTemplate } from '../../src/templates/index.js';
import { contextScript } from '../../src/vms/context-script.js';
import type { ImageRef, ImageUse } from '../../src/images/image-record.js';
import { resolveFiles, type FilesEnv } from '../../src/vms/vm-disks.js';
import { startCloud } from '../fixtures/cloud.js';

const run = promisify(execFile);
const DS = '/var/lib/nephele/datastores';
const BASE = 'NAME = v\nCPU = 1\nMEMORY = 128\n';

/** An image pool that knows a few images, and records what it was asked. */
function pool(): { asked: ImageRef[][]; acquire: NonNullable<FilesEnv['acquire']> } {
  const images: Record<string, Omit<ImageUse, 'name'>> = {
    ubuntu: { imageId: 0, type: 'OS', format: 'qcow2', path: `${DS}/1/aaa`, persistent: false, sizeMb: 8 },
    data: { imageId: 1, type: 'DATABLOCK', format: 'raw', path: `${DS}/1/bbb`, persistent: true, sizeMb: 8 },
    iso: { imageId: 2, type: 'CDROM', format: 'raw', path: `${DS}/1/ccc`, persistent: false, sizeMb: 8 },
    vmlinuz: { imageId: 3, type: 'KERNEL', format: 'raw', path: `${DS}/1/ddd`, persistent: false, sizeMb: 8 },
    'init.sh': { imageId: 4, type: 'CONTEXT', format: 'raw', path: `${DS}/1/eee`, persistent: false, sizeMb: 8 },
  };
  const asked: ImageRef[][] = [];
  return {
    asked,
    acquire: async (refs) => {
      asked.push([...refs]);
      return refs.map((r) => {
        const name = r.name ?? Object.keys(images).find((k) => images[k]?.imageId === r.imageId) ?? '';
        const image = images[name];
        if (image === undefined) throw new Error(`no image ${name}`);
        return { ...image, name };
      });
    },
  };
}

const admin = { uid: 0, gid: 0, admin: true };
const user = { uid: 5, gid: 1, admin: false };
const files = async (text: string, owner = admin, p = pool()) =>
  resolveFiles(vmTemplate(parseTemplate(BASE + text)), { vmId: 12, name: 'v', owner, datastores: DS, acquire: p.acquire });

t.test('each DISK becomes a transfer action', async (t) => {
  const f = await files(
    [
      'DISK = [ IMAGE = ubuntu, SIZE = 2048 ]',
      'DISK = [ IMAGE = data ]',
      'DISK = [ IMAGE_ID = 2 ]',
      'DISK = [ IMAGE = ubuntu, CLONE = no ]',
      'DISK = [ TYPE = swap, SIZE = 512 ]',
      'DISK = [ TYPE = fs, SIZE = 64, FS = ext4 ]',
      'DISK = [ IMAGE = ubuntu, SAVE = yes ]',
    ].join('\n'),
  );
  t.match(f.disks, [
    { diskId: 0, type: 'disk', action: 'clone', source: `${DS}/1/aaa`, format: 'qcow2', sizeMb: 2048, readonly: false },
    { diskId: 1, type: 'disk', action: 'link', source: `${DS}/1/bbb`, format: 'raw' },
    { diskId: 2, type: 'cdrom', action: 'link', readonly: true },
    { diskId: 3, action: 'link', format: 'qcow2' },
    { diskId: 4, action: 'swap', format: 'raw', sizeMb: 512 },
    { diskId: 5, action: 'volatile', sizeMb: 64, fs: 'ext4' },
    { diskId: 6, action: 'clone', saveAs: 'ubuntu-12-disk6' },
  ]);
  t.equal(f.disks[1]?.saveAs, undefined, 'nothing saved unless asked');
});

t.test('OS KERNEL_DS and CONTEXT FILES_DS name images', async (t) => {
  const p = pool();
  const f = await files(
    [
      'OS = [ KERNEL_DS = "$FILE[IMAGE=\\"vmlinuz\\"]", ROOT = vda, KERNEL_CMD = "console=ttyS0" ]',
      'CONTEXT = [ FILES_DS = "$FILE[IMAGE_ID=4]", X = y ]',
    ].join('\n'),
    admin,
    p,
  );
  t.same(f.os, { kernelImage: `${DS}/1/ddd`, kernelCmd: 'root=/dev/vda console=ttyS0' });
  t.same(f.contextFiles, [{ name: 'init.sh', imageId: 4, source: `${DS}/1/eee` }]);
  t.same(
    p.asked,
    [
      [
        { use: 'kernel', name: 'vmlinuz' },
        { use: 'context', imageId: 4 },
      ],
    ],
    'asked for once, with what each is for',
  );
});

t.test('refusals come before any image is taken', async (t) => {
  const cases: Array<[string, string, typeof admin, { code: string; details?: Record<string, string> }]> = [
    [
      'a SOURCE from a user',
      'DISK = [ IMAGE = ubuntu ]\nDISK = [ SOURCE = "/var/lib/nephele/datastores/1/aaa" ]',
      user,
      { code: 'NOT_AUTHORIZED' },
    ],
    [
      'a SOURCE outside the datastores',
      'DISK = [ IMAGE = ubuntu ]\nDISK = [ SOURCE = "/etc/shadow" ]',
      admin,
      { code: 'INVALID_ARGUMENT', details: { field: 'DISK/SOURCE' } },
    ],
    [
      'a SOURCE climbing out',
      'DISK = [ IMAGE = ubuntu ]\nDISK = [ SOURCE = "/var/lib/nephele/datastores/../../../etc/shadow" ]',
      admin,
      { code: 'INVALID_TEMPLATE', details: { attribute: 'DISK/SOURCE' } },
    ],
    ['a kernel path from a user', 'DISK = [ IMAGE = ubuntu ]\nOS = [ KERNEL = "/boot/vmlinuz" ]', user, { code: 'NOT_AUTHORIZED' }],
    [
      'CONTEXT FILES (front-end paths)',
      'DISK = [ IMAGE = ubuntu ]\nCONTEXT = [ FILES = "/etc/passwd" ]',
      admin,
      { code: 'INVALID_TEMPLATE', details: { attribute: 'CONTEXT/FILES' } },
    ],
    [
      'FILES_DS that is not a $FILE list',
      'DISK = [ IMAGE = ubuntu ]\nCONTEXT = [ FILES_DS = "/etc/passwd" ]',
      admin,
      { code: 'INVALID_TEMPLATE' },
    ],
    [
      'FILES_DS naming two images in one',
      'DISK = [ IMAGE = ubuntu ]\nCONTEXT = [ FILES_DS = "$FILE[IMAGE=a, IMAGE_ID=1]" ]',
      admin,
      { code: 'INVALID_TEMPLATE' },
    ],
    ['SAVE of a swap disk', 'DISK = [ IMAGE = ubuntu ]\nDISK = [ TYPE = swap, SIZE = 1, SAVE = yes ]', admin, { code: 'INVALID_TEMPLATE' }],
    ['FS on a disk', 'DISK = [ IMAGE = ubuntu, FS = ext4 ]', admin, { code: 'INVALID_TEMPLATE' }],
    ['FS not ext*', 'DISK = [ IMAGE = ubuntu ]\nDISK = [ TYPE = fs, SIZE = 1, FS = "xfs; reboot" ]', admin, { code: 'INVALID_TEMPLATE' }],
    ['a SAVE_AS with a path', 'DISK = [ IMAGE = ubuntu, SAVE = yes, SAVE_AS = "../../etc/x" ]', admin, { code: 'INVALID_TEMPLATE' }],
  ];
  for (const [what, text, owner, error] of cases) {
    const p = pool();
    await t.rejects(files(text, owner, p), error, what);
    t.same(p.asked, [], `${what}: no image asked for`);
  }
  await t.rejects(files('DISK = [ IMAGE = data, SAVE = yes ]'), { code: 'INVALID_TEMPLATE' }, 'a persistent disk is not saved as a copy');
});

t.test('context.sh gives a shell back exactly the values, running nothing', async (t) => {
  const hostile = {
    HOSTNAME: 'web-1',
    QUOTE: 'it\'s $(touch /tmp/pwned) `id` "x" \\ done',
    MULTI: 'line one\nline two',
    'BAD-KEY': 'ignored',
  };
  const script = contextScript(hostile, 3);
  const dir = t.testdir();
  await writeFile(join(dir, 'context.sh'), script);
  const { stdout } = await run('sh', ['-c', `. ./context.sh; printf '%s|%s|%s|%s' "$DISK_ID" "$HOSTNAME" "$QUOTE" "$MULTI"`], { cwd: dir });
  t.equal(stdout, `3|web-1|${hostile.QUOTE}|${hostile.MULTI}`);
  t.notMatch(script, /BAD-KEY/, 'a key that is no shell name is left out');
});

t.test('onevm create refuses bad images and gives back what it took', async (t) => {
  const cloud = await startCloud(t);
  const c = cloud.client;
  const { id: data } = await c.call('image.allocate', { name: 'data', type: 'DATABLOCK', persistent: true, description: '', size: 1 });
  await t.rejects(c.call('vm.allocate', { template: `${BASE}DISK = [ IMAGE = nowhere ]`, hold: true }), { code: 'IMAGE_NOT_FOUND' });
  const { id: first } = await c.call('vm.allocate', { template: `${BASE}DISK = [ IMAGE_ID = ${data} ]`, hold: true });
  t.same((await c.call('image.info', { image: data })).runningVms, [first], 'the VM holds the persistent image');
  await t.rejects(
    c.call('vm.allocate', { template: `${BASE}DISK = [ IMAGE_ID = ${data} ]`, hold: true }),
    { code: 'IMAGE_IN_USE' },
    'one VM at a time',
  );
  await t.rejects(c.call('image.delete', { image: data }), { code: 'IMAGE_IN_USE' }, 'and it cannot be deleted');
  // A refusal after the image was taken (the CONTEXT names a NIC the VM lacks) gives it back.
  await c.call('vm.action', { id: first, action: 'terminate' });
  await t.rejects(
    c.call('vm.allocate', {
      template: `${BASE}DISK = [ IMAGE_ID = ${data} ]\nCONTEXT = [ IP = "$NIC[IP, NETWORK=\\"none\\"]" ]`,
      hold: true,
    }),
    { code: 'INVALID_TEMPLATE' },
  );
  t.same((await c.call('image.info', { image: data })).runningVms, [], 'a terminated VM and a refused create hold nothing');
  await t.resolves(c.call('vm.allocate', { template: `${BASE}DISK = [ IMAGE_ID = ${data} ]`, hold: true }), 'so another VM may take it');
});

t.test('the spec a node gets: files in the VM directory, a host kernel where it is', async (t) => {
  const { vmSpec } = await import('../../src/vms/vm-record.js');
  const base = {
    id: 12,
    name: 'v',
    uid: 0,
    template: '',
    cpu: 1,
    vcpu: 1,
    memory: 128,
    state: 'PENDING' as const,
    history: [],
    pending: undefined,
    opSeq: 0,
    scheduled: false,
    stime: 0,
    etime: undefined,
    lastError: undefined,
  };
  const hostKernel = vmSpec({ ...base, os: { kernel: '/boot/vmlinuz', kernelCmd: 'console=ttyS0' } });
  t.same(hostKernel.os, { kernel: '/boot/vmlinuz', kernelCmd: 'console=ttyS0' }, 'a host kernel without any file of the VM');
  t.equal(hostKernel.dir, undefined);
  const f = await files('OS = [ KERNEL_DS = "$FILE[IMAGE=vmlinuz]" ]\nDISK = [ IMAGE = ubuntu ]\nCONTEXT = [ A = b ]');
  const spec = vmSpec({ ...base, disks: f.disks, ...(f.os === undefined ? {} : { os: f.os }), context: { A: 'b' } }, '/ds/0/12');
  t.same(
    spec.disks,
    [
      { diskId: 0, path: '/ds/0/12/disk.0', format: 'qcow2', type: 'disk' },
      { diskId: 1, path: '/ds/0/12/disk.1', format: 'raw', type: 'cdrom', readonly: true },
    ],
    'the clone, then the context CD',
  );
  t.same(spec.os, { kernel: '/ds/0/12/kernel' }, 'the kernel image copied into the directory');
});

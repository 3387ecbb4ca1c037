/**
 * `image.clone` through oned's API, with real files and the real qemu-img:
 * the copy is the caller's and holds the source's bytes, LOCKED while it is
 * made and READY after; OpenNebula's refusals, each with its code; another
 * user's private image is not found; and a copy that fails half way, or
 * that oned's stop cuts off, never leaves a READY image with part of a file.
 *
 * A stand-in `qemu-img` first on this process's PATH (oned runs in it) does
 * `convert` as the test says (at once, after a gate file appears, or half
 * of it then an error) and hands everything else to the real qemu-img.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t, { type Test } from 'tap';
import type { ApiClient } from '../../src/cli/api-client.js';
import { ApiClient as Client } from '../../src/cli/api-client.js';
import type { ImagePoolMsg } from '../../src/images/image-pool.js';
import type { ImageType } from '../../src/images/image-record.js';
import type { ImageView } from '../../src/images/image-view.js';
import type { Oned } from '../../src/oned/oned.js';
import { adminClient, onedOn } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const run = promisify(execFile);
const realQemuImg = await run('sh', ['-c', 'command -v qemu-img']).then(
  (r) => r.stdout.trim(),
  () => '',
);
const skip = realQemuImg === '' ? 'qemu-img is not installed' : false;

const sha256 = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

type Mode = 'real' | 'gate' | 'half';

/** Puts the stand-in qemu-img in `dir`, first on the PATH until the test ends; returns how to set its mode. */
async function standIn(t: Test, dir: string): Promise<{ mode(m: Mode): Promise<void>; open(): Promise<void> }> {
  const script = `#!/bin/sh
# convert -q -f FMT -O FMT FROM TO: $7 is FROM, $8 is TO.
dir='${dir}'
if [ "$1" = convert ]; then
  case "$(cat "$dir/mode")" in
    gate) while [ ! -e "$dir/gate" ]; do sleep 0.02; done ;;
    half) head -c "$(( $(stat -c %s "$7") / 2 ))" "$7" > "$8"; echo "qemu-img: simulated write error" >&2; exit 1 ;;
  esac
fi
exec '${realQemuImg}' "$@"
`;
  await writeFile(join(dir, 'qemu-img'), script);
  await chmod(join(dir, 'qemu-img'), 0o755);
  const path = process.env.PATH;
  process.env.PATH = `${dir}:${path ?? ''}`;
  t.teardown(() => {
    process.env.PATH = path;
  });
  const mode = (m: Mode) => writeFile(join(dir, 'mode'), m);
  await mode('real');
  return { mode, open: () => writeFile(join(dir, 'gate'), '') };
}

/** A READY image of `bytes` (allocate, upload, commit), as `oneimage create` makes it. */
async function upload(c: ApiClient, name: string, bytes: Uint8Array, type: ImageType = 'OS', persistent = false): Promise<number> {
  const { id } = await c.call('image.allocate', { name, type, persistent, description: `about ${name}` });
  await c.call('image.upload', { id, offset: 0, data: bytes });
  await c.call('image.commit', { id, size: bytes.byteLength });
  return id;
}

async function users(oned: Oned, admin: ApiClient): Promise<{ alice: ApiClient; bob: ApiClient }> {
  const login = async (name: string): Promise<ApiClient> => {
    await admin.call('user.allocate', { name, password: `${name}-pw` });
    return Client.connect({ url: oned.url, user: name, password: `${name}-pw` });
  };
  return { alice: await login('alice'), bob: await login('bob') };
}

const settled = (c: ApiClient, id: number): Promise<ImageView> =>
  eventually(
    () => c.call('image.info', { image: id }),
    (i) => i.state !== 'LOCKED',
    20_000,
    `image ${id} copied`,
  );

t.test('a clone: the caller owns a copy of the bytes, LOCKED while it is made, then READY', { skip }, async (t) => {
  const dir = t.testdir();
  const fake = await standIn(t, dir);
  const oned = await onedOn(dir)();
  t.teardown(() => oned.close());
  const admin = await adminClient(oned);
  t.teardown(() => admin.close());
  const { alice, bob } = await users(oned, admin);
  t.teardown(() => alice.close());
  t.teardown(() => bob.close());

  const bytes = randomBytes(3 * 1024 * 1024 + 7);
  const src = await upload(alice, 'base', bytes, 'DATABLOCK', true);
  await alice.call('image.update', { image: src, template: 'DEV_PREFIX = vd\nLABEL = [ TEAM = web ]\n', append: true });

  await fake.mode('gate');
  const { id } = await alice.call('image.clone', { image: 'base', name: 'copy' });
  const locked = await alice.call('image.info', { image: id });
  t.match(locked, { state: 'LOCKED', name: 'copy', user: 'alice', cloningId: src, type: 'DATABLOCK', persistent: true });
  t.match(await alice.call('image.info', { image: src }), { state: 'USED', clones: [id] }, 'the source is USED while it is copied');
  await t.rejects(
    alice.call('image.delete', { image: src }),
    { code: 'IMAGE_IN_USE', details: { clones: [id] } },
    'no delete of the source',
  );
  await t.rejects(alice.call('image.persistent', { image: src, persistent: false }), { code: 'IMAGE_IN_USE' });
  await t.rejects(alice.call('image.delete', { image: id }), { code: 'ACTION_NOT_ALLOWED' }, 'no delete of a copy under way');
  await t.rejects(
    alice.call('image.upload', { id, offset: 0, data: new Uint8Array(10) }),
    { code: 'ACTION_NOT_ALLOWED', details: { action: 'upload' } },
    'nothing is uploaded into a clone',
  );
  const pool = oned.system.lookup<ImagePoolMsg>('image-pool');
  await t.rejects(
    pool?.ask({ type: 'acquire', vmId: 5, refs: [{ imageId: id, use: 'disk' }], session: { uid: 1, gid: 1, admin: false } }) ??
      Promise.reject(new Error('no pool')),
    { code: 'IMAGE_NOT_READY', details: { state: 'LOCKED' } },
    'no VM takes it before it is whole',
  );
  await fake.open();
  const ready = await settled(alice, id);
  t.match(ready, { state: 'READY', format: 'raw', sizeMb: 4, uid: 1, description: 'about base' });
  t.same(
    ready.template,
    [
      { name: 'DESCRIPTION', value: 'about base' },
      { name: 'DEV_PREFIX', value: 'vd' },
      { name: 'LABEL', value: { TEAM: 'web' } },
    ],
    "the source's template",
  );
  t.not(ready.source, (await alice.call('image.info', { image: src })).source, 'a file of its own');
  t.equal(await sha256(ready.source), createHash('sha256').update(bytes).digest('hex'), "the copy holds the source's bytes");
  const source = await alice.call('image.info', { image: src });
  t.equal(source.state, 'READY', 'the source is READY again');
  t.equal(source.clones, undefined);
  await fake.mode('real');

  await t.test('a qcow2 stays a qcow2 of the same size and content', async (t) => {
    const qcow2 = join(dir, 'disk.qcow2');
    const raw = join(dir, 'disk.raw');
    await writeFile(raw, Buffer.concat([randomBytes(1024 * 1024), Buffer.alloc(31 * 1024 * 1024)]));
    await run(realQemuImg, ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, qcow2]);
    const q = await upload(admin, 'debian', await readFile(qcow2));
    const { id: c } = await bob.call('image.clone', { image: 'debian', name: 'debian', datastore: 'default' });
    const copy = await settled(bob, c);
    t.match(copy, { state: 'READY', format: 'qcow2', sizeMb: 32, user: 'bob', name: 'debian', type: 'OS', persistent: false });
    const original = await admin.call('image.info', { image: q });
    await run(realQemuImg, ['compare', '-q', original.source, copy.source]);
    t.pass("qemu-img compare: the same guest-visible bytes as the administrator's (public) image");
  });

  await t.test('a non-persistent image in use may be cloned', async (t) => {
    const used = await upload(alice, 'shared', randomBytes(1000));
    await pool?.ask({ type: 'acquire', vmId: 7, refs: [{ imageId: used, use: 'disk' }], session: { uid: 1, gid: 1, admin: false } });
    const { id: c } = await alice.call('image.clone', { image: used, name: 'shared copy', datastore: 1 });
    t.equal((await settled(alice, c)).state, 'READY');
    t.match(await alice.call('image.info', { image: used }), { state: 'USED', runningVms: [7] }, 'still USED by its VM');
  });

  await t.test("OpenNebula's refusals, each with its code", async (t) => {
    const kernel = await upload(alice, 'vmlinuz', randomBytes(100), 'KERNEL');
    await t.rejects(alice.call('image.clone', { image: kernel, name: 'k2' }), {
      code: 'ACTION_NOT_ALLOWED',
      details: { type: 'KERNEL', action: 'clone' },
    });
    const disabled = await upload(alice, 'off', randomBytes(100));
    await alice.call('image.enable', { image: disabled, enable: false });
    await t.rejects(alice.call('image.clone', { image: disabled, name: 'x' }), {
      code: 'IMAGE_NOT_READY',
      details: { state: 'DISABLED' },
    });
    const { id: lockedId } = await alice.call('image.allocate', { name: 'uploading', type: 'OS', persistent: false, description: '' });
    await t.rejects(alice.call('image.clone', { image: lockedId, name: 'x' }), { code: 'IMAGE_NOT_READY', details: { state: 'LOCKED' } });
    // A qcow2 with a backing file is refused at commit: the image goes to ERROR.
    await run(realQemuImg, ['create', '-q', '-f', 'qcow2', '-b', join(dir, 'disk.qcow2'), '-F', 'qcow2', join(dir, 'child.qcow2')]);
    const { id: broken } = await alice.call('image.allocate', { name: 'broken', type: 'OS', persistent: false, description: '' });
    const child = await readFile(join(dir, 'child.qcow2'));
    await alice.call('image.upload', { id: broken, offset: 0, data: child });
    await t.rejects(alice.call('image.commit', { id: broken, size: child.byteLength }));
    await t.rejects(alice.call('image.clone', { image: broken, name: 'x' }), { code: 'IMAGE_NOT_READY', details: { state: 'ERROR' } });
    const pers = await upload(alice, 'pers', randomBytes(100), 'OS', true);
    await pool?.ask({ type: 'acquire', vmId: 8, refs: [{ imageId: pers, use: 'disk' }], session: { uid: 1, gid: 1, admin: false } });
    await t.rejects(
      alice.call('image.clone', { image: pers, name: 'x' }),
      { code: 'IMAGE_IN_USE', details: { imageId: pers, vms: [8] } },
      'a persistent image in use',
    );
    await t.rejects(alice.call('image.clone', { image: 'base', name: 'copy' }), { code: 'NAME_TAKEN' }, 'the name is per owner');
    await t.rejects(alice.call('image.clone', { image: 'base', name: 'a/b' }), { code: 'INVALID_ARGUMENT', details: { field: 'name' } });
    await t.rejects(alice.call('image.clone', { image: 'base', name: 'x', datastore: 'system' }), {
      code: 'ACTION_NOT_ALLOWED',
      details: { datastore: 0 },
    });
    await t.rejects(alice.call('image.clone', { image: 'base', name: 'x', datastore: 7 }), {
      code: 'DATASTORE_NOT_FOUND',
      details: { datastore: 7 },
    });
    await t.rejects(bob.call('image.clone', { image: src, name: 'mine now' }), { code: 'IMAGE_NOT_FOUND', message: `no image ${src}` });
    await t.rejects(bob.call('image.clone', { image: 'base', name: 'mine now' }), { code: 'IMAGE_NOT_FOUND' }, 'by name neither');
    t.notOk(
      (await admin.call('imagepool.info', {})).some((i) => i.name === 'x' || i.name === 'k2' || i.name === 'mine now'),
      'no image was made by a refusal',
    );
  });
});

t.test('a copy that fails half way, or that a stop of oned cuts off, ends in ERROR without its file', { skip }, async (t) => {
  const dir = t.testdir();
  const fake = await standIn(t, dir);
  const start = onedOn(dir);
  const first = await start();
  const admin = await adminClient(first);
  const bytes = randomBytes(2 * 1024 * 1024);
  const src = await upload(admin, 'base', bytes);

  await fake.mode('half');
  const { id: failed } = await admin.call('image.clone', { image: src, name: 'half' });
  const error = await settled(admin, failed);
  t.match(error, { state: 'ERROR', error: /simulated write error/ }, 'ERROR, with the reason');
  await t.rejects(stat(error.source), { code: 'ENOENT' }, 'the partial file is removed');
  t.match(await admin.call('image.info', { image: src }), { state: 'READY' });

  await fake.mode('gate');
  const { id: cut } = await admin.call('image.clone', { image: src, name: 'cut' });
  t.equal((await admin.call('image.info', { image: cut })).state, 'LOCKED');
  admin.close();
  await first.close();

  await fake.mode('real');
  const second = await start();
  t.teardown(() => second.close());
  const c2 = await adminClient(second);
  t.teardown(() => c2.close());
  t.match(await c2.call('image.info', { image: cut }), { state: 'ERROR', error: /did not finish/ }, 'never READY with part of a file');
  const base = await c2.call('image.info', { image: src });
  t.match(base, { state: 'READY' }, 'the source is released');
  t.equal(base.clones, undefined);
  t.same(
    (await c2.call('imagepool.info', {})).filter((i) => i.state === 'READY').map((i) => i.name),
    ['base'],
    'the only READY image is the source',
  );
  t.same(await c2.call('image.delete', { image: cut }), { id: cut }, 'an ERROR copy is deleted');
  const { id: again } = await c2.call('image.clone', { image: src, name: 'cut' });
  t.equal((await settled(c2, again)).state, 'READY', 'and the clone made again');
});

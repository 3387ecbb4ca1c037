/**
 * `oneimage` as a real process against oned: uploads (qcow2 from qemu-img,
 * a raw file of several chunks) land byte for byte in the images datastore,
 * the format is detected, list and show print OpenNebula's columns and
 * sections, delete removes the file, and another user's private image can
 * be neither deleted nor used.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import type { ImageView } from '../../src/images/image-view.js';
import { writeAuthFile } from '../../src/auth/auth-file.js';
import { progressBar } from '../../src/cli/oneimage.js';
import { imagesDatastore } from '../../src/images/datastores.js';
import type { ImagePoolMsg } from '../../src/images/image-pool.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually, runCliBin } from '../fixtures/processes.js';

const run = promisify(execFile);
const hasQemuImg = await run('qemu-img', ['--version']).then(
  () => true,
  () => false,
);
const sha256 = async (path: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(path))
    .digest('hex');

t.test('oneimage create, list, show, persistent, rename, disable, delete; bad paths leave nothing', async (t) => {
  const cloud = await startCloud(t);
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const oneimage = (...args: string[]) => runCliBin(t, 'oneimage', args, env);
  const info = (id: number): Promise<ImageView> => cloud.client.call('image.info', { image: id });

  // 9 MiB of random bytes: three chunks of at most 4 MiB.
  const rawFile = join(cloud.dir, 'data.raw');
  await writeFile(rawFile, randomBytes(9 * 1024 * 1024));
  const created = await oneimage('create', '--name', 'data', '--path', rawFile, '--type', 'datablock', '--description', 'nine MiB');
  t.equal(created.code, 0, created.out);
  t.match(created.out, /^ID: 0$/m);
  t.notMatch(created.out, /MiB\/s/, 'no progress bar when stderr is not a terminal');
  const raw = await info(0);
  t.match(raw, {
    name: 'data',
    type: 'DATABLOCK',
    format: 'raw',
    sizeMb: 9,
    state: 'READY',
    persistent: false,
    user: 'oneadmin',
    datastore: 'default',
    datastoreId: 1,
  });
  t.match(raw.source, new RegExp(`^${imagesDatastore(cloud.dir)}/[0-9a-f]{32}$`));
  t.equal(await sha256(raw.source), await sha256(rawFile), "the stored bytes are the file's");

  await t.test('a qcow2 made by qemu-img', { skip: hasQemuImg ? false : 'qemu-img is not installed' }, async (t) => {
    const qcow2 = join(cloud.dir, 'disk.qcow2');
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '64M']);
    const res = await oneimage('create', '--name', 'Debian 12', '--path', qcow2, '--persistent');
    t.match(res.out, /^ID: 1$/m, res.out);
    const q = await info(1);
    t.match(q, { name: 'Debian 12', type: 'OS', format: 'qcow2', sizeMb: 64, persistent: true, state: 'READY' });
    t.equal(await sha256(q.source), await sha256(qcow2));
    t.match((await oneimage('create', '--name', 'empty', '--size', '16', '--format', 'qcow2')).out, /^ID: 2$/m);
    t.match(await info(2), { type: 'DATABLOCK', format: 'qcow2', sizeMb: 16, state: 'READY' });
  });

  const list = (await oneimage('list')).out;
  t.match(list, /^\s*ID USER\s+GROUP\s+NAME\s+DATASTORE\s+SIZE TYPE PER STAT RVMS$/m);
  t.match(list, /^\s*0 oneadmin oneadmin data\s+default\s+9M DB\s+No\s+rdy\s+0$/m);
  if (hasQemuImg) t.match(list, /^\s*1 oneadmin oneadmin Debian 12 default\s+64M OS\s+Yes rdy\s+0$/m);
  const shown = (await oneimage('show', 'data')).out;
  t.match(shown, /^IMAGE 0 INFORMATION$/m);
  t.match(shown, /^DATASTORE\s+: default$/m);
  t.match(shown, /^TYPE\s+: DATABLOCK$/m);
  t.match(shown, /^FORMAT\s+: raw$/m);
  t.match(shown, /^SIZE\s+: 9M$/m);
  t.match(shown, /^STATE\s+: rdy$/m);
  t.match(shown, /^SOURCE\s+: \/.*\/datastores\/1\/[0-9a-f]{32}$/m);
  t.match(shown, /^IMAGE TEMPLATE\nDESCRIPTION="nine MiB"$/m);
  t.match(JSON.parse((await oneimage('show', '0', '--json')).out), { id: 0, name: 'data' });

  t.equal((await oneimage('persistent', 'data')).code, 0);
  t.equal((await info(0)).persistent, true);
  t.equal((await oneimage('nonpersistent', '0')).code, 0);
  t.equal((await oneimage('rename', '0', 'data 2')).code, 0);
  t.equal((await info(0)).name, 'data 2');
  t.match((await oneimage('rename', '0', 'a;rm -rf')).out, /\[INVALID_ARGUMENT\] name may hold/);
  t.equal((await oneimage('disable', '0')).code, 0);
  t.match((await oneimage('list')).out, /^\s*0 .* disa\s+0$/m);
  t.equal((await oneimage('enable', '0')).code, 0);

  // Bad paths: a clear error, a non-zero exit, nothing on the server.
  const before = (await cloud.client.call('imagepool.info', {})).length;
  const files = (await readdir(imagesDatastore(cloud.dir))).length;
  const missing = await oneimage('create', '--name', 'x', '--path', join(cloud.dir, 'no-such-file'));
  t.equal(missing.code, 1);
  t.match(missing.out, /\[INVALID_ARGUMENT\] --path .*no-such-file: no such file/);
  await mkdir(join(cloud.dir, 'a-dir'));
  const dir = await oneimage('create', '--name', 'x', '--path', join(cloud.dir, 'a-dir'));
  t.equal(dir.code, 1);
  t.match(dir.out, /\[INVALID_ARGUMENT\] --path .*a-dir is not a regular file/);
  t.not((await oneimage('create', '--name', '../x', '--path', rawFile)).code, 0, 'a bad name');
  t.not((await oneimage('create', '--name', 'x')).code, 0, 'neither --path nor --size');
  t.equal((await cloud.client.call('imagepool.info', {})).length, before, 'no image left');
  t.equal((await readdir(imagesDatastore(cloud.dir))).length, files, 'no file left');

  // In use: refused; then deleted with its file.
  const pool = () => cloud.oned.system.lookup<ImagePoolMsg>('image-pool');
  await pool()?.ask({ type: 'acquire', vmId: 41, refs: [{ imageId: 0, use: 'disk' }], session: { uid: 0, gid: 0, admin: true } });
  t.match((await oneimage('list')).out, /^\s*0 .* used\s+1$/m);
  const busy = await oneimage('delete', '0');
  t.equal(busy.code, 1);
  t.match(busy.out, /\[IMAGE_IN_USE\]/);
  await pool()?.ask({ type: 'release', vmId: 41 });
  t.equal((await oneimage('delete', '0')).code, 0);
  await t.rejects(stat(raw.source), { code: 'ENOENT' }, 'the file is gone');
  t.match((await oneimage('show', '0')).out, /\[IMAGE_NOT_FOUND\] no image 0/);
});

t.test("a private image is its owner's: others can neither see, delete nor use it; an administrator's is public", async (t) => {
  const cloud = await startCloud(t);
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  for (const name of ['alice', 'bob']) {
    await cloud.client.call('user.allocate', { name, password: `${name}-secret` });
    await writeAuthFile(join(cloud.dir, `${name}.auth`), { user: name, password: `${name}-secret` });
  }
  const as = (user: string) => ({ ...env, NEPHELE_AUTH: join(cloud.dir, `${user}.auth`) });
  const file = join(cloud.dir, 'small.img');
  await writeFile(file, randomBytes(100_000));
  t.match((await runCliBin(t, 'oneimage', ['create', '--name', 'mine', '--path', file], as('alice'))).out, /^ID: 0$/m);
  t.match((await runCliBin(t, 'oneimage', ['create', '--name', 'shared', '--path', file], env)).out, /^ID: 1$/m);

  const bobDelete = await runCliBin(t, 'oneimage', ['delete', '0'], as('bob'));
  t.equal(bobDelete.code, 1);
  t.match(bobDelete.out, /\[IMAGE_NOT_FOUND\]/, "another user's private image is not found");
  t.match((await runCliBin(t, 'oneimage', ['show', '0'], as('bob'))).out, /\[IMAGE_NOT_FOUND\]/);
  t.match((await runCliBin(t, 'oneimage', ['show', 'mine'], as('bob'))).out, /\[IMAGE_NOT_FOUND\]/, 'by name: not even found');
  const bobList = JSON.parse((await runCliBin(t, 'oneimage', ['list', '--json'], as('bob'))).out) as ImageView[];
  t.same(
    bobList.map((i) => i.name),
    ['shared'],
    'bob sees the public image only',
  );
  t.same(bobList[0]?.permissions, 0o604, "oned tells the bits: a public image is everyone's to use");
  const aliceShow = (await runCliBin(t, 'oneimage', ['show', 'mine'], as('alice'))).out;
  t.match(
    aliceShow,
    /^PERMISSIONS\nOWNER\s+: um-\nGROUP\s+: ---\nOTHER\s+: ---$/m,
    "a private image: its owner's alone, as oned computes it",
  );
  t.match((await runCliBin(t, 'oneimage', ['show', 'shared'], as('bob'))).out, /^OTHER\s+: u--$/m);
  t.match(
    (await runCliBin(t, 'oneimage', ['delete', '1'], as('alice'))).out,
    /\[NOT_AUTHORIZED\]/,
    "a public image is not everyone's to delete",
  );

  const pool = cloud.oned.system.lookup<ImagePoolMsg>('image-pool');
  const bob = { uid: 2, gid: 1, admin: false };
  await t.rejects(
    pool?.ask({ type: 'acquire', vmId: 7, refs: [{ imageId: 0, use: 'disk' }], session: bob }) ?? Promise.reject(new Error('no pool')),
    { code: 'IMAGE_NOT_FOUND' },
  );
  t.match(await pool?.ask({ type: 'acquire', vmId: 7, refs: [{ name: 'shared', use: 'disk' }], session: bob }), [{ imageId: 1 }]);
  t.equal((await runCliBin(t, 'oneimage', ['delete', '0'], as('alice'))).code, 0, 'the owner may');
});

/** `oneimage` as a real process with `input` on its standard input. */
function withStdin(t: Test, args: readonly string[], input: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../bin/oneimage.ts', import.meta.url)), ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  child.stderr.on('data', (b: Buffer) => {
    out += b.toString('utf8');
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

t.test('oneimage clone, chtype and update (from a file or stdin); show prints the template', async (t) => {
  const cloud = await startCloud(t);
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const oneimage = (...args: string[]) => runCliBin(t, 'oneimage', args, env);
  await cloud.client.call('user.allocate', { name: 'bob', password: 'bob-secret' });
  await writeAuthFile(join(cloud.dir, 'bob.auth'), { user: 'bob', password: 'bob-secret' });
  const asBob = { ...env, NEPHELE_AUTH: join(cloud.dir, 'bob.auth') };
  const file = join(cloud.dir, 'base.img');
  await writeFile(file, randomBytes(200_000));
  t.match((await oneimage('create', '--name', 'base', '--path', file, '--description', 'the base')).out, /^ID: 0$/m);
  const { id: scratch } = await cloud.client.call('image.allocate', {
    name: 'scratch',
    type: 'DATABLOCK',
    persistent: false,
    description: '',
    size: 1,
  });

  const cloned = await oneimage('clone', 'base', 'base copy');
  t.equal(cloned.code, 0, cloned.out);
  t.match(cloned.out, /^ID: 2$/m, "OpenNebula's answer: the new id");
  const copy = await eventually(
    () => cloud.client.call('image.info', { image: 2 }),
    (i) => i.state !== 'LOCKED',
    20_000,
    'the copy',
  );
  t.match(copy, { name: 'base copy', state: 'READY', cloningId: 0, description: 'the base' });
  t.equal(await sha256(copy.source), await sha256(file));
  const system = await oneimage('clone', 'base', 'x', '-d', 'system');
  t.equal(system.code, 1);
  t.match(system.out, /\[ACTION_NOT_ALLOWED\]/);
  t.match((await oneimage('clone', 'base', 'x', '--datastore', '9')).out, /\[DATASTORE_NOT_FOUND\] no datastore 9/);
  t.match(
    (await runCliBin(t, 'oneimage', ['clone', String(scratch), 'x'], asBob)).out,
    /^ID: \d+$/m,
    "the administrator's image is public",
  );
  t.equal((await runCliBin(t, 'oneimage', ['clone', 'base copy', 'mine'], asBob)).code, 0, 'public too, by name');

  t.equal((await oneimage('chtype', 'base copy', 'cdrom')).code, 0);
  t.equal((await cloud.client.call('image.info', { image: 2 })).type, 'CDROM');
  const across = await oneimage('chtype', '2', 'kernel');
  t.equal(across.code, 1);
  t.match(across.out, /\[ACTION_NOT_ALLOWED\]/);
  t.match((await oneimage('chtype', '2', 'floppy')).out, /\[INVALID_ARGUMENT\] type must be one of/);

  const tmpl = join(cloud.dir, 'image.tmpl');
  await writeFile(tmpl, 'DESCRIPTION = "from a file"\nDEV_PREFIX = vd\n');
  t.equal((await oneimage('update', '2', tmpl)).code, 0);
  const piped = await withStdin(t, ['update', '2', '--append'], 'LABELS = [ TEAM = web, TIER = front ]\n', env);
  t.equal(piped.code, 0, piped.out);
  const shown = (await oneimage('show', '2')).out;
  t.match(
    shown,
    /^IMAGE TEMPLATE\nDESCRIPTION="from a file"\nDEV_PREFIX="vd"\nLABELS=\[\n {2}TEAM="web",\n {2}TIER="front" \]\n\nVIRTUAL MACHINES$/m,
    "OpenNebula's template section: the file's, then what stdin appended",
  );
  const replaced = await withStdin(t, ['update', 'base copy', '-a'], 'DEV_PREFIX = sd\n', env);
  t.equal(replaced.code, 0, replaced.out);
  t.match((await oneimage('show', '2')).out, /^DEV_PREFIX="sd"$/m);
  const syntax = await withStdin(t, ['update', '2'], 'A = "open\n', env);
  t.equal(syntax.code, 1);
  t.match(syntax.out, /\[TEMPLATE_SYNTAX\]/);
  const hidden = await runCliBin(t, 'oneimage', ['update', '0', tmpl], asBob);
  t.match(hidden.out, /\[NOT_AUTHORIZED\]/, "a public image is not everyone's to change");
});

t.test('oneimage chmod, chown and chgrp; show prints the bits as OpenNebula', async (t) => {
  const cloud = await startCloud(t);
  const env = { NEPHELE_URL: cloud.oned.url, NEPHELE_AUTH: cloud.oned.authFile };
  const oneimage = (...args: string[]) => runCliBin(t, 'oneimage', args, env);
  await cloud.client.call('group.allocate', { name: 'devs' });
  for (const name of ['alice', 'bob']) {
    await cloud.client.call('user.allocate', { name, password: `${name}-secret` });
    await writeAuthFile(join(cloud.dir, `${name}.auth`), { user: name, password: `${name}-secret` });
  }
  const as = (user: string) => ({ ...env, NEPHELE_AUTH: join(cloud.dir, `${user}.auth`) });
  const blank = { type: 'DATABLOCK' as const, persistent: false, description: '', size: 1 };
  const { id } = await cloud.client.call('image.allocate', { name: 'base', ...blank });

  const show = await oneimage('show', String(id));
  t.equal(show.code, 0, show.out);
  t.match(show.out, /^PERMISSIONS\nOWNER\s+: um-\nGROUP\s+: ---\nOTHER\s+: u--$/m, "an administrator's image: public (604)");
  const chmod = await oneimage('chmod', 'base', '640');
  t.equal(chmod.code, 0, chmod.out);
  const chown = await oneimage('chown', 'base', 'alice', 'devs');
  t.equal(chown.code, 0, chown.out);
  t.match(
    await cloud.client.call('image.info', { image: id }),
    { permissions: 0o640, user: 'alice', group: 'devs' },
    'oneimage chmod and chown, by name',
  );
  const chgrp = await oneimage('chgrp', String(id), 'users');
  t.equal(chgrp.code, 0, chgrp.out);
  const after = await oneimage('show', String(id));
  t.match(after.out, /^USER\s+: alice\nGROUP\s+: users$/m, 'oneimage chgrp');
  t.match(after.out, /^PERMISSIONS\nOWNER\s+: um-\nGROUP\s+: u--\nOTHER\s+: ---$/m);
  const bobList = await runCliBin(t, 'oneimage', ['list'], as('bob'));
  t.match(bobList.out, /^\s*0 alice\s+users\s+base\s/m, "bob, of alice's group, lists it");

  const refused = await runCliBin(t, 'oneimage', ['chown', String(id), 'bob'], as('alice'));
  t.equal(refused.code, 1);
  t.match(refused.out, /\[USER_NOT_FOUND\]/, 'a user gives nothing away');
  const notHis = await runCliBin(t, 'oneimage', ['chmod', String(id), '666'], as('bob'));
  t.equal(notHis.code, 1);
  t.match(notHis.out, /\[NOT_AUTHORIZED\]/, 'use is not manage');
  const bad = await oneimage('chmod', String(id), '9');
  t.equal(bad.code, 1);
  t.match(bad.out, /\[INVALID_ARGUMENT\] .*octal/);
});

t.test('the progress bar: percent, MiB done of total, MiB/s, redrawn in place at most ten times a second', async (t) => {
  let now = 0;
  let out = '';
  const bar = progressBar(
    8 * 1024 * 1024,
    (s) => {
      out += s;
    },
    () => now,
  );
  now = 1000;
  bar.update(4 * 1024 * 1024);
  t.equal(out, `\r[${'#'.repeat(15)}${'.'.repeat(15)}]  50% 4.0/8.0 MiB 4.0 MiB/s\x1b[K`);
  bar.update(5 * 1024 * 1024);
  t.notMatch(out, /5\.0\/8\.0/, 'not twice within 100 ms');
  now = 2000;
  bar.done(8 * 1024 * 1024);
  t.match(out, /\r\[#{30}\] 100% 8\.0\/8\.0 MiB 4\.0 MiB\/s\x1b\[K\n$/);
});

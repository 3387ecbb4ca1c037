/**
 * The store holds password and token hashes, the data directory oned's SSH
 * key and oneadmin's password: none of it may be readable by other users,
 * whatever the umask oned was started with or an older version left.
 */
import { once } from 'node:events';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { Store } from '../../src/store/store.js';
import { startCloud } from '../fixtures/cloud.js';
import { runBin } from '../fixtures/processes.js';

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

/** Every file and directory under `dir`, with its mode. */
async function modes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    const path = join(entry.parentPath, entry.name);
    out.set(path, await mode(path));
  }
  return out;
}

/** Runs `fn` with the process umask set to `mask`, as a careless service manager would start oned. */
async function withUmask<T>(mask: number, fn: () => Promise<T>): Promise<T> {
  const before = process.umask(mask);
  try {
    return await fn();
  } finally {
    process.umask(before);
  }
}

t.test('a store opened under umask 022: its directory 0700, its files 0600', async (t) => {
  const dir = join(t.testdir(), 'db');
  const store = await withUmask(0o022, () => Store.open(dir));
  await store.put('users', 1, { name: 'u', hash: 'not a real hash' });
  t.equal(await mode(dir), 0o700, 'db/ is 0700');
  await store.close();
  const files = [...(await modes(dir))];
  t.ok(files.length > 0, 'LevelDB made files');
  t.same(
    files.filter(([, m]) => m !== 0o600),
    [],
    'each file in db/ is 0600',
  );
});

t.test('a store an older version left 0755/0644 is made 0700/0600 when opened', async (t) => {
  const dir = join(t.testdir(), 'db');
  const first = await Store.open(dir);
  await first.put('users', 1, { name: 'u' });
  await first.close();
  await chmod(dir, 0o755);
  for (const [path] of await modes(dir)) await chmod(path, 0o644);
  const again = await Store.open(dir);
  t.teardown(() => again.close());
  t.equal(await mode(dir), 0o700);
  t.same(
    [...(await modes(dir))].filter(([, m]) => m !== 0o600),
    [],
    'every file 0600 again',
  );
  t.same(await again.get('users', 1), { name: 'u' }, 'and the data is intact');
});

t.test('oned in this process: nothing under its data directory is open to others', async (t) => {
  const cloud = await withUmask(0o022, () => startCloud(t));
  // Under umask 022 a directory made without a mode would be 0755 and a file 0644.
  t.equal(await mode(cloud.dir), 0o700, 'the data directory is 0700');
  for (const sub of ['db', 'ssh', 'datastores']) {
    const m = await mode(join(cloud.dir, sub)).catch(() => undefined);
    if (m !== undefined) t.equal(m & 0o077, 0, `${sub}/ is open to its owner only (${m.toString(8)})`);
  }
  t.same(
    [...(await modes(join(cloud.dir, 'db')))].filter(([, m]) => m !== 0o600),
    [],
    'db/ files are 0600',
  );
  t.equal(await mode(join(cloud.dir, 'ssh', 'id_ed25519')), 0o600, "oned's private key is 0600");
  t.equal(await mode(join(cloud.dir, 'one_auth')), 0o600, "oneadmin's password is 0600");
});

t.test('bin/oned started under umask 022: every file it makes is its own alone', async (t) => {
  const root = t.testdir();
  const dataDir = join(root, 'data');
  const home = join(root, 'home');
  await mkdir(home);
  // A leftover world-readable file in db/ from an older oned.
  await mkdir(join(dataDir, 'db'), { recursive: true, mode: 0o755 });
  await writeFile(join(dataDir, 'db', 'LOG.old'), 'old log\n', { mode: 0o644 });
  await chmod(join(dataDir, 'db', 'LOG.old'), 0o644);
  const oned = await withUmask(0o022, async () =>
    runBin(t, 'oned', ['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--log-format', 'json', '--log-level', 'info'], { HOME: home }),
  );
  await oned.waitFor(/oned ready/, 30_000);
  oned.child.kill('SIGTERM');
  await once(oned.child, 'exit');
  const all = await modes(dataDir);
  t.ok(all.has(join(dataDir, 'db', 'CURRENT')), 'the store was made');
  t.ok(all.has(join(dataDir, 'ssh', 'id_ed25519')), "and oned's SSH key");
  const open = [...all].filter(([, m]) => (m & 0o077) !== 0).map(([p, m]) => `${p.slice(dataDir.length)} ${m.toString(8)}`);
  t.same(open, [], 'no file or directory under the data directory is open to group or others');
  t.equal(all.get(join(dataDir, 'db')), 0o700);
  t.equal(all.get(join(dataDir, 'db', 'LOG.old')), 0o600, 'the leftover was made 0600');
});

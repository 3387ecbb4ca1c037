/**
 * Builds the tiny test guest from Debian's own packages: the distribution kernel (downloaded
 * with apt-get and extracted, never installed), a busybox initramfs holding the modules the
 * guest needs and scripts/guest/init, and a small qcow2 disk. See docs/guest.md.
 *
 * Run: `npm run guest` (`-- --force` rebuilds). The result is cached in `.cache/guest/`
 * (or $NEPHELE_GUEST_DIR) and rebuilt only when its inputs change.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, constants, mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { cpioNewc, type CpioEntry } from './cpio.js';
import { parseBuiltin, resolveModules } from './kernel-modules.js';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '../..');

/** The meta-package whose dependency names the current kernel package. */
const KERNEL_META = 'linux-image-amd64';
const BUSYBOX = '/bin/busybox';
/** Kernel command line the guest expects (serial console; a dead init powers off QEMU with -no-reboot). */
export const GUEST_CMDLINE = 'console=ttyS0 panic=-1';
/** First line of /nephele-disk on the qcow2 disk's ext4 file system. */
export const DISK_MARKER = 'nephele-test-disk';
const DISK_SIZE = '32M';

/**
 * Modules for the devices QEMU gives the guest, dependencies added by resolveModules.
 * The ATA and SCSI stack serve the context CD (IDE on `pc`, AHCI on `q35`, or virtio-scsi);
 * button and evdev carry the ACPI power button to acpid; crc32c_generic is ext4's checksum.
 * `scsi_mod scan=sync`: devices exist once insmod returns, so init need not poll for them.
 */
const MODULES: readonly (readonly [name: string, params?: string])[] = [
  ['scsi_mod', 'scan=sync'],
  ['ata_piix'],
  ['ahci'],
  ['virtio_pci'],
  ['virtio_blk'],
  ['virtio_net'],
  ['virtio_scsi'],
  ['sd_mod'],
  ['sr_mod'],
  ['isofs'],
  ['crc32c_generic'],
  ['ext4'],
  ['button'],
  ['evdev'],
];

/** What manifest.json records about a build. */
export interface GuestManifest {
  readonly format: 1;
  /** Hash of everything the build read: scripts/guest/*, busybox, the kernel package version. */
  readonly inputsHash: string;
  /** Hash of the local inputs only, so a cached build stays usable when apt cannot answer. */
  readonly localHash: string;
  readonly kernel: { readonly package: string; readonly version: string; readonly release: string };
  readonly cmdline: string;
  readonly modules: readonly string[];
  readonly disk: {
    readonly format: 'qcow2';
    readonly virtualSize: string;
    readonly filesystem: 'ext4' | 'none';
    readonly marker: string | null;
  };
  readonly builtAt: string;
}

/** A built guest: absolute paths of its files. */
export interface GuestImage {
  readonly dir: string;
  readonly kernel: string;
  readonly initrd: string;
  readonly disk: string;
  readonly manifest: GuestManifest;
  /** False when the cached build was current. */
  readonly built: boolean;
}

/** Where the build failed: `tools` and `download` mean the machine lacks something. */
export type GuestBuildStep = 'tools' | 'download' | 'build';

export class GuestBuildError extends Error {
  readonly step: GuestBuildStep;
  constructor(step: GuestBuildStep, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'GuestBuildError';
    this.step = step;
  }
}

export interface BuildGuestOptions {
  /** @default $NEPHELE_GUEST_DIR, else `.cache/guest` in the repository */
  readonly dir?: string;
  /** Rebuild even when the cache is current. @default false */
  readonly force?: boolean;
  /** Progress lines. @default silent */
  readonly log?: (line: string) => void;
}

/** The cache directory. */
export function guestDir(): string {
  return resolve(process.env['NEPHELE_GUEST_DIR'] ?? join(ROOT, '.cache/guest'));
}

/** Absolute path of a program on $PATH, if there is one. */
export async function findOnPath(program: string): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const path = join(dir, program);
    try {
      await access(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** True when an ELF executable names a program interpreter, i.e. needs a dynamic loader. */
function isDynamicElf(elf: Buffer): boolean {
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3 /* PT_INTERP */) return true;
  return false;
}

async function localInputsHash(busybox: Buffer): Promise<string> {
  const hash = createHash('sha256');
  for (const name of (await readdir(HERE)).sort()) {
    hash
      .update(`${name}\0`)
      .update(await readFile(join(HERE, name)))
      .update('\0');
  }
  return hash.update(busybox).digest('hex');
}

/** The kernel package linux-image-amd64 points at, and its candidate version. */
async function kernelPackage(): Promise<{ package: string; version: string }> {
  const { stdout: deps } = await run('apt-cache', ['depends', KERNEL_META]);
  const pkg = /Depends:\s*(linux-image-[^\s<>]+)/.exec(deps)?.[1];
  if (pkg === undefined) throw new Error(`apt-cache depends ${KERNEL_META}: no linux-image dependency`);
  const { stdout: show } = await run('apt-cache', ['show', '--no-all-versions', pkg]);
  const version = /^Version:\s*(\S+)/m.exec(show)?.[1];
  if (version === undefined) throw new Error(`apt-cache show ${pkg}: no version`);
  return { package: pkg, version };
}

async function readManifest(dir: string): Promise<GuestManifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as GuestManifest;
    for (const f of ['vmlinuz', 'initrd.img', 'disk.qcow2']) if (!(await exists(join(dir, f)))) return undefined;
    return manifest.format === 1 ? manifest : undefined;
  } catch {
    return undefined;
  }
}

function image(dir: string, manifest: GuestManifest, built: boolean): GuestImage {
  return { dir, kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), disk: join(dir, 'disk.qcow2'), manifest, built };
}

/** Holds `<dir>/.lock` (O_EXCL, with our pid) while `fn` runs; a lock left by a dead process is taken over. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.lock');
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(await readFile(lock, 'utf8').catch(() => ''));
      if (holder > 0 && !isAlive(holder)) {
        await unlink(lock).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new GuestBuildError('build', `${lock} held by pid ${holder} for too long`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The cached .deb of `pkg` at `version`, downloaded into `<dir>/debs` when missing. */
async function kernelDeb(dir: string, pkg: string, version: string, log: (line: string) => void): Promise<string> {
  const debs = join(dir, 'debs');
  await mkdir(debs, { recursive: true });
  const find = async (): Promise<string | undefined> => {
    for (const name of await readdir(debs)) {
      if (!name.startsWith(`${pkg}_`) || !name.endsWith('.deb')) continue;
      const { stdout } = await run('dpkg-deb', ['-f', join(debs, name), 'Version']);
      if (stdout.trim() === version) return join(debs, name);
      await rm(join(debs, name), { force: true }); // an older kernel
    }
    return undefined;
  };
  const cached = await find();
  if (cached !== undefined) return cached;
  log(`downloading ${pkg} ${version}`);
  try {
    await run('apt-get', ['download', '-qq', `${pkg}=${version}`], { cwd: debs, maxBuffer: 16 << 20 });
  } catch (err) {
    throw new GuestBuildError('download', `apt-get download ${pkg}=${version} failed: ${(err as Error).message}`, { cause: err });
  }
  const deb = await find();
  if (deb === undefined) throw new GuestBuildError('download', `apt-get download ${pkg}=${version} left no .deb in ${debs}`);
  return deb;
}

async function initramfs(modulesDir: string, busybox: Buffer): Promise<{ data: Buffer; modules: string[] }> {
  const builtin = parseBuiltin(await readFile(join(modulesDir, 'modules.builtin'), 'utf8'));
  const modules = await resolveModules(
    modulesDir,
    MODULES.map(([name]) => name),
    builtin,
  );
  const params = new Map(MODULES.map(([name, p]) => [name, p ?? '']));
  const loadOrder = modules.map((m) => `${m.name} ${params.get(m.name) ?? ''}`.trimEnd()).join('\n');
  const dirs = [
    'bin',
    'sbin',
    'usr',
    'usr/bin',
    'usr/sbin',
    'dev',
    'proc',
    'sys',
    'run',
    'tmp',
    'root',
    'var',
    'var/log',
    'etc',
    'etc/acpi',
    'etc/acpi/PWRF',
    'lib',
    'lib/modules',
    'mnt',
    'mnt/context',
    'mnt/disk',
  ];
  const entries: CpioEntry[] = [
    ...dirs.map((path): CpioEntry => ({ kind: 'dir', path })),
    // The kernel opens /dev/console before init runs, ahead of any devtmpfs mount.
    { kind: 'char', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'init', data: await readFile(join(HERE, 'init')), mode: 0o755 },
    { kind: 'file', path: 'etc/acpi/PWRF/00000080', data: await readFile(join(HERE, 'power-button')), mode: 0o755 },
    { kind: 'file', path: 'etc/hosts', data: Buffer.from('127.0.0.1 localhost\n') },
    { kind: 'file', path: 'lib/modules/load-order', data: Buffer.from(`${loadOrder}\n`) },
  ];
  for (const m of modules) entries.push({ kind: 'file', path: `lib/modules/${m.name}.ko`, data: await readFile(m.path) });
  return { data: gzipSync(cpioNewc(entries), { level: 9 }), modules: modules.map((m) => m.name) };
}

/** A qcow2 disk holding an ext4 file system with /nephele-disk, or an empty one without mke2fs. */
async function disk(staging: string): Promise<GuestManifest['disk']> {
  const out = join(staging, 'disk.qcow2');
  if ((await findOnPath('mke2fs')) === undefined) {
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', out, DISK_SIZE]);
    return { format: 'qcow2', virtualSize: DISK_SIZE, filesystem: 'none', marker: null };
  }
  const content = join(staging, 'disk-content');
  const raw = join(staging, 'disk.raw');
  await mkdir(content);
  await writeFile(join(content, 'nephele-disk'), `${DISK_MARKER}\n`);
  await run('mke2fs', ['-q', '-F', '-t', 'ext4', '-L', 'NEPHELE-DISK', '-d', content, raw, DISK_SIZE]);
  await run('qemu-img', ['convert', '-q', '-f', 'raw', '-O', 'qcow2', raw, out]);
  await rm(raw);
  await rm(content, { recursive: true });
  return { format: 'qcow2', virtualSize: DISK_SIZE, filesystem: 'ext4', marker: DISK_MARKER };
}

async function build(
  dir: string,
  kernel: { package: string; version: string },
  localHash: string,
  inputsHash: string,
  busybox: Buffer,
  log: (line: string) => void,
): Promise<GuestManifest> {
  const deb = await kernelDeb(dir, kernel.package, kernel.version, log);
  const staging = await mkdtemp(join(dir, '.staging-'));
  try {
    log(`extracting ${deb}`);
    const tree = join(staging, 'kernel');
    await run('dpkg-deb', ['-x', deb, tree]);
    const releases = await readdir(join(tree, 'lib/modules'));
    const release = releases[0];
    if (release === undefined || releases.length !== 1)
      throw new GuestBuildError('build', `${deb}: expected one lib/modules/<release>, found ${releases.join(', ')}`);
    await rename(join(tree, 'boot', `vmlinuz-${release}`), join(staging, 'vmlinuz'));
    log('writing initrd.img');
    const initrd = await initramfs(join(tree, 'lib/modules', release), busybox);
    await writeFile(join(staging, 'initrd.img'), initrd.data);
    await rm(tree, { recursive: true });
    log('writing disk.qcow2');
    const manifest: GuestManifest = {
      format: 1,
      inputsHash,
      localHash,
      kernel: { package: kernel.package, version: kernel.version, release },
      cmdline: GUEST_CMDLINE,
      modules: initrd.modules,
      disk: await disk(staging),
      builtAt: new Date().toISOString(),
    };
    // Invalidate first, publish the manifest last: a crash in between leaves a rebuild, not a mix.
    await rm(join(dir, 'manifest.json'), { force: true });
    for (const f of ['vmlinuz', 'initrd.img', 'disk.qcow2']) await rename(join(staging, f), join(dir, f));
    await writeFile(join(staging, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(join(staging, 'manifest.json'), join(dir, 'manifest.json'));
    return manifest;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The guest, built when the cache is missing or stale. Safe to call from several processes
 * at once: one builds under a lock file, the others wait and reuse its result.
 */
export async function buildGuest(options: BuildGuestOptions = {}): Promise<GuestImage> {
  const dir = resolve(options.dir ?? guestDir());
  const log = options.log ?? ((): void => undefined);
  for (const tool of ['apt-get', 'apt-cache', 'dpkg-deb', 'qemu-img']) {
    if ((await findOnPath(tool)) === undefined) throw new GuestBuildError('tools', `${tool} not found on PATH`);
  }
  const busybox = await readFile(BUSYBOX).catch(() => undefined);
  if (busybox === undefined) throw new GuestBuildError('tools', `${BUSYBOX} not found (apt-get install busybox-static)`);
  if (isDynamicElf(busybox)) throw new GuestBuildError('tools', `${BUSYBOX} is dynamically linked (apt-get install busybox-static)`);
  await mkdir(dir, { recursive: true });
  const localHash = await localInputsHash(busybox);

  let kernel: { package: string; version: string };
  try {
    kernel = await kernelPackage();
  } catch (err) {
    // No apt answer: a cache built from the same scripts and busybox is still good.
    const cached = await readManifest(dir);
    if (cached !== undefined && cached.localHash === localHash && options.force !== true) return image(dir, cached, false);
    throw new GuestBuildError('download', `cannot resolve the kernel package: ${(err as Error).message}`, { cause: err });
  }
  const inputsHash = createHash('sha256').update(`${localHash}\0${kernel.package}\0${kernel.version}`).digest('hex');
  const current = async (): Promise<GuestManifest | undefined> => {
    const m = await readManifest(dir);
    return m?.inputsHash === inputsHash ? m : undefined;
  };
  if (options.force !== true) {
    const cached = await current();
    if (cached !== undefined) return image(dir, cached, false);
  }
  return withLock(dir, async () => {
    // Another process may have built it while we waited for the lock.
    const cached = options.force === true ? undefined : await current();
    if (cached !== undefined) return image(dir, cached, false);
    return image(dir, await build(dir, kernel, localHash, inputsHash, busybox, log), true);
  });
}

async function main(): Promise<void> {
  const force = process.argv.includes('--force');
  const started = Date.now();
  const guest = await buildGuest({ force, log: (line) => process.stderr.write(`guest: ${line}\n`) });
  const { kernel, initrd, disk: diskPath, manifest } = guest;
  process.stdout.write(
    `${JSON.stringify(
      {
        built: guest.built,
        seconds: (Date.now() - started) / 1000,
        kernel,
        initrd,
        disk: diskPath,
        kernelVersion: `${manifest.kernel.package} ${manifest.kernel.version}`,
        cmdline: manifest.cmdline,
      },
      null,
      2,
    )}\n`,
  );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}

import { copyFile, lstat, mkdir, mkdtemp, open, readlink, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { NepheleError } from '../../src/errors.js';
import { runTool } from './run-tool.js';
import type { CloneOptions, TransferDriver, VolatileOptions } from './types.js';

export interface LocalTransferOptions {
  /**
   * When set, every path must lie inside this directory (the host's
   * datastores): a last guard for `delete`. @default none
   */
  readonly root?: string;
  /** @default 'qemu-img' */
  readonly qemuImg?: string;
  /** @default 'mkswap' */
  readonly mkswap?: string;
  /** @default 'genisoimage' */
  readonly genisoimage?: string;
}

const MiB = 1024 * 1024;

/**
 * The transfer driver of a host whose datastores are local directories:
 * qemu-img for disks, mkswap, mkfs.ext* for volatile disks, genisoimage for
 * the context CD. Each file is made under `<target>.partial` and renamed
 * into place, so a target that exists is complete and a retried command
 * finds its work done.
 */
export class LocalTransfer implements TransferDriver {
  private readonly root: string | undefined;
  private readonly qemuImg: string;
  private readonly mkswapTool: string;
  private readonly genisoimage: string;

  constructor(options: LocalTransferOptions = {}) {
    if (options.root !== undefined) checkPath(options.root);
    this.root = options.root?.replace(/\/+$/, '');
    this.qemuImg = options.qemuImg ?? 'qemu-img';
    this.mkswapTool = options.mkswap ?? 'mkswap';
    this.genisoimage = options.genisoimage ?? 'genisoimage';
  }

  async clone(source: string, target: string, options: CloneOptions, signal?: AbortSignal): Promise<void> {
    this.check(source);
    this.check(target);
    if (options.sizeMb !== undefined) size(options.sizeMb);
    const from = await this.info(source, signal);
    if (await exists(target)) {
      const made = await this.info(target, signal);
      if (options.mode === 'linked' && made['backing-filename'] !== source) {
        throw new NepheleError('DRIVER_FAILED', `${target} exists and is not a linked clone of ${source}`, {
          details: { target, source, backing: made['backing-filename'] ?? null },
        });
      }
      return this.grow(target, made, options.sizeMb, signal);
    }
    const partial = `${target}.partial`;
    try {
      if (options.mode === 'linked') {
        await runTool(this.qemuImg, ['create', '-q', '-f', 'qcow2', '-F', from.format, '-b', source, partial], signal);
      } else {
        await runTool(this.qemuImg, ['convert', '-q', '-f', from.format, '-O', options.format ?? from.format, source, partial], signal);
      }
      await this.grow(partial, await this.info(partial, signal), options.sizeMb, signal);
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  async mkswap(target: string, sizeMb: number, signal?: AbortSignal): Promise<void> {
    this.check(target);
    size(sizeMb);
    await this.make(target, signal, async (partial) => {
      await sparseFile(partial, sizeMb);
      await runTool(this.mkswapTool, [partial], signal);
    });
  }

  async volatile(target: string, sizeMb: number, options: VolatileOptions = {}, signal?: AbortSignal): Promise<void> {
    this.check(target);
    size(sizeMb);
    const fs = options.fs;
    if (fs !== undefined && fs !== 'ext2' && fs !== 'ext3' && fs !== 'ext4') {
      throw new NepheleError('INVALID_ARGUMENT', `cannot make a ${String(fs)} file system`, { details: { fs } });
    }
    await this.make(target, signal, async (partial) => {
      await sparseFile(partial, sizeMb);
      if (fs !== undefined) await runTool(`mkfs.${fs}`, ['-q', '-F', partial], signal);
    });
  }

  async contextIso(
    target: string,
    files: Readonly<Record<string, string | Uint8Array>>,
    options: { readonly label: string },
    signal?: AbortSignal,
  ): Promise<void> {
    this.check(target);
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(options.label)) {
      throw new NepheleError('INVALID_ARGUMENT', 'an ISO label is 1 to 32 letters, digits, _ or -', { details: { label: options.label } });
    }
    for (const name of Object.keys(files)) {
      if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || name === '.' || name === '..') {
        throw new NepheleError('INVALID_ARGUMENT', `not a file name for the context CD: ${name}`, { details: { name } });
      }
    }
    const staging = await mkdtemp(join(tmpdir(), 'nephele-context-'));
    const partial = `${target}.partial`;
    try {
      await Promise.all(Object.entries(files).map(([name, content]) => writeFile(join(staging, name), content, { mode: 0o600 })));
      await runTool(this.genisoimage, ['-quiet', '-o', partial, '-V', options.label, '-J', '-R', staging], signal);
      await rename(partial, target); // rewrites an existing one in one step
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async link(source: string, target: string): Promise<void> {
    this.check(source);
    this.check(target);
    const have = await lstat(target).catch(() => undefined);
    if (have !== undefined) {
      if (have.isSymbolicLink() && (await readlink(target)) === source) return;
      throw new NepheleError('DRIVER_FAILED', `${target} exists and is not a link to ${source}`, { details: { target, source } });
    }
    await stat(source).catch(() => {
      throw new NepheleError('DRIVER_FAILED', `no file ${source} to link to`, { details: { source } });
    });
    await symlink(source, target);
  }

  async copyFile(source: string, target: string, signal?: AbortSignal): Promise<void> {
    this.check(source);
    this.check(target);
    await this.make(target, signal, (partial) => copyFile(source, partial));
  }

  async saveAs(source: string, target: string, signal?: AbortSignal): Promise<void> {
    this.check(source);
    this.check(target);
    const from = await this.info(source, signal);
    // A host's own images datastore (TM_MAD = ssh) may not exist yet.
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    await this.make(target, signal, (partial) =>
      runTool(this.qemuImg, ['convert', '-q', '-f', from.format, '-O', 'qcow2', source, partial], signal).then(() => undefined),
    );
  }

  async delete(path: string): Promise<void> {
    this.check(path);
    await rm(path, { recursive: true, force: true });
  }

  /** An absolute path without `..`, inside the root when there is one; never the root itself or `/`. */
  private check(path: string): void {
    checkPath(path);
    const clean = path.replace(/\/+$/, '');
    if (clean === '' || (this.root !== undefined && !clean.startsWith(`${this.root}/`))) {
      throw new NepheleError('INVALID_ARGUMENT', `${path} is outside ${this.root ?? 'any directory'}`, {
        details: { path, root: this.root ?? null },
      });
    }
  }

  /** Makes `target` through `<target>.partial`; an existing target is done already. */
  private async make(target: string, signal: AbortSignal | undefined, fill: (partial: string) => Promise<void>): Promise<void> {
    if (await exists(target)) return;
    if (signal?.aborted === true) throw signal.reason;
    const partial = `${target}.partial`;
    try {
      await rm(partial, { force: true });
      await fill(partial);
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  private async info(path: string, signal?: AbortSignal): Promise<ImageInfo> {
    const { stdout } = await runTool(this.qemuImg, ['info', '--output=json', '-U', path], signal);
    return JSON.parse(stdout) as ImageInfo;
  }

  /** Grows the image to `sizeMb`; never shrinks. */
  private async grow(path: string, info: ImageInfo, sizeMb: number | undefined, signal?: AbortSignal): Promise<void> {
    if (sizeMb === undefined || sizeMb * MiB <= info['virtual-size']) return;
    await runTool(this.qemuImg, ['resize', '-q', '-f', info.format, path, `${sizeMb}M`], signal);
  }
}

interface ImageInfo {
  readonly format: 'qcow2' | 'raw';
  readonly 'virtual-size': number;
  readonly 'backing-filename'?: string;
}

function checkPath(path: string): void {
  if (!path.startsWith('/') || path.split('/').includes('..') || /[\0\n]/.test(path) || dirname(path) === path) {
    throw new NepheleError('INVALID_ARGUMENT', `not an absolute path without ..: ${JSON.stringify(path)}`, { details: { path } });
  }
}

function size(sizeMb: number): void {
  if (!Number.isInteger(sizeMb) || sizeMb < 1 || sizeMb > 64 * 1024 * 1024) {
    throw new NepheleError('INVALID_ARGUMENT', `a disk size is a whole number of MiB, got ${sizeMb}`, { details: { sizeMb } });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A file of `sizeMb` MiB that takes no space until written. */
async function sparseFile(path: string, sizeMb: number): Promise<void> {
  const fh = await open(path, 'w', 0o600);
  try {
    await fh.truncate(sizeMb * MiB);
  } finally {
    await fh.close();
  }
}

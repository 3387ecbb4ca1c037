/**
 * What an image file holds, found from its bytes (never from what the user
 * says), and blank datablocks. `qemu-img` runs with argument arrays; when it
 * is not installed a file is raw unless it starts with the qcow2 magic.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rm, stat, truncate } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { NepheleError } from '../errors.js';
import type { ImageFormat } from './image-record.js';

const run = promisify(execFile);

/** @default 'qemu-img' on the PATH */
export interface QemuImgOptions {
  readonly qemuImg?: string;
}

export interface Inspected {
  readonly format: ImageFormat;
  /** The size the guest sees, in bytes. */
  readonly virtualSize: number;
}

const QCOW2_MAGIC = 0x514649fb; // 'QFI\xfb'
/** qcow2 v3 incompatible feature bit 2: the guest data lives in an external file. */
const QCOW2_EXTERNAL_DATA = 1n << 2n;

function refused(field: string, why: string): NepheleError {
  return new NepheleError('INVALID_ARGUMENT', `the image ${why}`, { details: { field } });
}

function isMissing(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' && typeof (err as { path?: unknown }).path === 'string';
}

/**
 * The image's format and virtual size. Refused (INVALID_ARGUMENT, details
 * `{ field }`): a qcow2 with a backing file or an external data file (either
 * would make QEMU read a file the user names), and, unless `anyFormat`, a
 * format other than qcow2 and raw. With `anyFormat` (kernels, ramdisks,
 * context files, which QEMU reads as plain files) anything but qcow2 is raw.
 */
export async function inspectImage(
  path: string,
  options: QemuImgOptions & { field?: string; anyFormat?: boolean } = {},
): Promise<Inspected> {
  const field = options.field ?? 'IMAGE';
  let out: string;
  try {
    ({ stdout: out } = await run(options.qemuImg ?? 'qemu-img', ['info', '--output=json', path], { timeout: 60_000, maxBuffer: 1 << 20 }));
  } catch (err) {
    if (isMissing(err)) return inspectByMagic(path, field);
    const why =
      String((err as { stderr?: unknown }).stderr ?? (err as Error).message)
        .trim()
        .split('\n')[0] ?? '';
    throw new NepheleError('INVALID_ARGUMENT', `qemu-img cannot read the image: ${why}`, { details: { field }, cause: err });
  }
  const info = JSON.parse(out) as {
    format?: string;
    'virtual-size'?: number;
    'backing-filename'?: string;
    'full-backing-filename'?: string;
    'format-specific'?: { data?: { 'data-file'?: string } };
  };
  if (info['backing-filename'] !== undefined || info['full-backing-filename'] !== undefined) throw refused(field, 'has a backing file');
  if (info['format-specific']?.data?.['data-file'] !== undefined) throw refused(field, 'has an external data file');
  if (info.format === 'qcow2') return { format: 'qcow2', virtualSize: info['virtual-size'] ?? 0 };
  // qemu-img rounds a raw file up to whole sectors; its bytes are its size.
  if (info.format === 'raw' || options.anyFormat === true) return { format: 'raw', virtualSize: (await stat(path)).size };
  throw refused(field, `is ${String(info.format)}: convert it to qcow2 or raw (qemu-img convert)`);
}

/** Without qemu-img: qcow2 from its header, anything else raw. */
async function inspectByMagic(path: string, field: string): Promise<Inspected> {
  const fh = await open(path, 'r');
  try {
    const header = Buffer.alloc(104);
    const { bytesRead } = await fh.read(header, 0, header.length, 0);
    if (bytesRead >= 32 && header.readUInt32BE(0) === QCOW2_MAGIC) {
      if (header.readBigUInt64BE(8) !== 0n) throw refused(field, 'has a backing file');
      if (header.readUInt32BE(4) >= 3 && bytesRead >= 80 && (header.readBigUInt64BE(72) & QCOW2_EXTERNAL_DATA) !== 0n) {
        throw refused(field, 'has an external data file');
      }
      return { format: 'qcow2', virtualSize: Number(header.readBigUInt64BE(24)) };
    }
    return { format: 'raw', virtualSize: (await fh.stat()).size };
  } finally {
    await fh.close();
  }
}

/**
 * Creates an empty image of `sizeMb` MiB at `path` (which must not exist):
 * `qemu-img create`, or without qemu-img a sparse raw file. A qcow2 needs
 * qemu-img (DRIVER_FAILED without it).
 */
export async function createBlank(path: string, format: ImageFormat, sizeMb: number, options: QemuImgOptions = {}): Promise<void> {
  // Claims the name first, so that qemu-img never writes over a file that exists.
  await (await open(path, 'wx', 0o600)).close();
  try {
    await run(options.qemuImg ?? 'qemu-img', ['create', '-q', '-f', format, path, `${sizeMb}M`], { timeout: 60_000 });
  } catch (err) {
    if (!isMissing(err))
      throw new NepheleError('DRIVER_FAILED', `qemu-img create failed: ${String((err as { stderr?: unknown }).stderr ?? err).trim()}`, {
        cause: err,
      });
    if (format === 'qcow2')
      throw new NepheleError('DRIVER_FAILED', 'qemu-img is not installed: it is needed to create a qcow2 image', { cause: err });
    const fh = await open(path, 'r+');
    try {
      await fh.truncate(sizeMb * 1024 * 1024);
    } finally {
      await fh.close();
    }
  }
}

/**
 * Copies the image at `from` (of `format`) to `to`, which must not exist:
 * `qemu-img convert` (holes stay holes; a raw copy has the source's bytes
 * exactly), or without qemu-img the bytes
 * through streams. The copy is on disk (fsync) when this resolves; on any
 * failure, an abort through `signal` included, `to` is removed and a
 * DRIVER_FAILED says why.
 */
export async function copyImage(
  from: string,
  to: string,
  format: ImageFormat,
  options: QemuImgOptions & { readonly signal?: AbortSignal } = {},
): Promise<void> {
  // Claims the name first, so that the copy never writes over a file that exists.
  await (await open(to, 'wx', 0o600)).close();
  const signal = options.signal ?? new AbortController().signal;
  try {
    try {
      const { size } = await stat(from);
      await run(options.qemuImg ?? 'qemu-img', ['convert', '-q', '-f', format, '-O', format, from, to], { signal });
      // qemu-img pads a raw file to whole sectors with zeros: the copy ends where the source does.
      if (format === 'raw' && (await stat(to)).size > size) await truncate(to, size);
    } catch (err) {
      if (!isMissing(err)) throw err;
      await pipeline(createReadStream(from), createWriteStream(to, { flags: 'r+' }), { signal });
    }
    const fh = await open(to, 'r+');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    await rm(to, { force: true });
    const why = String((err as { stderr?: unknown }).stderr || (err as Error).message)
      .trim()
      .split('\n')[0];
    throw new NepheleError('DRIVER_FAILED', `cannot copy the image: ${why ?? ''}`, { cause: err });
  }
}

/**
 * The image files in the images datastore, as the ImagePool writes them.
 * Every failure comes back as a NepheleError: a full disk is a refusal of
 * the call, not a crash of the pool.
 */
import { open, rm, stat } from 'node:fs/promises';
import { NepheleError, isNepheleError } from '../errors.js';
import { createBlank, type QemuImgOptions } from './image-format.js';
import type { ImageFormat } from './image-record.js';

export function datastoreError(err: unknown, what: string): NepheleError {
  if (isNepheleError(err)) return err;
  return new NepheleError('DRIVER_FAILED', `images datastore: ${what}: ${(err as Error).message}`, { cause: err });
}

/** A new image file at `source`: empty, for an upload, or a blank disk of `sizeMb`. Nothing is left on failure. */
export async function createImageFile(
  source: string,
  blank: { readonly sizeMb: number; readonly format: ImageFormat } | undefined,
  options: QemuImgOptions,
): Promise<void> {
  try {
    if (blank === undefined) await (await open(source, 'wx', 0o600)).close();
    else await createBlank(source, blank.format, blank.sizeMb, options);
  } catch (err) {
    await rm(source, { force: true });
    throw datastoreError(err, 'cannot create the image file');
  }
}

/**
 * Writes one upload chunk at `offset`, which must be the file's size: the
 * file is the upload's state, so chunks follow each other exactly, also
 * after a restart of the pool. Returns the new size.
 */
export async function appendChunk(source: string, offset: number, data: Uint8Array): Promise<number> {
  try {
    const fh = await open(source, 'r+');
    try {
      const { size } = await fh.stat();
      if (offset !== size) {
        throw new NepheleError('INVALID_ARGUMENT', `the image has ${size} bytes: the next chunk starts there, not at ${offset}`, {
          details: { field: 'offset', expected: size },
        });
      }
      await fh.write(data, 0, data.byteLength, offset);
      return offset + data.byteLength;
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw datastoreError(err, 'cannot write the image');
  }
}

export async function fileSize(source: string): Promise<number> {
  try {
    return (await stat(source)).size;
  } catch (err) {
    throw datastoreError(err, 'cannot read the image');
  }
}

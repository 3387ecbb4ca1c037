/**
 * OpenNebula's two local datastores under oned's data directory: the
 * images datastore (1, `default`), where every image is one file named by
 * 32 random hex characters, and the system datastore (0, `system`), where
 * each VM has a directory `<vmId>` for its running disks.
 */
import { randomBytes } from 'node:crypto';
import { lstat, realpath, statfs } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { NepheleError } from '../errors.js';
import { IMAGES_DATASTORE, SYSTEM_DATASTORE } from './image-view.js';

/** `<dataDir>/datastores/1`: the images. */
export function imagesDatastore(dataDir: string): string {
  return join(resolve(dataDir), 'datastores', String(IMAGES_DATASTORE.id));
}

/** `<dataDir>/datastores/0`: the VMs' directories. */
export function systemDatastore(dataDir: string): string {
  return join(resolve(dataDir), 'datastores', String(SYSTEM_DATASTORE.id));
}

/** A fresh path for an image file in the images datastore: 32 random hex characters. */
export function newImageSource(dataDir: string): string {
  return join(imagesDatastore(dataDir), randomBytes(16).toString('hex'));
}

function outside(field: string, path: string, datastore: string): NepheleError {
  return new NepheleError('INVALID_ARGUMENT', `${field} ${path} is not inside the datastore ${datastore}`, { details: { field } });
}

/** `p` with its nearest existing ancestor resolved by realpath (symbolic links followed), the rest appended. */
async function resolveExisting(p: string): Promise<string> {
  let probe = p;
  for (;;) {
    try {
      return (await realpath(probe)) + p.slice(probe.length);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = dirname(probe);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === probe) throw err;
      // A dangling symbolic link: a write through it would land wherever it points.
      if (
        await lstat(probe).then(
          () => true,
          () => false,
        )
      )
        throw err;
      probe = parent;
    }
  }
}

/**
 * Checks that `path` names a file strictly inside `datastore` and returns it
 * resolved. Refused with INVALID_ARGUMENT (details `{ field }`): a relative
 * path, a `..` segment, a path that resolves outside, and a symbolic link
 * (the file itself or a directory on the way) that leads outside. Where the
 * file does not exist yet, its nearest existing parent is checked.
 */
export async function requireInDatastore(datastore: string, path: string, field = 'path'): Promise<string> {
  if (!isAbsolute(path) || path.split(/[\\/]/).includes('..') || path.includes('\0')) {
    throw new NepheleError('INVALID_ARGUMENT', `${field} must be an absolute path without ..`, { details: { field } });
  }
  const root = resolve(datastore);
  const target = resolve(path);
  if (!target.startsWith(root + sep)) throw outside(field, path, datastore);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([resolveExisting(target), resolveExisting(root)]);
  } catch (err) {
    throw new NepheleError('INVALID_ARGUMENT', `${field} ${path} cannot be resolved`, { details: { field }, cause: err });
  }
  if (!real.startsWith(realRoot + sep)) throw outside(field, path, datastore);
  return target;
}

/**
 * Checks the datastore a clone is to go to (`oneimage clone -d`): the
 * images datastore, by id or name. The system datastore holds no images
 * (ACTION_NOT_ALLOWED, as OpenNebula's "Clone only supported for IMAGE_DS
 * Datastores"); any other is DATASTORE_NOT_FOUND (details `{ datastore }`).
 */
export function requireImagesDatastore(ref: string | number): void {
  if (ref === IMAGES_DATASTORE.id || ref === IMAGES_DATASTORE.name) return;
  if (ref === SYSTEM_DATASTORE.id || ref === SYSTEM_DATASTORE.name) {
    throw new NepheleError(
      'ACTION_NOT_ALLOWED',
      `datastore ${SYSTEM_DATASTORE.name} holds no images: clone into ${IMAGES_DATASTORE.name}`,
      {
        details: { datastore: SYSTEM_DATASTORE.id, action: 'clone' },
      },
    );
  }
  throw new NepheleError('DATASTORE_NOT_FOUND', `no datastore ${ref}`, { details: { datastore: ref } });
}

/**
 * Refuses a copy of `bytes` into the images datastore when its file system
 * has less room (ACTION_NOT_ALLOWED, OpenNebula's "Not enough space in
 * datastore"): a copy that would fill the disk is not started.
 */
export async function requireRoom(dataDir: string, bytes: number): Promise<void> {
  const fs = await statfs(imagesDatastore(dataDir));
  const free = fs.bavail * fs.bsize;
  if (bytes > free) {
    throw new NepheleError(
      'ACTION_NOT_ALLOWED',
      `not enough space in datastore ${IMAGES_DATASTORE.name}: ${bytes} bytes needed, ${free} free`,
      {
        details: { datastore: IMAGES_DATASTORE.id, action: 'clone', needed: bytes, free },
      },
    );
  }
}

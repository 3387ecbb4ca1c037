/**
 * An image as stored (sublevel `images`), OpenNebula's types and states,
 * and what a VM gets when it acquires one. The ImagePool owns every record
 * and writes each change before it answers; nothing else writes an image.
 */
import type { Permissions } from '../auth/permissions.js';

export type ImageType = 'OS' | 'CDROM' | 'DATABLOCK' | 'KERNEL' | 'RAMDISK' | 'CONTEXT';
export const IMAGE_TYPES: readonly ImageType[] = Object.freeze(['OS', 'CDROM', 'DATABLOCK', 'KERNEL', 'RAMDISK', 'CONTEXT']);

/**
 * OpenNebula's image states that Nephele uses: LOCKED while the upload runs,
 * READY, USED while a VM has it as a disk, ERROR when the upload failed or
 * never finished, DISABLED by the owner.
 */
export type ImageState = 'LOCKED' | 'READY' | 'USED' | 'ERROR' | 'DISABLED';

export type ImageFormat = 'qcow2' | 'raw';

/** The largest upload chunk (`image.upload`): socket.io's buffer (8 MiB) holds one with room to spare. */
export const UPLOAD_CHUNK_BYTES = 4 * 1024 * 1024;

/** The largest empty DATABLOCK, in MiB: 16 TiB. */
export const MAX_BLANK_MB = 16 * 1024 * 1024;

/** What `oneimage list` prints in its TYPE and STAT columns, as OpenNebula does. */
export const IMAGE_TYPE_SHORT: Readonly<Record<ImageType, string>> = Object.freeze({
  OS: 'OS',
  CDROM: 'CD',
  DATABLOCK: 'DB',
  KERNEL: 'KL',
  RAMDISK: 'RD',
  CONTEXT: 'CX',
});
export const IMAGE_STATE_SHORT: Readonly<Record<ImageState, string>> = Object.freeze({
  LOCKED: 'lock',
  READY: 'rdy',
  USED: 'used',
  ERROR: 'err',
  DISABLED: 'disa',
});

export interface ImageRecord {
  readonly id: number;
  /** Unique among its owner's images. */
  readonly name: string;
  readonly uid: number;
  /** The image's group: its owner's at creation, or as chown set it (OpenNebula's GID). */
  readonly gid: number;
  /**
   * OpenNebula's permission bits, from creation or a chmod. A record stored
   * before images had bits has none and reads as permsOf says (600, or 604
   * for an administrator's), which its first chown or chmod stores.
   */
  readonly perms?: Permissions;
  readonly type: ImageType;
  /** A persistent image is used by one VM at a time, which writes to it. */
  readonly persistent: boolean;
  readonly state: ImageState;
  /** Detected by oned from the bytes, never taken from the user. */
  readonly format: ImageFormat;
  /** Virtual size in MiB, rounded up. */
  readonly sizeMb: number;
  /** The file in the images datastore, absolute. */
  readonly source: string;
  /** The VMs that acquired the image (as a disk, kernel, ramdisk or context file), ascending. */
  readonly runningVms: readonly number[];
  /** Registration time, ms since the epoch. */
  readonly regtime: number;
  /** The template's DESCRIPTION (or ''), kept beside it for the list and the views. */
  readonly description: string;
  /**
   * The image's own template attributes (`oneimage update`), in order,
   * DESCRIPTION among them. Stored as written; oned reads none but
   * DESCRIPTION. Records written before this field load with DESCRIPTION
   * alone (see image-template.ts).
   */
  readonly template: readonly ImageAttribute[];
  /** Why the image is in ERROR. */
  readonly error?: string;
  /** The image this one was cloned from (OpenNebula's CLONING_ID). */
  readonly cloningId?: number;
  /** The images being copied from this one right now (OpenNebula's CLONES); absent when none. */
  readonly clones?: readonly number[];
}

/** One attribute of an image's template: a single value or a vector of pairs, names upper-case. */
export interface ImageAttribute {
  readonly name: string;
  readonly value: string | Readonly<Record<string, string>>;
}

/** How a VM uses an image. */
export type ImageUseKind = 'disk' | 'kernel' | 'ramdisk' | 'context';

/**
 * An image a VM asks for: by id, or by name among the images of `uid` or
 * `uname` (default: the VM owner's, then an administrator's).
 */
export interface ImageRef {
  readonly imageId?: number;
  readonly name?: string;
  readonly uname?: string;
  /** IMAGE_UID: the owner by id; wins over `uname`. */
  readonly uid?: number;
  readonly use: ImageUseKind;
}

/** An acquired image, as the VM keeps it. */
export interface ImageUse {
  readonly imageId: number;
  readonly name: string;
  readonly type: ImageType;
  readonly format: ImageFormat;
  /** The image's file in the images datastore. */
  readonly path: string;
  readonly persistent: boolean;
  readonly sizeMb: number;
}

/** Who acquires: the VM's owner. */
export interface ImageSession {
  readonly uid: number;
  readonly gid: number;
  readonly admin: boolean;
}

/** The types each use accepts. */
const USE_TYPES: Readonly<Record<ImageUseKind, readonly ImageType[]>> = Object.freeze({
  disk: ['OS', 'CDROM', 'DATABLOCK'],
  kernel: ['KERNEL'],
  ramdisk: ['RAMDISK'],
  context: ['CONTEXT'],
});

export function fitsUse(type: ImageType, use: ImageUseKind): boolean {
  return USE_TYPES[use].includes(type);
}

/** OS, CDROM and DATABLOCK images are disks: only they go USED while VMs have them. */
export function isDiskType(type: ImageType): boolean {
  return fitsUse(type, 'disk');
}

/**
 * READY or USED after a change of `runningVms` or `clones`; other states
 * stay as they are. A copy under way keeps its source USED, as OpenNebula
 * does (its CLONE state for a persistent source is USED here too).
 */
export function usageState(
  image: Pick<ImageRecord, 'state' | 'type' | 'clones'>,
  runningVms: readonly number[],
  clones: readonly number[] = image.clones ?? [],
): ImageState {
  if (image.state !== 'READY' && image.state !== 'USED') return image.state;
  return (runningVms.length > 0 && isDiskType(image.type)) || clones.length > 0 ? 'USED' : 'READY';
}

export function imageUse(r: ImageRecord): ImageUse {
  return { imageId: r.id, name: r.name, type: r.type, format: r.format, path: r.source, persistent: r.persistent, sizeMb: r.sizeMb };
}

/** Bytes to MiB, rounded up: a 100-byte kernel is 1 MiB, as OpenNebula counts. */
export function bytesToMb(bytes: number): number {
  return Math.ceil(bytes / (1024 * 1024));
}

// The store's record of this kind (src/store/entity-kind.ts): reads need no type argument.
declare module '../store/entity-kind.js' {
  interface EntityRecords {
    images: ImageRecord;
  }
}

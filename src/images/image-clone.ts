/**
 * The rules of `image.clone`, as OpenNebula 6.10's ImageClone and
 * ImageManager::can_clone_image give them: which images may be copied, and
 * the record the copy starts as. The ImagePool applies them, writes the
 * records, then copies the file.
 */
import { NepheleError } from '../errors.js';
import { isDiskType, usageState, type ImageRecord } from './image-record.js';

/**
 * Refuses a source OpenNebula would not copy: a KERNEL, RAMDISK or CONTEXT
 * (ACTION_NOT_ALLOWED, details `{ type, action }`); one that is LOCKED,
 * ERROR or DISABLED (IMAGE_NOT_READY, details `{ imageId, state }`); a
 * persistent image a VM uses, whose bytes change under the copy
 * (IMAGE_IN_USE, details `{ imageId, vms }`). A non-persistent image in use
 * may be copied: VMs never write to it.
 */
export function checkCloneable(image: ImageRecord): void {
  if (!isDiskType(image.type)) {
    throw new NepheleError('ACTION_NOT_ALLOWED', `image ${image.name} is a ${image.type}: KERNEL, RAMDISK and CONTEXT cannot be cloned`, {
      details: { type: image.type, action: 'clone' },
    });
  }
  if (image.state !== 'READY' && image.state !== 'USED') {
    throw new NepheleError('IMAGE_NOT_READY', `image ${image.name} is ${image.state}: it cannot be cloned`, {
      details: { imageId: image.id, state: image.state },
    });
  }
  if (image.persistent && image.runningVms.length > 0) {
    throw new NepheleError('IMAGE_IN_USE', `image ${image.name} is persistent and in use (VM ${image.runningVms.join(', ')})`, {
      details: { imageId: image.id, vms: image.runningVms },
    });
  }
}

/** Refuses a change that needs no copy of `image` under way (delete, persistent, disable). */
export function requireNoClones(image: ImageRecord, what: string): void {
  const clones = image.clones ?? [];
  if (clones.length > 0) {
    throw new NepheleError('IMAGE_IN_USE', `image ${image.name} is being cloned (image ${clones.join(', ')}): ${what} once the copy ends`, {
      details: { imageId: image.id, vms: [], clones },
    });
  }
}

/**
 * The copy's record, LOCKED until its file is whole: the source's type,
 * persistence (OpenNebula's default when DEFAULT_IMAGE_PERSISTENT is unset),
 * format, size and template, its own name, owner, bits and file.
 */
export function cloneRecord(
  from: ImageRecord,
  to: {
    readonly id: number;
    readonly name: string;
    readonly uid: number;
    readonly gid: number;
    /** The copy's own bits: a new image's, never the source's. */
    readonly perms: number;
    readonly source: string;
    readonly regtime: number;
  },
): ImageRecord {
  return {
    ...to,
    type: from.type,
    persistent: from.persistent,
    state: 'LOCKED',
    format: from.format,
    sizeMb: from.sizeMb,
    runningVms: [],
    description: from.description,
    template: from.template,
    cloningId: from.id,
  };
}

/** The source while copy `id` runs: it lists it in `clones` and is USED. */
export function cloneStarted(from: ImageRecord, id: number): ImageRecord {
  const clones = [...(from.clones ?? []), id];
  return { ...from, clones, state: usageState(from, from.runningVms, clones) };
}

/** The source once copy `id` ended, one way or the other: READY again when nothing else uses it. */
export function cloneEnded(from: ImageRecord, id: number): ImageRecord {
  const clones = (from.clones ?? []).filter((c) => c !== id);
  const { clones: _gone, ...rest } = from;
  return { ...rest, ...(clones.length > 0 ? { clones } : {}), state: usageState(from, from.runningVms, clones) };
}

/**
 * The pure rules of who may use which image and how VMs acquire and release
 * them. The ImagePool applies them and writes the changed records before it
 * answers.
 */
import { isPublicImage, notFound } from '../auth/authorize.js';
import { findById, findForUse } from '../auth/find-named.js';
import { NepheleError } from '../errors.js';
import { fitsUse, imageUse, usageState, type ImageRecord, type ImageRef, type ImageSession, type ImageUse } from './image-record.js';

/** A user as the name lookup needs them. */
export interface ImageOwner {
  readonly id: number;
  readonly name: string;
}

/**
 * The image a ref names, if `session` may use it: by id; or by name among
 * the images of `uid` or `uname` (IMAGE_UID, IMAGE_UNAME), or without them
 * the caller's own, then an administrator's (public) one (see findForUse).
 * IMAGE_NOT_FOUND when there is none or the caller may not use it, the same
 * error either way, so that a refusal does not tell that it exists.
 */
export function findImage(
  images: ReadonlyMap<number, ImageRecord>,
  ref: Pick<ImageRef, 'imageId' | 'name' | 'uname' | 'uid'>,
  session: ImageSession,
  owners: readonly ImageOwner[],
): ImageRecord {
  if (ref.imageId !== undefined) return findById(images.get(ref.imageId), ref.imageId, session, 'image', isPublicImage);
  if (ref.name === undefined) {
    throw new NepheleError('INVALID_ARGUMENT', 'an image is named by IMAGE_ID, or by IMAGE (and IMAGE_UNAME or IMAGE_UID)', {
      details: { field: 'IMAGE' },
    });
  }
  const { name, uname, uid } = ref;
  // A user nobody has (-1) owns no image: not found, as an image one may not see.
  const owner = uid ?? (uname === undefined ? undefined : (owners.find((u) => u.name === uname)?.id ?? -1));
  const image = findForUse(images.values(), name, session, { isPublic: isPublicImage, ...(owner === undefined ? {} : { owner }) });
  if (image === undefined) throw notFound('image', name, uname === undefined ? {} : { uname });
  return image;
}

/**
 * The records `vmId` changes by acquiring `refs`, and the uses in refs
 * order. All or nothing: the first refusal throws and nothing is changed.
 * A VM that already holds an image (a retried create) gets it again,
 * whatever its state now.
 */
export function acquire(
  images: ReadonlyMap<number, ImageRecord>,
  vmId: number,
  refs: readonly ImageRef[],
  session: ImageSession,
  owners: readonly ImageOwner[],
): { changed: ImageRecord[]; uses: ImageUse[] } {
  const next = new Map<number, ImageRecord>();
  const persistentHere = new Set<number>();
  const uses = refs.map((ref) => {
    const found = findImage(images, ref, session, owners);
    const image = next.get(found.id) ?? found;
    if (!fitsUse(image.type, ref.use)) {
      throw new NepheleError('INVALID_ARGUMENT', `image ${image.name} is a ${image.type} image: it cannot be used as ${ref.use}`, {
        details: { field: 'IMAGE', imageId: image.id, type: image.type, use: ref.use },
      });
    }
    if (image.persistent) {
      if (persistentHere.has(image.id)) throw inUse(image, `is persistent and named twice by VM ${vmId}`, [vmId]);
      persistentHere.add(image.id);
    }
    if (!image.runningVms.includes(vmId)) {
      if (image.state !== 'READY' && image.state !== 'USED') {
        throw new NepheleError('IMAGE_NOT_READY', `image ${image.name} is ${image.state}`, {
          details: { imageId: image.id, state: image.state },
        });
      }
      if (image.persistent && image.runningVms.length > 0) throw inUse(image, 'is persistent and in use', image.runningVms);
      const runningVms = [...image.runningVms, vmId].sort((a, b) => a - b);
      next.set(image.id, { ...image, runningVms, state: usageState(image, runningVms) });
    }
    return imageUse(image);
  });
  return { changed: [...next.values()], uses };
}

export function inUse(image: ImageRecord, why: string, vms: readonly number[] = image.runningVms): NepheleError {
  return new NepheleError('IMAGE_IN_USE', `image ${image.name} ${why} (VM ${vms.join(', ')})`, { details: { imageId: image.id, vms } });
}

/** The records that change when the VMs `gone` accepts give their images back, and how many uses that ends. */
export function releaseWhere(images: Iterable<ImageRecord>, gone: (vmId: number) => boolean): { changed: ImageRecord[]; released: number } {
  const changed: ImageRecord[] = [];
  let released = 0;
  for (const image of images) {
    const runningVms = image.runningVms.filter((vm) => !gone(vm));
    if (runningVms.length === image.runningVms.length) continue;
    released += image.runningVms.length - runningVms.length;
    changed.push({ ...image, runningVms, state: usageState(image, runningVms) });
  }
  return { changed, released };
}

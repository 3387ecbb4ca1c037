import { lstat, mkdir, rm } from 'node:fs/promises';
import type { Actor, ActorContext, WithReplies } from '../actors/index.js';
import { isPublicImage, ownedOf } from '../auth/authorize.js';
import {
  DEFAULT_PERMISSIONS,
  PUBLIC_PERMISSIONS,
  applyChmod,
  checkChmod,
  checkChown,
  type Changer,
  type Permissions,
} from '../auth/permissions.js';
import { findById, findNamed, type Finder } from '../auth/find-named.js';
import { NepheleError } from '../errors.js';
import type { Store } from '../store/index.js';
import { imagesDatastore, newImageSource, requireImagesDatastore, requireInDatastore, requireRoom } from './datastores.js';
import { checkCloneable, cloneEnded, cloneRecord, cloneStarted, requireNoClones } from './image-clone.js';
import { copyImage, inspectImage, type Inspected } from './image-format.js';
import { appendChunk, createImageFile, datastoreError, fileSize } from './image-files.js';
import { IMAGES_DATASTORE } from './image-view.js';
import { checkImageName } from './image-name.js';
import {
  bytesToMb,
  isDiskType,
  type ImageFormat,
  type ImageRecord,
  type ImageRef,
  type ImageSession,
  type ImageType,
  type ImageUse,
} from './image-record.js';
import { descriptionOf, initialTemplate, loadedImage, parseImageTemplate, updatedTemplate } from './image-template.js';
import { acquire, inUse, releaseWhere, type ImageOwner } from './image-uses.js';

export type { ImageFormat, ImageRecord, ImageRef, ImageSession, ImageState, ImageType, ImageUse, ImageUseKind } from './image-record.js';

/** The pool is registered under this name. */
export const IMAGE_POOL = 'image-pool';

type ImagePoolMessages =
  // The API's (authorization is the caller's, in src/api/handlers/images.ts)
  | {
      readonly type: 'allocate';
      readonly name: string;
      readonly uid: number;
      readonly gid: number;
      readonly imageType: ImageType;
      readonly persistent: boolean;
      readonly description: string;
      /** An empty DATABLOCK, READY at once; without it the image is LOCKED until `commit`. */
      readonly blank?: { readonly sizeMb: number; readonly format: ImageFormat };
    }
  /**
   * `admin`: the uploader is an administrator, who may see (not write)
   * another's image. @default false. `gid`: the uploader's group, for an
   * image they see by its group bits (still not theirs to write).
   */
  | {
      readonly type: 'upload';
      readonly id: number;
      readonly uid: number;
      readonly gid?: number;
      readonly admin?: boolean;
      readonly offset: number;
      readonly data: Uint8Array;
    }
  | {
      readonly type: 'commit';
      readonly id: number;
      readonly uid: number;
      readonly gid?: number;
      readonly admin?: boolean;
      readonly size: number;
    }
  | { readonly type: 'list' }
  /** By id, or by name as a VM would find it (an administrator also any unique name), if `session` may see it; IMAGE_NOT_FOUND otherwise. */
  | { readonly type: 'get'; readonly image: string | number; readonly session: ImageSession }
  | { readonly type: 'delete'; readonly id: number }
  | { readonly type: 'persistent'; readonly id: number; readonly persistent: boolean }
  | { readonly type: 'enable'; readonly id: number; readonly enable: boolean }
  | { readonly type: 'rename'; readonly id: number; readonly name: string }
  /**
   * A copy of the image `image` (found as `get` finds it) for `session`'s
   * user, named `name`: LOCKED at once (the reply), READY when its file is
   * whole, ERROR if the copy fails. `datastore`: the images one. @default 1
   */
  | {
      readonly type: 'clone';
      readonly image: string | number;
      readonly session: ImageSession;
      readonly name: string;
      readonly datastore?: string | number;
    }
  /** OpenNebula's chtype: within the disk types, or within KERNEL, RAMDISK and CONTEXT. */
  | { readonly type: 'chtype'; readonly id: number; readonly imageType: ImageType }
  /** The image's template replaced by `template` (text), or merged into it with `append`; `admin` may change restricted attributes. */
  | { readonly type: 'update'; readonly id: number; readonly template: string; readonly append: boolean; readonly admin: boolean }
  /**
   * OpenNebula's chown, checked here against the image as it is
   * (checkChown); a new owner must have no other image by its name
   * (NAME_TAKEN). Reply: the record.
   */
  | { readonly type: 'chown'; readonly id: number; readonly who: Changer; readonly uid?: number; readonly gid?: number }
  /** OpenNebula's chmod: its nine values, 1 set, 0 clear, -1 leave (checkChmod). Reply: the record. */
  | { readonly type: 'chmod'; readonly id: number; readonly who: Changer; readonly values: readonly number[] }
  /** The pool's own: a copy started by `clone` ended (`error` when it failed). */
  | { readonly type: 'copied'; readonly id: number; readonly error?: string }
  /** At oned's start: a LOCKED image's upload died with the previous oned; it goes to ERROR. Reply `{ failed }`. */
  | { readonly type: 'abandon_uploads' }
  // The VM pool's
  /** Reply: ImageUse[] in refs order. All or nothing; idempotent per VM. */
  | { readonly type: 'acquire'; readonly vmId: number; readonly refs: readonly ImageRef[]; readonly session: ImageSession }
  /** Reply `{ released }` (images the VM gave back); idempotent. */
  | { readonly type: 'release'; readonly vmId: number }
  /** Releases the uses of every VM not in `live`. Reply `{ released }` (uses ended). */
  | { readonly type: 'reconcile'; readonly live: readonly number[] }
  /** Adopts a file already written inside the images datastore (a disk saved with SAVE=yes). Reply: the new image id (a number). */
  | {
      readonly type: 'register';
      readonly name: string;
      readonly uid: number;
      readonly gid: number;
      readonly imageType: ImageType;
      readonly path: string;
    }
  /** Reply: the ImageRecord. */
  | { readonly type: 'info'; readonly id: number };

/** What an ask of the image pool answers. */
export interface ImagePoolReplies {
  readonly allocate: { readonly id: number };
  readonly upload: { readonly id: number; readonly received: number };
  readonly commit: ImageRecord;
  readonly list: ImageRecord[];
  readonly get: ImageRecord;
  readonly delete: { readonly id: number };
  readonly persistent: ImageRecord;
  readonly enable: ImageRecord;
  readonly rename: ImageRecord;
  readonly clone: { readonly id: number };
  readonly chtype: ImageRecord;
  readonly update: ImageRecord;
  readonly chown: ImageRecord;
  readonly chmod: ImageRecord;
  readonly abandon_uploads: { readonly failed: number };
  readonly acquire: ImageUse[];
  readonly release: { readonly released: number };
  readonly reconcile: { readonly released: number };
  readonly register: number;
  readonly info: ImageRecord;
}

export type ImagePoolMsg = WithReplies<ImagePoolMessages, ImagePoolReplies>;

export interface ImagePoolDeps {
  readonly store: Store;
  /** oned's data directory: the images live in `<dataDir>/datastores/1`. */
  readonly dataDir: string;
  /** The users, for IMAGE_UNAME. */
  readonly owners: () => Promise<readonly ImageOwner[]>;
  /** @default 'qemu-img' on the PATH */
  readonly qemuImg?: string;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * The images and their files: one actor for them all, holding every record
 * in memory and writing each change to the store before it answers, so
 * that a VM's acquire and a delete never race.
 */
export class ImagePool implements Actor<ImagePoolMsg> {
  private readonly ctx: ActorContext<ImagePoolMsg>;
  private readonly deps: ImagePoolDeps;
  private readonly images = new Map<number, ImageRecord>();
  private readonly qemu: { qemuImg?: string };
  /** The copies this incarnation runs, by the new image's id: stopped with it (postStop). */
  private readonly copies = new Map<number, AbortController>();

  constructor(ctx: ActorContext<ImagePoolMsg>, deps: ImagePoolDeps) {
    this.ctx = ctx;
    this.deps = deps;
    this.qemu = deps.qemuImg === undefined ? {} : { qemuImg: deps.qemuImg };
  }

  async preStart(): Promise<void> {
    await mkdir(imagesDatastore(this.deps.dataDir), { recursive: true, mode: 0o700 });
    for (const { value } of await this.deps.store.list('images')) this.images.set(value.id, loadedImage(value));
    await this.settleCopies();
    this.ctx.log.info({ images: this.images.size }, 'images loaded');
  }

  postStop(): void {
    for (const copy of this.copies.values()) copy.abort();
    this.copies.clear();
  }

  /**
   * A copy runs only as long as the incarnation that started it: one still
   * LOCKED here died with the previous one (or with oned) and goes to ERROR,
   * never READY with part of a file; its source is released.
   */
  private async settleCopies(): Promise<void> {
    const cut = [...this.images.values()].filter((i) => i.state === 'LOCKED' && i.cloningId !== undefined);
    const changed = new Map<number, ImageRecord>();
    for (const image of cut)
      changed.set(image.id, { ...image, state: 'ERROR', error: 'the copy did not finish before the image pool stopped' });
    for (const image of this.images.values()) {
      if (image.clones === undefined) continue;
      let source = changed.get(image.id) ?? image;
      for (const id of image.clones) source = cloneEnded(source, id);
      changed.set(image.id, source);
    }
    await this.persist([...changed.values()]);
    if (cut.length > 0) this.ctx.log.warn({ images: cut.map((i) => i.id) }, 'unfinished copies: images in ERROR');
  }

  async receive(msg: ImagePoolMsg): Promise<unknown> {
    switch (msg.type) {
      case 'allocate':
        return this.allocate(msg);
      case 'upload':
        return this.upload(msg.id, uploader(msg), msg.offset, msg.data);
      case 'commit':
        return this.commit(msg.id, uploader(msg), msg.size);
      case 'list':
        return [...this.images.values()].sort((a, b) => a.id - b.id);
      case 'get':
        return this.get(msg.image, msg.session);
      case 'info':
        return this.record(msg.id);
      case 'delete':
        return this.delete(msg.id);
      case 'persistent': {
        const image = this.record(msg.id);
        if (image.persistent === msg.persistent) return image;
        if (image.runningVms.length > 0) throw inUse(image, 'is in use');
        requireNoClones(image, 'change it');
        return this.save({ ...image, persistent: msg.persistent });
      }
      case 'enable':
        return this.enable(this.record(msg.id), msg.enable);
      case 'rename': {
        const image = this.record(msg.id);
        const name = checkImageName(msg.name);
        if (name === image.name) return image;
        this.requireFreeName(image.uid, name);
        return this.save({ ...image, name });
      }
      case 'abandon_uploads': {
        const locked = [...this.images.values()].filter((i) => i.state === 'LOCKED');
        await this.persist(
          locked.map((i): ImageRecord => ({ ...i, state: 'ERROR', error: 'the upload did not finish before oned stopped' })),
        );
        if (locked.length > 0) this.ctx.log.warn({ images: locked.map((i) => i.id) }, 'unfinished uploads: images in ERROR');
        return { failed: locked.length };
      }
      case 'acquire': {
        const owners = msg.refs.some((r) => r.uname !== undefined && r.imageId === undefined) ? await this.deps.owners() : [];
        const { changed, uses } = acquire(this.images, msg.vmId, msg.refs, msg.session, owners);
        await this.persist(changed);
        if (changed.length > 0) this.ctx.log.info({ vmId: msg.vmId, images: changed.map((i) => i.id) }, 'images acquired');
        return uses;
      }
      case 'release': {
        const { changed } = releaseWhere(this.images.values(), (vm) => vm === msg.vmId);
        await this.persist(changed);
        if (changed.length > 0) this.ctx.log.info({ vmId: msg.vmId, images: changed.map((i) => i.id) }, 'images released');
        return { released: changed.length };
      }
      case 'reconcile': {
        const live = new Set(msg.live);
        const { changed, released } = releaseWhere(this.images.values(), (vm) => !live.has(vm));
        await this.persist(changed);
        if (released > 0) this.ctx.log.warn({ images: changed.map((i) => i.id), released }, 'released the images of VMs that are gone');
        return { released };
      }
      case 'register':
        return this.register(msg);
      case 'clone':
        return this.clone(msg);
      case 'copied':
        return this.copied(msg.id, msg.error);
      case 'chtype':
        return this.chtype(this.record(msg.id), msg.imageType);
      case 'update': {
        const image = this.record(msg.id);
        const template = updatedTemplate(image.template, parseImageTemplate(msg.template), msg);
        return this.save({ ...image, template, description: descriptionOf(template) });
      }
      case 'chown': {
        const image = this.record(msg.id);
        const owned = ownedOf(image, 'image');
        checkChown(msg.who, owned, { uid: msg.uid, gid: msg.gid }, `image ${image.id}`);
        const uid = msg.uid ?? image.uid;
        if (uid !== image.uid) this.requireFreeName(uid, image.name);
        // The bits are stored with the new owner: a record without them keeps the rule it was made under.
        return this.save({ ...image, uid, gid: msg.gid ?? image.gid, perms: owned.perms });
      }
      case 'chmod': {
        const image = this.record(msg.id);
        const owned = ownedOf(image, 'image');
        const perms = applyChmod(owned.perms, msg.values);
        checkChmod(msg.who, owned, perms, `image ${image.id}`);
        return this.save({ ...image, perms });
      }
    }
  }

  private record(id: number): ImageRecord {
    const image = this.images.get(id);
    if (image === undefined) throw new NepheleError('IMAGE_NOT_FOUND', `no image ${id}`, { details: { image: id } });
    return image;
  }

  /**
   * Records carry their group and bits, which decide who may use them; one
   * without bits is its owner's, or everyone's when an administrator made
   * it (isPublicImage), exactly as permsOf reads it.
   */
  private get(ref: string | number, session: ImageSession): ImageRecord {
    return typeof ref === 'number'
      ? findById(this.images.get(ref), ref, session, 'image', isPublicImage)
      : findNamed(this.images.values(), ref, session, 'image', isPublicImage);
  }

  private requireFreeName(uid: number, name: string): void {
    const taken = [...this.images.values()].find((i) => i.uid === uid && i.name === name);
    if (taken !== undefined)
      throw new NepheleError('NAME_TAKEN', `the user already has an image named ${name} (${taken.id})`, { details: { name } });
  }

  private async allocate(msg: Extract<ImagePoolMsg, { type: 'allocate' }>): Promise<{ id: number }> {
    const name = checkImageName(msg.name);
    this.requireFreeName(msg.uid, name);
    if (msg.blank !== undefined && msg.imageType !== 'DATABLOCK') {
      throw new NepheleError('INVALID_ARGUMENT', 'only a DATABLOCK image may be created empty with a size', { details: { field: 'size' } });
    }
    const source = newImageSource(this.deps.dataDir);
    const blank = msg.blank;
    await createImageFile(source, blank, this.qemu);
    const id = await this.deps.store.nextId('images');
    const record: ImageRecord = {
      id,
      name,
      uid: msg.uid,
      gid: msg.gid,
      perms: newImageBits(msg.uid, msg.gid),
      type: msg.imageType,
      persistent: msg.persistent,
      state: blank === undefined ? 'LOCKED' : 'READY',
      format: blank?.format ?? 'raw',
      sizeMb: blank?.sizeMb ?? 0,
      source,
      runningVms: [],
      regtime: (this.deps.now ?? Date.now)(),
      description: msg.description,
      template: initialTemplate(msg.description),
    };
    try {
      await this.save(record);
    } catch (err) {
      await rm(source, { force: true });
      throw err;
    }
    this.ctx.log.info({ imageId: id, state: record.state }, 'image allocated');
    return { id };
  }

  /**
   * An upload call's image: the caller's own (not even an administrator
   * writes into another's), still LOCKED. One they may not see is not found.
   */
  private uploading(id: number, who: Finder): ImageRecord {
    const image = findById(this.images.get(id), id, who, 'image', isPublicImage);
    if (image.uid !== who.uid)
      throw new NepheleError('NOT_AUTHORIZED', `only the owner uploads image ${id}`, { details: { uid: who.uid } });
    if (image.cloningId !== undefined) {
      throw new NepheleError('ACTION_NOT_ALLOWED', `image ${image.name} is a clone: its bytes come from image ${image.cloningId}`, {
        details: { state: image.state, action: 'upload' },
      });
    }
    if (image.state !== 'LOCKED') {
      throw new NepheleError('ACTION_NOT_ALLOWED', `image ${image.name} is ${image.state}, not LOCKED for an upload`, {
        details: { state: image.state, action: 'upload' },
      });
    }
    return image;
  }

  private async upload(id: number, who: Finder, offset: number, data: Uint8Array): Promise<{ id: number; received: number }> {
    return { id, received: await appendChunk(this.uploading(id, who).source, offset, data) };
  }

  private async commit(id: number, who: Finder, size: number): Promise<ImageRecord> {
    const image = this.uploading(id, who);
    const actual = await fileSize(image.source);
    if (actual !== size) {
      throw new NepheleError('INVALID_ARGUMENT', `image ${id} has ${actual} bytes, not ${size}: upload the rest first`, {
        details: { field: 'size', received: actual },
      });
    }
    let inspected: Inspected;
    try {
      inspected = await inspectImage(image.source, { ...this.qemu, field: 'data', anyFormat: !isDiskType(image.type) });
    } catch (err) {
      await this.save({ ...image, state: 'ERROR', error: (err as Error).message });
      throw datastoreError(err, `cannot read image ${id}`);
    }
    this.ctx.log.info({ imageId: id, format: inspected.format, bytes: size }, 'image uploaded');
    return this.save({ ...image, state: 'READY', format: inspected.format, sizeMb: bytesToMb(inspected.virtualSize) });
  }

  private async delete(id: number): Promise<{ id: number }> {
    const image = this.record(id);
    if (image.runningVms.length > 0) throw inUse(image, 'is in use');
    requireNoClones(image, 'delete it');
    if (this.copies.has(id)) {
      throw new NepheleError('ACTION_NOT_ALLOWED', `image ${image.name} is being copied: delete it once the copy ends`, {
        details: { state: image.state, action: 'delete' },
      });
    }
    // The record first: a crash before the file goes leaves a stray file, never a record without its file.
    await this.deps.store.del('images', id);
    this.images.delete(id);
    await rm(image.source, { force: true }).catch((err: unknown) =>
      this.ctx.log.warn({ imageId: id, err }, 'the image file could not be removed'),
    );
    this.ctx.log.info({ imageId: id }, 'image deleted');
    return { id };
  }

  private async enable(image: ImageRecord, enable: boolean): Promise<ImageRecord> {
    const from = enable ? 'DISABLED' : 'READY';
    if (image.state === (enable ? 'READY' : 'DISABLED') || (enable && image.state === 'USED')) return image;
    if (!enable && image.runningVms.length > 0) throw inUse(image, 'is in use');
    if (!enable) requireNoClones(image, 'disable it');
    if (image.state !== from) {
      throw new NepheleError(
        'ACTION_NOT_ALLOWED',
        `image ${image.name} is ${image.state}: only a ${from} image can be ${enable ? 'enabled' : 'disabled'}`,
        {
          details: { state: image.state, action: enable ? 'enable' : 'disable' },
        },
      );
    }
    return this.save({ ...image, state: enable ? 'READY' : 'DISABLED' });
  }

  private async register(msg: Extract<ImagePoolMsg, { type: 'register' }>): Promise<number> {
    const name = checkImageName(msg.name);
    const source = await requireInDatastore(imagesDatastore(this.deps.dataDir), msg.path, 'path');
    const same = [...this.images.values()].find((i) => i.source === source);
    // A retried register (the epilog ran again) gets the image it made the first time.
    if (same !== undefined && same.uid === msg.uid && same.name === name) return same.id;
    if (same !== undefined)
      throw new NepheleError('INVALID_ARGUMENT', `${msg.path} is already image ${same.id}`, { details: { field: 'path' } });
    this.requireFreeName(msg.uid, name);
    const st = await lstat(source).catch(() => undefined);
    if (st === undefined || !st.isFile())
      throw new NepheleError('INVALID_ARGUMENT', `${msg.path} is not a regular file`, { details: { field: 'path' } });
    const inspected = await inspectImage(source, { ...this.qemu, field: 'path', anyFormat: !isDiskType(msg.imageType) }).catch(
      (err: unknown) => {
        throw datastoreError(err, `cannot read ${msg.path}`);
      },
    );
    const id = await this.deps.store.nextId('images');
    await this.save({
      id,
      name,
      uid: msg.uid,
      gid: msg.gid,
      perms: newImageBits(msg.uid, msg.gid),
      type: msg.imageType,
      persistent: false,
      state: 'READY',
      format: inspected.format,
      sizeMb: bytesToMb(inspected.virtualSize),
      source,
      runningVms: [],
      regtime: (this.deps.now ?? Date.now)(),
      description: '',
      template: [],
    });
    this.ctx.log.info({ imageId: id, format: inspected.format }, 'image registered');
    return id;
  }

  /**
   * Writes the copy's record (LOCKED) and its source's (USED, the copy in
   * `clones`) in one batch, answers with the new id, and copies the file
   * outside the pool's turn: its end comes back as `copied`.
   */
  private async clone(msg: Extract<ImagePoolMsg, { type: 'clone' }>): Promise<{ id: number }> {
    const from = this.get(msg.image, msg.session);
    checkCloneable(from);
    const name = checkImageName(msg.name);
    this.requireFreeName(msg.session.uid, name);
    requireImagesDatastore(msg.datastore ?? IMAGES_DATASTORE.id);
    await requireRoom(this.deps.dataDir, await fileSize(from.source));
    const id = await this.deps.store.nextId('images');
    const source = newImageSource(this.deps.dataDir);
    const regtime = (this.deps.now ?? Date.now)();
    const { uid, gid } = msg.session;
    const copy = cloneRecord(from, { id, name, uid, gid, perms: newImageBits(uid, gid), source, regtime });
    await this.persist([cloneStarted(from, id), copy]);
    const abort = new AbortController();
    this.copies.set(id, abort);
    const self = this.ctx.self;
    copyImage(from.source, source, from.format, { ...this.qemu, signal: abort.signal }).then(
      () => self.tell({ type: 'copied', id }),
      (err: unknown) => self.tell({ type: 'copied', id, error: (err as Error).message }),
    );
    this.ctx.log.info({ imageId: id, from: from.id }, 'image clone started');
    return { id };
  }

  /** A copy's end: READY with what the file holds, or ERROR with why (its partial file removed by copyImage); the source released. */
  private async copied(id: number, error: string | undefined): Promise<void> {
    // Not this incarnation's copy: settleCopies already put it in ERROR.
    if (!this.copies.delete(id)) return;
    const image = this.record(id);
    let done: ImageRecord;
    try {
      if (error !== undefined) throw new NepheleError('DRIVER_FAILED', error);
      const inspected = await inspectImage(image.source, { ...this.qemu, field: 'source' });
      done = { ...image, state: 'READY', format: inspected.format, sizeMb: bytesToMb(inspected.virtualSize) };
    } catch (err) {
      await rm(image.source, { force: true });
      done = { ...image, state: 'ERROR', error: `the clone of image ${image.cloningId} failed: ${(err as Error).message}` };
    }
    const from = image.cloningId === undefined ? undefined : this.images.get(image.cloningId);
    await this.persist(from === undefined ? [done] : [done, cloneEnded(from, id)]);
    this.ctx.log.info({ imageId: id, state: done.state }, 'image clone ended');
  }

  /**
   * OpenNebula's ImageChangeType: a disk type (OS, CDROM, DATABLOCK) becomes
   * another disk type, a file type (KERNEL, RAMDISK, CONTEXT) another file
   * type; across is ACTION_NOT_ALLOWED. Allowed in any state, in use too: a
   * VM keeps the type it acquired the image with.
   */
  private async chtype(image: ImageRecord, type: ImageType): Promise<ImageRecord> {
    if (isDiskType(image.type) !== isDiskType(type)) {
      throw new NepheleError(
        'ACTION_NOT_ALLOWED',
        `image ${image.name} is a ${image.type}: it cannot become a ${type} (an incompatible type)`,
        {
          details: { type: image.type, action: 'chtype' },
        },
      );
    }
    return image.type === type ? image : this.save({ ...image, type });
  }

  private async save(image: ImageRecord): Promise<ImageRecord> {
    await this.persist([image]);
    return image;
  }

  /** Writes the records in one batch, then takes them: memory never runs ahead of the store. */
  private async persist(changed: readonly ImageRecord[]): Promise<void> {
    if (changed.length === 0) return;
    await this.deps.store.batch(changed.map((value) => ({ type: 'put' as const, kind: 'images' as const, id: value.id, value })));
    for (const image of changed) this.images.set(image.id, image);
  }
}

/**
 * A new image's bits (allocate, clone, a saved disk): its owner's to use and
 * manage, and an administrator's usable by everyone, as images were before
 * they had bits.
 */
function newImageBits(uid: number, gid: number): Permissions {
  return isPublicImage({ uid, gid }) ? PUBLIC_PERMISSIONS : DEFAULT_PERMISSIONS;
}

/** Who uploads, as the lookups read them. */
function uploader(msg: { readonly uid: number; readonly gid?: number; readonly admin?: boolean }): Finder {
  return { uid: msg.uid, admin: msg.admin === true, ...(msg.gid === undefined ? {} : { gid: msg.gid }) };
}

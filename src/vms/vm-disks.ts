/**
 * A VM's files, decided at create: which image each DISK uses and how
 * PROLOG makes it (OpenNebula's transfer actions), the kernel and initrd of
 * a direct kernel boot (OS KERNEL_DS / INITRD_DS), and the images CONTEXT
 * FILES_DS puts on the context CD. Images are acquired all at once from the
 * image pool, or none; paths are checked to lie in the datastores.
 */
import { isAbsolute, normalize } from 'node:path';
import { NepheleError } from '../errors.js';
import type { TransferStep } from '../protocol/domain.js';
import type { VectorValue, VmDisk, VmOs, VmTemplate } from '../templates/index.js';
import { integerAtLeast, invalid } from '../templates/template-fields.js';
import { checkImageName } from '../images/image-name.js';
import { requireInDatastore } from '../images/datastores.js';
import type { ImageRef, ImageUse } from '../images/image-record.js';

export interface VmDiskRecord {
  /** OpenNebula's DISK_ID: template order, from 0. */
  readonly diskId: number;
  readonly type: 'disk' | 'cdrom';
  /** How PROLOG makes `disk.<diskId>` in the VM's directory. */
  readonly action: Exclude<TransferStep['action'], 'file'>;
  /** The image's file (or an administrator's SOURCE), absolute. */
  readonly source?: string;
  readonly imageId?: number;
  readonly image?: string;
  /** The format the hypervisor opens: a clone is a qcow2 overlay. */
  readonly format: 'qcow2' | 'raw';
  /** MiB: a swap or volatile disk's size, or what a clone grows to. */
  readonly sizeMb?: number;
  readonly fs?: 'ext2' | 'ext3' | 'ext4';
  readonly target?: string;
  readonly readonly: boolean;
  /** SAVE = yes: at terminate the disk becomes a new image named `saveAs`. */
  readonly saveAs?: string;
}

/** OS as a VM keeps it: the kernel and initrd to copy in (images), or to use where they are (host paths). */
export interface VmOsRecord {
  readonly kernelImage?: string;
  readonly initrdImage?: string;
  readonly kernel?: string;
  readonly initrd?: string;
  readonly kernelCmd?: string;
}

/** An image CONTEXT FILES_DS puts on the context CD, under its image name. */
export interface ContextFileRecord {
  readonly name: string;
  readonly imageId: number;
  readonly source: string;
}

export interface VmFiles {
  readonly disks: readonly VmDiskRecord[];
  readonly os?: VmOsRecord;
  readonly contextFiles: readonly ContextFileRecord[];
}

export interface FilesOwner {
  readonly uid: number;
  readonly gid: number;
  readonly admin: boolean;
}

export interface FilesEnv {
  readonly vmId: number;
  readonly name: string;
  readonly owner: FilesOwner;
  /** The front-end's datastores directory: an administrator's DISK SOURCE must lie in it. */
  readonly datastores?: string;
  /** Acquires the images for the VM, all or none (the image pool's `acquire`). */
  readonly acquire?: (refs: readonly ImageRef[]) => Promise<readonly ImageUse[]>;
}

// `$FILE[IMAGE = "name", IMAGE_UNAME = "user"]` (or IMAGE_UID = 2) or `$FILE[IMAGE_ID = 3]`
const FILE_REF = /\$FILE\[([^\]]*)\]/g;
const FILTER = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?:"([^"]*)"|([^,\s"]*))/g;
const IMAGE_FILE_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The `$FILE[…]` references of an OS KERNEL_DS/INITRD_DS or CONTEXT FILES_DS value. */
export function fileRefs(text: string, attribute: string, use: ImageRef['use']): ImageRef[] {
  const rest = text.replace(FILE_REF, '').trim();
  if (rest !== '')
    invalid({ attribute }, `expected $FILE[IMAGE="name"] or $FILE[IMAGE_ID=n] references, found ${JSON.stringify(rest.slice(0, 40))}`);
  const refs: ImageRef[] = [];
  for (const m of text.matchAll(FILE_REF)) {
    const filters = new Map<string, string>();
    for (const f of (m[1] ?? '').matchAll(FILTER)) filters.set((f[1] as string).toUpperCase(), f[2] ?? f[3] ?? '');
    const id = filters.get('IMAGE_ID');
    const name = filters.get('IMAGE');
    const uname = filters.get('IMAGE_UNAME');
    const uid = filters.get('IMAGE_UID');
    if ((id === undefined) === (name === undefined)) invalid({ attribute }, '$FILE[…] names one image: IMAGE = "name" or IMAGE_ID = n');
    if (id !== undefined && !/^\d+$/.test(id)) invalid({ attribute }, `IMAGE_ID must be a number, got ${JSON.stringify(id)}`);
    if (uid !== undefined && !/^\d+$/.test(uid)) invalid({ attribute }, `IMAGE_UID must be a number, got ${JSON.stringify(uid)}`);
    refs.push({
      use,
      ...(id === undefined ? {} : { imageId: Number(id) }),
      ...(name === undefined ? {} : { name }),
      ...(uname === undefined ? {} : { uname }),
      ...(uid === undefined ? {} : { uid: Number(uid) }),
    });
  }
  return refs;
}

const FS = new Set(['ext2', 'ext3', 'ext4']);

/**
 * Decides the VM's files from its template. Images are acquired last, all at
 * once: a refusal before that takes nothing, and the pool's acquire is all
 * or nothing. The caller releases them if it does not store the VM.
 */
export async function resolveFiles(t: VmTemplate, env: FilesEnv): Promise<VmFiles> {
  const refs: ImageRef[] = [];
  const diskRef = new Map<number, number>();
  for (const [i, d] of t.disks.entries()) {
    if (d.image === undefined && d.imageId === undefined) continue;
    diskRef.set(i, refs.length);
    refs.push({
      use: 'disk',
      ...(d.imageId === undefined ? {} : { imageId: d.imageId }),
      ...(d.image === undefined ? {} : { name: d.image }),
      ...imageOwner(d.extra, i),
    });
  }
  const os = t.os;
  const kernelDs = os?.extra['KERNEL_DS'];
  const initrdDs = os?.extra['INITRD_DS'];
  const kernelRefs = kernelDs === undefined ? [] : fileRefs(kernelDs, 'OS/KERNEL_DS', 'kernel');
  const initrdRefs = initrdDs === undefined ? [] : fileRefs(initrdDs, 'OS/INITRD_DS', 'ramdisk');
  if (kernelRefs.length > 1 || initrdRefs.length > 1) invalid({ attribute: 'OS' }, 'KERNEL_DS and INITRD_DS name one image each');
  if (kernelRefs.length > 0 && os?.kernel !== undefined) invalid({ attribute: 'OS/KERNEL' }, 'give KERNEL_DS or KERNEL, not both');
  if (initrdRefs.length > 0 && os?.initrd !== undefined) invalid({ attribute: 'OS/INITRD' }, 'give INITRD_DS or INITRD, not both');
  const kernelAt = kernelRefs.length === 0 ? undefined : refs.push(...kernelRefs) - 1;
  const initrdAt = initrdRefs.length === 0 ? undefined : refs.push(...initrdRefs) - 1;
  const context = t.context;
  if (context?.['FILES'] !== undefined) {
    invalid(
      { attribute: 'CONTEXT/FILES' },
      'files from the front-end are not read: register them as CONTEXT images and name them in FILES_DS = "$FILE[IMAGE=\\"name\\"]"',
    );
  }
  const contextRefs = context?.['FILES_DS'] === undefined ? [] : fileRefs(context['FILES_DS'], 'CONTEXT/FILES_DS', 'context');
  const contextAt = refs.length;
  refs.push(...contextRefs);

  // Everything that needs no image is checked before any is taken.
  for (const [i, d] of t.disks.entries()) await checkDisk(d, i, env);
  checkOs(os, env.owner);

  let uses: readonly ImageUse[] = [];
  if (refs.length > 0) {
    if (env.acquire === undefined)
      throw new NepheleError('IMAGE_NOT_FOUND', 'this oned runs without an image datastore', {
        details: { image: refs[0]?.name ?? refs[0]?.imageId ?? null },
      });
    uses = await env.acquire(refs);
  }
  const use = (at: number): ImageUse => {
    const u = uses[at];
    if (u === undefined) throw new TypeError(`the image pool answered ${uses.length} images for ${refs.length} asked`);
    return u;
  };
  const disks = t.disks.map((d, i): VmDiskRecord => {
    const at = diskRef.get(i);
    return diskRecord(d, i, at === undefined ? undefined : use(at), env);
  });
  const contextFiles = contextRefs.map((_, k): ContextFileRecord => {
    const u = use(contextAt + k);
    if (!IMAGE_FILE_NAME.test(u.name) || u.name === 'context.sh') {
      invalid(
        { attribute: 'CONTEXT/FILES_DS' },
        `image ${JSON.stringify(u.name)} cannot be a file on the context CD: its name must be letters, digits, . _ - (and not context.sh)`,
      );
    }
    return { name: u.name, imageId: u.imageId, source: u.path };
  });
  const names = new Set<string>();
  for (const f of contextFiles) {
    if (names.has(f.name)) invalid({ attribute: 'CONTEXT/FILES_DS' }, `two files named ${f.name}`);
    names.add(f.name);
  }
  const osRecord: VmOsRecord | undefined =
    os === undefined
      ? undefined
      : {
          ...(kernelAt === undefined ? {} : { kernelImage: use(kernelAt).path }),
          ...(initrdAt === undefined ? {} : { initrdImage: use(initrdAt).path }),
          ...(os.kernel === undefined ? {} : { kernel: os.kernel }),
          ...(os.initrd === undefined ? {} : { initrd: os.initrd }),
          ...kernelCmd(os),
        };
  return { disks, ...(osRecord === undefined ? {} : { os: osRecord }), contextFiles };
}

/** A DISK's IMAGE_UNAME / IMAGE_UID: whose image its IMAGE names (without them, the VM owner's, then a public one). */
function imageOwner(extra: VectorValue, index: number): { uname?: string; uid?: number } {
  const uname = extra['IMAGE_UNAME']?.trim();
  const uid = extra['IMAGE_UID']?.trim();
  return {
    ...(uname === undefined || uname === '' ? {} : { uname }),
    ...(uid === undefined || uid === '' ? {} : { uid: integerAtLeast(uid, 0, { attribute: 'DISK/IMAGE_UID', index }) }),
  };
}

/** KERNEL_CMD, with OpenNebula's ROOT turned into `root=/dev/<ROOT>`. */
function kernelCmd(os: VmOs): { kernelCmd?: string } {
  const parts = [os.root === undefined ? undefined : `root=/dev/${os.root}`, os.kernelCmd].filter(
    (p): p is string => p !== undefined && p !== '',
  );
  return parts.length === 0 ? {} : { kernelCmd: parts.join(' ') };
}

async function checkDisk(d: VmDisk, i: number, env: FilesEnv): Promise<void> {
  const at = (key: string) => ({ attribute: `DISK/${key}`, index: i });
  if (d.source !== undefined) {
    if (!env.owner.admin) {
      throw new NepheleError('NOT_AUTHORIZED', `DISK #${i}: only administrators may name a SOURCE; use IMAGE or IMAGE_ID`, {
        details: { attribute: 'DISK/SOURCE', index: i },
      });
    }
    // Resolved, links included: a SOURCE may not lead out of the datastores by any way.
    if (env.datastores === undefined || /[\0\n,]/.test(d.source)) {
      throw new NepheleError('INVALID_ARGUMENT', `DISK #${i}: SOURCE ${JSON.stringify(d.source)} is outside the datastores`, {
        details: { field: 'DISK/SOURCE', index: i },
      });
    }
    await requireInDatastore(env.datastores, d.source, 'DISK/SOURCE');
  }
  const fs = d.extra['FS'];
  if (fs !== undefined && (d.type !== 'fs' || !FS.has(fs.trim().toLowerCase()))) {
    invalid(at('FS'), d.type === 'fs' ? `FS is one of ext2, ext3, ext4, got ${JSON.stringify(fs)}` : 'FS is for TYPE = fs disks');
  }
  if (d.save && (d.type === 'swap' || d.type === 'fs' || d.type === 'cdrom')) invalid(at('SAVE'), `a ${d.type} disk cannot be saved`);
  const saveAs = d.extra['SAVE_AS'];
  if (saveAs !== undefined) checkImageName(saveAs, 'DISK/SAVE_AS', 'INVALID_TEMPLATE');
  const format = d.format?.trim().toLowerCase();
  if (format !== undefined && format !== 'raw' && format !== 'qcow2')
    invalid(at('FORMAT'), `FORMAT is raw or qcow2, got ${JSON.stringify(d.format)}`);
}

function checkOs(os: VmOs | undefined, owner: FilesOwner): void {
  for (const [key, path] of [
    ['KERNEL', os?.kernel],
    ['INITRD', os?.initrd],
  ] as const) {
    if (path === undefined) continue;
    // A path on the host: what an administrator installed there, not a user's choice.
    if (!owner.admin) {
      throw new NepheleError(
        'NOT_AUTHORIZED',
        `OS/${key}: only administrators may name a file on the host; register it as an image and use ${key}_DS`,
        {
          details: { attribute: `OS/${key}` },
        },
      );
    }
    if (!isAbsolute(path) || normalize(path) !== path || /[\0\n,]/.test(path))
      invalid({ attribute: `OS/${key}` }, 'must be an absolute path without .. or commas');
  }
}

function diskRecord(d: VmDisk, diskId: number, image: ImageUse | undefined, env: FilesEnv): VmDiskRecord {
  const target = d.target === undefined ? {} : { target: d.target };
  if (d.type === 'swap' || d.type === 'fs') {
    const fs = d.extra['FS']?.trim().toLowerCase() as VmDiskRecord['fs'] | undefined;
    return {
      diskId,
      type: 'disk',
      action: d.type === 'swap' ? 'swap' : 'volatile',
      format: 'raw',
      readonly: false,
      ...(d.size === undefined ? {} : { sizeMb: d.size }),
      ...(fs === undefined ? {} : { fs }),
      ...target,
    };
  }
  const cdrom = d.type === 'cdrom' || image?.type === 'CDROM';
  const source = image?.path ?? d.source ?? '';
  const format = image?.format ?? (d.format?.trim().toLowerCase() as 'raw' | 'qcow2' | undefined) ?? 'raw';
  // Persistent images, CDs and CLONE = no are used in place; the rest gets a linked clone.
  const inPlace = cdrom || image?.persistent === true || d.clone === false;
  if (d.save && inPlace) {
    invalid({ attribute: 'DISK/SAVE', index: diskId }, 'only a cloned disk can be saved: a persistent image keeps its changes anyway');
  }
  const saveAs = d.save
    ? checkImageName(d.extra['SAVE_AS'] ?? `${image?.name ?? 'disk'}-${env.vmId}-disk${diskId}`, 'DISK/SAVE_AS', 'INVALID_TEMPLATE')
    : undefined;
  return {
    diskId,
    type: cdrom ? 'cdrom' : 'disk',
    action: inPlace ? 'link' : 'clone',
    source,
    ...(image === undefined ? {} : { imageId: image.imageId, image: image.name }),
    format: inPlace ? format : 'qcow2',
    ...(d.size === undefined || inPlace ? {} : { sizeMb: d.size }),
    readonly: cdrom || d.readonly,
    ...(saveAs === undefined ? {} : { saveAs }),
    ...target,
  };
}

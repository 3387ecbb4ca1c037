import { open, readFile, stat } from 'node:fs/promises';
import { Command } from 'commander';
import type { ImageAllocateParams } from '../api/api-types.js';
import { IMAGES_DATASTORE, type ImageView } from '../images/image-view.js';
import { NepheleError } from '../errors.js';
import {
  IMAGE_STATE_SHORT,
  IMAGE_TYPES,
  IMAGE_TYPE_SHORT,
  UPLOAD_CHUNK_BYTES,
  type ImageAttribute,
  type ImageType,
} from '../images/image-record.js';
import type { ApiClient } from './api-client.js';
import { positiveInt } from './args.js';
import type { GlobalOptions } from './connect.js';
import { printer, withClient, withGlobalOptions, type CliIo } from './run.js';
import { showText } from './terminal-safe.js';
import { formatKb, renderTable, type Column } from './table.js';
import { ownershipCommands, permissionLines } from './ownership.js';

const MIB = 1024 * 1024;

function imageRef(s: string): string | number {
  return /^\d+$/.test(s) ? Number(s) : s;
}

const yesNo = (b: boolean): string => (b ? 'Yes' : 'No');
const size = (mb: number): string => formatKb(mb * 1024);

const COLUMNS: readonly Column<ImageView>[] = [
  { header: 'ID', value: (i) => String(i.id), right: true },
  { header: 'USER', value: (i) => i.user },
  { header: 'GROUP', value: (i) => i.group },
  { header: 'NAME', value: (i) => i.name },
  { header: 'DATASTORE', value: (i) => i.datastore },
  { header: 'SIZE', value: (i) => size(i.sizeMb), right: true },
  { header: 'TYPE', value: (i) => IMAGE_TYPE_SHORT[i.type] },
  { header: 'PER', value: (i) => yesNo(i.persistent) },
  { header: 'STAT', value: (i) => IMAGE_STATE_SHORT[i.state] },
  { header: 'RVMS', value: (i) => String(i.runningVms.length), right: true },
];

export function renderImageList(images: readonly ImageView[]): string {
  return renderTable(COLUMNS, images);
}

/** The template's attributes as OpenNebula's CLI prints them: `NAME="value"`, a vector one pair a line. */
export function renderAttributes(attributes: readonly ImageAttribute[]): string[] {
  return attributes.flatMap(({ name, value }) => {
    if (typeof value === 'string') return [`${name}=${JSON.stringify(value)}`];
    const pairs = Object.entries(value).map(([k, v]) => `  ${k}=${JSON.stringify(v)}`);
    return pairs.length === 0 ? [`${name}=[ ]`] : [`${name}=[`, ...pairs.map((p, n) => (n === pairs.length - 1 ? `${p} ]` : `${p},`))];
  });
}

/** OpenNebula's `oneimage show` sections. */
export function renderImage(i: ImageView): string {
  const template = renderAttributes(i.template);
  if (i.error !== undefined) template.push(`ERROR=${JSON.stringify(i.error)}`);
  const lines = [
    `IMAGE ${i.id} INFORMATION`,
    `ID             : ${i.id}`,
    `NAME           : ${i.name}`,
    `USER           : ${i.user}`,
    `GROUP          : ${i.group}`,
    `DATASTORE      : ${i.datastore}`,
    `TYPE           : ${i.type}`,
    `REGISTER TIME  : ${new Date(i.regtime).toISOString()}`,
    `PERSISTENT     : ${yesNo(i.persistent)}`,
    `SOURCE         : ${i.source}`,
    `FORMAT         : ${i.format}`,
    `SIZE           : ${size(i.sizeMb)}`,
    `STATE          : ${IMAGE_STATE_SHORT[i.state]}`,
    `RUNNING_VMS    : ${i.runningVms.length}`,
    '',
    ...permissionLines(i.permissions, 15),
    '',
    'IMAGE TEMPLATE',
    ...template,
    '',
    'VIRTUAL MACHINES',
    i.runningVms.length === 0 ? '-' : i.runningVms.join(' '),
  ];
  return showText(lines);
}

/** A one-line progress bar, redrawn in place: percent, MiB done of total, MiB/s. */
export function progressBar(total: number, write: (s: string) => void, now: () => number = () => performance.now()) {
  const start = now();
  let drawn = -Infinity;
  const draw = (done: number): void => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const width = 30;
    const full = Math.round(frac * width);
    const rate = done / MIB / Math.max((now() - start) / 1000, 0.001);
    write(
      `\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(frac * 100)).padStart(3)}% ` +
        `${(done / MIB).toFixed(1)}/${(total / MIB).toFixed(1)} MiB ${rate.toFixed(1)} MiB/s\x1b[K`,
    );
  };
  return {
    /** At most ten redraws a second. */
    update(done: number): void {
      if (now() - drawn < 100) return;
      drawn = now();
      draw(done);
    },
    done(done: number): void {
      draw(done);
      write('\n');
    },
  };
}

function parseType(s: string, field = '--type'): ImageType {
  const t = s.toUpperCase();
  if (!(IMAGE_TYPES as readonly string[]).includes(t)) {
    throw new NepheleError('INVALID_ARGUMENT', `${field} must be one of ${IMAGE_TYPES.map((x) => x.toLowerCase()).join(', ')}, got ${s}`, {
      details: { field },
    });
  }
  return t as ImageType;
}

/** A regular file the user may read, checked before anything is created on the server. */
async function sourceFile(path: string): Promise<number> {
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new NepheleError('INVALID_ARGUMENT', `--path ${path}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, {
      details: { field: '--path' },
    });
  });
  if (!st.isFile()) throw new NepheleError('INVALID_ARGUMENT', `--path ${path} is not a regular file`, { details: { field: '--path' } });
  return st.size;
}

/**
 * Sends the file at `path` into the LOCKED image `id`, chunk by chunk, and
 * returns how many bytes went. `onChunk` hears the offset after each chunk;
 * `stop`, asked before each, ends the upload with an error.
 */
export async function streamImage(
  c: ApiClient,
  id: number,
  path: string,
  options: { readonly onChunk?: (offset: number) => void; readonly stop?: () => boolean } = {},
): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(UPLOAD_CHUNK_BYTES);
    let offset = 0;
    for (;;) {
      if (options.stop?.() === true) throw new NepheleError('INVALID_ARGUMENT', 'upload interrupted');
      const { bytesRead } = await fh.read(buf, 0, buf.length, offset);
      if (bytesRead === 0) return offset;
      await c.call('image.upload', { id, offset, data: buf.subarray(0, bytesRead) });
      offset += bytesRead;
      options.onChunk?.(offset);
    }
  } finally {
    await fh.close();
  }
}

/** Makes an image of the file at `path` (allocate, stream, commit); on any failure nothing is left. Returns its id. */
export async function uploadImage(c: ApiClient, params: ImageAllocateParams, path: string): Promise<number> {
  const { id } = await c.call('image.allocate', params);
  try {
    await c.call('image.commit', { id, size: await streamImage(c, id, path) });
  } catch (err) {
    await c.call('image.delete', { image: id }).catch(() => undefined);
    throw err;
  }
  return id;
}

/**
 * Streams `path` into a LOCKED image and commits it, with progress. On any
 * failure, an interrupt included, the image is deleted: nothing is left.
 */
async function upload(
  c: ApiClient,
  id: number,
  path: string,
  total: number,
  progress: ReturnType<typeof progressBar> | undefined,
): Promise<void> {
  let interrupted = false;
  const onInterrupt = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onInterrupt);
  try {
    const sent = await streamImage(c, id, path, { onChunk: (offset) => progress?.update(offset), stop: () => interrupted });
    progress?.done(sent);
    if (sent !== total)
      throw new NepheleError('INVALID_ARGUMENT', `--path ${path} changed during the upload (${total} bytes, then ${sent})`, {
        details: { field: '--path' },
      });
    await c.call('image.commit', { id, size: sent });
  } catch (err) {
    await c.call('image.delete', { image: id }).catch(() => undefined);
    throw err;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

interface CreateOptions extends GlobalOptions {
  name: string;
  path?: string;
  type?: string;
  persistent?: boolean;
  description?: string;
  size?: string;
  format?: string;
  datastore?: string;
}

/** Everything on the process's standard input, as UTF-8. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * `oneimage`: OpenNebula's image commands. `progress` draws an upload's
 * progress on `io.err` (@default when stderr is a terminal); `stdin` gives
 * `update` its template when no file is named (@default the process's).
 */
export function oneimageProgram(io: CliIo, options: { progress?: boolean; stdin?: () => Promise<string> } = {}): Command {
  const showProgress = options.progress ?? process.stderr.isTTY === true;
  const stdin = options.stdin ?? readStdin;
  const program = new Command('oneimage').description('Manage images').showHelpAfterError();
  const json = (cmd: Command): Command => cmd.option('--json', 'print JSON');
  const print = printer(io);

  withGlobalOptions(program.command('create'))
    .description('Register an image: upload a file (--path), or make an empty datablock (--size)')
    .requiredOption('--name <name>', 'image name, unique among your images')
    .option('--path <file>', 'a local file, streamed to oned')
    .option('--type <type>', `${IMAGE_TYPES.map((x) => x.toLowerCase()).join('|')} (default os, or datablock with --size)`)
    .option('--persistent', 'one VM at a time, which writes to it')
    .option('--description <text>', 'free text')
    .option('--size <MiB>', 'an empty datablock of this size')
    .option('--format <format>', 'raw|qcow2, for an empty datablock (default raw)')
    .option('-d, --datastore <ds>', `the datastore: ${IMAGES_DATASTORE.id} or ${IMAGES_DATASTORE.name}, the only one for images`)
    .action(async (o: CreateOptions) => {
      if (o.datastore !== undefined && o.datastore !== String(IMAGES_DATASTORE.id) && o.datastore !== IMAGES_DATASTORE.name) {
        throw new NepheleError(
          'INVALID_ARGUMENT',
          `images live in datastore ${IMAGES_DATASTORE.id} (${IMAGES_DATASTORE.name}), not ${o.datastore}`,
          { details: { field: '--datastore' } },
        );
      }
      if ((o.path === undefined) === (o.size === undefined)) {
        throw new NepheleError('INVALID_ARGUMENT', 'give --path FILE to upload, or --size MiB for an empty datablock', {
          details: { field: '--path' },
        });
      }
      const type = parseType(o.type ?? (o.size === undefined ? 'os' : 'datablock'));
      const base = { name: o.name, type, persistent: o.persistent === true, description: o.description ?? '' };
      if (o.size !== undefined) {
        const format = o.format ?? 'raw';
        if (format !== 'raw' && format !== 'qcow2')
          throw new NepheleError('INVALID_ARGUMENT', `--format must be raw or qcow2, got ${format}`, { details: { field: '--format' } });
        const { id } = await withClient(o, (c) =>
          c.call('image.allocate', { ...base, size: positiveInt(o.size as string, '--size'), format }),
        );
        io.out(`ID: ${id}\n`);
        return;
      }
      if (o.format !== undefined)
        throw new NepheleError('INVALID_ARGUMENT', "--format is for an empty datablock: an upload's format is detected", {
          details: { field: '--format' },
        });
      const path = o.path as string;
      const total = await sourceFile(path);
      const id = await withClient(o, async (c) => {
        const { id } = await c.call('image.allocate', base);
        await upload(c, id, path, total, showProgress ? progressBar(total, io.err) : undefined);
        return id;
      });
      io.out(`ID: ${id}\n`);
    });

  json(withGlobalOptions(program.command('list')))
    .description('List the images you can use')
    .action(async (opts: GlobalOptions) => {
      const images = await withClient(opts, (c) => c.call('imagepool.info', {}));
      print(images, opts.json, () => renderImageList(images));
    });

  json(withGlobalOptions(program.command('show').argument('<image>', 'image id or name')))
    .description('Show an image')
    .action(async (image: string, opts: GlobalOptions) => {
      const i = await withClient(opts, (c) => c.call('image.info', { image: imageRef(image) }));
      print(i, opts.json, () => renderImage(i));
    });

  withGlobalOptions(program.command('delete').argument('<image>', 'image id or name'))
    .description('Delete an image and its file (no VM may use it)')
    .action(async (image: string, opts: GlobalOptions) => {
      await withClient(opts, (c) => c.call('image.delete', { image: imageRef(image) }));
    });

  const change = (name: string, description: string, call: (c: ApiClient, image: string | number) => Promise<unknown>): void => {
    withGlobalOptions(program.command(name).argument('<image>', 'image id or name'))
      .description(description)
      .action(async (image: string, opts: GlobalOptions) => {
        await withClient(opts, (c) => call(c, imageRef(image)));
      });
  };
  change('persistent', 'Make an image persistent (no VM may use it)', (c, image) =>
    c.call('image.persistent', { image, persistent: true }),
  );
  change('nonpersistent', 'Make an image non-persistent (no VM may use it)', (c, image) =>
    c.call('image.persistent', { image, persistent: false }),
  );
  change('enable', 'Enable a disabled image', (c, image) => c.call('image.enable', { image, enable: true }));
  change('disable', 'Disable an image: VMs may not use it (no VM may use it now)', (c, image) =>
    c.call('image.enable', { image, enable: false }),
  );

  withGlobalOptions(program.command('rename').argument('<image>', 'image id or name').argument('<name>', 'the new name'))
    .description('Rename an image')
    .action(async (image: string, name: string, opts: GlobalOptions) => {
      await withClient(opts, (c) => c.call('image.rename', { image: imageRef(image), name }));
    });

  ownershipCommands(program, {
    what: 'image',
    idHelp: 'image id or name',
    chown: (c, id, owner) => c.call('image.chown', { id: imageRef(id), ...owner }),
    chmod: (c, id, octet) => c.call('image.chmod', { id: imageRef(id), octet }),
  });

  withGlobalOptions(program.command('clone').argument('<image>', 'image id or name').argument('<name>', 'the name of the copy'))
    .description('Create a new image from an existing one (a copy of its file, yours; LOCKED until the copy ends)')
    .option('-d, --datastore <ds>', `the datastore: ${IMAGES_DATASTORE.id} or ${IMAGES_DATASTORE.name}, the only one for images`)
    .action(async (image: string, name: string, opts: GlobalOptions & { datastore?: string }) => {
      const datastore = opts.datastore === undefined ? {} : { datastore: imageRef(opts.datastore) };
      const { id } = await withClient(opts, (c) => c.call('image.clone', { image: imageRef(image), name, ...datastore }));
      io.out(`ID: ${id}\n`);
    });

  withGlobalOptions(program.command('chtype').argument('<image>', 'image id or name').argument('<type>', 'the new type'))
    .description("Change an image's type: among os, cdrom, datablock, or among kernel, ramdisk, context")
    .action(async (image: string, type: string, opts: GlobalOptions) => {
      await withClient(opts, (c) => c.call('image.chtype', { image: imageRef(image), type: parseType(type, 'type') }));
    });

  withGlobalOptions(
    program
      .command('update')
      .argument('<image>', 'image id or name')
      .argument('[file]', 'the attributes, in template syntax (default: stdin)'),
  )
    .description("Replace the image's template attributes (DESCRIPTION, …) with a file's, or with --append merge them in")
    .option('-a, --append', 'merge into the attributes instead of replacing them')
    .action(async (image: string, file: string | undefined, opts: GlobalOptions & { append?: boolean }) => {
      // OpenNebula opens an editor here; a file or a pipe does the same job in scripts.
      const template = file === undefined ? await stdin() : await readFile(file, 'utf8');
      await withClient(opts, (c) => c.call('image.update', { image: imageRef(image), template, append: opts.append === true }));
    });

  return program;
}

/**
 * A writer for the cpio "newc" format, the one the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst). Debian does not install the
 * `cpio` tool by default, and the format is small enough to write here.
 */

/** One archive member. Paths are relative (`bin/busybox`), parents listed before children. */
export type CpioEntry =
  | { readonly kind: 'dir'; readonly path: string; readonly mode?: number }
  | { readonly kind: 'file'; readonly path: string; readonly data: Uint8Array; readonly mode?: number }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string }
  | { readonly kind: 'char'; readonly path: string; readonly major: number; readonly minor: number; readonly mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

interface Header {
  ino: number;
  mode: number;
  nlink: number;
  size: number;
  rdevMajor: number;
  rdevMinor: number;
  name: string;
}

function member(h: Header, data: Uint8Array): Buffer[] {
  const name = Buffer.from(`${h.name}\0`, 'utf8');
  // Owner root, mtime 0: the archive depends only on its contents.
  const fields = [h.ino, h.mode, 0, 0, h.nlink, 0, h.size, 0, 0, h.rdevMajor, h.rdevMinor, name.length, 0];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return [
    header,
    name,
    Buffer.alloc(pad4(header.length + name.length)),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    Buffer.alloc(pad4(data.byteLength)),
  ];
}

/** The archive, uncompressed, ending with the `TRAILER!!!` member. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    if (e.path.startsWith('/') || e.path.split('/').includes('..')) {
      throw new TypeError(`cpio path must be relative and without '..': ${e.path}`);
    }
    const base = { ino: ino++, rdevMajor: 0, rdevMinor: 0, name: e.path };
    switch (e.kind) {
      case 'dir':
        parts.push(...member({ ...base, mode: S_IFDIR | (e.mode ?? 0o755), nlink: 2, size: 0 }, new Uint8Array()));
        break;
      case 'file':
        parts.push(...member({ ...base, mode: S_IFREG | (e.mode ?? 0o644), nlink: 1, size: e.data.byteLength }, e.data));
        break;
      case 'symlink': {
        const target = Buffer.from(e.target, 'utf8');
        parts.push(...member({ ...base, mode: S_IFLNK | 0o777, nlink: 1, size: target.length }, target));
        break;
      }
      case 'char':
        parts.push(
          ...member(
            { ...base, mode: S_IFCHR | (e.mode ?? 0o600), nlink: 1, size: 0, rdevMajor: e.major, rdevMinor: e.minor },
            new Uint8Array(),
          ),
        );
        break;
    }
  }
  parts.push(...member({ ino: 0, mode: 0, nlink: 1, size: 0, rdevMajor: 0, rdevMinor: 0, name: 'TRAILER!!!' }, new Uint8Array()));
  return Buffer.concat(parts);
}

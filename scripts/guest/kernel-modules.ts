/**
 * Picks kernel modules and their dependencies out of an extracted Debian kernel package.
 * The package ships no modules.dep (depmod runs at install time, and the kernel is not
 * installed here), so dependencies come from each module's own `.modinfo` section.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A module to load, in load order. */
export interface ModuleFile {
  /** Module name as the kernel knows it (`virtio_pci`). */
  readonly name: string;
  /** Absolute path of the `.ko` in the extracted package. */
  readonly path: string;
  /** Direct dependencies, by module name. */
  readonly depends: readonly string[];
}

/** Module names use `_`; file names may use `-` (`crc32c-intel.ko` is `crc32c_intel`). */
function moduleName(file: string): string {
  return file.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');
}

async function indexModules(dir: string, index: Map<string, string>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await indexModules(path, index);
    else if (entry.name.endsWith('.ko')) index.set(moduleName(entry.name), path);
    else if (/\.ko\.(xz|zst|gz)$/.test(entry.name)) {
      // Debian 12 ships plain .ko; a compressed tree would need decompression before
      // busybox insmod could load it.
      throw new Error(`compressed kernel module ${path}: not supported by this build`);
    }
  }
}

/** The NUL-separated `key=value` strings of an ELF64 little-endian object's `.modinfo`. */
export function modinfo(elf: Buffer): Map<string, string[]> {
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) {
    throw new Error('not an ELF64 little-endian object');
  }
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const shentsize = elf.readUInt16LE(0x3a);
  const shnum = elf.readUInt16LE(0x3c);
  const shstrndx = elf.readUInt16LE(0x3e);
  const section = (i: number): { name: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return { name: elf.readUInt32LE(at), offset: Number(elf.readBigUInt64LE(at + 0x18)), size: Number(elf.readBigUInt64LE(at + 0x20)) };
  };
  const strtab = section(shstrndx);
  const info = new Map<string, string[]>();
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    const nameEnd = elf.indexOf(0, strtab.offset + s.name);
    if (elf.toString('latin1', strtab.offset + s.name, nameEnd) !== '.modinfo') continue;
    for (const pair of elf.toString('latin1', s.offset, s.offset + s.size).split('\0')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const key = pair.slice(0, eq);
      info.set(key, [...(info.get(key) ?? []), pair.slice(eq + 1)]);
    }
  }
  return info;
}

/**
 * The modules named in `wanted` and everything they depend on, dependencies first.
 * A name listed in `builtin` (the package's modules.builtin) is skipped: it is in the kernel.
 */
export async function resolveModules(modulesDir: string, wanted: readonly string[], builtin: ReadonlySet<string>): Promise<ModuleFile[]> {
  const index = new Map<string, string>();
  await indexModules(join(modulesDir, 'kernel'), index);
  const order: ModuleFile[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = async (name: string, chain: readonly string[]): Promise<void> => {
    if (placed.has(name) || builtin.has(name)) return;
    if (visiting.has(name)) throw new Error(`module dependency cycle: ${[...chain, name].join(' -> ')}`);
    const path = index.get(name);
    if (path === undefined) throw new Error(`kernel module ${name} not found (needed by ${chain.join(' -> ') || 'the guest'})`);
    visiting.add(name);
    const depends = (modinfo(await readFile(path)).get('depends')?.[0] ?? '')
      .split(',')
      .filter((d) => d !== '')
      .map(moduleName);
    for (const dep of depends) await visit(dep, [...chain, name]);
    visiting.delete(name);
    placed.add(name);
    order.push({ name, path, depends });
  };
  for (const name of wanted) await visit(name, []);
  return order;
}

/** Module names from a modules.builtin file (`kernel/drivers/…/foo.ko` lines). */
export function parseBuiltin(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => moduleName(l.slice(l.lastIndexOf('/') + 1))),
  );
}

/**
 * One rule per VM field, shared by the two places that check what a VM is
 * made of: the template check at create (`vm.allocate`, `template.allocate`,
 * `template.instantiate`: INVALID_TEMPLATE naming the attribute) and the wire
 * validator of the node commands (`vm.deploy`, `vm.prolog`, …: BAD_FRAME
 * naming the field). What the first accepts the second must accept, or oned
 * stores a VM that it can never send to a node. Rules live here, at the
 * bottom layer, because protocol imports nothing from templates.
 *
 * A rule only says why a value breaks it (or undefined); each side wraps that
 * in its own error. Character sets are allow-lists: what reaches QEMU's
 * `-device`/`-drive` option strings may hold no `,`, `=` or control characters.
 */

/** A number kept within [min, max] (or (min, max] when `minExclusive`). */
export interface NumberRule {
  readonly min: number;
  readonly max: number;
  readonly integer: boolean;
  readonly minExclusive?: boolean;
}

/** A string of `min`–`max` UTF-16 code units (as `.length` counts) that `pattern` matches whole. */
export interface TextRule {
  readonly min: number;
  readonly max: number;
  readonly pattern: RegExp;
  /** What a valid value looks like, for error messages. */
  readonly expected: string;
}

const MIB_PER_TIB = 1024 * 1024;

/** CPU: the share of physical cores a VM is guaranteed; no host has more cores than this. */
export const CPU: NumberRule = Object.freeze({ min: 0, minExclusive: true, max: 1024, integer: false });
/** VCPU: QEMU's `-machine pc` (i440fx), the one the driver uses, takes at most 255 CPUs. */
export const VCPU: NumberRule = Object.freeze({ min: 1, max: 255, integer: true });
/** MEMORY in MiB: up to 16 TiB. */
export const MEMORY_MB: NumberRule = Object.freeze({ min: 1, max: 16 * MIB_PER_TIB, integer: true });
/** DISK SIZE in MiB (swap, volatile, or what a clone grows to): up to 16 TiB. */
export const DISK_SIZE_MB: NumberRule = Object.freeze({ min: 1, max: 16 * MIB_PER_TIB, integer: true });
/** A TCP port (live migration, GRAPHICS PORT). */
export const PORT: NumberRule = Object.freeze({ min: 1, max: 65_535, integer: true });

/** Disk and NIC ids are 0 … MAX_VM_DEVICES - 1; a VM has at most this many of each. */
export const MAX_VM_DEVICES = 64;
/** DISKs a template may list: one id is kept for the context CD, which comes last. */
export const MAX_VM_DISKS = MAX_VM_DEVICES - 1;
export const MAX_VM_NICS = MAX_VM_DEVICES;
/** Images CONTEXT FILES_DS may put on the context CD. */
export const MAX_CONTEXT_FILES = MAX_VM_DEVICES;
/** The largest context.sh, in UTF-16 code units: at most 3 MiB of UTF-8, well inside a 4 MiB frame. */
export const MAX_CONTEXT_SCRIPT = 1024 * 1024;
/** The longest path on a host. */
export const MAX_PATH_LENGTH = 1024;

const NO_CONTROL = /^[^\p{Cc}]*$/u;

function text(min: number, max: number, pattern: RegExp, expected: string): TextRule {
  return Object.freeze({ min, max, pattern, expected });
}

/** A VM's NAME: OpenNebula's 128 characters; QEMU's `-name guest=` escapes commas itself. */
export const VM_NAME = text(1, 128, NO_CONTROL, 'any characters but control ones');
/** The kernel command line, ROOT's `root=/dev/…` included. */
export const KERNEL_CMD = text(1, 2048, NO_CONTROL, 'any characters but control ones');
/** OS ROOT, which becomes `root=/dev/<ROOT>`: one word. */
export const ROOT_DEVICE = text(1, 64, /^[A-Za-z0-9_./-]+$/, 'a device name: letters, digits, _ . / -');
/** A NIC MODEL: a QEMU `-device` name (`virtio-net-pci`, `e1000`, `ne2k_pci`). */
export const NIC_MODEL = text(1, 32, /^[a-z0-9][a-z0-9_-]*$/, 'a device model: lower-case letters, digits, _ and -');
/** A guest disk name (`vda`, `sdb`, `hdc`, `xvda`). */
export const DISK_TARGET = text(1, 16, /^[a-z][a-z0-9]*$/, 'a device name: lower-case letters then digits, e.g. vdb');
/** DEV_PREFIX (`hd`, `sd`, `vd`, `xvd`). */
export const DEV_PREFIX = text(1, 8, /^[a-z]+$/, 'lower-case letters, e.g. vd');
/** A disk option value (BUS, CACHE, DRIVER, IO, DISCARD): one word. */
export const DISK_OPTION = text(1, 32, /^[A-Za-z0-9][A-Za-z0-9_-]*$/, 'one word: letters, digits, _ and -');
/** The disk formats the hypervisor opens. */
export const DISK_FORMATS = Object.freeze(['qcow2', 'raw'] as const);
/** Filesystems a volatile disk may be made with. */
export const VOLATILE_FS = Object.freeze(['ext2', 'ext3', 'ext4'] as const);
/** A MAC address, lower-case. */
export const MAC = text(17, 17, /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/, 'a lower-case MAC address like 02:00:c0:a8:00:05');
/** A Linux interface name (bridge, tap): at most 15 bytes, no `/`, `:` or blanks. */
export const IFNAME = text(1, 15, /^[A-Za-z0-9_.-]+$/, 'a Linux interface name: letters, digits, _ . -');
/** A file on the context CD: an image's name (never context.sh, which Nephele writes). */
export const CD_FILE_NAME = text(
  1,
  64,
  /^(?!\.\.?$)(?!context\.sh$)[A-Za-z0-9._-]+$/,
  'a plain file name (letters, digits, . _ -), not context.sh',
);
/** A host as a live migration names it: OpenNebula's host names, or an IPv4 address. */
export const HOST_NAME = text(1, 128, /^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a host name: letters, digits, . _ -');

/** Why `n` breaks `rule`, or undefined. */
export function numberProblem(rule: NumberRule, n: number): string | undefined {
  if (rule.integer ? !Number.isSafeInteger(n) : !Number.isFinite(n)) return rule.integer ? 'must be an integer' : 'must be a finite number';
  if (rule.minExclusive === true ? n <= rule.min : n < rule.min) {
    return rule.minExclusive === true ? `must be greater than ${rule.min}` : `must be at least ${rule.min}`;
  }
  if (n > rule.max) return `must be at most ${rule.max}`;
  return undefined;
}

/** Why `s` breaks `rule`, or undefined. The value itself is never quoted: it may be large. */
export function textProblem(rule: TextRule, s: string): string | undefined {
  if (s.length < rule.min) return rule.min === 1 ? 'must not be empty' : `must be at least ${rule.min} characters`;
  if (s.length > rule.max) return `must be at most ${rule.max} characters`;
  if (!rule.pattern.test(s)) return `must be ${rule.expected}`;
  return undefined;
}

/** Why `p` is not an absolute path a node may be handed (no `..`, commas or control characters), or undefined. */
export function pathProblem(p: string): string | undefined {
  if (p.length === 0 || p.length > MAX_PATH_LENGTH) return `must be a path of 1 to ${MAX_PATH_LENGTH} characters`;
  if (!p.startsWith('/') || p.split('/').includes('..') || p.includes(',') || !NO_CONTROL.test(p)) {
    return 'must be an absolute path without .. , commas or control characters';
  }
  return undefined;
}

/** OpenNebula's kernel command line: `root=/dev/<ROOT>` (when ROOT is given) before KERNEL_CMD. */
export function kernelCommandLine(root: string | undefined, cmd: string | undefined): string | undefined {
  const parts = [root === undefined ? undefined : `root=/dev/${root}`, cmd].filter((p): p is string => p !== undefined && p !== '');
  return parts.length === 0 ? undefined : parts.join(' ');
}

/**
 * The vector attributes of a VM template that Nephele acts on: OS, DISK and
 * NIC, read into typed objects. Keys not listed here stay in `extra`.
 */
import { isIPv4 } from 'node:net';
import { quoted } from './excerpt.js';
import type { VectorValue } from './template.js';
import {
  DEV_PREFIX,
  DISK_FORMATS,
  DISK_OPTION,
  DISK_SIZE_MB,
  DISK_TARGET,
  IFNAME,
  KERNEL_CMD,
  MAC,
  NIC_MODEL,
  ROOT_DEVICE,
  type TextRule,
  kernelCommandLine,
} from '../protocol/field-limits.js';
import {
  VectorReader,
  type Where,
  hostPath,
  inRange,
  integerAtLeast,
  invalid,
  matching,
  oneOf,
  optional,
  yesNo,
} from './template-fields.js';

export interface VmOs {
  readonly kernel?: string;
  readonly initrd?: string;
  readonly root?: string;
  readonly kernelCmd?: string;
  /** Boot order as written, e.g. `disk0,nic0`. */
  readonly boot?: string;
  readonly arch?: string;
  /** Other OS keys (MACHINE, FIRMWARE, …), as written. */
  readonly extra: VectorValue;
}

export const DISK_TYPES = ['disk', 'cdrom', 'swap', 'fs'] as const;
export type DiskType = (typeof DISK_TYPES)[number];

export interface VmDisk {
  /** @default 'disk' */
  readonly type: DiskType;
  /** Exactly one of source, image, imageId for `disk` and `cdrom`; none for `swap` and `fs`. */
  readonly source?: string;
  readonly image?: string;
  readonly imageId?: number;
  /** MiB; required for `swap` and `fs`. */
  readonly size?: number;
  readonly format?: string;
  readonly target?: string;
  readonly bus?: string;
  /** @default true for a cdrom, else false */
  readonly readonly: boolean;
  /** Absent when not written: the image's persistence decides. */
  readonly clone?: boolean;
  /** @default false */
  readonly save: boolean;
  /** Other keys (IMAGE_UNAME, DEV_PREFIX, DRIVER, CACHE, …), as written. */
  readonly extra: VectorValue;
}

export interface VmNic {
  /** Exactly one of network and networkId, unless NETWORK_MODE is `auto`. */
  readonly network?: string;
  readonly networkId?: number;
  /** IPv4, dotted quad. */
  readonly ip?: string;
  /** Lower-case, `02:00:c0:a8:00:05`. */
  readonly mac?: string;
  readonly bridge?: string;
  readonly model?: string;
  readonly target?: string;
  /** Other keys (NETWORK_UNAME, NETWORK_MODE, SECURITY_GROUPS, …), as written. */
  readonly extra: VectorValue;
}

function ipv4(text: string, where: Where): string {
  const s = text.trim();
  if (!isIPv4(s)) invalid(where, `expected an IPv4 address, got ${quoted(text)}`);
  return s;
}

function mac(text: string, where: Where): string {
  const s = text.trim().toLowerCase();
  if (!MAC.pattern.test(s)) invalid(where, `expected a MAC address like 02:00:c0:a8:00:05, got ${quoted(text)}`);
  return s;
}

const natural = (text: string, where: Where): number => integerAtLeast(text, 0, where);
const diskSize = (text: string, where: Where): number => inRange(integerAtLeast(text, 1, where), DISK_SIZE_MB, where);
/** A reader that checks a value against one of the wire's field rules (protocol/field-limits.ts). */
const rule =
  (r: TextRule) =>
  (text: string, where: Where): string =>
    matching(text, r, where);

/** Disk keys kept in `extra` that would end up in QEMU's -drive options: one word each. */
const DISK_OPTION_KEYS = ['CACHE', 'DRIVER', 'IO', 'DISCARD'] as const;

export function readOs(vector: VectorValue, line: number): VmOs {
  const r = new VectorReader('OS', vector, { line });
  const root = r.read('ROOT', rule(ROOT_DEVICE));
  const kernelCmd = r.string('KERNEL_CMD');
  // The command line the node gets is ROOT's root=/dev/… and KERNEL_CMD together: the limit is on both.
  const cmdline = kernelCommandLine(root, kernelCmd);
  if (cmdline !== undefined) matching(cmdline, KERNEL_CMD, r.at(kernelCmd === undefined ? 'ROOT' : 'KERNEL_CMD'));
  return Object.freeze({
    ...optional('kernel', r.read('KERNEL', hostPath)),
    ...optional('initrd', r.read('INITRD', hostPath)),
    ...optional('root', root),
    ...optional('kernelCmd', kernelCmd),
    ...optional('boot', r.string('BOOT')),
    ...optional('arch', r.string('ARCH')),
    extra: r.rest(),
  });
}

export function readDisk(vector: VectorValue, line: number, index: number): VmDisk {
  const r = new VectorReader('DISK', vector, { line, index });
  const type = r.read('TYPE', (s, w) => oneOf(s, DISK_TYPES, w)) ?? 'disk';
  const source = r.read('SOURCE', hostPath);
  const image = r.string('IMAGE');
  const imageId = r.read('IMAGE_ID', natural);
  const size = r.read('SIZE', diskSize);
  const given: string[] = [];
  if (source !== undefined) given.push('SOURCE');
  if (image !== undefined) given.push('IMAGE');
  if (imageId !== undefined) given.push('IMAGE_ID');
  if (type === 'swap' || type === 'fs') {
    const [first] = given;
    if (first !== undefined) invalid(r.at(first), `a ${type} disk is created empty and takes no ${first}`);
    if (size === undefined) invalid(r.at('SIZE'), `a ${type} disk needs a SIZE in MiB`);
  } else if (given.length === 0) {
    invalid(r.whole, 'needs one of SOURCE, IMAGE or IMAGE_ID (or TYPE = swap or fs with a SIZE)');
  } else if (given.length > 1) {
    invalid(r.at(given[1] ?? ''), `give only one of SOURCE, IMAGE and IMAGE_ID, not ${given.join(' and ')}`);
  }
  const readOnly = r.read('READONLY', yesNo) ?? type === 'cdrom';
  if (type === 'cdrom' && !readOnly) invalid(r.at('READONLY'), 'a cdrom is always read-only');
  // Kept in extra, but checked: they are bound for QEMU's -drive options.
  const devPrefix = vector['DEV_PREFIX'];
  if (devPrefix !== undefined && devPrefix.trim() !== '') matching(devPrefix, DEV_PREFIX, r.at('DEV_PREFIX'));
  for (const key of DISK_OPTION_KEYS) {
    const value = vector[key];
    if (value !== undefined && value.trim() !== '') matching(value, DISK_OPTION, r.at(key));
  }
  return Object.freeze({
    type,
    ...optional('source', source),
    ...optional('image', image),
    ...optional('imageId', imageId),
    ...optional('size', size),
    ...optional(
      'format',
      r.read('FORMAT', (text, w) => oneOf(text, DISK_FORMATS, w)),
    ),
    ...optional('target', r.read('TARGET', rule(DISK_TARGET))),
    ...optional('bus', r.read('BUS', rule(DISK_OPTION))),
    readonly: readOnly,
    ...optional('clone', r.read('CLONE', yesNo)),
    save: r.read('SAVE', yesNo) ?? false,
    extra: r.rest(),
  });
}

export function readNic(vector: VectorValue, line: number, index: number): VmNic {
  const r = new VectorReader('NIC', vector, { line, index });
  const network = r.string('NETWORK');
  const networkId = r.read('NETWORK_ID', natural);
  // NETWORK_MODE stays in extra: it is only looked at, not normalized.
  const auto = vector['NETWORK_MODE']?.trim().toLowerCase() === 'auto';
  if (network !== undefined && networkId !== undefined) {
    invalid(r.at('NETWORK_ID'), 'give NETWORK or NETWORK_ID, not both');
  }
  if (network === undefined && networkId === undefined && !auto) {
    invalid(r.whole, 'needs NETWORK or NETWORK_ID (or NETWORK_MODE = auto)');
  }
  return Object.freeze({
    ...optional('network', network),
    ...optional('networkId', networkId),
    ...optional('ip', r.read('IP', ipv4)),
    ...optional('mac', r.read('MAC', mac)),
    ...optional('bridge', r.read('BRIDGE', rule(IFNAME))),
    ...optional('model', r.read('MODEL', rule(NIC_MODEL))),
    ...optional('target', r.read('TARGET', rule(IFNAME))),
    extra: r.rest(),
  });
}

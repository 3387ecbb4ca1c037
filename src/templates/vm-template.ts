/**
 * A VM template, validated and normalized: what a VM asks for (capacity,
 * disks, NICs) in typed form, the rest kept as written. CONTEXT is kept as a
 * vector because its `$VARIABLES` are resolved later, per VM.
 */
import type { Attribute, Template, VectorValue } from './template.js';
import { isVector } from './template.js';
import { CPU, MAX_CONTEXT_FILES, MAX_VM_DISKS, MAX_VM_NICS, MEMORY_MB, PORT, VCPU, VM_NAME } from '../protocol/field-limits.js';
import { type Where, inRange, integerAtLeast, invalid, matching, optional, positiveNumber } from './template-fields.js';
import { type VmDisk, type VmNic, type VmOs, readDisk, readNic, readOs } from './vm-devices.js';

export type { DiskType, VmDisk, VmNic, VmOs } from './vm-devices.js';

export interface VmTemplate {
  readonly name?: string;
  /** Share of physical cores the VM is guaranteed (0.5 = half a core); > 0. */
  readonly cpu: number;
  /** Virtual CPUs the guest sees; integer ≥ 1. @default 1 */
  readonly vcpu: number;
  /** MiB; integer > 0. */
  readonly memory: number;
  readonly os?: VmOs;
  /** In the order written; DISK #0 is the first. */
  readonly disks: readonly VmDisk[];
  readonly nics: readonly VmNic[];
  /** As written, variables unresolved. */
  readonly context?: VectorValue;
  readonly graphics?: VectorValue;
  readonly raw?: VectorValue;
  /** SCHED_REQUIREMENTS, or its older name REQUIREMENTS. */
  readonly requirements?: string;
  /** SCHED_RANK, or its older name RANK. */
  readonly rank?: string;
  /** Attributes not listed above, in order. */
  readonly extra: readonly Attribute[];
}

/** Attributes a VM template may give once at most. */
const SINGLE = [
  'NAME',
  'CPU',
  'VCPU',
  'MEMORY',
  'OS',
  'CONTEXT',
  'GRAPHICS',
  'RAW',
  'REQUIREMENTS',
  'SCHED_REQUIREMENTS',
  'RANK',
  'SCHED_RANK',
] as const;
const KNOWN: ReadonlySet<string> = new Set<string>([...SINGLE, 'DISK', 'NIC']);

/**
 * Validates a parsed template as a VM template. Throws INVALID_TEMPLATE with
 * `details: { attribute, line?, index? }` (`attribute` is `MEMORY` or
 * `DISK/SIZE`; `index` counts repeated attributes from 0) on the first
 * problem found. CPU and MEMORY are required, as in OpenNebula.
 */
export function vmTemplate(t: Template): VmTemplate {
  const singles = new Map<string, Attribute>();
  const disks: VmDisk[] = [];
  const nics: VmNic[] = [];
  const extra: Attribute[] = [];
  for (const attr of t.attributes) {
    if (attr.name === 'DISK') {
      // One more disk id is the context CD's.
      if (disks.length === MAX_VM_DISKS) invalid(where(attr, disks.length), `a VM may have at most ${MAX_VM_DISKS} DISKs`);
      disks.push(readDisk(vectorOf(attr, disks.length), attr.line, disks.length));
    } else if (attr.name === 'NIC') {
      if (nics.length === MAX_VM_NICS) invalid(where(attr, nics.length), `a VM may have at most ${MAX_VM_NICS} NICs`);
      nics.push(readNic(vectorOf(attr, nics.length), attr.line, nics.length));
    } else if (KNOWN.has(attr.name)) {
      if (singles.has(attr.name)) invalid(where(attr), 'given more than once');
      singles.set(attr.name, attr);
    } else extra.push(attr);
  }
  const string = (name: string): string | undefined => {
    const attr = singles.get(name);
    if (attr === undefined) return undefined;
    if (isVector(attr.value)) invalid(where(attr), 'must be a single value, not a vector');
    return attr.value.trim() === '' ? undefined : attr.value;
  };
  const vector = (name: string): VectorValue | undefined => {
    const attr = singles.get(name);
    return attr === undefined ? undefined : vectorOf(attr);
  };
  const at = (name: string): Where => where(singles.get(name) ?? { name, line: 0 });
  const either = (name: string, older: string): string | undefined => {
    const value = string(name);
    const old = string(older);
    if (value !== undefined && old !== undefined) invalid(at(older), `give ${name} or ${older}, not both`);
    return value ?? old;
  };

  const name = string('NAME');
  const cpu = string('CPU');
  if (cpu === undefined) invalid(at('CPU'), 'required: the share of cores the VM needs, e.g. CPU = 0.5');
  const memory = string('MEMORY');
  if (memory === undefined) invalid(at('MEMORY'), 'required: the memory in MiB, e.g. MEMORY = 1024');
  const vcpu = string('VCPU');
  const os = singles.get('OS');
  const context = vector('CONTEXT');
  const graphics = vector('GRAPHICS');
  // The limits below are the wire's (protocol/field-limits.ts): what is accepted here can be deployed.
  return Object.freeze({
    ...optional('name', name === undefined ? undefined : matching(name, VM_NAME, at('NAME'))),
    cpu: inRange(positiveNumber(cpu, at('CPU')), CPU, at('CPU')),
    vcpu: vcpu === undefined ? 1 : inRange(integerAtLeast(vcpu, 1, at('VCPU')), VCPU, at('VCPU')),
    memory: inRange(integerAtLeast(memory, 1, at('MEMORY')), MEMORY_MB, at('MEMORY')),
    ...optional('os', os === undefined ? undefined : readOs(vectorOf(os), os.line)),
    disks: Object.freeze(disks),
    nics: Object.freeze(nics),
    ...optional('context', context === undefined ? undefined : checkContext(context, at('CONTEXT'))),
    ...optional('graphics', graphics === undefined ? undefined : checkGraphics(graphics, at('GRAPHICS'))),
    ...optional('raw', vector('RAW')),
    ...optional('requirements', either('SCHED_REQUIREMENTS', 'REQUIREMENTS')),
    ...optional('rank', either('SCHED_RANK', 'RANK')),
    extra: Object.freeze(extra),
  });
}

const FILE_REF = /\$FILE\[/g;

/** CONTEXT stays as written; only FILES_DS is bounded here (its size once resolved is checked at create). */
function checkContext(context: VectorValue, at: Where): VectorValue {
  const filesDs = context['FILES_DS'];
  const files = filesDs === undefined ? 0 : [...filesDs.matchAll(FILE_REF)].length;
  if (files > MAX_CONTEXT_FILES) invalid({ ...at, attribute: 'CONTEXT/FILES_DS' }, `at most ${MAX_CONTEXT_FILES} files, got ${files}`);
  return context;
}

/** GRAPHICS stays as written; a PORT is a TCP port. */
function checkGraphics(graphics: VectorValue, at: Where): VectorValue {
  const port = graphics['PORT'];
  if (port !== undefined && port.trim() !== '') {
    const w = { ...at, attribute: 'GRAPHICS/PORT' };
    inRange(integerAtLeast(port, PORT.min, w), PORT, w);
  }
  return graphics;
}

function where(attr: Pick<Attribute, 'name' | 'line'>, index?: number): Where {
  return { attribute: attr.name, line: attr.line, ...optional('index', index) };
}

function vectorOf(attr: Attribute, index?: number): VectorValue {
  if (!isVector(attr.value)) invalid(where(attr, index), 'must be a vector ([ KEY = value, … ])');
  return attr.value;
}

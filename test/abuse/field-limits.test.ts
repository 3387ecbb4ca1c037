/**
 * What `vm.allocate` accepts, the wire accepts: one rule per VM field
 * (src/protocol/field-limits.ts), checked by the template at create and by
 * the validator of every node command that carries the VM. Values past a
 * limit are refused at create with INVALID_TEMPLATE naming the attribute,
 * through a real oned; and for random templates, every one the create path
 * accepts gives node commands (deploy, restore, migrate, prolog, epilog) that
 * the wire validator accepts.
 */
import { createHash } from 'node:crypto';
import * as fc from 'fast-check';
import t from 'tap';
import { isNepheleError } from '../../src/errors.js';
import type { ImageRef, ImageUse } from '../../src/images/image-record.js';
import { imageNameProblem } from '../../src/images/image-name.js';
import type { NicLease } from '../../src/networks/network-actor.js';
import {
  DISK_SIZE_MB,
  KERNEL_CMD,
  MAX_CONTEXT_SCRIPT,
  MAX_VM_DISKS,
  MAX_VM_NICS,
  MEMORY_MB,
  VCPU,
  VM_NAME,
} from '../../src/protocol/field-limits.js';
import type { NodeCommand } from '../../src/protocol/messages.js';
import { validateMessage } from '../../src/protocol/validate.js';
import {
  createTemplate,
  parseTemplate,
  renderTemplate,
  vmTemplate,
  type AttributeInit,
  type TemplateValue,
} from '../../src/templates/index.js';
import { prologSteps } from '../../src/vms/prolog-steps.js';
import { resolveContext } from '../../src/vms/vm-context.js';
import { resolveFiles } from '../../src/vms/vm-disks.js';
import { diskPath, vmSpec, type VmNicRecord, type VmRecord } from '../../src/vms/vm-record.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const BASE = 'CPU = 1\nMEMORY = 128\n';

// ---- the create path and the commands oned sends, without actors

/** An image pool that has any image whose name an image may have. */
async function acquire(refs: readonly ImageRef[]): Promise<ImageUse[]> {
  return refs.map((r, i) => {
    const name = r.name ?? `image-${r.imageId ?? i}`;
    if (imageNameProblem(name) !== undefined) throw Object.assign(new Error('no such image'), { code: 'IMAGE_NOT_FOUND' });
    const type = r.use === 'kernel' ? 'KERNEL' : r.use === 'ramdisk' ? 'RAMDISK' : r.use === 'context' ? 'CONTEXT' : 'OS';
    return {
      imageId: r.imageId ?? 100 + i,
      name,
      type,
      format: 'qcow2',
      path: `/var/lib/one/datastores/1/${createHash('md5').update(name).digest('hex')}`,
      persistent: false,
      sizeMb: 8,
    };
  });
}

/** What vm-pool's allocate makes of a template (leases from a network that grants what is asked). */
async function allocate(text: string, id: number, datastores: string): Promise<VmRecord> {
  const parsed = parseTemplate(text);
  const tpl = vmTemplate(parsed);
  const name = tpl.name ?? `one-${id}`;
  const leases: NicLease[] = tpl.nics.map((n, nicId) => ({
    nicId,
    networkId: n.networkId ?? 0,
    network: n.network ?? 'lan',
    bridge: 'onebr0',
    ip: n.ip ?? `10.0.${nicId}.2`,
    mac: n.mac ?? `02:00:0a:00:${nicId.toString(16).padStart(2, '0')}:02`,
    attributes: { NETWORK_MASK: '255.255.255.0', GATEWAY: '10.0.0.1' },
  }));
  const nics: VmNicRecord[] = leases.map((l) => {
    const model = tpl.nics[l.nicId]?.model;
    return model === undefined ? l : { ...l, model };
  });
  const files = await resolveFiles(tpl, { vmId: id, name, owner: { uid: 0, gid: 0, admin: true }, datastores, acquire });
  const contextVector =
    tpl.context === undefined ? undefined : Object.fromEntries(Object.entries(tpl.context).filter(([k]) => k !== 'FILES_DS'));
  const context = resolveContext(contextVector, { vmId: id, name, template: parsed, user: { id: 0, name: 'oneadmin' }, nics: leases });
  return {
    id,
    name,
    uid: 0,
    gid: 0,
    template: text,
    cpu: tpl.cpu,
    vcpu: tpl.vcpu,
    memory: tpl.memory,
    state: 'PENDING',
    history: [],
    pending: undefined,
    opSeq: 0,
    scheduled: true,
    stime: 0,
    etime: undefined,
    lastError: undefined,
    ...(nics.length === 0 ? {} : { nics }),
    ...(context === undefined ? {} : { context }),
    ...(files.disks.length === 0 ? {} : { disks: files.disks }),
    ...(files.os === undefined ? {} : { os: files.os }),
    ...(files.contextFiles.length === 0 ? {} : { contextFiles: files.contextFiles }),
  };
}

/** Every node command of the VM's life that carries its fields, as vm-actor builds them. */
function commands(r: VmRecord): NodeCommand[] {
  const dir = `/var/lib/one/datastores/0/${r.id}`;
  const port = 49_152 + (r.id % 16_384);
  const out: NodeCommand[] = [];
  for (const spec of [vmSpec(r, dir), vmSpec(r)]) {
    out.push({ type: 'vm.deploy', opId: `${r.id}.1`, spec });
    out.push({ type: 'vm.restore', opId: `${r.id}.2`, spec });
    out.push({ type: 'vm.migrate_in', opId: `${r.id}.3`, spec, listen: { host: 'node_1.example', port } });
  }
  out.push({ type: 'vm.migrate_out', opId: `${r.id}.3.out`, vmId: r.id, uri: `tcp:node_1.example:${port}` });
  for (const staged of [false, true]) out.push({ type: 'vm.prolog', opId: `${r.id}.4`, vmId: r.id, dir, ...prologSteps(r, dir, staged) });
  const saves = (r.disks ?? [])
    .filter((d) => d.saveAs !== undefined)
    .map((d) => ({
      source: diskPath(dir, d.diskId),
      target: `/var/lib/one/datastores/1/${'0'.repeat(32)}`,
    }));
  out.push({ type: 'vm.epilog', opId: `${r.id}.5`, vmId: r.id, dir, saves, purge: true });
  out.push({ type: 'vm.shutdown', opId: `${r.id}.6`, vmId: r.id, hard: true, purge: dir });
  return out;
}

/** The fields the wire refuses in what oned would send for `r`. */
function wireRefusals(r: VmRecord): string[] {
  const refused: string[] = [];
  for (const cmd of commands(r)) {
    try {
      validateMessage(cmd);
    } catch (err) {
      refused.push(`${cmd.type}: ${isNepheleError(err) ? `${err.code} ${String(err.details?.['field'])}` : String(err)}`);
    }
  }
  return refused;
}

/** The codes a refused create may end with; anything else (a TypeError) is a bug. */
const REFUSALS = new Set(['INVALID_TEMPLATE', 'TEMPLATE_SYNTAX', 'INVALID_ARGUMENT', 'NOT_AUTHORIZED', 'IMAGE_NOT_FOUND']);

type Outcome = { accepted: VmRecord } | { refused: { code: string; attribute: unknown } };

async function createPath(text: string, id: number, datastores: string): Promise<Outcome> {
  try {
    return { accepted: await allocate(text, id, datastores) };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !REFUSALS.has(code)) throw err;
    return { refused: { code, attribute: isNepheleError(err) ? err.details?.['attribute'] : undefined } };
  }
}

/** FILES_DS naming `n` different images. */
const filesDs = (n: number): string => Array.from({ length: n }, (_, i) => `$FILE[IMAGE_ID=${i}]`).join(' ');
const render = (attrs: readonly AttributeInit[]): string => renderTemplate(createTemplate(attrs));
const attr = (name: string, value: TemplateValue): AttributeInit => ({ name, value });

// ---- each limit: its value passes create and the wire, one past it is refused at create naming the attribute

t.test('at each limit a template deploys; one past it, create refuses it naming the attribute', async (t) => {
  const ds = t.testdir();
  const root = 'vda';
  const cmdAtLimit = 'c'.repeat(KERNEL_CMD.max - `root=/dev/${root} `.length);
  const swap = (size: number) => `DISK = [ TYPE = swap, SIZE = ${size} ]\n`;
  const disks = (n: number) => swap(1).repeat(n);
  const nics = (n: number) => 'NIC = [ NETWORK = lan ]\n'.repeat(n);
  // The largest CONTEXT value whose context.sh (a header, DISK_ID and `X='…'`) still fits.
  const header = "# Context variables generated by Nephele\nDISK_ID='63'\nX=''\n".length;
  const contextValue = (extra: number) => `CONTEXT = [ X = "${'x'.repeat(MAX_CONTEXT_SCRIPT - header + extra)}" ]\n`;
  const cases: Array<[string, string, string, string]> = [
    ['CPU', 'CPU = 1024\nMEMORY = 128\n', 'CPU = 1024.5\nMEMORY = 128\n', 'CPU'],
    ['VCPU', `${BASE}VCPU = ${VCPU.max}\n`, `${BASE}VCPU = ${VCPU.max + 1}\n`, 'VCPU'],
    ['MEMORY', `CPU = 1\nMEMORY = ${MEMORY_MB.max}\n`, `CPU = 1\nMEMORY = ${MEMORY_MB.max + 1}\n`, 'MEMORY'],
    ['NAME', `${BASE}NAME = "${'é'.repeat(VM_NAME.max)}"\n`, `${BASE}NAME = "${'é'.repeat(VM_NAME.max + 1)}"\n`, 'NAME'],
    ['a NAME with a control character', `${BASE}NAME = "a b"\n`, `${BASE}NAME = "a\tb"\n`, 'NAME'],
    [
      'KERNEL_CMD with ROOT',
      `${BASE}OS = [ ROOT = ${root}, KERNEL_CMD = "${cmdAtLimit}" ]\n`,
      `${BASE}OS = [ ROOT = ${root}, KERNEL_CMD = "${cmdAtLimit}c" ]\n`,
      'OS/KERNEL_CMD',
    ],
    [
      'a KERNEL_CMD line break',
      `${BASE}OS = [ KERNEL_CMD = "console=ttyS0 quiet" ]\n`,
      `${BASE}OS = [ KERNEL_CMD = "console=ttyS0\nquiet" ]\n`,
      'OS/KERNEL_CMD',
    ],
    [
      'a host KERNEL path',
      `${BASE}OS = [ KERNEL = "/${'k'.repeat(1023)}" ]\n`,
      `${BASE}OS = [ KERNEL = "/${'k'.repeat(1024)}" ]\n`,
      'OS/KERNEL',
    ],
    ['swap SIZE', `${BASE}${swap(DISK_SIZE_MB.max)}`, `${BASE}${swap(DISK_SIZE_MB.max + 1)}`, 'DISK/SIZE'],
    ['the number of DISKs', `${BASE}${disks(MAX_VM_DISKS)}CONTEXT = [ A = b ]\n`, `${BASE}${disks(MAX_VM_DISKS + 1)}`, 'DISK'],
    ['the number of NICs', `${BASE}${nics(MAX_VM_NICS)}`, `${BASE}${nics(MAX_VM_NICS + 1)}`, 'NIC'],
    [
      'NIC MODEL',
      `${BASE}NIC = [ NETWORK = lan, MODEL = ne2k_pci ]\n`,
      `${BASE}NIC = [ NETWORK = lan, MODEL = "e1000,romfile=/x" ]\n`,
      'NIC/MODEL',
    ],
    [
      'an upper-case NIC MODEL',
      `${BASE}NIC = [ NETWORK = lan, MODEL = e1000 ]\n`,
      `${BASE}NIC = [ NETWORK = lan, MODEL = E1000 ]\n`,
      'NIC/MODEL',
    ],
    [
      'NIC BRIDGE',
      `${BASE}NIC = [ NETWORK = lan, BRIDGE = ${'b'.repeat(15)} ]\n`,
      `${BASE}NIC = [ NETWORK = lan, BRIDGE = ${'b'.repeat(16)} ]\n`,
      'NIC/BRIDGE',
    ],
    [
      'disk TARGET',
      `${BASE}DISK = [ TYPE = swap, SIZE = 1, TARGET = ${'v'.repeat(16)} ]\n`,
      `${BASE}DISK = [ TYPE = swap, SIZE = 1, TARGET = "vd,a" ]\n`,
      'DISK/TARGET',
    ],
    [
      'disk CACHE',
      `${BASE}DISK = [ TYPE = swap, SIZE = 1, CACHE = writeback ]\n`,
      `${BASE}DISK = [ TYPE = swap, SIZE = 1, CACHE = "none,file=/etc/shadow" ]\n`,
      'DISK/CACHE',
    ],
    [
      'DEV_PREFIX',
      `${BASE}DISK = [ TYPE = swap, SIZE = 1, DEV_PREFIX = vd ]\n`,
      `${BASE}DISK = [ TYPE = swap, SIZE = 1, DEV_PREFIX = "v=d" ]\n`,
      'DISK/DEV_PREFIX',
    ],
    [
      'disk FORMAT',
      `${BASE}DISK = [ TYPE = swap, SIZE = 1, FORMAT = QCOW2 ]\n`,
      `${BASE}DISK = [ TYPE = swap, SIZE = 1, FORMAT = vmdk ]\n`,
      'DISK/FORMAT',
    ],
    [
      'GRAPHICS PORT',
      `${BASE}GRAPHICS = [ TYPE = vnc, PORT = 65535 ]\n`,
      `${BASE}GRAPHICS = [ TYPE = vnc, PORT = 65536 ]\n`,
      'GRAPHICS/PORT',
    ],
    ['the resolved CONTEXT', `${BASE}${contextValue(0)}`, `${BASE}${contextValue(1)}`, 'CONTEXT'],
    [
      'a CONTEXT that variables make too large',
      `${BASE}BIG = "${'b'.repeat(300_000)}"\nCONTEXT = [ X = "$BIG$BIG$BIG" ]\n`,
      `${BASE}BIG = "${'b'.repeat(300_000)}"\nCONTEXT = [ X = "$BIG$BIG$BIG$BIG" ]\n`,
      'CONTEXT',
    ],
    [
      'FILES_DS',
      `${BASE}CONTEXT = [ FILES_DS = "${filesDs(64)}" ]\n`,
      `${BASE}CONTEXT = [ FILES_DS = "${filesDs(65)}" ]\n`,
      'CONTEXT/FILES_DS',
    ],
  ];
  for (const [what, ok, past, attribute] of cases) {
    const good = await createPath(ok, 12, ds);
    if ('refused' in good) {
      t.fail(`${what}: the value at the limit is refused at create`, good.refused);
      continue;
    }
    t.same(wireRefusals(good.accepted), [], `${what}: at the limit, create and the wire both accept it`);
    t.same(
      await createPath(past, 12, ds),
      { refused: { code: 'INVALID_TEMPLATE', attribute } },
      `${what}: past it, INVALID_TEMPLATE naming ${attribute}`,
    );
  }
});

t.test('the wire refuses the same values past each limit, naming the field', async (t) => {
  const spec = { vmId: 7, name: 'web', cpu: 1, vcpu: 1, memoryMb: 128 };
  const nic = { nicId: 0, mac: '02:00:0a:00:00:02', bridge: 'br0', tap: 'one-7-0' };
  const disk = { diskId: 0, path: '/ds/0/7/disk.0', format: 'raw', type: 'disk' };
  const deploy = (s: object) => ({ type: 'vm.deploy', opId: '7.1', spec: { ...spec, ...s } });
  const prolog = (p: object) => ({ type: 'vm.prolog', opId: '7.2', vmId: 7, dir: '/ds/0/7', steps: [], ...p });
  const cases: Array<[unknown, string]> = [
    [deploy({ vcpu: VCPU.max + 1 }), 'msg.spec.vcpu'],
    [deploy({ cpu: 0 }), 'msg.spec.cpu'],
    [deploy({ memoryMb: MEMORY_MB.max + 1 }), 'msg.spec.memoryMb'],
    [deploy({ name: 'n'.repeat(VM_NAME.max + 1) }), 'msg.spec.name'],
    [deploy({ name: 'a\nb' }), 'msg.spec.name'],
    [deploy({ os: { kernelCmd: 'x'.repeat(KERNEL_CMD.max + 1) } }), 'msg.spec.os.kernelCmd'],
    [deploy({ os: { kernel: '/boot/a\tb' } }), 'msg.spec.os.kernel'],
    [deploy({ nics: [{ ...nic, model: 'e1000,romfile=/x' }] }), 'msg.spec.nics.0.model'],
    [deploy({ nics: [{ ...nic, nicId: MAX_VM_NICS }] }), 'msg.spec.nics.0.nicId'],
    [deploy({ nics: [{ ...nic, ip: '10.0.0.300' }] }), 'msg.spec.nics.0.ip'],
    [deploy({ disks: [{ ...disk, target: 'vd,a' }] }), 'msg.spec.disks.0.target'],
    [prolog({ steps: [{ action: 'swap', target: '/ds/0/7/disk.0', sizeMb: DISK_SIZE_MB.max + 1 }] }), 'msg.steps.0.sizeMb'],
    [prolog({ context: { target: '/ds/0/7/disk.1', script: 'x'.repeat(MAX_CONTEXT_SCRIPT + 1), files: [] } }), 'msg.context.script'],
    [
      prolog({ context: { target: '/ds/0/7/disk.1', script: '', files: [{ name: 'context.sh', source: '/ds/1/a' }] } }),
      'msg.context.files.0.name',
    ],
    [{ type: 'vm.migrate_out', opId: '7.3.out', vmId: 7, uri: 'tcp:node1:65536' }, 'msg.uri'],
    [{ type: 'vm.migrate_in', opId: '7.3', spec, listen: { host: 'a,b', port: 49_152 } }, 'msg.listen.host'],
  ];
  for (const [msg, field] of cases) {
    t.throws(() => validateMessage(msg), { code: 'BAD_FRAME', details: { field } }, field);
  }
  t.doesNotThrow(
    () => validateMessage({ type: 'vm.migrate_out', opId: '7.3.out', vmId: 7, uri: 'tcp:node_1:49152' }),
    'a host name with _ (onehost allows it) migrates',
  );
});

// ---- the reproduced findings, through a real oned

t.test('oned refuses each value the wire would refuse, names the attribute, and carries on', async (t) => {
  const cloud = await startCloud(t);
  const c = cloud.client;
  const { id: held } = await c.call('vm.allocate', { template: `NAME = before\n${BASE}`, hold: true });
  const { id: tpl } = await c.call('template.allocate', { template: `NAME = tpl\n${BASE}` });
  const vmsBefore = await c.call('vmpool.info', { all: true });
  const templatesBefore = await c.call('templatepool.info', {});

  const findings: Array<[string, string, string]> = [
    ['VCPU = 100000', `${BASE}VCPU = 100000\n`, 'VCPU'],
    ['NIC MODEL = "e1000,romfile=/x"', `${BASE}NIC = [ NETWORK = lan, MODEL = "e1000,romfile=/x" ]\n`, 'NIC/MODEL'],
    ['a 5,000-character KERNEL_CMD', `${BASE}OS = [ KERNEL_CMD = "${'console=ttyS0 '.repeat(358).slice(0, 5000)}" ]\n`, 'OS/KERNEL_CMD'],
    ['a 5,000-character NAME', `NAME = "${'n'.repeat(5000)}"\n${BASE}`, 'NAME'],
    ['swap SIZE = 99999999999', `${BASE}DISK = [ TYPE = swap, SIZE = 99999999999 ]\n`, 'DISK/SIZE'],
  ];
  for (const [what, template, attribute] of findings) {
    await t.rejects(
      c.call('vm.allocate', { template, hold: false }),
      { code: 'INVALID_TEMPLATE', details: { attribute } },
      `vm.allocate: ${what}`,
    );
    await t.rejects(
      c.call('template.allocate', { template }),
      { code: 'INVALID_TEMPLATE', details: { attribute } },
      `template.allocate: ${what}`,
    );
  }
  // template.instantiate's name is checked by the same NAME rule.
  await t.rejects(
    c.call('template.instantiate', { id: tpl, name: 'a\u0007b', hold: true }),
    { code: 'INVALID_TEMPLATE', details: { attribute: 'NAME' } },
    'template.instantiate: a NAME with a control character',
  );

  t.same(await c.call('vmpool.info', { all: true }), vmsBefore, 'no VM was made, the earlier one is unchanged');
  t.same(await c.call('templatepool.info', {}), templatesBefore, 'no template was stored, the earlier one is unchanged');
  t.equal((await c.call('system.version', {})).protocol, 1, 'oned still answers an administrator');
  const { id: next } = await c.call('vm.allocate', { template: `NAME = after\n${BASE}`, hold: true });
  t.equal(next, held + 1, 'the refusals took no VM id');
});

t.test('a VM at the limits is deployed by a real agent: the wire takes what create took', async (t) => {
  const cloud = await startCloud(t);
  const c = cloud.client;
  const node = await cloud.addHost('node1');
  await cloud.waitState(node.id, 'MONITORED');
  const name = 'é'.repeat(VM_NAME.max);
  const cmd = 'c'.repeat(KERNEL_CMD.max - 'root=/dev/vda '.length);
  const { id } = await c.call('vm.allocate', {
    template: `NAME = "${name}"\nCPU = 1\nVCPU = ${VCPU.max}\nMEMORY = 64\nOS = [ ROOT = vda, KERNEL_CMD = "${cmd}" ]\n`,
    hold: false,
  });
  await c.call('vm.action', { id, action: 'deploy', host: node.id });
  const vm = await eventually(
    () => c.call('vm.info', { id }),
    (v) => v.state === 'RUNNING' || v.state.includes('FAILURE'),
    20_000,
    `VM ${id} RUNNING`,
  );
  t.equal(vm.state, 'RUNNING', 'the deploy frame was accepted by oned and by the agent');
  t.equal(vm.name, name);
  t.equal(vm.vcpu, VCPU.max);
});

// ---- the property: random templates

/** Mostly valid values, now and then one at or past a limit. */
function mostly<T>(valid: fc.Arbitrary<T>, edge: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc.oneof({ arbitrary: valid, weight: 30 }, { arbitrary: edge, weight: 1 });
}
const maybe = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(a, { nil: undefined, freq: 3 });
const repeat = (c: string, lengths: readonly number[]): fc.Arbitrary<string> => fc.constantFrom(...lengths).map((n) => c.repeat(n));

const nameArb = mostly(
  fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _.,=-]{0,30}$/), repeat('é', [127, 128])),
  fc.oneof(repeat('n', [129, 5000]), fc.constantFrom('a\tb', 'a\u0085b', 'a\u007fb')),
);
const cpuArb = mostly(
  fc.integer({ min: 1, max: 102_400 }).map((n) => String(n / 100)),
  fc.constantFrom('0', '1024.01', '100000', '-1'),
);
const vcpuArb = mostly(fc.integer({ min: 1, max: 255 }).map(String), fc.constantFrom('0', '256', '100000', '1.5'));
const memoryArb = mostly(
  fc.oneof(fc.integer({ min: 1, max: 65_536 }), fc.constant(MEMORY_MB.max)).map(String),
  fc.constantFrom('0', String(MEMORY_MB.max + 1), '99999999999'),
);
const sizeArb = mostly(
  fc.oneof(fc.integer({ min: 1, max: 100_000 }), fc.constant(DISK_SIZE_MB.max)).map(String),
  fc.constantFrom('0', String(DISK_SIZE_MB.max + 1), '99999999999'),
);
const targetArb = mostly(
  fc.constantFrom('vda', 'vdb', 'sdc', 'hda', 'xvdb', 'nvme0n1', 'v'.repeat(16)),
  fc.constantFrom('vd,a', 'VDA', 'v'.repeat(17), 'sda 1', 'vd=a'),
);
const wordArb = (valid: readonly string[]) =>
  mostly(fc.constantFrom(...valid), fc.constantFrom(`${valid[0]},file=/x`, `${valid[0]}=1`, '', 'a\tb', 'w'.repeat(33)));
const modelArb = mostly(
  fc.constantFrom('virtio-net-pci', 'e1000', 'e1000e', 'ne2k_pci', 'rtl8139', 'virtio'),
  fc.constantFrom('e1000,romfile=/x', 'E1000', 'm'.repeat(33), 'e1000 '),
);
const ifnameArb = mostly(
  fc.constantFrom('br0', 'onebr7', 'b'.repeat(15), 'br-lan.10'),
  fc.constantFrom('b'.repeat(16), 'br 0', 'br:0', 'br/0'),
);
const ipArb = fc
  .tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 }))
  .map(([a, b, c]) => `10.${a}.${b}.${c}`);
const macArb = fc
  .array(fc.integer({ min: 0, max: 255 }), { minLength: 5, maxLength: 5 })
  .map((b) => ['02', ...b.map((x) => x.toString(16).padStart(2, '0'))].join(':'));

const diskArb = (ds: string): fc.Arbitrary<Record<string, string | undefined>> =>
  fc.oneof(
    fc.record(
      { TYPE: fc.constantFrom('swap', 'SWAP'), SIZE: sizeArb, TARGET: maybe(targetArb), CACHE: maybe(wordArb(['none', 'writeback'])) },
      { requiredKeys: ['TYPE', 'SIZE'] },
    ),
    fc.record(
      {
        TYPE: fc.constant('fs'),
        SIZE: sizeArb,
        FS: maybe(mostly(fc.constantFrom('ext2', 'ext4'), fc.constant('xfs'))),
        FORMAT: maybe(mostly(fc.constantFrom('raw', 'qcow2'), fc.constantFrom('vmdk', 'raw,x'))),
      },
      { requiredKeys: ['TYPE', 'SIZE'] },
    ),
    fc.record(
      {
        IMAGE: mostly(fc.constantFrom('ubuntu', 'Ubuntu 22.04', 'data-1'), fc.constantFrom('a/b', 'x'.repeat(129))),
        SIZE: maybe(sizeArb),
        TARGET: maybe(targetArb),
        BUS: maybe(wordArb(['virtio', 'scsi', 'sata'])),
        DEV_PREFIX: maybe(mostly(fc.constantFrom('vd', 'sd', 'hd', 'xvd'), fc.constantFrom('v,d', 'VD'))),
        DRIVER: maybe(wordArb(['raw', 'qcow2'])),
        SAVE: maybe(fc.constantFrom('yes', 'no')),
      },
      { requiredKeys: ['IMAGE'] },
    ),
    fc.record(
      { TYPE: fc.constant('cdrom'), IMAGE_ID: fc.integer({ min: 0, max: 99 }).map(String), TARGET: maybe(targetArb) },
      { requiredKeys: ['TYPE', 'IMAGE_ID'] },
    ),
    // Long paths in segments a filesystem takes (names up to 255 bytes), ending near the 1,024 limit.
    fc.record(
      {
        SOURCE: mostly(
          fc
            .integer({ min: 1, max: 1024 - ds.length - 2 })
            .map((n) => `${ds}/${'s'.repeat(n).replace(/s{200}/g, (m) => `${m.slice(1)}/`)}`),
          fc.constantFrom(`${ds}/a,b`, `${ds}/a\tb`, `${ds}/${'s/'.repeat(520)}`),
        ),
        CLONE: maybe(fc.constantFrom('yes', 'no')),
        FORMAT: maybe(fc.constantFrom('raw', 'qcow2')),
      },
      { requiredKeys: ['SOURCE'] },
    ),
  );

const nicArb = fc.record(
  {
    NETWORK: fc.constantFrom('lan', 'Private LAN'),
    MODEL: maybe(modelArb),
    IP: maybe(ipArb),
    MAC: maybe(macArb.map((m) => m.toUpperCase())),
    BRIDGE: maybe(ifnameArb),
    TARGET: maybe(ifnameArb),
  },
  { requiredKeys: ['NETWORK'] },
);

const osArb = fc.record({
  // A kernel image, or (an administrator's) file of the host: not both.
  kernel: fc.oneof(
    fc.record({ KERNEL_DS: fc.constant('$FILE[IMAGE="vmlinuz"]') }),
    fc.record({
      KERNEL: mostly(
        fc.integer({ min: 1, max: 1000 }).map((n) => `/boot/${'k'.repeat(n).replace(/k{200}/g, (m) => `${m.slice(1)}/`)}x`),
        fc.constantFrom('/boot/a,b', `/${'k'.repeat(1024)}`, '/boot/../etc/shadow'),
      ),
    }),
    fc.constant({}),
  ),
  ROOT: maybe(mostly(fc.constantFrom('vda', 'sda1', 'mapper/vg-root'), fc.constantFrom('vda 1', 'vda,x', 'r'.repeat(65)))),
  KERNEL_CMD: maybe(
    mostly(
      fc.constantFrom(10, 500, 2000, 2034, 2048).map((n) => 'console=ttyS0 quiet '.repeat(103).slice(0, n)),
      fc.constantFrom('a\nb', 'x'.repeat(2049), 'x'.repeat(5000)),
    ),
  ),
});

const contextArb = fc.record({
  NETWORK: maybe(fc.constant('YES')),
  HOSTNAME: maybe(fc.constantFrom('$NAME', '$NAME-$VMID', '$UNAME')),
  ETH0_IP: maybe(mostly(fc.constant('$NIC[IP, NIC_ID = 0]'), fc.constant('$NIC[IP, NETWORK = "none"]'))),
  // Quotes grow fourfold in context.sh ('\''): these straddle its bound.
  BLOB: maybe(mostly(repeat('x', [10, 1000]), repeat("'", [262_100, 262_200]))),
  GROWN: maybe(fc.constantFrom('$BIG', '$BIG$BIG$BIG')),
  FILES_DS: maybe(fc.integer({ min: 1, max: 66 }).map(filesDs)),
});

/** A template: attributes in a random order of kinds, each kind's values as above. */
const templateArb = (ds: string) =>
  fc.record(
    {
      NAME: maybe(nameArb),
      CPU: cpuArb,
      VCPU: maybe(vcpuArb),
      MEMORY: memoryArb,
      BIG: maybe(repeat('b', [10, 340_000, 350_000])),
      disks: fc.oneof(
        { arbitrary: fc.array(diskArb(ds), { maxLength: 4 }), weight: 8 },
        {
          arbitrary: fc
            .integer({ min: MAX_VM_DISKS - 1, max: MAX_VM_DISKS + 1 })
            .map((n) => Array.from({ length: n }, () => ({ TYPE: 'swap', SIZE: '1' }))),
          weight: 1,
        },
      ),
      nics: fc.oneof(
        { arbitrary: fc.array(nicArb, { maxLength: 3 }), weight: 8 },
        {
          arbitrary: fc
            .integer({ min: MAX_VM_NICS - 1, max: MAX_VM_NICS + 1 })
            .map((n) => Array.from({ length: n }, () => ({ NETWORK: 'lan' }))),
          weight: 1,
        },
      ),
      OS: maybe(osArb),
      CONTEXT: maybe(contextArb),
      GRAPHICS: maybe(
        fc.record({
          TYPE: fc.constant('vnc'),
          PORT: mostly(fc.integer({ min: 1, max: 65_535 }).map(String), fc.constantFrom('0', '65536', 'x')),
        }),
      ),
    },
    { requiredKeys: ['CPU', 'MEMORY', 'disks', 'nics'] },
  );

function vector(v: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => e[1] !== undefined));
}

function templateText(g: Readonly<Record<string, unknown>>): string {
  const attrs: AttributeInit[] = [];
  for (const key of ['NAME', 'CPU', 'VCPU', 'MEMORY', 'BIG'] as const) {
    const v = g[key];
    if (typeof v === 'string') attrs.push(attr(key, v));
  }
  for (const d of g['disks'] as Array<Record<string, string | undefined>>) attrs.push(attr('DISK', vector(d)));
  for (const n of g['nics'] as Array<Record<string, string | undefined>>) attrs.push(attr('NIC', vector(n)));
  const os = g['OS'] as { kernel: Record<string, string>; [key: string]: unknown } | undefined;
  if (os !== undefined) {
    const { kernel, ...rest } = os;
    attrs.push(attr('OS', vector({ ...kernel, ...(rest as Record<string, string | undefined>) })));
  }
  for (const key of ['CONTEXT', 'GRAPHICS'] as const) {
    const v = g[key] as Record<string, string | undefined> | undefined;
    if (v !== undefined) attrs.push(attr(key, vector(v)));
  }
  return render(attrs);
}

t.test('every random template that create accepts gives commands the wire accepts', async (t) => {
  const ds = t.testdir();
  const fromEnv = process.env['FIELD_LIMITS_SEED'];
  const seed = fromEnv !== undefined && /^-?\d+$/.test(fromEnv) ? Number(fromEnv) | 0 : (Math.random() * 0x7fffffff) | 0;
  t.comment(`seed ${seed} (replay: FIELD_LIMITS_SEED=${seed})`);
  const tally = { accepted: 0, refused: 0 };
  /** Refusals by code and attribute: which limits the run reached. */
  const reasons = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(templateArb(ds), fc.integer({ min: 0, max: 9_999_999 }), async (g, id) => {
      const outcome = await createPath(templateText(g), id, ds);
      if ('refused' in outcome) {
        tally.refused++;
        const { code, attribute } = outcome.refused;
        if (code === 'INVALID_TEMPLATE' && typeof attribute !== 'string') throw new Error('an INVALID_TEMPLATE without the attribute');
        const reason = attribute === undefined ? code : `${code} ${String(attribute)}`;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        return;
      }
      tally.accepted++;
      const refused = wireRefusals(outcome.accepted);
      if (refused.length > 0) throw new Error(`create accepted what the wire refuses: ${refused.join('; ')}`);
    }),
    { seed, numRuns: 400 },
  );
  t.comment(
    `accepted ${tally.accepted}, refused ${tally.refused}: ${[...reasons]
      .sort()
      .map(([r, n]) => `${r} ×${n}`)
      .join(', ')}`,
  );
  t.ok(tally.accepted >= 100, `the property is not vacuous: ${tally.accepted} of 400 templates accepted`);
  t.ok(tally.refused >= 40, `and values past the limits came up: ${tally.refused} refused`);
});

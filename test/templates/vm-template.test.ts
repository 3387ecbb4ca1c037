import t, { type Test } from 'tap';
import { NepheleError } from '../../src/errors.js';
import { createTemplate, parseTemplate, vmTemplate } from '../../src/templates/index.js';

const BASE = 'CPU = 1\nMEMORY = 512\n';
const vm = (text: string) => vmTemplate(parseTemplate(text));

/** Asserts INVALID_TEMPLATE with exactly these details, and a message that names the attribute. */
function rejects(t: Test, text: string, details: Record<string, unknown>, message?: RegExp): void {
  try {
    vm(text);
    t.fail(`accepted: ${JSON.stringify(text)}`);
  } catch (err) {
    t.ok(err instanceof NepheleError, 'a NepheleError');
    const e = err as NepheleError;
    t.equal(e.code, 'INVALID_TEMPLATE', `INVALID_TEMPLATE for ${JSON.stringify(text)}`);
    t.strictSame(e.details, details, `details for ${JSON.stringify(text)}`);
    t.match(e.message, String(details['attribute']));
    if (message) t.match(e.message, message);
  }
}

t.test('the least a VM template needs, and the defaults', async (t) => {
  t.strictSame(vm(BASE), { cpu: 1, vcpu: 1, memory: 512, disks: [], nics: [], extra: [] });
  const full = vm('NAME = web\nCPU = .25\nVCPU = 4\nMEMORY = " 2048 "\n');
  t.strictSame([full.name, full.cpu, full.vcpu, full.memory], ['web', 0.25, 4, 2048]);
  t.equal(vm('CPU = 2.5\nMEMORY = 1').cpu, 2.5);
  t.equal(vm(`${BASE}VCPU = ""`).vcpu, 1, 'an empty value is the same as none');
  t.equal(vm(`${BASE}NAME = ""`).name, undefined);
  const v = vm(BASE);
  t.ok(Object.isFrozen(v) && Object.isFrozen(v.disks) && Object.isFrozen(v.extra));
});

t.test('CPU and MEMORY are required, as in OpenNebula', async (t) => {
  rejects(t, 'MEMORY = 512', { attribute: 'CPU' }, /required/);
  rejects(t, 'CPU = 1', { attribute: 'MEMORY' }, /required/);
  rejects(t, 'CPU = ""\nMEMORY = 512', { attribute: 'CPU', line: 1 }, /required/);
  rejects(t, '', { attribute: 'CPU' });
});

t.test('CPU is a number > 0', async (t) => {
  for (const bad of ['0', '0.0', '-1', 'abc', '1e3', '0x10', '1,5', '1.', 'Infinity', '1 2']) {
    rejects(t, `CPU = ${bad}\nMEMORY = 512`, { attribute: 'CPU', line: 1 });
  }
  rejects(t, 'MEMORY = 512\nCPU = [ A = 1 ]', { attribute: 'CPU', line: 2 }, /single value/);
});

t.test('MEMORY is an integer number of MiB > 0', async (t) => {
  for (const bad of ['abc', '0', '-512', '512.5', '1e3', '512M', '9007199254740993']) {
    rejects(t, `CPU = 1\nMEMORY = ${bad}`, { attribute: 'MEMORY', line: 2 });
  }
  rejects(t, 'CPU = 1\nMEMORY = abc', { attribute: 'MEMORY', line: 2 }, /expected an integer/);
});

t.test('VCPU is an integer >= 1', async (t) => {
  for (const bad of ['0', '1.5', 'two', '-2']) rejects(t, `${BASE}VCPU = ${bad}`, { attribute: 'VCPU', line: 3 });
  t.equal(vm(`${BASE}VCPU = 16`).vcpu, 16);
});

t.test('single attributes may be given once', async (t) => {
  for (const name of ['NAME', 'VCPU', 'REQUIREMENTS', 'SCHED_RANK']) {
    rejects(t, `${BASE}${name} = 1\n${name.toLowerCase()} = 1`, { attribute: name, line: 4 }, /more than once/);
  }
  rejects(t, `${BASE}cpu = 1`, { attribute: 'CPU', line: 3 }, /more than once/);
  rejects(t, `${BASE}Memory = 512`, { attribute: 'MEMORY', line: 3 }, /more than once/);
  for (const name of ['OS', 'CONTEXT', 'GRAPHICS', 'RAW']) {
    rejects(t, `${BASE}${name} = [ A = 1 ]\n${name} = [ A = 2 ]`, { attribute: name, line: 4 }, /more than once/);
    rejects(t, `${BASE}${name} = x`, { attribute: name, line: 3 }, /must be a vector/);
  }
});

t.test('OS', async (t) => {
  const os = vm(
    `${BASE}OS = [ KERNEL = /k, INITRD = /i, ROOT = vda1, KERNEL_CMD = "ro quiet", BOOT = "disk0,nic0", ARCH = aarch64, MACHINE = virt, KERNEL_DS = "" ]`,
  ).os;
  t.strictSame(os, {
    kernel: '/k',
    initrd: '/i',
    root: 'vda1',
    kernelCmd: 'ro quiet',
    boot: 'disk0,nic0',
    arch: 'aarch64',
    extra: { MACHINE: 'virt', KERNEL_DS: '' },
  });
  t.strictSame(vm(`${BASE}OS = [ ]`).os, { extra: {} });
});

t.test('DISK: type, source, size and flags', async (t) => {
  const disks = vm(
    `${BASE}${[
      'DISK = [ IMAGE = ubuntu ]',
      'DISK = [ IMAGE_ID = 0, TARGET = vdb, BUS = virtio, SIZE = 10240, READONLY = YES, CLONE = no, SAVE = Yes ]',
      'DISK = [ SOURCE = /dev/vg/lv, FORMAT = raw, TYPE = DISK, CACHE = none ]',
      'DISK = [ TYPE = CDROM, IMAGE = iso ]',
      'DISK = [ TYPE = swap, SIZE = 1024 ]',
      'DISK = [ TYPE = fs, SIZE = 2048, FORMAT = qcow2, FS = ext4 ]',
    ].join('\n')}`,
  ).disks;
  t.strictSame(disks, [
    { type: 'disk', image: 'ubuntu', readonly: false, save: false, extra: {} },
    { type: 'disk', imageId: 0, size: 10240, target: 'vdb', bus: 'virtio', readonly: true, clone: false, save: true, extra: {} },
    { type: 'disk', source: '/dev/vg/lv', format: 'raw', readonly: false, save: false, extra: { CACHE: 'none' } },
    { type: 'cdrom', image: 'iso', readonly: true, save: false, extra: {} },
    { type: 'swap', size: 1024, readonly: false, save: false, extra: {} },
    { type: 'fs', size: 2048, format: 'qcow2', readonly: false, save: false, extra: { FS: 'ext4' } },
  ]);
  t.ok(disks.every((d) => Object.isFrozen(d)));
});

t.test('DISK refusals name DISK/KEY and which DISK', async (t) => {
  const ok = 'DISK = [ IMAGE = first ]\n';
  const at = (key: string) => ({ attribute: key, line: 4, index: 1 });
  rejects(t, `${BASE}${ok}DISK = ubuntu`, at('DISK'), /must be a vector/);
  rejects(t, `${BASE}${ok}DISK = [ TYPE = block, SOURCE = /dev/sdb ]`, at('DISK/TYPE'), /disk, cdrom, swap, fs/);
  rejects(t, `${BASE}${ok}DISK = [ TARGET = vdb ]`, at('DISK'), /SOURCE, IMAGE or IMAGE_ID/);
  rejects(t, `${BASE}${ok}DISK = [ IMAGE = a, IMAGE_ID = 3 ]`, at('DISK/IMAGE_ID'), /only one/);
  rejects(t, `${BASE}${ok}DISK = [ SOURCE = /a, IMAGE = b ]`, at('DISK/IMAGE'), /only one/);
  rejects(t, `${BASE}${ok}DISK = [ TYPE = swap, SIZE = 1, IMAGE = b ]`, at('DISK/IMAGE'), /takes no IMAGE/);
  rejects(t, `${BASE}${ok}DISK = [ TYPE = fs ]`, at('DISK/SIZE'), /needs a SIZE/);
  rejects(t, `${BASE}${ok}DISK = [ TYPE = swap, SIZE = "" ]`, at('DISK/SIZE'), /needs a SIZE/);
  for (const size of ['0', '-1', '1.5', 'big', '1G']) {
    rejects(t, `${BASE}${ok}DISK = [ IMAGE = x, SIZE = ${size} ]`, at('DISK/SIZE'));
  }
  rejects(t, `${BASE}${ok}DISK = [ IMAGE_ID = -1 ]`, at('DISK/IMAGE_ID'));
  rejects(t, `${BASE}${ok}DISK = [ IMAGE_ID = three ]`, at('DISK/IMAGE_ID'), /expected an integer/);
  for (const flag of ['READONLY', 'CLONE', 'SAVE']) {
    rejects(t, `${BASE}${ok}DISK = [ IMAGE = x, ${flag} = maybe ]`, at(`DISK/${flag}`), /yes or no/);
  }
  rejects(t, `${BASE}${ok}DISK = [ TYPE = cdrom, IMAGE = iso, READONLY = no ]`, at('DISK/READONLY'), /read-only/);
});

t.test('NIC', async (t) => {
  const nics = vm(
    `${BASE}${[
      'NIC = [ NETWORK = "Private LAN", IP = 10.0.0.7, MAC = 02:00:0A:00:00:07, BRIDGE = br0, MODEL = virtio, TARGET = one-3-0, FILTER = clean-traffic ]',
      'NIC = [ NETWORK_ID = 0 ]',
      'NIC = [ NETWORK_MODE = AUTO, SCHED_REQUIREMENTS = "TRAFFIC_TYPE = public" ]',
    ].join('\n')}`,
  ).nics;
  t.strictSame(nics, [
    {
      network: 'Private LAN',
      ip: '10.0.0.7',
      mac: '02:00:0a:00:00:07',
      bridge: 'br0',
      model: 'virtio',
      target: 'one-3-0',
      extra: { FILTER: 'clean-traffic' },
    },
    { networkId: 0, extra: {} },
    { extra: { NETWORK_MODE: 'AUTO', SCHED_REQUIREMENTS: 'TRAFFIC_TYPE = public' } },
  ]);
  const at = (key: string) => ({ attribute: key, line: 3, index: 0 });
  rejects(t, `${BASE}NIC = public`, at('NIC'), /must be a vector/);
  rejects(t, `${BASE}NIC = [ MODEL = virtio ]`, at('NIC'), /NETWORK or NETWORK_ID/);
  rejects(t, `${BASE}NIC = [ NETWORK = a, NETWORK_ID = 1 ]`, at('NIC/NETWORK_ID'), /not both/);
  rejects(t, `${BASE}NIC = [ NETWORK_ID = x ]`, at('NIC/NETWORK_ID'));
  for (const ip of ['10.0.0', '10.0.0.256', 'fe80::1', 'host']) rejects(t, `${BASE}NIC = [ NETWORK = a, IP = "${ip}" ]`, at('NIC/IP'));
  for (const mac of ['02:00:0a:00:00', '02-00-0a-00-00-07', 'zz:00:0a:00:00:07']) {
    rejects(t, `${BASE}NIC = [ NETWORK = a, MAC = "${mac}" ]`, at('NIC/MAC'));
  }
});

t.test('CONTEXT, GRAPHICS and RAW are kept as written', async (t) => {
  const v = vm(
    `${BASE}CONTEXT = [ ETH0_IP = "$NIC[IP, NETWORK=\\"a\\"]", TOKEN = YES ]\nGRAPHICS = [ TYPE = spice ]\nRAW = [ TYPE = kvm, DATA = "<x/>" ]`,
  );
  t.strictSame(v.context, { ETH0_IP: '$NIC[IP, NETWORK="a"]', TOKEN: 'YES' });
  t.strictSame(v.graphics, { TYPE: 'spice' });
  t.strictSame(v.raw, { TYPE: 'kvm', DATA: '<x/>' });
});

t.test('requirements and rank, under either name but not both', async (t) => {
  t.strictSame(vm(`${BASE}SCHED_REQUIREMENTS = "FREE_CPU > 50"\nSCHED_RANK = FREE_MEM`), {
    cpu: 1,
    vcpu: 1,
    memory: 512,
    disks: [],
    nics: [],
    requirements: 'FREE_CPU > 50',
    rank: 'FREE_MEM',
    extra: [],
  });
  t.equal(vm(`${BASE}REQUIREMENTS = "ID = 3"`).requirements, 'ID = 3');
  t.equal(vm(`${BASE}RANK = "-RUNNING_VMS"`).rank, '-RUNNING_VMS');
  rejects(t, `${BASE}SCHED_REQUIREMENTS = a\nREQUIREMENTS = b`, { attribute: 'REQUIREMENTS', line: 4 }, /not both/);
  rejects(t, `${BASE}RANK = a\nSCHED_RANK = b`, { attribute: 'RANK', line: 3 }, /not both/);
  rejects(t, `${BASE}SCHED_REQUIREMENTS = [ A = 1 ]`, { attribute: 'SCHED_REQUIREMENTS', line: 3 }, /single value/);
});

t.test('unknown attributes are kept in extra, in order, repeats included', async (t) => {
  const v = vm(`LABELS = web\n${BASE}FEATURES = [ ACPI = yes ]\nPCI = [ VENDOR = 10de ]\nPCI = [ VENDOR = 8086 ]`);
  t.strictSame(v.extra, [
    { name: 'LABELS', value: 'web', line: 1 },
    { name: 'FEATURES', value: { ACPI: 'yes' }, line: 4 },
    { name: 'PCI', value: { VENDOR: '10de' }, line: 5 },
    { name: 'PCI', value: { VENDOR: '8086' }, line: 6 },
  ]);
});

t.test('a template built in code has no line to report', async (t) => {
  const tpl = createTemplate([
    { name: 'cpu', value: '1' },
    { name: 'memory', value: 'lots' },
  ]);
  let caught: unknown;
  try {
    vmTemplate(tpl);
  } catch (err) {
    caught = err;
  }
  t.ok(caught instanceof NepheleError);
  t.strictSame((caught as NepheleError).details, { attribute: 'MEMORY' }, 'no line 0 in details');
});

import t from 'tap';
import { parseTemplate, renderTemplate, vmTemplate } from '../../src/templates/index.js';
import { handWritten, kernelBoot, onevmShow, sunstoneKvm } from './samples.js';

t.test('a Sunstone KVM template parses unchanged, CONTEXT variables and all', async (t) => {
  const tpl = parseTemplate(sunstoneKvm);
  t.strictSame(
    tpl.attributes.map((a) => a.name),
    [
      'CONTEXT',
      'CPU',
      'VCPU',
      'MEMORY',
      'DISK',
      'DISK',
      'DISK',
      'NIC',
      'NIC',
      'GRAPHICS',
      'OS',
      'RAW',
      'SCHED_REQUIREMENTS',
      'SCHED_RANK',
      'SCHED_DS_REQUIREMENTS',
      'FEATURES',
      'INPUTS_ORDER',
      'LOGO',
      'MEMORY_UNIT_COST',
      'USER_INPUTS',
      'HYPERVISOR',
    ],
  );
  t.strictSame(tpl.getVector('CONTEXT'), {
    NETWORK: 'YES',
    SSH_PUBLIC_KEY: '$USER[SSH_PUBLIC_KEY]',
    ETH0_IP: '$NIC[IP, NETWORK="Private LAN"]',
    ETH0_GATEWAY: '$NETWORK[GATEWAY, NETWORK="Private LAN"]',
    HOSTNAME: '$NAME-$VMID',
    FILES_DS: '$FILE[IMAGE_ID=12] $FILE[IMAGE="init.sh", IMAGE_UNAME="oneadmin"]',
    START_SCRIPT: '#!/bin/sh\nprintf \'a\\tb\\n\' > /tmp/tab\necho "booted # not a comment" > /var/log/first-boot\n',
    USERNAME: 'root',
  });
  t.equal(tpl.getString('SCHED_REQUIREMENTS'), 'HYPERVISOR="kvm" & FREE_CPU > 50');
  t.strictSame(tpl.getVector('RAW'), { TYPE: 'kvm', DATA: "<cpu mode='host-passthrough'/>" });
  t.strictSame(tpl.getVector('GRAPHICS'), { TYPE: 'vnc', LISTEN: '0.0.0.0', KEYMAP: 'en-us', RANDOM_PASSWD: 'YES' });
  t.strictSame(tpl.getVector('OS'), { ARCH: 'x86_64', BOOT: 'disk0', MACHINE: 'q35', FIRMWARE: '' });
  t.equal(tpl.attributes.find((a) => a.name === 'CPU')?.line, 13, 'lines count the ones inside quotes');
  t.strictSame(tpl.getAll('DISK')[2], { TYPE: 'fs', SIZE: '4096', FORMAT: 'qcow2' });

  const vm = vmTemplate(tpl);
  t.equal(vm.cpu, 0.5);
  t.equal(vm.vcpu, 2);
  t.equal(vm.memory, 1024);
  t.strictSame(
    vm.disks.map((d) => [d.type, d.size]),
    [
      ['disk', 20480],
      ['swap', 1024],
      ['fs', 4096],
    ],
  );
  t.strictSame(vm.disks[0]?.extra, { IMAGE_UNAME: 'oneadmin', DEV_PREFIX: 'vd' });
  t.strictSame(vm.nics[0], { network: 'Private LAN', model: 'virtio', extra: { NETWORK_UNAME: 'oneadmin', SECURITY_GROUPS: '0' } });
  t.strictSame(vm.nics[1], { networkId: 3, ip: '192.168.150.10', mac: '02:00:c0:a8:96:0a', extra: {} });
  t.strictSame(vm.os, { arch: 'x86_64', boot: 'disk0', extra: { MACHINE: 'q35', FIRMWARE: '' } });
  t.equal(vm.context, tpl.getVector('CONTEXT'), 'CONTEXT is kept as written');
  t.equal(vm.requirements, 'HYPERVISOR="kvm" & FREE_CPU > 50');
  t.equal(vm.rank, 'FREE_CPU');
  t.strictSame(
    vm.extra.map((a) => a.name),
    ['SCHED_DS_REQUIREMENTS', 'FEATURES', 'INPUTS_ORDER', 'LOGO', 'MEMORY_UNIT_COST', 'USER_INPUTS', 'HYPERVISOR'],
  );
});

t.test("the hand-written style of OpenNebula's docs", async (t) => {
  const tpl = parseTemplate(handWritten);
  t.strictSame(
    tpl.attributes.map((a) => [a.name, a.value, a.line]),
    [
      ['NAME', 'test-vm', 3],
      ['MEMORY', '128', 4],
      ['CPU', '1', 5],
      ['DISK', { IMAGE_ID: '2' }, 10],
      ['DISK', { TYPE: 'swap', SIZE: '1024' }, 13],
      ['NIC', { NETWORK_ID: '1' }, 18],
      ['GRAPHICS', { TYPE: 'vnc', LISTEN: '0.0.0.0', PORT: '5' }, 22],
    ],
  );
  const vm = vmTemplate(tpl);
  t.strictSame([vm.name, vm.cpu, vm.vcpu, vm.memory], ['test-vm', 1, 1, 128]);
  t.strictSame(vm.disks, [
    { type: 'disk', imageId: 2, readonly: false, save: false, extra: {} },
    { type: 'swap', size: 1024, readonly: false, save: false, extra: {} },
  ]);
  t.strictSame(vm.nics, [{ networkId: 1, extra: {} }]);
});

t.test('lower-case names, tabs, CRLF and a kernel boot', async (t) => {
  const vm = vmTemplate(parseTemplate(kernelBoot));
  t.equal(vm.name, 'kernel boot');
  t.strictSame(vm.os, {
    kernel: '/var/lib/one/kernels/vmlinuz',
    initrd: '/var/lib/one/kernels/initrd.img',
    root: 'vda',
    kernelCmd: 'console=ttyS0 quiet',
    extra: {},
  });
  t.strictSame(vm.disks, [
    {
      type: 'disk',
      source: '/var/lib/images/test.raw',
      format: 'raw',
      target: 'vda',
      bus: 'virtio',
      readonly: false,
      clone: false,
      save: true,
      extra: {},
    },
    { type: 'cdrom', image: 'context-iso', readonly: true, save: false, extra: {} },
  ]);
  t.strictSame(vm.nics, [{ model: 'virtio', extra: { NETWORK_MODE: 'auto' } }]);
  t.strictSame(vm.context, { NETWORK: 'YES', SSH_PUBLIC_KEY: '$USER[SSH_PUBLIC_KEY]', SET_HOSTNAME: '$NAME' });
  t.equal(vm.requirements, 'CLUSTER_ID = 100', 'the older REQUIREMENTS name');
  t.equal(vm.rank, '- RUNNING_VMS', 'the older RANK name');
});

t.test('`onevm show` output parses; as an instantiated VM it is not a template to deploy', async (t) => {
  const tpl = parseTemplate(onevmShow);
  t.equal(tpl.getString('AUTOMATIC_DS_REQUIREMENTS'), '("CLUSTERS/ID" @> 0)');
  t.equal(tpl.getVector('DISK')?.['SOURCE'], '/var/lib/one//datastores/1/f0a8f6c4');
  t.equal(tpl.getVector('CONTEXT')?.['ETH0_MAC'], '02:00:ac:10:64:02');
  // The running VM's DISK carries OpenNebula's internal TYPE="FILE" and the resolved SOURCE next to IMAGE_ID.
  t.throws(() => vmTemplate(tpl), { code: 'INVALID_TEMPLATE', details: { attribute: 'DISK/TYPE', index: 0 } });
});

t.test('every sample renders to text that parses back to the same attributes', async (t) => {
  for (const [name, text] of Object.entries({ sunstoneKvm, handWritten, kernelBoot, onevmShow })) {
    const tpl = parseTemplate(text);
    const again = parseTemplate(renderTemplate(tpl));
    t.strictSame(
      again.attributes.map(({ name, value }) => ({ name, value })),
      tpl.attributes.map(({ name, value }) => ({ name, value })),
      name,
    );
  }
});

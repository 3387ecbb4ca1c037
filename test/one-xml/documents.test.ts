import { XMLParser } from 'fast-xml-parser';
import t from 'tap';
import type { HostView } from '../../src/hosts/host-view.js';
import type { ImageView } from '../../src/images/image-view.js';
import type { VnetView } from '../../src/networks/network-view.js';
import type { GroupView, UserView } from '../../src/users/user-record.js';
import type { TemplateView } from '../../src/vms/template-view.js';
import type { HistoryRecord, VmView } from '../../src/vms/vm-record.js';
import { VM_STATE_NAMES, shortState, type VmState } from '../../src/vms/vm-states.js';
import {
  accountingXml,
  aclPoolXml,
  clusterPoolXml,
  clusterXml,
  datastorePoolXml,
  datastoreXml,
  groupPoolXml,
  groupXml,
  hostMonitoringXml,
  hostPoolXml,
  hostXml,
  imagePoolXml,
  imageXml,
  latestHostSamples,
  nepheleDatastores,
  oneXmlContext,
  permissionBits,
  templatePoolXml,
  templateXml,
  userPoolXml,
  userXml,
  VM_STATE_CODES,
  vmMonitoringXml,
  vmPoolXml,
  vmXml,
  vnetPoolXml,
  vnetXml,
  zonePoolXml,
} from '../../src/api/one-xml/index.js';
import { validates } from '../fixtures/one-xsd.js';
import { initialUserTemplate } from '../../src/vms/vm-user-template.js';

/** As OpenNebula's Ruby clients read it: an element once is a value, twice an array; CDATA and entities as text. */
const REPEATED = new Set(['HISTORY', 'DISK', 'NIC', 'AR', 'LEASE']);
const ID_LISTS = new Set(['VMS', 'CLUSTERS', 'HOSTS', 'DATASTORES', 'VNETS', 'IMAGES', 'CLONES', 'GROUPS', 'USERS', 'ADMINS']);
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  trimValues: false,
  isArray: (name, path) => {
    const parts = String(path).split('.');
    if (name === 'ID') return ID_LISTS.has(parts[parts.length - 2] ?? '');
    // A pool's items, whatever their name: the children of a *_POOL, MONITORING_DATA or HISTORY_RECORDS root.
    if (parts.length === 2 && /_POOL$|^MONITORING_DATA$|^HISTORY_RECORDS$/.test(parts[0] ?? '')) return true;
    return REPEATED.has(name) && parts.length > 1;
  },
});
// biome-ignore lint/suspicious/noExplicitAny: a parsed document is read by path in assertions
const parse = (xml: string): any => parser.parse(xml);

const NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

const ctx = oneXmlContext({
  now: NOW,
  groups: [
    { id: 0, name: 'oneadmin', users: [0] },
    { id: 1, name: 'users', users: [2, 3] },
  ],
  hosts: [
    { id: 0, name: 'node0', im: 'dummy', vm: 'dummy', tm: 'shared' },
    { id: 1, name: 'node1', im: 'qemu', vm: 'qemu', tm: 'ssh' },
  ],
});

function vm(over: Partial<VmView> & { state: VmState }): VmView {
  const template = over.template ?? 'NAME = web\nCPU = 0.5\nMEMORY = 256\n';
  return {
    // As a real view: what the template left to the user (vm-user-template.ts).
    userTemplate: initialUserTemplate(template),
    id: 7,
    name: 'web',
    uid: 2,
    gid: 1,
    user: 'alice',
    group: 'users',
    permissions: 0o600,
    short: shortState(over.state),
    cpu: 0.5,
    vcpu: 1,
    memory: 256,
    hostId: undefined,
    host: undefined,
    history: [],
    stime: NOW - 60_000,
    etime: undefined,
    template: 'NAME = web\nCPU = 0.5\nMEMORY = 256\n',
    pending: undefined,
    lastError: undefined,
    schedMessage: undefined,
    nics: [],
    context: undefined,
    disks: [],
    ...over,
  } as VmView;
}

t.test('every Nephele VM state: OpenNebula numbers, and a valid VM and VM_POOL', async (t) => {
  const running = new Set(['PROLOG', 'BOOT', 'RUNNING', 'MIGRATE', 'SHUTDOWN', 'UNKNOWN']);
  const views = VM_STATE_NAMES.map((state, i) => {
    const onHost = state !== 'PENDING' && state !== 'HOLD' && state !== 'STOPPED' && state !== 'UNDEPLOYED' && state !== 'DONE';
    return vm({
      id: i,
      state,
      hostId: onHost ? 0 : undefined,
      host: onHost ? 'node0' : undefined,
      history: onHost
        ? [
            {
              seq: 0,
              hostId: 0,
              stime: NOW - 50_000,
              etime: undefined,
              rstime: running.has(state) ? NOW - 40_000 : undefined,
              reason: undefined,
            },
          ]
        : [],
      etime: state === 'DONE' ? NOW : undefined,
    });
  });
  const pool = vmPoolXml(views, ctx);
  validates(t, pool, 'vm_pool');
  const parsed = parse(pool).VM_POOL.VM;
  t.equal(parsed.length, VM_STATE_NAMES.length);
  for (const [i, state] of VM_STATE_NAMES.entries()) {
    const [s, l] = VM_STATE_CODES[state];
    t.equal(parsed[i].STATE, String(s), `${state} STATE`);
    t.equal(parsed[i].LCM_STATE, String(l), `${state} LCM_STATE`);
    const one = vmXml(views[i] as VmView, ctx);
    validates(t, one, 'vm', `vm-${state}`);
  }
  // Spot checks against OpenNebula's own tables (virtual_machine.rb).
  const codes = (s: VmState) => VM_STATE_CODES[s].join('/');
  t.equal(codes('PENDING'), '1/0');
  t.equal(codes('HOLD'), '2/0');
  t.equal(codes('RUNNING'), '3/3');
  t.equal(codes('POWEROFF'), '8/0');
  t.equal(codes('DONE'), '6/0');
  t.equal(codes('UNDEPLOYED'), '9/0');
  t.equal(codes('SHUTDOWN_POWEROFF'), '3/18');
  t.equal(codes('PROLOG_UNDEPLOY_FAILURE'), '3/50');
  t.equal(codes('BOOT_UNDEPLOY'), '3/32');
});

t.test('a VM with NICs, disks, context, history and user attributes', async (t) => {
  const view = vm({
    state: 'RUNNING',
    hostId: 1,
    host: 'node1',
    template: [
      'NAME = web',
      'CPU = 0.5',
      'MEMORY = 256',
      'DISK = [ IMAGE = "debian" ]',
      'DISK = [ TYPE = swap, SIZE = 512 ]',
      'NIC = [ NETWORK = "Private LAN", MODEL = virtio ]',
      'GRAPHICS = [ TYPE = vnc, LISTEN = "0.0.0.0" ]',
      'OS = [ ARCH = x86_64 ]',
      'SCHED_REQUIREMENTS = "HYPERVISOR = \\"qemu\\""',
      'DESCRIPTION = "a <b> & ]]> c"',
      'ip_private = \'$NIC[IP, NETWORK="Private LAN"]\'',
      'CONTEXT = [ NETWORK = YES ]',
    ].join('\n'),
    disks: [
      {
        diskId: 0,
        type: 'disk',
        action: 'clone',
        source: '/var/ds/1/abc',
        imageId: 3,
        image: 'debian',
        format: 'qcow2',
        readonly: false,
        target: 'vda',
      },
      { diskId: 1, type: 'disk', action: 'swap', format: 'raw', sizeMb: 512, readonly: false },
    ],
    nics: [
      {
        nicId: 0,
        networkId: 4,
        network: 'Private LAN',
        bridge: 'br0',
        ip: '192.168.0.2',
        mac: '02:00:c0:a8:00:02',
        attributes: { GATEWAY: '192.168.0.1' },
        model: 'virtio',
      },
    ],
    context: { NETWORK: 'YES', ETH0_IP: '192.168.0.2', IP_PRIVATE: '192.168.0.2' },
    history: [
      { seq: 0, hostId: 0, stime: NOW - 50_000, etime: NOW - 30_000, rstime: NOW - 45_000, reason: 'migrate' },
      { seq: 1, hostId: 1, stime: NOW - 30_000, etime: undefined, rstime: NOW - 29_000, reason: undefined },
    ],
    lastError: 'disk <full>',
  });
  const xml = vmXml(view, ctx);
  validates(t, xml, 'vm');
  const d = parse(xml).VM;
  t.equal(d.ID, '7');
  t.equal(d.UID, '2');
  t.equal(d.GID, '1');
  t.equal(d.UNAME, 'alice');
  t.equal(d.GNAME, 'users');
  t.equal(d.STATE, '3');
  t.equal(d.LCM_STATE, '3');
  t.equal(d.STIME, String(Math.floor((NOW - 60_000) / 1000)));
  t.equal(d.ETIME, '0');
  t.same(
    [d.PERMISSIONS.OWNER_U, d.PERMISSIONS.OWNER_M, d.PERMISSIONS.OWNER_A, d.PERMISSIONS.GROUP_U, d.PERMISSIONS.OTHER_U],
    ['1', '1', '0', '0', '0'],
  );
  t.equal(d.TEMPLATE.CPU, '0.5');
  t.equal(d.TEMPLATE.MEMORY, '256');
  t.equal(d.TEMPLATE.VMID, '7');
  t.equal(d.TEMPLATE.TM_MAD_SYSTEM, 'ssh');
  t.equal(d.TEMPLATE.DISK.length, 2);
  t.equal(d.TEMPLATE.DISK[0].IMAGE_ID, '3');
  t.equal(d.TEMPLATE.DISK[0].SOURCE, '/var/ds/1/abc');
  t.equal(d.TEMPLATE.DISK[0].CLONE, 'YES');
  t.equal(d.TEMPLATE.DISK[1].TYPE, 'swap');
  t.equal(d.TEMPLATE.DISK[1].SIZE, '512');
  t.equal(d.TEMPLATE.NIC[0].IP, '192.168.0.2');
  t.equal(d.TEMPLATE.NIC[0].MAC, '02:00:c0:a8:00:02');
  t.equal(d.TEMPLATE.NIC[0].NETWORK, 'Private LAN');
  t.equal(d.TEMPLATE.NIC[0].NIC_ID, '0');
  t.equal(d.TEMPLATE.NIC[0].BRIDGE, 'br0');
  t.equal(d.TEMPLATE.NIC[0].TARGET, 'one-7-0');
  t.equal(d.TEMPLATE.NIC[0].GATEWAY, '192.168.0.1');
  t.equal(d.TEMPLATE.CONTEXT.ETH0_IP, '192.168.0.2');
  t.equal(d.TEMPLATE.CONTEXT.DISK_ID, '2', 'the context CD after the disks');
  t.equal(d.TEMPLATE.GRAPHICS.TYPE, 'vnc');
  t.equal(d.TEMPLATE.OS.ARCH, 'x86_64');
  t.notOk('NAME' in d.TEMPLATE, 'NAME is the VM element, not a template attribute');
  t.equal(d.USER_TEMPLATE.DESCRIPTION, 'a <b> & ]]> c', 'markup and ]]> round-trip through CDATA');
  t.equal(d.USER_TEMPLATE.IP_PRIVATE, '$NIC[IP, NETWORK="Private LAN"]');
  t.equal(d.USER_TEMPLATE.SCHED_REQUIREMENTS, 'HYPERVISOR = "qemu"');
  t.equal(d.USER_TEMPLATE.ERROR, 'disk <full>');
  const h = d.HISTORY_RECORDS.HISTORY;
  t.equal(h.length, 2, 'one.vm.info carries every stay');
  t.equal(h[0].HOSTNAME, 'node0');
  t.equal(h[0].ACTION, '1', 'a migration ended the first stay');
  t.equal(h[0].ETIME, String(Math.floor((NOW - 30_000) / 1000)));
  t.equal(h[1].HOSTNAME, 'node1');
  t.equal(h[1].VM_MAD, 'qemu');
  t.equal(h[1].TM_MAD, 'ssh');
  t.equal(h[1].ETIME, '0');
  t.equal(h[1].RSTIME, String(Math.floor((NOW - 29_000) / 1000)));

  const short = vmPoolXml([view], ctx);
  validates(t, short, 'vm_pool', 'vm_pool-short');
  const s = parse(short).VM_POOL.VM[0];
  t.equal(s.HISTORY_RECORDS.HISTORY.length, 1, 'the short form keeps the last stay only');
  t.equal(s.HISTORY_RECORDS.HISTORY[0].HOSTNAME, 'node1');
  t.equal(s.TEMPLATE.NIC[0].IP, '192.168.0.2');
  t.equal(s.USER_TEMPLATE.SCHED_REQUIREMENTS, 'HYPERVISOR = "qemu"');
  t.equal(s.USER_TEMPLATE.ERROR, 'disk <full>');
  t.notOk('DESCRIPTION' in s.USER_TEMPLATE, "the short form keeps only OpenNebula's few USER_TEMPLATE attributes");

  const extended = vmPoolXml([view, vm({ state: 'PENDING', id: 8 })], ctx, { extended: true });
  t.equal(
    extended,
    `<VM_POOL>${vmXml(view, ctx)}${vmXml(vm({ state: 'PENDING', id: 8 }), ctx)}</VM_POOL>`,
    'the extended form is each VM as one.vm.info',
  );

  const acct = accountingXml([{ vm: view, records: view.history }], ctx);
  validates(t, acct, 'acct');
  const a = parse(acct).HISTORY_RECORDS.HISTORY;
  t.equal(a.length, 2);
  t.equal(a[0].VM.NAME, 'web');
  t.equal(a[1].SEQ, '1');
  const renamed = accountingXml([{ vm: view, records: [{ ...(view.history[0] as HistoryRecord), host: 'old-name' }] }], ctx);
  t.equal(parse(renamed).HISTORY_RECORDS.HISTORY[0].HOSTNAME, 'old-name', 'the host name the API gives a record wins');

  const mon = vmMonitoringXml(
    [
      { id: 9, samples: [{ timestamp: NOW, hostId: 1, cpu: 12.345, memory: 1024 }] },
      {
        id: 7,
        samples: [
          { timestamp: NOW - 5000, hostId: 1, cpu: 0, memory: 2048.4 },
          { timestamp: NOW - 9000, hostId: 1, cpu: 200, memory: 0 },
        ],
      },
    ],
    ctx,
  );
  validates(t, mon, 'monitoring_data', 'vm monitoring');
  const m = parse(mon).MONITORING_DATA.MONITORING;
  t.same(
    m.map((x: { ID: string; TIMESTAMP: string }) => [x.ID, x.TIMESTAMP]),
    [
      ['7', String(Math.floor((NOW - 9000) / 1000))],
      ['7', String(Math.floor((NOW - 5000) / 1000))],
      ['9', String(Math.floor(NOW / 1000))],
    ],
    'by VM, oldest first',
  );
  t.equal(m[2].CPU, '12.35');
  t.equal(m[1].MEMORY, '2048');
});

t.test('empty pools and monitoring', async (t) => {
  validates(t, vmPoolXml([], ctx), 'vm_pool', 'empty vm_pool');
  t.equal(vmPoolXml([], ctx), '<VM_POOL/>');
  validates(t, hostPoolXml([], ctx), 'host_pool', 'empty host_pool');
  validates(t, vnetPoolXml([], ctx), 'vnet_pool', 'empty vnet_pool');
  validates(t, imagePoolXml([], ctx), 'image_pool', 'empty image_pool');
  validates(t, templatePoolXml([], ctx), 'vmtemplate_pool', 'empty vmtemplate_pool');
  validates(t, userPoolXml([], ctx), 'user_pool', 'empty user_pool');
  validates(t, groupPoolXml([], ctx), 'group_pool', 'empty group_pool');
  validates(t, accountingXml([], ctx), 'acct', 'empty acct');
  validates(t, vmMonitoringXml([], ctx), 'monitoring_data', 'empty vm monitoring');
  t.equal(hostMonitoringXml([], ctx), '<MONITORING_DATA/>');
  const ds = nepheleDatastores({ images: [] });
  validates(t, datastorePoolXml(ds, ctx), 'datastore_pool');
  validates(t, clusterPoolXml({ hosts: [], vnets: [], datastores: [0, 1] }, ctx), 'cluster_pool', 'empty cluster');
});

const host: HostView = {
  id: 1,
  name: 'node1',
  state: 'MONITORED',
  im: 'qemu',
  vm: 'qemu',
  cluster: 'default',
  rvm: 1,
  vms: [7, 9],
  allocatedCpu: 50,
  allocatedMem: 262_144,
  monitoring: {
    HOSTNAME: 'node1.lan',
    ARCH: 'x86_64',
    CPU_MODEL: 'Test & CPU',
    HYPERVISOR: 'qemu',
    TOTALCPU: 400,
    USEDCPU: 37.5,
    FREECPU: 362.5,
    TOTALMEMORY: 8_000_000,
    USEDMEMORY: 1_000_000,
    FREEMEMORY: 7_000_000,
    RUNNING_VMS: 1,
    TIMESTAMP: NOW,
  },
  capabilities: {
    hypervisors: ['qemu'],
    hypervisor: 'qemu',
    arch: 'x86_64',
    cpus: 4,
    memoryKb: 8_000_000,
    hostname: 'node1.lan',
    version: '1.2.3',
  },
  lastMonitored: NOW,
  error: undefined,
  agentIncarnation: 'x',
  attributes: { RACK: 'r1' },
  tm: 'ssh',
  ssh: undefined,
  fenced: undefined,
  deploy: undefined,
};

t.test('a host in every state, and its monitoring', async (t) => {
  const states = { INIT: 0, MONITORED: 2, ERROR: 3, DISABLED: 4, OFFLINE: 8 } as const;
  for (const [state, code] of Object.entries(states)) {
    const xml = hostXml({ ...host, state: state as HostView['state'] }, ctx);
    validates(t, xml, 'host', `host-${state}`);
    t.equal(parse(xml).HOST.STATE, String(code), `${state} is ${code}`);
  }
  const d = parse(hostXml(host, ctx)).HOST;
  t.equal(d.NAME, 'node1');
  t.equal(d.IM_MAD, 'qemu');
  t.equal(d.CLUSTER_ID, '0');
  t.equal(d.HOST_SHARE.TOTAL_CPU, '400');
  t.equal(d.HOST_SHARE.TOTAL_MEM, '8000000');
  t.equal(d.HOST_SHARE.CPU_USAGE, '50');
  t.equal(d.HOST_SHARE.MEM_USAGE, '262144');
  t.equal(d.HOST_SHARE.RUNNING_VMS, '1');
  t.same(d.VMS.ID, ['7', '9']);
  t.equal(d.TEMPLATE.RACK, 'r1');
  t.equal(d.TEMPLATE.MODELNAME, 'Test & CPU');
  t.equal(d.MONITORING.CAPACITY.USED_CPU, '38');
  t.equal(d.MONITORING.TIMESTAMP, String(Math.floor(NOW / 1000)));
  const never = hostXml({ ...host, state: 'INIT', monitoring: undefined, capabilities: undefined, error: 'no agent' }, ctx);
  validates(t, never, 'host', 'host never monitored');
  t.equal(parse(never).HOST.HOST_SHARE.TOTAL_CPU, '0');
  t.equal(parse(never).HOST.TEMPLATE.ERROR, 'no agent');
  validates(t, hostPoolXml([host, { ...host, id: 2, name: 'node2', monitoring: undefined }], ctx), 'host_pool');

  // MONITORING_DATA of a host holds the host's MONITORING shape: each checked inside a HOST against host.xsd.
  const mon = hostMonitoringXml(
    [
      ...latestHostSamples([host]),
      { hostId: 1, timestamp: NOW - 10_000, usedCpu: 1, freeCpu: 399, usedMemory: 2, freeMemory: 3, netrx: 10, nettx: 20 },
    ],
    ctx,
  );
  const samples = parse(mon).MONITORING_DATA.MONITORING;
  t.equal(samples.length, 2);
  t.equal(samples[0].TIMESTAMP, String(Math.floor((NOW - 10_000) / 1000)), 'oldest first');
  for (const m of mon.match(/<MONITORING>.*?<\/MONITORING>/g) ?? []) {
    validates(t, hostXml(host, ctx).replace(/<MONITORING>.*<\/MONITORING>/, m), 'host', 'host monitoring sample');
  }
});

// `as`: the view gains its bits with chmod (as `permissions`); the literal compiles before and after.
const vnet = {
  id: 4,
  name: 'Private LAN',
  uid: 0,
  gid: 0,
  permissions: 0o604,
  user: 'oneadmin',
  group: 'oneadmin',
  bridge: 'br0',
  vlanId: 12,
  attributes: { GATEWAY: '192.168.0.1', NETWORK_MASK: '255.255.255.0' },
  ranges: [
    { arId: 0, type: 'IP4', ip: '192.168.0.2', ipEnd: '192.168.0.11', mac: '02:00:c0:a8:00:02', size: 10, used: 2, attributes: {} },
    { arId: 1, type: 'ETHER', ip: undefined, ipEnd: undefined, mac: undefined, size: 5, used: 0, attributes: {} },
  ],
  leases: [
    { arId: 0, ip: '192.168.0.2', mac: '02:00:c0:a8:00:02', vmId: 7, nicId: 0 },
    { arId: 0, ip: '192.168.0.3', mac: '02:00:c0:a8:00:03', vmId: undefined, nicId: undefined },
  ],
  size: 15,
  used: 2,
  template: 'NAME = "Private LAN"',
  regtime: NOW,
} as VnetView;

t.test('a network with ranges and leases', async (t) => {
  const xml = vnetXml(vnet, ctx);
  validates(t, xml, 'vnet');
  const d = parse(xml).VNET;
  t.equal(d.VN_MAD, 'bridge');
  t.equal(d.VLAN_ID, '12');
  t.equal(d.PHYDEV, '');
  t.equal(d.USED_LEASES, '2');
  t.equal(d.STATE, '1');
  t.same(d.CLUSTERS.ID, ['0']);
  t.equal(d.PERMISSIONS.OTHER_U, '1', "an administrator's network is public");
  t.equal(d.AR_POOL.AR[0].MAC_END, '02:00:c0:a8:00:0b');
  t.equal(d.AR_POOL.AR[0].IP_END, '192.168.0.11');
  t.same(
    d.AR_POOL.AR[0].LEASES.LEASE.map((l: { IP: string; VM: string }) => [l.IP, l.VM]),
    [
      ['192.168.0.2', '7'],
      ['192.168.0.3', '-1'],
    ],
    'a hold is VM -1',
  );
  t.equal(d.AR_POOL.AR[1].MAC, '');
  t.equal(d.TEMPLATE.GATEWAY, '192.168.0.1');
  const own = vnetXml({ ...vnet, uid: 2, gid: 1, permissions: 0o640, user: 'alice', group: 'users', vlanId: undefined }, ctx);
  validates(t, own, 'vnet', 'vnet without VLAN');
  t.equal(parse(own).VNET.VLAN_ID, '', 'VLAN_ID is there, empty');
  const bits = parse(own).VNET.PERMISSIONS;
  t.same([bits.OWNER_U, bits.OWNER_M, bits.GROUP_U, bits.GROUP_M, bits.OTHER_U], ['1', '1', '1', '0', '0'], "the view's own bits");
  validates(t, vnetPoolXml([vnet, { ...vnet, id: 5, ranges: [], leases: [] }], ctx), 'vnet_pool');
  t.ok(parse(vnetPoolXml([vnet], ctx)).VNET_POOL.VNET[0].OUTDATED_VMS !== undefined);
});

t.test("permissions by Nephele's rule where a view carries no bits", async (t) => {
  t.equal(permissionBits('vnet', { uid: 2, gid: 1 }), 0o600, 'a user network is private');
  t.equal(permissionBits('vnet', { uid: 2, gid: 0 }), 0o604, 'one made in group oneadmin is public');
  t.equal(permissionBits('image', { uid: 0, gid: 1 }), 0o604, "oneadmin's image is public");
  t.equal(permissionBits('vm', { uid: 2 }), 0o600);
  t.equal(permissionBits('template', { uid: 0 }), 0o600);
  t.equal(permissionBits('datastore', { uid: 0 }), 0o604);
  t.equal(permissionBits('vm', { uid: 2, permissions: 0o751 }), 0o751, 'bits the view carries win');
  t.equal(permissionBits('image', { uid: 2, permissions: { owner: 'uma', group: 'u--', other: '-m-' } }), 0o742);
});

t.test('users and groups', async (t) => {
  const users: UserView[] = [
    { id: 0, name: 'oneadmin', gid: 0, group: 'oneadmin', enabled: true, auth: 'core', tokens: 0, vms: 0, createdAt: 0, template: [] },
    { id: 2, name: 'alice', gid: 1, group: 'users', enabled: false, auth: 'core', tokens: 1, vms: 3, createdAt: NOW, template: [] },
  ];
  const u = userXml(users[1] as UserView, ctx);
  validates(t, u, 'user');
  const d = parse(u).USER;
  t.equal(d.NAME, 'alice');
  t.equal(d.ENABLED, '0');
  t.same(d.GROUPS.ID, ['1']);
  t.equal(d.AUTH_DRIVER, 'core');
  t.equal(d.PASSWORD, '', 'no hash leaves oned');
  for (const q of ['DATASTORE_QUOTA', 'NETWORK_QUOTA', 'VM_QUOTA', 'IMAGE_QUOTA']) t.ok(q in d, `${q} is there`);
  const pool = userPoolXml(users, ctx);
  validates(t, pool, 'user_pool');
  t.same(
    parse(pool).USER_POOL.QUOTAS.map((q: { ID: string }) => q.ID),
    ['0', '2'],
  );
  const groups: GroupView[] = [
    { id: 0, name: 'oneadmin', users: [0] },
    { id: 1, name: 'users', users: [3, 2] },
  ];
  const g = groupXml(groups[1] as GroupView, ctx);
  validates(t, g, 'group');
  t.same(parse(g).GROUP.USERS.ID, ['2', '3']);
  validates(t, groupPoolXml(groups, ctx), 'group_pool');
});

t.test('images in every state and type', async (t) => {
  const base: ImageView = {
    id: 3,
    name: 'debian',
    uid: 2,
    gid: 1,
    type: 'OS',
    persistent: false,
    state: 'READY',
    format: 'qcow2',
    sizeMb: 2048,
    source: '/var/ds/1/abc',
    runningVms: [],
    regtime: NOW,
    description: 'Debian',
    template: [
      { name: 'DESCRIPTION', value: 'Debian' },
      { name: 'LABELS', value: { A: '1' } },
    ],
    user: 'alice',
    group: 'users',
    datastore: 'default',
    datastoreId: 1,
    permissions: 0o600,
  };
  const cases: [Partial<ImageView>, number, number][] = [
    [{ state: 'READY' }, 1, 0],
    [{ state: 'USED', runningVms: [7, 8] }, 2, 0],
    [{ state: 'USED', persistent: true, runningVms: [7] }, 8, 0],
    [{ state: 'DISABLED' }, 3, 0],
    [{ state: 'LOCKED', type: 'CDROM' }, 4, 1],
    [{ state: 'ERROR', type: 'DATABLOCK', error: 'bad & broken' }, 5, 2],
    [{ type: 'KERNEL' }, 1, 3],
    [{ type: 'RAMDISK' }, 1, 4],
    [{ type: 'CONTEXT', cloningId: 2, clones: [9] }, 1, 5],
  ];
  for (const [over, state, type] of cases) {
    const xml = imageXml({ ...base, ...over }, ctx);
    validates(t, xml, 'image', `image ${JSON.stringify(over)}`);
    const d = parse(xml).IMAGE;
    t.equal(d.STATE, String(state));
    t.equal(d.TYPE, String(type));
    t.equal(d.RUNNING_VMS, String(over.runningVms?.length ?? 0));
  }
  const d = parse(imageXml({ ...base, persistent: true, state: 'ERROR', error: 'x', cloningId: 2, clones: [9] }, ctx)).IMAGE;
  t.equal(d.PERSISTENT, '1');
  t.equal(d.SIZE, '2048');
  t.equal(d.DATASTORE_ID, '1');
  t.equal(d.CLONING_ID, '2');
  t.same(d.CLONES.ID, ['9']);
  t.equal(d.TEMPLATE.ERROR, 'x');
  t.equal(d.TEMPLATE.LABELS.A, '1');
  t.equal(d.PERMISSIONS.OWNER_M, '1');
  t.equal(d.PERMISSIONS.OTHER_U, '0');
  validates(t, imagePoolXml([base, { ...base, id: 4 }], ctx), 'image_pool');
});

t.test('VM templates', async (t) => {
  const view = {
    id: 2,
    name: 'renamed',
    uid: 2,
    template: 'NAME = web\nCPU = 1\nDISK = [ IMAGE = debian ]\nDISK = [ IMAGE = data ]\n',
    regtime: NOW,
    user: 'alice',
    group: 'users',
  } as TemplateView;
  const xml = templateXml(view, ctx);
  validates(t, xml, 'vmtemplate');
  const d = parse(xml).VMTEMPLATE;
  t.equal(d.GID, '1', 'the GID of the group the view names');
  t.equal(d.TEMPLATE.NAME, 'renamed');
  t.equal(d.TEMPLATE.DISK.length, 2);
  t.equal(d.TEMPLATE.DISK[1].IMAGE, 'data');
  t.equal(d.REGTIME, String(Math.floor(NOW / 1000)));
  validates(t, templatePoolXml([view, { ...view, id: 3, template: '' }], ctx), 'vmtemplate_pool');
});

t.test('cluster, datastores, zone, ACLs', async (t) => {
  const c = { hosts: [1, 0], vnets: [4], datastores: [0, 1] };
  validates(t, clusterXml(c, ctx), 'cluster');
  const cl = parse(clusterXml(c, ctx)).CLUSTER;
  t.equal(cl.ID, '0');
  t.equal(cl.NAME, 'default');
  t.same(cl.HOSTS.ID, ['0', '1']);
  const ds = nepheleDatastores({
    images: [{ id: 3, datastoreId: 1 }],
    basePath: (id) => `/var/lib/nephele/datastores/${id}`,
    capacity: () => ({ totalMb: 100, freeMb: 60, usedMb: 40 }),
  });
  for (const d of ds) validates(t, datastoreXml(d, ctx), 'datastore', `datastore ${d.id}`);
  const p = parse(datastorePoolXml(ds, ctx)).DATASTORE_POOL.DATASTORE;
  t.same(
    p.map((d: { ID: string; NAME: string; TYPE: string }) => [d.ID, d.NAME, d.TYPE]),
    [
      ['0', 'system', '1'],
      ['1', 'default', '0'],
    ],
  );
  t.same(p[1].IMAGES.ID, ['3']);
  t.equal(p[1].FREE_MB, '60');
  const zones = zonePoolXml('http://127.0.0.1:2633/RPC2', ctx);
  validates(t, zones, 'zone_pool');
  t.equal(parse(zones).ZONE_POOL.ZONE[0].NAME, 'OpenNebula');
  const acl = aclPoolXml(ctx);
  validates(t, acl, 'acl_pool');
  const rules = parse(acl).ACL_POOL.ACL;
  t.equal(rules[0].STRING, '* VM+NET+IMAGE+TEMPLATE/* CREATE *');
  t.equal(rules[0].RESOURCE, '2d400000000');
  t.equal(rules[0].RIGHTS, '8');
});

import { XMLParser } from 'fast-xml-parser';
import t from 'tap';
import {
  clusterPoolXml,
  datastorePoolXml,
  groupPoolXml,
  groupXml,
  hostMonitoringXml,
  hostPoolXml,
  hostXml,
  imagePoolXml,
  latestHostSamples,
  nepheleDatastores,
  oneXmlContext,
  templatePoolXml,
  templateXml,
  userPoolXml,
  userXml,
  vmPoolXml,
  vmXml,
  vnetPoolXml,
  vnetXml,
} from '../../src/api/one-xml/index.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';
import { validates } from '../fixtures/one-xsd.js';

const parser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, htmlEntities: true });
// biome-ignore lint/suspicious/noExplicitAny: a parsed document is read by path in assertions
const parse = (xml: string): any => parser.parse(xml);

t.test("documents from a real oned's views: a dummy host, a network, a running VM", async (t) => {
  const cloud = await startCloud(t);
  const api = cloud.client;
  const { id: hostId } = await cloud.addHost('node1');
  await cloud.waitState(hostId, 'MONITORED');
  const { id: netId } = await api.call('vn.allocate', {
    template: 'NAME = "Private LAN"\nBRIDGE = br0\nAR = [ TYPE = IP4, IP = 10.0.0.10, SIZE = 4 ]\nGATEWAY = 10.0.0.1\n',
  });
  await api.call('vn.hold', { network: netId, ip: '10.0.0.13' });
  const vmTemplate = 'NAME = "web & <db>"\nCPU = 0.5\nMEMORY = 64\nNIC = [ NETWORK = "Private LAN" ]\nDESCRIPTION = "a ]]> b"\n';
  const { id: tmplId } = await api.call('template.allocate', { template: vmTemplate });
  const { id: vmId } = await api.call('vm.allocate', { template: vmTemplate, hold: false });
  await api.call('vm.action', { id: vmId, action: 'deploy', host: hostId });
  const vm = await eventually(
    () => api.call('vm.info', { id: vmId }),
    (v) => v.state === 'RUNNING',
    10_000,
    'VM RUNNING',
  );
  const host = await eventually(
    () => api.call('host.info', { host: hostId }),
    (h) => h.monitoring !== undefined && h.vms.includes(vmId),
    10_000,
    'host monitored with its VM',
  );
  const users = await api.call('userpool.info', {});
  const groups = await api.call('grouppool.info', {});
  const hosts = await api.call('hostpool.info', {});
  const ctx = oneXmlContext({ users, groups, hosts });

  const vmDoc = vmXml(vm, ctx);
  validates(t, vmDoc, 'vm');
  const d = parse(vmDoc).VM;
  t.equal(d.ID, String(vmId));
  t.equal(d.NAME, 'web & <db>');
  t.equal(d.UNAME, 'oneadmin');
  t.equal(d.GNAME, 'oneadmin');
  t.equal(d.GID, '0');
  t.equal(d.STATE, '3', 'ACTIVE');
  t.equal(d.LCM_STATE, '3', 'RUNNING');
  t.equal(d.TEMPLATE.CPU, '0.5');
  t.equal(d.TEMPLATE.MEMORY, '64');
  t.equal(d.TEMPLATE.NIC.NETWORK, 'Private LAN');
  t.equal(d.TEMPLATE.NIC.IP, '10.0.0.10', 'the first free address of the range');
  t.equal(d.USER_TEMPLATE.DESCRIPTION, 'a ]]> b');
  t.equal(d.HISTORY_RECORDS.HISTORY.HOSTNAME, 'node1');
  t.equal(d.HISTORY_RECORDS.HISTORY.VM_MAD, 'dummy');
  t.equal(d.HISTORY_RECORDS.HISTORY.HID, String(hostId));

  const vms = await api.call('vmpool.info', { all: false });
  const pool = vmPoolXml(vms, ctx);
  validates(t, pool, 'vm_pool');
  t.equal(parse(pool).VM_POOL.VM.HISTORY_RECORDS.HISTORY.HOSTNAME, 'node1');

  const hostDoc = hostXml(host, ctx);
  validates(t, hostDoc, 'host');
  const h = parse(hostDoc).HOST;
  t.equal(h.NAME, 'node1');
  t.equal(h.STATE, '2', 'MONITORED');
  t.equal(h.VM_MAD, 'dummy');
  t.equal(h.VMS.ID, String(vmId));
  t.ok(Number(h.HOST_SHARE.TOTAL_CPU) > 0, 'the agent reported its CPUs');
  t.equal(h.HOST_SHARE.CPU_USAGE, '50', 'half a CPU promised to the VM');
  t.equal(h.HOST_SHARE.MEM_USAGE, String(64 * 1024), 'KiB promised to the VM');
  validates(t, hostPoolXml(hosts, ctx), 'host_pool');
  const mon = hostMonitoringXml(latestHostSamples([host]), ctx);
  t.equal(parse(mon).MONITORING_DATA.MONITORING.ID, String(hostId));

  const net = await api.call('vn.info', { network: netId });
  const netDoc = vnetXml(net, ctx);
  validates(t, netDoc, 'vnet');
  const n = parse(netDoc).VNET;
  t.equal(n.USED_LEASES, '2', "the VM's lease and the hold");
  t.equal(n.AR_POOL.AR.IP, '10.0.0.10');
  t.equal(n.AR_POOL.AR.SIZE, '4');
  t.same(
    n.AR_POOL.AR.LEASES.LEASE.map((l: { IP: string; VM: string }) => [l.IP, l.VM]),
    [
      ['10.0.0.10', String(vmId)],
      ['10.0.0.13', '-1'],
    ],
  );
  t.equal(n.TEMPLATE.GATEWAY, '10.0.0.1');
  validates(t, vnetPoolXml(await api.call('vnpool.info', {}), ctx), 'vnet_pool');

  const tmpl = await api.call('template.info', { id: tmplId });
  const tmplDoc = templateXml(tmpl, ctx);
  validates(t, tmplDoc, 'vmtemplate');
  t.equal(parse(tmplDoc).VMTEMPLATE.TEMPLATE.NIC.NETWORK, 'Private LAN');
  validates(t, templatePoolXml(await api.call('templatepool.info', {}), ctx), 'vmtemplate_pool');

  const me = await api.call('user.info', {});
  const userDoc = userXml(me, ctx);
  validates(t, userDoc, 'user');
  t.equal(parse(userDoc).USER.NAME, 'oneadmin');
  validates(t, userPoolXml(users, ctx), 'user_pool');
  const oneadmin = groups.find((g) => g.id === 0);
  if (oneadmin === undefined) throw new Error('no group oneadmin');
  validates(t, groupXml(oneadmin, ctx), 'group');
  validates(t, groupPoolXml(groups, ctx), 'group_pool');

  const images = await api.call('imagepool.info', {});
  validates(t, imagePoolXml(images, ctx), 'image_pool');
  validates(t, datastorePoolXml(nepheleDatastores({ images }), ctx), 'datastore_pool');
  const cluster = clusterPoolXml({ hosts: hosts.map((x) => x.id), vnets: [netId], datastores: [0, 1] }, ctx);
  validates(t, cluster, 'cluster_pool');
  t.equal(parse(cluster).CLUSTER_POOL.CLUSTER.HOSTS.ID, String(hostId));
});

// The document methods through the door: each answers a document that validates against OpenNebula 6.10's
// schema, pools filter and page as OpenNebula's, and a user sees exactly what socket.io shows them.
import { XMLParser } from 'fast-xml-parser';
import t from 'tap';
import { readAuthFile } from '../../src/auth/auth-file.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';
import { XmlRpcClient } from '../fixtures/xmlrpc-client.js';
import { validates } from '../fixtures/one-xsd.js';

const POOLS = ['VM_POOL', 'VNET_POOL', 'IMAGE_POOL', 'VMTEMPLATE_POOL', 'USER_POOL', 'GROUP_POOL', 'HOST_POOL', 'MONITORING_DATA'];
/** Parsed, with a pool's items and every ID as arrays (one item is still a list). */
const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name, path) => {
    const parts = String(path).split('.');
    return name === 'ID' || (parts.length >= 2 && POOLS.includes(parts[parts.length - 2] as string));
  },
});
// biome-ignore lint/suspicious/noExplicitAny: a parsed document is read by path in assertions
const parse = (xml: string): any => parser.parse(xml);

const HOLD_VM = 'NAME = "x"\nCPU = 0.1\nMEMORY = 64\n';

t.test('every document method answers a valid document, filtered and paged as OpenNebula', async (t) => {
  const cloud = await startCloud(t);
  const { user, password } = await readAuthFile(cloud.oned.authFile);
  const admin = `${user}:${password}`;
  const rpc = new XmlRpcClient(cloud.oned.url, { keepAlive: true });
  t.teardown(() => rpc.close());
  /** The document of a call that must succeed. */
  const doc = async (method: string, session: string, ...params: (string | number | boolean)[]): Promise<string> => {
    const [ok, value, code] = await rpc.one(method, session, ...params);
    t.same([ok, code], [true, 0], `${method} answers`, { value });
    return value as string;
  };
  const codeOf = async (method: string, session: string, ...params: (string | number | boolean)[]): Promise<number> =>
    (await rpc.one(method, session, ...params))[2];
  const ids = (xml: string, root: string, item: string): number[] =>
    ((parse(xml)[root]?.[item] ?? []) as { ID: string[] }[]).map((x) => Number(x.ID[0]));

  const host = await cloud.addHost('node0');
  await cloud.waitState(host.id, 'MONITORED');
  const { id: alice } = await cloud.client.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  const { id: bob } = await cloud.client.call('user.allocate', { name: 'bob', password: 'bob-pw' });
  const A = 'alice:alice-pw';
  const B = 'bob:bob-pw';
  const mine: number[] = [];
  for (let i = 0; i < 3; i++) mine.push((await rpc.one('one.vm.allocate', admin, HOLD_VM, true))[1] as number);
  const alices = (await rpc.one('one.vm.allocate', A, HOLD_VM, true))[1] as number;
  const bobs = (await rpc.one('one.vm.allocate', B, HOLD_VM, true))[1] as number;
  const done = (await rpc.one('one.vm.allocate', admin, HOLD_VM, true))[1] as number;
  await rpc.one('one.vm.action', admin, 'terminate-hard', done);
  await eventually(
    () => cloud.client.call('vm.info', { id: done }),
    (v) => v.state === 'DONE',
    10_000,
    'VM DONE',
  );
  const all = [...mine, alices, bobs].sort((a, b) => a - b);

  await t.test('VMs', async (t) => {
    const vm = await doc('one.vm.info', admin, mine[0] as number, false);
    validates(t, vm, 'vm', 'vm');
    t.equal(parse(vm).VM.STATE, '2', 'on hold');
    const pool = await doc('one.vmpool.info', admin, -2, -1, -1, -1, '');
    validates(t, pool, 'vm_pool', 'vm_pool');
    t.same(ids(pool, 'VM_POOL', 'VM'), all, '-2: every VM but DONE, for oneadmin');
    // The extended form is each VM whole (vm_pool.xsd describes the short one): each checked against vm.xsd.
    const extended = await doc('one.vmpool.infoextended', admin, -2, -1, -1, -1, '');
    const whole = extended.replace(/^<VM_POOL>|<\/VM_POOL>$/g, '').split('</VM><VM>');
    t.equal(whole.length, all.length, 'infoextended: every VM');
    validates(t, `${whole[0]}</VM>`, 'vm', 'vm_pool extended, first VM');
    t.same(
      ids(await doc('one.vmpool.info', admin, -2, -1, -1, -2), 'VM_POOL', 'VM'),
      [...all, done].sort((a, b) => a - b),
      'state -2: DONE too',
    );
    t.same(ids(await doc('one.vmpool.info', admin, -2, -1, -1, 6), 'VM_POOL', 'VM'), [done], 'state 6: DONE only');
    t.same(ids(await doc('one.vmpool.info', admin, -2, -1, -1, 1), 'VM_POOL', 'VM'), [], 'state 1: none pending');
    t.same(ids(await doc('one.vmpool.info', admin, -3, -1, -1, -1), 'VM_POOL', 'VM'), mine, "-3: oneadmin's own");
    t.same(ids(await doc('one.vmpool.info', admin, alice, -1, -1, -1), 'VM_POOL', 'VM'), [alices], "a uid: that user's");
    t.same(ids(await doc('one.vmpool.info', admin, -4, -1, -1, -1), 'VM_POOL', 'VM'), mine, "-4: the group's (oneadmin)");
    // Paging: an id range, and rows (OpenNebula's LIMIT start, -end).
    t.same(ids(await doc('one.vmpool.info', admin, -2, mine[1] as number, -1, -1), 'VM_POOL', 'VM'), all.slice(1), 'start: ids from it');
    t.same(
      ids(await doc('one.vmpool.info', admin, -2, mine[1] as number, mine[2] as number, -1), 'VM_POOL', 'VM'),
      [mine[1], mine[2]],
      'start and end: an id range',
    );
    t.same(ids(await doc('one.vmpool.info', admin, -2, 0, -2, -1), 'VM_POOL', 'VM'), all.slice(0, 2), 'rows 0-1');
    t.same(ids(await doc('one.vmpool.info', admin, -2, 2, -2, -1), 'VM_POOL', 'VM'), all.slice(2, 4), 'rows 2-3');
    t.same(ids(await doc('one.vmpool.info', admin, -3, 1, -5, -1), 'VM_POOL', 'VM'), mine.slice(1), 'rows of a filtered pool');
    // Alice: hers only, whatever the filter.
    for (const f of [-2, -1, -3, -4]) t.same(ids(await doc('one.vmpool.info', A, f, -1, -1, -1), 'VM_POOL', 'VM'), [alices], `alice, ${f}`);
    t.same(ids(await doc('one.vmpool.info', A, bob, -1, -1, -1), 'VM_POOL', 'VM'), [], "alice asking for bob's: none");
    t.equal(await codeOf('one.vm.info', A, bobs, false), 0x400, "bob's VM is not found for alice");
    t.equal(await codeOf('one.vm.info', A, 9999, false), 0x400, 'as a VM that does not exist');
    t.equal(await codeOf('one.vmpool.info', admin, -5, -1, -1, -1), 0x1000, 'filter below -4');
    t.equal(await codeOf('one.vmpool.info', admin, -2, -1, -1, 12), 0x1000, 'state above 11');
    t.equal(await codeOf('one.vmpool.info', admin, -2, -1, -1, -1, 'NAME=x'), 0x1000, 'a JSON query');
    // chmod through the door shows in the document's bits: alice's VM readable by everyone, then bob sees it.
    t.same(await rpc.one('one.vm.chmod', A, alices, -1, -1, -1, -1, -1, -1, 1, -1, -1), [true, alices, 0]);
    t.equal(parse(await doc('one.vm.info', B, alices, false)).VM.PERMISSIONS.OTHER_U, '1', 'OTHER_U set, and bob may read it');
    t.same(ids(await doc('one.vmpool.info', B, -2, -1, -1, -1), 'VM_POOL', 'VM'), [alices, bobs], 'bob lists it');
    t.same(ids(await doc('one.vmpool.info', B, -3, -1, -1, -1), 'VM_POOL', 'VM'), [bobs], 'but not as his own');
  });

  await t.test('hosts, networks, images, templates, users, groups', async (t) => {
    validates(t, await doc('one.host.info', admin, host.id, false), 'host', 'host');
    validates(t, await doc('one.hostpool.info', admin), 'host_pool', 'host_pool');
    validates(t, await doc('one.host.info', A, host.id, false), 'host', 'host seen by alice');
    const net = (
      await rpc.one('one.vn.allocate', A, 'NAME = lan\nBRIDGE = br0\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 4 ]\n', -1)
    )[1] as number;
    validates(t, await doc('one.vn.info', A, net, false), 'vnet', 'vnet');
    validates(t, await doc('one.vnpool.info', admin, -2, -1, -1), 'vnet_pool', 'vnet_pool');
    t.same(ids(await doc('one.vnpool.info', A, -3, -1, -1), 'VNET_POOL', 'VNET'), [net], "alice's network");
    t.same(ids(await doc('one.vnpool.info', B, -2, -1, -1), 'VNET_POOL', 'VNET'), [], 'bob sees none');
    t.equal(await codeOf('one.vn.info', B, net, false), 0x400);
    const tmpl = (await rpc.one('one.template.allocate', A, 'NAME = t\nCPU = 1\nMEMORY = 64\n'))[1] as number;
    validates(t, await doc('one.template.info', A, tmpl, false, false), 'vmtemplate', 'vmtemplate');
    validates(t, await doc('one.templatepool.info', A, -2, -1, -1), 'vmtemplate_pool', 'vmtemplate_pool');
    t.same(ids(await doc('one.templatepool.info', B, -2, -1, -1), 'VMTEMPLATE_POOL', 'VMTEMPLATE'), [], 'bob sees no template');
    t.equal(await codeOf('one.template.info', B, tmpl, false, false), 0x400);
    const image = (await rpc.one('one.image.allocate', A, 'NAME = blank\nSIZE = 1\n', 1, false))[1] as number;
    validates(t, await doc('one.image.info', A, image, false), 'image', 'image');
    validates(t, await doc('one.imagepool.info', A, -2, -1, -1), 'image_pool', 'image_pool');
    t.same(ids(await doc('one.imagepool.info', A, -3, -1, -1), 'IMAGE_POOL', 'IMAGE'), [image]);
    t.equal(await codeOf('one.image.info', B, image, false), 0x400);
    validates(t, await doc('one.user.info', A, -1, false), 'user', 'user');
    t.equal(parse(await doc('one.user.info', A, -1, false)).USER.NAME, 'alice', '-1: the caller');
    t.equal(await codeOf('one.user.info', A, bob, false), 0x400, 'another user is not found');
    validates(t, await doc('one.userpool.info', admin), 'user_pool', 'user_pool');
    t.same(ids(await doc('one.userpool.info', A), 'USER_POOL', 'USER'), [alice], 'alice lists herself');
    validates(t, await doc('one.group.info', A, 1, false), 'group', 'group');
    validates(t, await doc('one.grouppool.info', admin), 'group_pool', 'group_pool');
    t.equal(await codeOf('one.group.info', A, 0, false), 0x400, 'another group is not found');
  });

  await t.test('cluster, datastores, zone, ACL, configuration', async (t) => {
    const cluster = await doc('one.cluster.info', admin, 0, false);
    validates(t, cluster, 'cluster', 'cluster');
    t.same(parse(cluster).CLUSTER.HOSTS.ID, [String(host.id)]);
    validates(t, await doc('one.clusterpool.info', admin), 'cluster_pool', 'cluster_pool');
    t.equal(await codeOf('one.cluster.info', admin, 3, false), 0x400, 'no cluster 3');
    validates(t, await doc('one.datastore.info', admin, 1, false), 'datastore', 'datastore');
    validates(t, await doc('one.datastorepool.info', A), 'datastore_pool', 'datastore_pool');
    t.equal(await codeOf('one.datastore.info', admin, 7, false), 0x400, 'no datastore 7');
    const zone = await doc('one.zonepool.info', A);
    validates(t, zone, 'zone_pool', 'zone_pool');
    t.equal(parse(zone).ZONE_POOL.ZONE.TEMPLATE.ENDPOINT, `${new URL('/RPC2', cloud.oned.url)}`, 'the endpoint called');
    validates(t, await doc('one.acl.info', admin), 'acl_pool', 'acl_pool');
    t.equal(await codeOf('one.acl.info', A), 0x200, 'the ACL rules are oneadmin’s');
    const config = await doc('one.system.config', A);
    validates(t, config, 'opennebula_configuration', 'configuration');
    t.equal(parse(config).OPENNEBULA_CONFIGURATION.DEFAULT_UMASK, '177');
  });

  await t.test('monitoring and accounting', async (t) => {
    const hm = await eventually(
      () => doc('one.host.monitoring', A, host.id),
      (x) => x.includes('<MONITORING>'),
      10_000,
      'a host sample',
    );
    // A host's MONITORING is host.xsd's shape (test/one-xml checks it there).
    const sample = parse(hm).MONITORING_DATA.MONITORING[0];
    t.equal(sample.ID[0], String(host.id));
    t.ok(Number(sample.CAPACITY.FREE_MEMORY) > 0, 'the figures of the agent');
    t.match(
      await doc('one.hostpool.monitoring', admin, -1),
      /^<MONITORING_DATA>(<MONITORING>.*<\/MONITORING>)?<\/MONITORING_DATA>$|^<MONITORING_DATA\/>$/,
    );
    validates(t, await doc('one.vm.monitoring', A, alices), 'monitoring_data', 'vm monitoring');
    t.equal(await codeOf('one.vm.monitoring', A, bobs), 0x400, "bob's VM's figures are not alice's to see");
    validates(t, await doc('one.vmpool.monitoring', admin, -2, -1), 'monitoring_data', 'vmpool monitoring');
    const acct = await doc('one.vmpool.accounting', admin, -2, -1, -1);
    validates(t, acct, 'acct', 'accounting');
    t.same(await codeOf('one.vmpool.accounting', A, -2, -1, -1), 0, 'alice may ask for hers');
    t.equal(await codeOf('one.vmpool.accounting', admin, -2, -7, -1), 0x1000, 'a start below -1');
  });
});

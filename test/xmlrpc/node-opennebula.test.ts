// Issue 17's acceptance: the npm `opennebula` client (apocas/node-one 1.0.12, unmodified from the
// registry) used as its users use it, against a real oned's POST /RPC2. What it calls and how it reads
// the replies: docs/xmlrpc-clients.md ("The npm opennebula client"). It is OpenNebula 4.x-era code; where
// it sends what OpenNebula 6.10 itself refuses, the test says so and asserts the refusal.
import { createRequire } from 'node:module';
import t from 'tap';
import { readAuthFile } from '../../src/auth/auth-file.js';
import type { VmView } from '../../src/vms/vm-record.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

type Callback = (err: Error | null, data?: unknown) => void;

/** The library's objects: an id and methods that each make one call (lib/*.js). */
interface OneObject {
  readonly id: unknown;
  info(cb: Callback): void;
  delete(cb: Callback): void;
}
interface OneVm extends OneObject {
  action(name: string, cb: Callback): void;
  rename(name: string, cb: Callback): void;
  monitoring(cb: Callback): void;
  update(template: string, replace: number, cb: Callback): void;
  chown(user: number, cb: Callback): void;
  chmod(...bits: [number, number, number, number, number, number, number, number, number, Callback]): void;
  deploy(host: unknown, datastore: unknown, enforce: unknown, cb: Callback): void;
}
interface OneHost extends OneObject {
  enable(cb: Callback): void;
  disable(cb: Callback): void;
  setStatus(status: number, cb: Callback): void;
}
interface OneVNet extends OneObject {
  hold(template: string, cb: Callback): void;
  release(template: string, cb: Callback): void;
}
interface OneUser extends OneObject {
  passwd(password: string, cb: Callback): void;
}
interface OneTemplate extends OneObject {
  clone(name: string, cb: Callback): void;
  rename(name: string, cb: Callback): void;
  instantiate(name: string, hold: boolean, template: string, cb: Callback): void;
}
interface NodeOne {
  version(cb: Callback): void;
  config(cb: Callback): void;
  login(user: string, token: string, period: number, cb: Callback): void;
  createVM(template: string, hold: boolean, cb: Callback): void;
  getVM(id: number): OneVm;
  getVMs(cb: Callback, userFilter?: number, start?: number, end?: number, state?: number): void;
  createHost(name: string, im: string, vm: string, vnmad: unknown, cluster: unknown, cb: Callback): void;
  getHost(id: number): OneHost;
  getHosts(cb: Callback): void;
  createVNet(template: string, cluster: number, cb: Callback): void;
  getVNet(id: number): OneVNet;
  getVNets(cb: Callback, userFilter?: number): void;
  createUser(name: string, password: string, driver: string | undefined, cb: Callback): void;
  getUser(id: number): OneUser;
  getUsers(cb: Callback): void;
  createImage(template: string, datastore: number, cb: Callback): void;
  getImage(id: number): OneObject;
  getImages(cb: Callback, userFilter?: number): void;
  createTemplate(template: string, cb: Callback): void;
  getTemplate(id: number): OneTemplate;
  getTemplates(cb: Callback, userFilter?: number): void;
}
type NodeOneClass = new (auth: string, endpoint: string) => NodeOne;

// The package is CommonJS without types: required, and typed by the interfaces above.
const OpenNebula = createRequire(import.meta.url)('opennebula') as NodeOneClass;

/** One library call as a promise: `call((cb) => one.getVMs(cb))`. */
function call<T = unknown>(start: (cb: Callback) => void): Promise<T> {
  return new Promise((resolve, reject) => start((err, data) => (err ? reject(err) : resolve(data as T))));
}
/** The error a call fails with (the library's `Error(message)`), or a TypeError when it does not fail. */
function failure(start: (cb: Callback) => void): Promise<Error> {
  return call(start).then(
    () => new TypeError('the call succeeded'),
    (err: unknown) => (err instanceof Error ? err : new TypeError(String(err))),
  );
}
/** A value in xml2js's tree (explicitArray false: text is a string, a repeated element an array). */
function at(doc: unknown, ...path: string[]): unknown {
  let v = doc;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}
/** The library lists a pool as an array of documents; an empty pool as `[undefined]` (its own quirk). */
function listed(pool: unknown[]): unknown[] {
  return pool.filter((x) => x !== undefined);
}

const VM_TPL = 'NAME = "web"\nCPU = 1\nMEMORY = 128\n';

t.test("the npm opennebula client against oned's /RPC2", async (t) => {
  const cloud = await startCloud(t);
  const admin = await readAuthFile(cloud.oned.authFile);
  const endpoint = `${cloud.oned.url.replace(/\/$/, '')}/RPC2`;
  const one = new OpenNebula(`${admin.user}:${admin.password}`, endpoint);
  const host0 = await cloud.addHost('host0');
  await cloud.waitState(host0.id, 'MONITORED');
  const vmState = (id: number, state: VmView['state']): Promise<VmView> =>
    eventually(
      () => cloud.client.call('vm.info', { id }),
      (v) => v.state === state,
      20_000,
      `vm ${id} ${state}`,
    );

  await t.test('version and config', async (t) => {
    t.equal(await call((cb) => one.version(cb)), '6.10.0', 'one.system.version, returned as the string');
    const config = await call((cb) => one.config(cb));
    t.type(at(config, 'OPENNEBULA_CONFIGURATION'), 'object', 'one.system.config, parsed');
  });

  let adminVm = -1;
  await t.test('VMs: create, list, info and the actions', async (t) => {
    // The first VM's id is 0, which the library turns into `{}` (`message || {}` in lib/modem.js):
    // the same against OpenNebula, whose first VM is 0 too.
    const first = await call<OneVm>((cb) => one.createVM(VM_TPL, true, cb));
    t.same(first.id, {}, 'VM 0 comes back as {} (the library’s own quirk)');
    const vm = await call<OneVm>((cb) => one.createVM(VM_TPL.replace('web', 'web1'), true, cb));
    t.equal(vm.id, 1, 'one.vm.allocate: the new id');
    const id = vm.id as number;
    adminVm = id;

    const info = await call((cb) => vm.info(cb));
    t.equal(at(info, 'VM', 'ID'), '1');
    t.equal(at(info, 'VM', 'NAME'), 'web1');
    t.equal(at(info, 'VM', 'UNAME'), 'oneadmin');
    t.equal(at(info, 'VM', 'STATE'), '2', 'HOLD');
    t.equal(at(info, 'VM', 'TEMPLATE', 'MEMORY'), '128');

    const vms = await call<unknown[]>((cb) => one.getVMs(cb));
    t.same(
      vms.map((v) => [at(v, 'ID'), at(v, 'NAME'), at(v, 'STATE')]),
      [
        ['0', 'web', '2'],
        ['1', 'web1', '2'],
      ],
      'one.vmpool.info [-2, -1, -1, -1]: both VMs on hold',
    );

    await call((cb) => vm.action('release', cb));
    await vmState(id, 'PENDING');
    t.equal(at(await call((cb) => vm.info(cb)), 'VM', 'STATE'), '1', 'released: PENDING');
    await call((cb) => vm.action('hold', cb));
    await vmState(id, 'HOLD');
    await call((cb) => vm.action('release', cb));
    await vmState(id, 'PENDING');

    // lib/vm.js names deploy's parameters (host, datastore, enforce) but sends them in that order
    // where OpenNebula 6.10 reads [id, host, enforce, ds]: named as the library names them, OpenNebula
    // refuses the -1 as enforce, and so does the door; in OpenNebula's order it deploys.
    const named = await failure((cb) => vm.deploy(host0.id, -1, false, cb));
    t.equal(
      named.message,
      '[one.vm.deploy] choosing the system datastore (ds_id other than -1) is not supported by Nephele yet',
      'deploy(host, -1, false): refused (false read as the datastore 0), as OpenNebula 6.10 refuses it',
    );
    await call((cb) => vm.deploy(host0.id, false, -1, cb));
    await vmState(id, 'RUNNING');
    const running = await call((cb) => vm.info(cb));
    t.same([at(running, 'VM', 'STATE'), at(running, 'VM', 'LCM_STATE')], ['3', '3'], 'ACTIVE/RUNNING');
    t.equal(at(running, 'VM', 'HISTORY_RECORDS', 'HISTORY', 'HOSTNAME'), 'host0', 'on host0');

    await call((cb) => vm.action('poweroff', cb));
    await vmState(id, 'POWEROFF');
    t.equal(at(await call((cb) => vm.info(cb)), 'VM', 'STATE'), '8', 'POWEROFF');
    await call((cb) => vm.action('resume', cb));
    await vmState(id, 'RUNNING');
    await call((cb) => vm.action('poweroff-hard', cb));
    await vmState(id, 'POWEROFF');
    await call((cb) => vm.action('resume', cb));
    await vmState(id, 'RUNNING');

    const bad = await failure((cb) => vm.action('hold', cb));
    t.equal(bad.message, '[one.vm.action] cannot hold a VM in state RUNNING', 'hold of a running VM: the door’s message');

    await call((cb) => one.getVM(0).action('terminate', cb));
    await vmState(0, 'DONE');
    t.equal(at(await call((cb) => one.getVM(0).info(cb)), 'VM', 'STATE'), '6', 'terminated: DONE');
    t.same(
      (await call<unknown[]>((cb) => one.getVMs(cb))).map((v) => at(v, 'ID')),
      ['1'],
      'a DONE VM leaves the pool',
    );
    const missing = await failure((cb) => one.getVM(4242).info(cb));
    t.equal(missing.message, '[one.vm.info] no VM 4242', 'a VM that does not exist: an error');
  });

  await t.test('hosts: create, info, list, enable/disable, delete', async (t) => {
    // lib/opennebula.js sends [name, im, vm, vnmad, cluster], OpenNebula 4.x's signature; 6.10 reads
    // the cluster id at position 4, where the library puts vnmad. A string there is refused (by
    // OpenNebula 6.10 too); -1 there works.
    const vnmad = await failure((cb) => one.createHost('host1', 'dummy', 'dummy', 'dummy', -1, cb));
    t.equal(
      vnmad.message,
      '[one.host.allocate] parameter 4 (cluster_id) of one.host.allocate must be an int',
      'a vnmad string where 6.10 reads the cluster: refused',
    );
    const created = await call<OneObject>((cb) => one.createHost('host1', 'dummy', 'dummy', -1, undefined, cb));
    t.equal(created.id, 1, 'one.host.allocate: the new id');
    const host = one.getHost(1);
    const info = await call((cb) => host.info(cb));
    t.equal(at(info, 'HOST', 'ID'), '1');
    t.equal(at(info, 'HOST', 'NAME'), 'host1');
    t.equal(at(info, 'HOST', 'IM_MAD'), 'dummy');
    t.equal(at(info, 'HOST', 'VM_MAD'), 'dummy');
    const hosts = await call<unknown[]>((cb) => one.getHosts(cb));
    t.same(
      hosts.map((h) => [at(h, 'ID'), at(h, 'NAME')]),
      [
        ['0', 'host0'],
        ['1', 'host1'],
      ],
      'one.hostpool.info',
    );
    t.equal(at(hosts[0], 'STATE'), '2', 'host0 (with its agent) is MONITORED');

    // enable()/disable() call one.host.enable, which OpenNebula 5.0 replaced by one.host.status: 6.10
    // has no such method, and the door has none either.
    const enable = await failure((cb) => host.disable(cb));
    t.equal(enable.message, '[one.host.enable] one.host.enable is not supported by Nephele', 'disable(): not a 6.10 method');
    await call((cb) => host.setStatus(1, cb));
    t.equal(at(await call((cb) => host.info(cb)), 'HOST', 'STATE'), '4', 'setStatus(1): DISABLED');
    t.equal((await cloud.host(1)).state, 'DISABLED');
    await call((cb) => host.setStatus(0, cb));
    t.not((await cloud.host(1)).state, 'DISABLED', 'setStatus(0): enabled');

    await call((cb) => host.delete(cb));
    t.same(
      (await call<unknown[]>((cb) => one.getHosts(cb))).map((h) => at(h, 'NAME')),
      ['host0'],
      'deleted: only host0 is left',
    );
  });

  await t.test('virtual networks', async (t) => {
    const tpl = 'NAME = "priv"\nBRIDGE = "br0"\nVN_MAD = "bridge"\nAR = [ TYPE = "IP4", IP = "10.0.0.1", SIZE = "10" ]\n';
    const created = await call<OneObject>((cb) => one.createVNet(tpl, -1, cb));
    t.same(created.id, {}, 'network 0 comes back as {} (the library’s quirk)');
    const net = one.getVNet(0);
    const info = await call((cb) => net.info(cb));
    t.equal(at(info, 'VNET', 'NAME'), 'priv');
    t.equal(at(info, 'VNET', 'BRIDGE'), 'br0');
    t.equal(at(info, 'VNET', 'AR_POOL', 'AR', 'IP'), '10.0.0.1');
    t.equal(at(info, 'VNET', 'AR_POOL', 'AR', 'SIZE'), '10');
    t.same(
      (await call<unknown[]>((cb) => one.getVNets(cb))).map((n) => [at(n, 'ID'), at(n, 'NAME')]),
      [['0', 'priv']],
      'one.vnpool.info [-1, -1, -1]',
    );
    await call((cb) => net.hold('LEASES = [ IP = "10.0.0.5" ]', cb));
    const held = await call((cb) => net.info(cb));
    t.equal(at(held, 'VNET', 'USED_LEASES'), '1', 'vn.hold: one lease on hold');
    t.equal(at(held, 'VNET', 'AR_POOL', 'AR', 'LEASES', 'LEASE', 'IP'), '10.0.0.5');
    await call((cb) => net.release('LEASES = [ IP = "10.0.0.5" ]', cb));
    t.equal(at(await call((cb) => net.info(cb)), 'VNET', 'USED_LEASES'), '0', 'vn.release');
    await call((cb) => net.delete(cb));
    t.same(listed(await call<unknown[]>((cb) => one.getVNets(cb))), [], 'deleted');
  });

  await t.test('users, and what a second user sees', async (t) => {
    // The library sends its driver as given; left out, it is an empty <value/> (a string, in XML-RPC).
    const created = await call<OneObject>((cb) => one.createUser('alice', 'secret', undefined, cb));
    t.equal(created.id, 1, 'one.user.allocate: the new id');
    const user = one.getUser(1);
    const info = await call((cb) => user.info(cb));
    t.equal(at(info, 'USER', 'NAME'), 'alice');
    t.equal(at(info, 'USER', 'GNAME'), 'users');
    t.equal(at(info, 'USER', 'ENABLED'), '1');
    t.same(
      (await call<unknown[]>((cb) => one.getUsers(cb))).map((u) => at(u, 'NAME')),
      ['oneadmin', 'alice'],
      'one.userpool.info',
    );
    await call((cb) => user.passwd('n3w-secret', cb));
    const old = await failure((cb) => new OpenNebula('alice:secret', endpoint).getVMs(cb));
    t.equal(old.message, '[one.vmpool.info] wrong user name or password', 'the old password no longer works');

    const alice = new OpenNebula('alice:n3w-secret', endpoint);
    t.same(listed(await call<unknown[]>((cb) => alice.getVMs(cb))), [], 'alice sees none of oneadmin’s VMs');
    const hers = await call<OneVm>((cb) => alice.createVM('NAME = "hers"\nCPU = 1\nMEMORY = 64\n', true, cb));
    t.same(
      (await call<unknown[]>((cb) => alice.getVMs(cb))).map((v) => [at(v, 'ID'), at(v, 'NAME'), at(v, 'UNAME')]),
      [[String(hers.id), 'hers', 'alice']],
      'alice lists only hers',
    );
    const notHers = await failure((cb) => alice.getVM(adminVm).info(cb));
    t.equal(notHers.message, `[one.vm.info] no VM ${adminVm}`, 'oneadmin’s VM is not found for alice, as one that does not exist');
    const self = await call((cb) => alice.getUser(1).info(cb));
    t.equal(at(self, 'USER', 'NAME'), 'alice', 'alice reads herself');
    const other = await failure((cb) => alice.getUser(0).info(cb));
    t.equal(other.message, '[one.user.info] no user 0', 'nor oneadmin');

    // login() asks for a token and hands the reply to xml2js: a token is not XML, so the library fails
    // to parse it — against OpenNebula as here. The token itself is good (the call succeeded).
    const login = await failure((cb) => alice.login('alice', '', 60, cb));
    t.equal(login.message, 'error parsing xml', 'login(): the library cannot read a token');
  });

  await t.test('a wrong password', async (t) => {
    const wrong = new OpenNebula(`${admin.user}:not-the-password`, endpoint);
    const err = await failure((cb) => wrong.getVMs(cb));
    // The library keeps only the message (not the code, 0x100). The words are Nephele's; OpenNebula's
    // are "User couldn't be authenticated, aborting call.", and the library reads neither.
    t.equal(err.message, '[one.vmpool.info] wrong user name or password', 'getVMs(): the library’s Error');
    const err2 = await failure((cb) => wrong.getVM(1).info(cb));
    t.equal(err2.message, '[one.vm.info] wrong user name or password', 'getVM(1).info(): the same');
    t.equal(
      await call((cb) => wrong.version(cb)).then(
        () => 'answered',
        (e: Error) => e.message,
      ),
      '[one.system.version] wrong user name or password',
      'even version() needs a good session',
    );
  });

  await t.test('images', async (t) => {
    t.same(listed(await call<unknown[]>((cb) => one.getImages(cb))), [], 'no image yet');
    const created = await call<OneObject>((cb) => one.createImage('NAME = "blank"\nTYPE = "DATABLOCK"\nSIZE = 1\n', 1, cb));
    t.same(created.id, {}, 'image 0 comes back as {} (the library’s quirk)');
    const id = 0;
    const images = await call<unknown[]>((cb) => one.getImages(cb));
    t.same(
      images.map((i) => [at(i, 'ID'), at(i, 'NAME')]),
      [[String(id), 'blank']],
      'one.imagepool.info [-1, -1, -1]',
    );
    const info = await call((cb) => one.getImage(id).info(cb));
    t.equal(at(info, 'IMAGE', 'NAME'), 'blank');
    t.equal(at(info, 'IMAGE', 'TYPE'), '2', 'DATABLOCK');
  });

  await t.test('templates: create, list, info, instantiate', async (t) => {
    const created = await call<OneObject>((cb) => one.createTemplate('NAME = "webtpl"\nCPU = 1\nMEMORY = 96\n', cb));
    t.same(created.id, {}, 'template 0 comes back as {} (the library’s quirk)');
    const tpl = one.getTemplate(0);
    const info = await call((cb) => tpl.info(cb));
    t.equal(at(info, 'VMTEMPLATE', 'NAME'), 'webtpl');
    t.equal(at(info, 'VMTEMPLATE', 'TEMPLATE', 'MEMORY'), '96');
    t.same(
      (await call<unknown[]>((cb) => one.getTemplates(cb))).map((x) => [at(x, 'ID'), at(x, 'NAME')]),
      [['0', 'webtpl']],
      'one.templatepool.info [-1, -1, -1]',
    );
    const vm = await call<OneVm>((cb) => tpl.instantiate('fromtpl', false, '', cb));
    t.type(vm.id, 'number', 'one.template.instantiate: the VM id');
    const vmInfo = await call((cb) => vm.info(cb));
    t.equal(at(vmInfo, 'VM', 'NAME'), 'fromtpl');
    t.equal(at(vmInfo, 'VM', 'STATE'), '1', 'PENDING');
    t.equal(at(vmInfo, 'VM', 'TEMPLATE', 'MEMORY'), '96');
  });

  await t.test('renames, updates, ownership and monitoring', async (t) => {
    const vm = one.getVM(adminVm);
    await call((cb) => vm.rename('web-renamed', cb));
    const update = await call((cb) => vm.update('LABEL = "blue"', 1, cb)).then(
      () => 'updated',
      (err: Error) => err.message,
    );
    const info = await call((cb) => vm.info(cb));
    t.equal(at(info, 'VM', 'NAME'), 'web-renamed', 'vm.rename');
    t.equal(update, 'updated', 'vm.update');
    t.equal(at(info, 'VM', 'USER_TEMPLATE', 'LABEL'), 'blue', 'vm.update (merge) into the USER_TEMPLATE');
    // The dummy agent reports every 200 ms: the VM has samples once it has run one interval.
    const monitoring = await eventually(
      () => call((cb) => vm.monitoring(cb)),
      (d) => at(d, 'MONITORING_DATA', 'MONITORING') !== undefined,
      20_000,
      'a monitoring sample',
    );
    const samples = at(monitoring, 'MONITORING_DATA', 'MONITORING');
    t.equal(at(Array.isArray(samples) ? samples[0] : samples, 'ID'), String(adminVm), 'vm.monitoring: the VM’s samples');
    // chmod sends its callback too (lib/vm.js puts it in the parameters); xmlrpc writes a function as
    // an empty <value/>, after the nine bits.
    await call((cb) => vm.chmod(1, 1, 0, 1, 0, 0, 1, 0, 0, cb));
    const perms = at(await call((cb) => vm.info(cb)), 'VM', 'PERMISSIONS');
    t.same(
      ['OWNER_U', 'OWNER_M', 'OWNER_A', 'GROUP_U', 'GROUP_M', 'GROUP_A', 'OTHER_U', 'OTHER_M', 'OTHER_A'].map((k) => at(perms, k)),
      ['1', '1', '0', '1', '0', '0', '1', '0', '0'],
      'vm.chmod',
    );
    await call((cb) => vm.chown(1, cb));
    t.equal(at(await call((cb) => vm.info(cb)), 'VM', 'UNAME'), 'alice', 'vm.chown to alice');
    const alice = new OpenNebula('alice:n3w-secret', endpoint);
    t.ok(
      (await call<unknown[]>((cb) => alice.getVMs(cb))).some((v) => at(v, 'ID') === String(adminVm)),
      'now alice lists it',
    );

    const tpl = one.getTemplate(0);
    const clone = await call((cb) => tpl.clone('webtpl-copy', cb)).then(
      (id) => id,
      (err: Error) => err.message,
    );
    t.equal(clone, 1, 'template.clone: the copy’s id');
    await call((cb) => tpl.rename('webtpl2', cb));
    t.same((await call<unknown[]>((cb) => one.getTemplates(cb))).map((x) => at(x, 'NAME')).slice(0, 1), ['webtpl2'], 'template.rename');
  });
});

import { request } from 'node:http';
import t, { type Test } from 'tap';
import { readAuthFile } from '../../src/auth/auth-file.js';
import { startCloud, type TestCloud } from '../fixtures/cloud.js';
import { XmlRpcClient } from '../fixtures/xmlrpc-client.js';

const HOLD_VM = 'NAME = "x"\nCPU = 0.1\nMEMORY = 64\n';

async function setup(
  t: Test,
  cloudOptions: Parameters<typeof startCloud>[1] = {},
): Promise<{ cloud: TestCloud; admin: string; rpc: XmlRpcClient; fresh: XmlRpcClient }> {
  const cloud = await startCloud(t, cloudOptions);
  const { user, password } = await readAuthFile(cloud.oned.authFile);
  const rpc = new XmlRpcClient(cloud.oned.url, { keepAlive: true });
  const fresh = new XmlRpcClient(cloud.oned.url, { keepAlive: false });
  t.teardown(() => {
    rpc.close();
    fresh.close();
  });
  return { cloud, admin: `${user}:${password}`, rpc, fresh };
}

t.test('POST /RPC2 beside socket.io and GET /metrics: keep-alive, and a new connection per call', async (t) => {
  const { cloud, admin, rpc, fresh } = await setup(t);
  for (let i = 0; i < 5; i++) t.same(await rpc.one('one.system.version', admin), [true, '6.10.0', 0]);
  t.equal(rpc.sockets, 1, 'keep-alive: five calls on one connection');
  for (let i = 0; i < 3; i++) t.same(await fresh.one('one.system.version', admin), [true, '6.10.0', 0]);
  t.equal(fresh.sockets, 3, 'a new connection per call, as the Ruby CLI');
  const get = await rpc.raw('', { method: 'GET' });
  t.equal(get.status, 405);
  t.equal(get.headers.allow, 'POST');
  t.equal((await rpc.raw('<x/>', { path: '/RPC3' })).status, 404);
  t.equal((await rpc.raw('', { method: 'GET', path: '/metrics' })).status, 200, 'GET /metrics still answers');
  t.equal((await cloud.client.call('system.version', {})).version.length > 0, true, 'socket.io still answers');
});

t.test('the session string: wrong, missing or malformed credentials are AUTHENTICATION (0x100)', async (t) => {
  const { cloud, rpc } = await setup(t);
  const wrong = await rpc.one('one.vm.allocate', 'oneadmin:wrong', HOLD_VM, true);
  t.equal(wrong[0], false);
  t.equal(wrong[2], 0x100);
  t.match(wrong[1], /^\[one\.vm\.allocate\] /, "OpenNebula's [method] message");
  t.equal((await rpc.one('one.vm.allocate', 'nobody:x', HOLD_VM, true))[2], 0x100);
  t.equal((await rpc.one('one.vm.allocate', 'no-colon', HOLD_VM, true))[2], 0x100);
  t.equal((await rpc.one('one.vm.allocate', 42, HOLD_VM, true))[2], 0x100);
  t.equal((await rpc.call('one.system.version').then((v) => (v as unknown[])[2])) as number, 0x100, 'no parameters at all');
  t.same((await cloud.client.call('vmpool.info', { all: true })).length, 0, 'nothing was created');
});

t.test('calls map to the handlers, and each error code comes back as OpenNebula has it', async (t) => {
  const { cloud, admin, rpc } = await setup(t);
  const [ok, id, code] = await rpc.one('one.vm.allocate', admin, HOLD_VM, true);
  t.same([ok, code], [true, 0]);
  t.equal((await cloud.client.call('vm.info', { id: id as number })).state, 'HOLD');
  t.same(await rpc.one('one.vm.action', admin, 'release', id as number), [true, id, 0]);
  t.equal((await cloud.client.call('vm.info', { id: id as number })).state, 'PENDING');
  t.same(await rpc.one('one.vm.action', admin, 'hold', id as number), [true, id, 0]);
  // ACTION (0x800): the VM is not in a state that allows it.
  const resume = await rpc.one('one.vm.action', admin, 'resume', id as number);
  t.same([resume[0], resume[2]], [false, 0x800]);
  // NO_EXISTS (0x400)
  t.equal((await rpc.one('one.vm.action', admin, 'hold', 4242))[2], 0x400);
  t.equal((await rpc.one('one.host.delete', admin, 77))[2], 0x400);
  // XML_RPC_API (0x1000): a wrong parameter, an action OpenNebula does not have, a value Nephele cannot honour, a method it lacks.
  t.equal((await rpc.one('one.vm.action', admin, 'explode', id as number))[2], 0x1000);
  t.equal((await rpc.one('one.vm.action', admin, 'hold', 'not-an-id'))[2], 0x1000);
  const missing = await rpc.one('one.vm.update', admin, id as number, 'A = 1', 2);
  t.same([missing[0], missing[2]], [false, 0x1000]);
  t.match(missing[1], /not supported/);
  t.same((await rpc.one('one.marketapp.export', admin))[2], 0x1000, 'an OpenNebula method Nephele does not know');
  t.equal(
    await rpc.call('system.listMethods').then(
      () => 0,
      (err: { faultCode?: number }) => err.faultCode,
    ),
    -506,
    'not a method at all: a fault',
  );
  // ALLOCATE (0x4000): the template does not parse.
  t.equal((await rpc.one('one.vm.allocate', admin, 'CPU = [', false))[2], 0x4000);
  t.equal((await rpc.one('one.template.allocate', admin, 'NAME = t\nCPU = 1\nMEMORY = 64\n'))[0], true);
  // Hosts, users, networks, images, templates: ids back.
  const [hok, hostId] = await rpc.one('one.host.allocate', admin, 'node1', 'kvm', 'kvm', -1);
  t.same([hok, (await cloud.client.call('host.info', { host: hostId as number })).name], [true, 'node1']);
  t.same(await rpc.one('one.host.status', admin, hostId as number, 1), [true, hostId, 0]);
  t.equal((await cloud.client.call('host.info', { host: hostId as number })).state, 'DISABLED');
  t.same(await rpc.one('one.host.update', admin, hostId as number, 'LABEL = "x"', 1), [true, hostId, 0]);
  t.same(await rpc.one('one.host.delete', admin, hostId as number), [true, hostId, 0]);
  const [uok, uid] = await rpc.one('one.user.allocate', admin, 'carol', 'carol-pw', 'core', []);
  t.equal(uok, true);
  t.same(await rpc.one('one.user.passwd', admin, uid as number, 'carol-pw2'), [true, uid, 0]);
  t.same(await rpc.one('one.user.enable', admin, uid as number, false), [true, uid, 0]);
  t.equal((await rpc.one('one.system.version', 'carol:carol-pw2'))[2], 0x100, 'a disabled user is not authenticated');
  t.same(await rpc.one('one.user.enable', admin, uid as number, true), [true, uid, 0]);
  t.same(await rpc.one('one.user.delete', admin, uid as number), [true, uid, 0]);
  const [nok, net] = await rpc.one(
    'one.vn.allocate',
    admin,
    'NAME = lan\nBRIDGE = br0\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 8 ]\n',
    -1,
  );
  t.equal(nok, true);
  t.same(await rpc.one('one.vn.hold', admin, net as number, 'LEASES = [ IP = 10.0.0.2 ]'), [true, net, 0]);
  t.same(await rpc.one('one.vn.release', admin, net as number, 'LEASES = [ IP = 10.0.0.2 ]'), [true, net, 0]);
  t.equal((await rpc.one('one.vn.hold', admin, net as number, 'LEASES = [ IP = 10.9.9.9 ]'))[2], 0x800, 'not in its ranges');
  t.same(await rpc.one('one.vn.delete', admin, net as number), [true, net, 0]);
  const [iok, image] = await rpc.one('one.image.allocate', admin, 'NAME = blank\nTYPE = DATABLOCK\nSIZE = 1\n', 1, false);
  t.equal(iok, true);
  t.same(await rpc.one('one.image.persistent', admin, image as number, true), [true, image, 0]);
  t.same(await rpc.one('one.image.rename', admin, image as number, 'blank2'), [true, image, 0]);
  t.equal((await cloud.client.call('image.info', { image: image as number })).name, 'blank2');
  t.same(await rpc.one('one.image.delete', admin, image as number, false), [true, image, 0]);
});

t.test('a user never sees nor touches another user’s objects: NO_EXISTS, as for ids that do not exist', async (t) => {
  const { cloud, admin, rpc } = await setup(t);
  await cloud.client.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  await cloud.client.call('user.allocate', { name: 'bob', password: 'bob-pw' });
  const [, vm] = await rpc.one('one.vm.allocate', 'alice:alice-pw', HOLD_VM, true);
  const [, tmpl] = await rpc.one('one.template.allocate', 'alice:alice-pw', HOLD_VM);
  for (const [m, ...p] of [
    ['one.vm.action', 'release', vm],
    ['one.vm.action', 'terminate-hard', vm],
    ['one.template.instantiate', tmpl, '', true, '', false],
    ['one.template.delete', tmpl, false],
  ] as const) {
    const r = await rpc.one(m, 'bob:bob-pw', ...(p as unknown as (string | number | boolean)[]));
    t.same([r[0], r[2]], [false, 0x400], `${m} by bob`);
  }
  t.equal((await cloud.client.call('vm.info', { id: vm as number })).state, 'HOLD', 'nothing changed');
  // AUTHORIZATION (0x200): what only administrators may do.
  t.equal((await rpc.one('one.host.allocate', 'bob:bob-pw', 'h', 'dummy', 'dummy', -1))[2], 0x200);
  t.equal((await rpc.one('one.vm.deploy', 'alice:alice-pw', vm as number, 0, false, -1, ''))[2], 0x200);
  t.same((await rpc.one('one.vm.action', 'alice:alice-pw', 'release', vm as number))[0], true, 'alice may');
  void admin;
});

t.test('login tokens; a changed password or a revoke ends what the cache kept', async (t) => {
  const { cloud, rpc, fresh } = await setup(t);
  await cloud.client.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  const [ok, token] = await rpc.one('one.user.login', 'alice:alice-pw', 'alice', '', 3600, -1);
  t.equal(ok, true);
  t.type(token, 'string');
  t.same(await fresh.one('one.system.version', `alice:${token as string}`), [true, '6.10.0', 0], 'user:token authenticates');
  t.same((await rpc.one('one.user.login', 'alice:alice-pw', 'alice', 'chosen', 3600, -1))[2], 0x1000, 'a chosen token is not supported');
  t.same(await rpc.one('one.user.login', 'alice:alice-pw', 'alice', '', 0, -1), [true, '', 0], 'valid 0 revokes every token');
  t.equal((await fresh.one('one.system.version', `alice:${token as string}`))[2], 0x100, 'the revoked token no longer works');
  // The password, verified once, is kept; a passwd through either door ends it at once.
  t.equal((await rpc.one('one.system.version', 'alice:alice-pw'))[0], true);
  await cloud.client.call('user.passwd', { user: 'alice', password: 'new-pw' });
  t.equal((await rpc.one('one.system.version', 'alice:alice-pw'))[2], 0x100, 'the old password is refused');
  t.equal((await rpc.one('one.system.version', 'alice:new-pw'))[0], true);
  await cloud.client.call('user.passwd', { user: 'alice', password: 'alice-pw' });
  t.equal((await rpc.one('one.system.version', 'alice:alice-pw'))[0], true, 'the same password again, after a change: logged in afresh');
});

t.test('garbage, entity bombs, huge bodies and deep nesting get a fault or a 413, and the door keeps serving', async (t) => {
  const { admin, rpc } = await setup(t, { apiLimits: { xmlrpcRequestBytes: 64 * 1024 } });
  const fault = async (body: string | Buffer): Promise<{ code: number; message: string }> => {
    const r = await rpc.raw(body);
    t.equal(r.status, 200);
    const m =
      /<name>faultCode<\/name><value><i4>(-?\d+)<\/i4><\/value><\/member><member><name>faultString<\/name><value><string>([^<]*)<\/string>/.exec(
        r.body,
      );
    t.ok(m, `a fault: ${r.body.slice(0, 200)}`);
    return { code: Number(m?.[1]), message: m?.[2] ?? '' };
  };
  t.match(await fault('garbage'), { code: -503, message: /well-formed/ });
  t.match(await fault(Buffer.from([0xff, 0xfe, 0x00, 0x3c, 0x61])), { code: -503 });
  t.match(await fault('<methodCall><methodName>one.system.version</methodName><params><param><value><int>1'), { code: -503 });
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">]><methodCall><methodName>one.system.version</methodName><params><param><value>&lol2;</value></param></params></methodCall>`;
  t.match(await fault(bomb), { code: -503, message: /DOCTYPE/ });
  const xxe =
    '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><methodCall><methodName>&x;</methodName></methodCall>';
  t.match(await fault(xxe), { code: -503, message: /DOCTYPE/ });
  const deep = `<methodCall><methodName>one.system.version</methodName><params><param><value>${'<array><data><value>'.repeat(30)}1${'</value></data></array>'.repeat(30)}</value></param></params></methodCall>`;
  t.match(await fault(deep), { code: -503, message: /deeper/ });
  t.match(
    await fault(
      '<methodCall><methodName>one.system.version</methodName><params><param><value><int>x</int></value></param></params></methodCall>',
    ),
    { code: -501 },
  );
  const huge = await rpc.raw(
    `<methodCall><methodName>one.system.version</methodName><params><param><value>${'a'.repeat(200 * 1024)}</value></param></params></methodCall>`,
  );
  t.equal(huge.status, 413);
  t.equal(huge.headers.connection, 'close');
  // Streamed without a length: refused as it passes the limit.
  const chunked = await new Promise<number>((resolve, reject) => {
    const req = request(new URL('/RPC2', rpc.url), { method: 'POST', headers: { 'Transfer-Encoding': 'chunked' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    for (let i = 0; i < 20; i++) req.write('x'.repeat(8192));
    req.end();
  });
  t.equal(chunked, 413);
  t.same(await rpc.one('one.system.version', admin), [true, '6.10.0', 0], 'and the door still answers');
});

t.test("calls share the core's admission with socket.io: over a limit, TOO_BUSY as INTERNAL (0x2000)", async (t) => {
  const { admin, rpc } = await setup(t, { apiLimits: { callsPerUser: 0 } });
  const busy = await rpc.one('one.system.version', admin);
  t.same([busy[0], busy[2]], [false, 0x2000]);
  t.match(busy[1], /calls in flight/);
});

t.test('renames, groups and image clone/chtype/update map to their handlers', async (t) => {
  const { cloud, admin, rpc } = await setup(t);
  const [, vm] = await rpc.one('one.vm.allocate', admin, HOLD_VM, true);
  t.same(await rpc.one('one.vm.rename', admin, vm as number, 'web'), [true, vm, 0]);
  t.equal((await cloud.client.call('vm.info', { id: vm as number })).name, 'web');
  const [, tmpl] = await rpc.one('one.template.allocate', admin, HOLD_VM);
  t.same(await rpc.one('one.template.rename', admin, tmpl as number, 'tmpl2'), [true, tmpl, 0]);
  const [, host] = await rpc.one('one.host.allocate', admin, 'node1', 'dummy', 'dummy', 0);
  t.same(await rpc.one('one.host.rename', admin, host as number, 'node2'), [true, host, 0]);
  t.equal((await cloud.client.call('host.info', { host: host as number })).name, 'node2');
  const [, net] = await rpc.one('one.vn.allocate', admin, 'NAME = lan\nBRIDGE = br0\nAR = [ TYPE = IP4, IP = 10.0.0.1, SIZE = 8 ]\n', -1);
  t.same(await rpc.one('one.vn.rename', admin, net as number, 'lan2'), [true, net, 0]);
  const [gok, group] = await rpc.one('one.group.allocate', admin, 'devs');
  t.equal(gok, true);
  t.equal((await cloud.client.call('group.info', { group: group as number })).name, 'devs');
  t.same(await rpc.one('one.group.delete', admin, group as number), [true, group, 0]);
  t.equal((await rpc.one('one.group.delete', admin, group as number))[2], 0x400);
  const [, image] = await rpc.one('one.image.allocate', admin, 'NAME = blank\nSIZE = 1\n', 1, false);
  t.same(await rpc.one('one.image.chtype', admin, image as number, 'os'), [true, image, 0]);
  t.equal((await cloud.client.call('image.info', { image: image as number })).type, 'OS');
  t.same(await rpc.one('one.image.update', admin, image as number, 'DESCRIPTION = "d"', 1), [true, image, 0]);
  const [cok, copy] = await rpc.one('one.image.clone', admin, image as number, 'blank-copy', -1);
  t.equal(cok, true);
  t.not(copy, image);
  t.equal((await cloud.client.call('image.info', { image: copy as number })).name, 'blank-copy');
});

t.test('an address with too many failed logins is refused before its body is read, as on socket.io', async (t) => {
  const { rpc } = await setup(t);
  // The login gate blocks an address after 50 failed logins within its window (src/auth/login-gate.ts).
  let refusedEarly = 0;
  for (let i = 0; i < 60; i++) {
    const reply = await rpc.raw(
      `<?xml version="1.0"?><methodCall><methodName>one.vm.action</methodName><params><param><value><string>oneadmin:wrong-${i}</string></value></param><param><value><string>hold</string></value></param><param><value><i4>0</i4></value></param></params></methodCall>`,
    );
    if (reply.status === 429) refusedEarly++;
    else t.equal(reply.status, 200, 'a failed login is an XML-RPC answer until the address is blocked');
  }
  t.ok(refusedEarly > 0, `the last of 60 failed logins were refused with 429 (${refusedEarly})`);
  const right = await rpc.raw('<methodCall/>');
  t.equal(right.status, 429, 'any request from the blocked address, the right password included');
  t.match(right.body, /too many failed logins/);
  t.equal(right.headers['retry-after'], '10');
});

t.test("a pool's group filter follows the user's group as it is now, not as the cached login had it", async (t) => {
  const { cloud, admin, rpc } = await setup(t);
  await cloud.client.call('user.allocate', { name: 'bob', password: 'bob-pw' });
  const bob = 'bob:bob-pw';
  const [ok, vm] = await rpc.one('one.vm.allocate', bob, HOLD_VM, true);
  t.equal(ok, true);
  const ids = (xml: unknown): string[] => [...String(xml).matchAll(/<VM><ID>(\d+)<\/ID>/g)].map((m) => m[1] as string);
  // -4: the VMs of the caller's group. His VM is in group users, his group at login, now cached.
  t.same(ids((await rpc.one('one.vmpool.info', bob, -4, -1, -1, -1))[1]), [String(vm)], 'his group at login: his VM');
  const [, devs] = await rpc.one('one.group.allocate', admin, 'devs');
  t.same((await rpc.one('one.user.chgrp', admin, 1, devs as number))[0], true, 'bob moved to devs');
  t.same(ids((await rpc.one('one.vmpool.info', bob, -4, -1, -1, -1))[1]), [], 'his group now: devs, where his VM is not');
  t.same(ids((await rpc.one('one.vmpool.info', bob, -3, -1, -1, -1))[1]), [String(vm)], 'still his own');
});

import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { io } from 'socket.io-client';
import { readAuthFile } from '../../src/auth/auth-file.js';
import { ApiClient } from '../../src/cli/api-client.js';
import { startOned } from '../../src/oned/oned.js';
import { startCloud } from '../fixtures/cloud.js';

const HOLD_VM = 'NAME = "mine"\nCPU = 0.1\nMEMORY = 64\n';

t.test('a connection without credentials, or with wrong ones, is refused', async (t) => {
  const cloud = await startCloud(t);
  const socket = io(`${cloud.oned.url}/api`, { transports: ['websocket'], reconnection: false, forceNew: true });
  t.teardown(() => socket.close());
  const err = await new Promise<Error & { data?: { code?: string } }>((resolve) => socket.once('connect_error', resolve));
  t.equal(err.data?.code, 'AUTH_FAILED');
  await t.rejects(ApiClient.connect({ url: cloud.oned.url, user: 'oneadmin', password: 'nope' }), { code: 'AUTH_FAILED' });
  await t.rejects(ApiClient.connect({ url: cloud.oned.url, user: 'nobody', password: 'nope' }), { code: 'AUTH_FAILED' });
});

t.test('users see and act on their own VMs and templates only; administrators on all', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  await admin.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  await admin.call('user.allocate', { name: 'bob', password: 'bob-pw' });
  const alice = await ApiClient.connect({ url: cloud.oned.url, user: 'alice', password: 'alice-pw' });
  const bob = await ApiClient.connect({ url: cloud.oned.url, user: 'bob', password: 'bob-pw' });
  t.teardown(() => {
    alice.close();
    bob.close();
  });

  const { id: vmId } = await alice.call('vm.allocate', { template: HOLD_VM, hold: true });
  const { id: tmplId } = await alice.call('template.allocate', { template: HOLD_VM });
  const mine = await alice.call('vm.info', { id: vmId });
  t.same([mine.user, mine.group, mine.state], ['alice', 'users', 'HOLD'], 'the view names the owner');

  t.same(await bob.call('vmpool.info', { all: true }), [], "bob lists none of alice's VMs");
  t.same(await bob.call('templatepool.info', {}), [], 'nor her templates');
  // Another user's objects are not found, exactly as ids that do not exist.
  await t.rejects(bob.call('vm.info', { id: vmId }), { code: 'VM_NOT_FOUND', message: `no VM ${vmId}` });
  await t.rejects(bob.call('vm.action', { id: vmId, action: 'release' }), { code: 'VM_NOT_FOUND' });
  await t.rejects(bob.call('vm.action', { id: vmId, action: 'terminate', hard: true }), { code: 'VM_NOT_FOUND' });
  await t.rejects(bob.call('template.info', { id: tmplId }), { code: 'TEMPLATE_NOT_FOUND', message: `no template ${tmplId}` });
  await t.rejects(bob.call('template.update', { id: tmplId, template: 'CPU = 1\nMEMORY = 1\n' }), { code: 'TEMPLATE_NOT_FOUND' });
  await t.rejects(bob.call('template.instantiate', { id: tmplId, hold: true }), { code: 'TEMPLATE_NOT_FOUND' });
  await t.rejects(bob.call('template.delete', { id: tmplId }), { code: 'TEMPLATE_NOT_FOUND' });
  t.equal((await alice.call('vm.info', { id: vmId })).state, 'HOLD', 'nothing changed');
  t.equal((await alice.call('template.info', { id: tmplId })).template, HOLD_VM, 'nothing changed');

  t.same(
    (await admin.call('vmpool.info', { all: false })).map((v) => [v.id, v.user]),
    [[vmId, 'alice']],
    'oneadmin sees everything',
  );
  t.same(
    (await admin.call('templatepool.info', {})).map((r) => [r.id, r.user, r.group]),
    [[tmplId, 'alice', 'users']],
  );

  await t.rejects(
    alice.call('vm.action', { id: vmId, action: 'deploy', host: 0 }),
    { code: 'NOT_AUTHORIZED' },
    'deploy is for administrators',
  );
  await t.rejects(alice.call('vm.action', { id: vmId, action: 'recover', op: 'delete' }), { code: 'NOT_AUTHORIZED' });
  t.equal((await alice.call('vm.action', { id: vmId, action: 'release' })).state, 'PENDING', 'her own VM, her action');
  const { id: fromTmpl } = await alice.call('template.instantiate', { id: tmplId, hold: true });
  t.equal((await alice.call('vm.info', { id: fromTmpl })).user, 'alice');
  t.same((await bob.call('vmpool.info', { all: true })).length, 0);

  // Hosts: anyone reads, only administrators change.
  t.same(await bob.call('hostpool.info', {}), []);
  await t.rejects(bob.call('host.allocate', { name: 'h1', im: 'dummy', vm: 'dummy' }), { code: 'NOT_AUTHORIZED' });
  t.same(await admin.call('hostpool.info', {}), [], 'nothing was created');
});

t.test('user management through the API: who may do what', async (t) => {
  const cloud = await startCloud(t);
  const admin = cloud.client;
  const { id: aliceId } = await admin.call('user.allocate', { name: 'alice', password: 'alice-pw' });
  await admin.call('user.allocate', { name: 'bob', password: 'bob-pw' });
  const alice = await ApiClient.connect({ url: cloud.oned.url, user: 'alice', password: 'alice-pw' });
  t.teardown(() => alice.close());

  await t.rejects(alice.call('user.allocate', { name: 'eve', password: 'x' }), { code: 'NOT_AUTHORIZED' });
  await t.rejects(alice.call('user.delete', { user: 'bob' }), { code: 'NOT_AUTHORIZED' });
  await t.rejects(alice.call('user.passwd', { user: 'bob', password: 'mine now' }), { code: 'USER_NOT_FOUND' });
  await t.rejects(alice.call('user.info', { user: 'bob' }), { code: 'USER_NOT_FOUND', message: 'no user bob' });
  await t.rejects(
    alice.call('user.info', { user: 'nosuch' }),
    { code: 'USER_NOT_FOUND', message: 'no user nosuch' },
    'no hint whether a user exists',
  );
  await t.rejects(alice.call('user.login', { user: 'bob', expire: 60 }), { code: 'USER_NOT_FOUND' });
  await t.rejects(alice.call('user.chgrp', { user: 'alice', group: 'oneadmin' }), { code: 'NOT_AUTHORIZED' }, 'no promoting oneself');
  await t.rejects(admin.call('user.info', { user: 'nosuch' }), { code: 'USER_NOT_FOUND' });
  t.same(
    (await alice.call('userpool.info', {})).map((u) => u.name),
    ['alice'],
  );
  t.same(
    (await admin.call('userpool.info', {})).map((u) => u.name),
    ['oneadmin', 'alice', 'bob'],
  );
  t.equal((await alice.call('user.info', {})).id, aliceId);
  t.same(
    (await alice.call('grouppool.info', {})).map((g) => g.name),
    ['users'],
  );

  await alice.call('user.passwd', { user: 'alice', password: 'alice-pw2' });
  await t.rejects(alice.call('user.info', {}), { code: 'AUTH_FAILED' }, 'a new password ends the connections the old one opened');
  await t.rejects(ApiClient.connect({ url: cloud.oned.url, user: 'alice', password: 'alice-pw' }), { code: 'AUTH_FAILED' });
  const again = await ApiClient.connect({ url: cloud.oned.url, user: 'alice', password: 'alice-pw2' });
  t.teardown(() => again.close());
  const { token } = await again.call('user.login', { user: 'alice', expire: 600 });
  const byToken = await ApiClient.connect({ url: cloud.oned.url, user: 'alice', password: token });
  t.teardown(() => byToken.close());
  t.equal((await byToken.call('user.info', {})).name, 'alice', 'a token logs in');

  await admin.call('user.chgrp', { user: 'alice', group: 'oneadmin' });
  t.equal((await again.call('userpool.info', {})).length, 3, 'the open connection follows her into oneadmin');
  await admin.call('user.enable', { user: aliceId, enable: false });
  await t.rejects(again.call('userpool.info', {}), { code: 'AUTH_FAILED' }, 'and stops working once she is disabled');
  await t.rejects(admin.call('user.delete', { user: 'oneadmin' }), { code: 'NOT_AUTHORIZED' });
  await admin.call('user.delete', { user: 'alice' });
  t.same(
    (await admin.call('userpool.info', {})).map((u) => u.name),
    ['oneadmin', 'bob'],
  );
});

t.test("no password or token ever appears in oned's log", async (t) => {
  let logged = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString('utf8');
      done();
    },
  });
  const dir = t.testdir();
  const oned = await startOned({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    heartbeatMs: 200,
    lostAfterMs: 1000,
    scheduler: false,
    log: pino({ level: 'trace' }, sink),
  });
  t.teardown(() => oned.close());
  const creds = await readAuthFile(oned.authFile);
  const admin = await ApiClient.connect({ url: oned.url, ...creds });
  t.teardown(() => admin.close());
  const secrets = ['Pw-First-7c1d', 'Pw-Wrong-9e2f', 'Pw-Second-3a4b', creds.password];
  await admin.call('user.allocate', { name: 'alice', password: 'Pw-First-7c1d' });
  await t.rejects(ApiClient.connect({ url: oned.url, user: 'alice', password: 'Pw-Wrong-9e2f' }), { code: 'AUTH_FAILED' });
  await t.rejects(admin.call('user.allocate', { name: 'alice', password: 'Pw-Wrong-9e2f' }), { code: 'NAME_TAKEN' });
  await admin.call('user.passwd', { user: 'alice', password: 'Pw-Second-3a4b' });
  const { token } = await admin.call('user.login', { user: 'alice', expire: 60 });
  secrets.push(token);
  const viaToken = await ApiClient.connect({ url: oned.url, user: 'alice', password: token });
  viaToken.close();
  await t.rejects(ApiClient.connect({ url: oned.url, user: 'alice', password: `${token}x` }), { code: 'AUTH_FAILED' });
  await oned.close();
  t.match(logged, /API authentication refused/, 'the log was captured');
  for (const s of secrets) t.notOk(logged.includes(s), 'a secret is not in the log');
});

/**
 * A store written by main before the schema version (test/fixtures/store-v0)
 * opens with today's oned, which migrates it to the current schema version:
 * every object is there and usable.
 */
import { chmod, cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import t from 'tap';
import { readAuthFile } from '../../src/auth/auth-file.js';
import { ApiClient } from '../../src/cli/api-client.js';
import { startOned } from '../../src/oned/oned.js';
import { SCHEMA_VERSION } from '../../src/store/index.js';
import { eventually, runBin } from '../fixtures/processes.js';

const FIXTURE = fileURLToPath(new URL('../fixtures/store-v0/', import.meta.url));

interface FixtureIds {
  aliceId: number;
  hostId: number;
  netId: number;
  imageId: number;
  templateId: number;
  vms: { pending: number; held: number; running: number; off: number; done: number; fromTemplate: number };
}

t.test('a store written by main before the schema version opens, whole and usable', async (t) => {
  const dir = t.testdir();
  // Opening writes: always a copy, never the fixture itself.
  await cp(join(FIXTURE, 'db'), join(dir, 'db'), { recursive: true });
  for (const file of ['one_auth', 'node1.token']) {
    await cp(join(FIXTURE, file), join(dir, file));
    await chmod(join(dir, file), 0o600);
  }
  const ids = JSON.parse(await readFile(join(FIXTURE, 'ids.json'), 'utf8')) as FixtureIds;
  const oned = await startOned({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    heartbeatMs: 200,
    lostAfterMs: 1000,
    log: pino({ level: 'silent' }),
    scheduler: false,
  });
  t.teardown(() => oned.close());
  t.equal(oned.store.schemaVersion, SCHEMA_VERSION, 'migrated from version 0 to the current one');
  const admin = await ApiClient.connect({ url: oned.url, ...(await readAuthFile(join(dir, 'one_auth'))) });
  t.teardown(() => admin.close());
  const alice = await ApiClient.connect({ url: oned.url, user: 'alice', password: 'alice-fixture-password' });
  t.teardown(() => alice.close());

  t.same(
    (await admin.call('userpool.info', {})).map((u) => u.name),
    ['oneadmin', 'alice'],
    'both users, and both log in',
  );
  t.match(await alice.call('user.info', {}), { id: ids.aliceId, name: 'alice', group: 'users' });

  const vms = await admin.call('vmpool.info', { all: true });
  t.same(
    vms.map((v) => [v.id, v.name, v.state, v.user]),
    [
      [ids.vms.pending, 'pending', 'PENDING', 'alice'],
      [ids.vms.held, 'held', 'HOLD', 'alice'],
      [ids.vms.running, 'running', 'RUNNING', 'oneadmin'],
      [ids.vms.off, 'off', 'POWEROFF', 'alice'],
      [ids.vms.done, 'done', 'DONE', 'alice'],
      [ids.vms.fromTemplate, 'from-template', 'HOLD', 'alice'],
    ],
    'every VM, in its state, with its owner',
  );
  t.match(await admin.call('vm.info', { id: ids.vms.running }), {
    hostId: ids.hostId,
    host: 'node1',
    nics: [{ network: 'lan', ip: '10.0.0.10' }],
  });

  const lan = await admin.call('vn.info', { network: 'lan' });
  t.same(
    lan.leases.map((l) => [l.ip, l.vmId]).sort(),
    [
      ['10.0.0.10', ids.vms.running],
      ['10.0.0.29', undefined],
    ],
    'the lease and the held address',
  );
  t.match(await alice.call('image.info', { image: 'alice-disk' }), { id: ids.imageId, state: 'READY', user: 'alice' });
  t.match(await alice.call('template.info', { id: 'small' }), { id: ids.templateId, user: 'alice' });

  // Usable: the host's token still admits its agent, and VMs take actions.
  const agent = runBin(t, 'onenode', [
    '--frontend',
    oned.url,
    '--host-id',
    String(ids.hostId),
    '--token-file',
    join(dir, 'node1.token'),
    '--data-dir',
    join(dir, 'node1'),
    '--vm',
    'dummy',
    '--monitor-interval-ms',
    '200',
  ]);
  t.teardown(() => agent.kill('SIGKILL'));
  await eventually(
    () => admin.call('host.info', { host: ids.hostId }),
    (h) => h.state === 'MONITORED',
    20_000,
    'node1 MONITORED',
  );
  await alice.call('vm.action', { id: ids.vms.held, action: 'release' });
  t.equal((await alice.call('vm.info', { id: ids.vms.held })).state, 'PENDING', 'release of a held VM');
  await admin.call('vm.action', { id: ids.vms.pending, action: 'deploy', host: 'node1' });
  await eventually(
    () => admin.call('vm.info', { id: ids.vms.pending }),
    (v) => v.state === 'RUNNING',
    20_000,
    'the pending VM RUNNING',
  );
  t.pass("a pending VM deploys to the fixture's host");
  const { id } = await alice.call('template.instantiate', { id: ids.templateId, name: 'again', hold: true });
  t.ok(id > ids.vms.fromTemplate, 'a new VM gets an id no old VM had');
  t.match(await alice.call('image.rename', { image: ids.imageId, name: 'renamed' }), { name: 'renamed' });
});

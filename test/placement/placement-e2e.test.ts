import t from 'tap';
import type { VmView } from '../../src/vms/vm-record.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

const template = (name: string, extra = ''): string => `NAME = ${name}\nCPU = 0.1\nMEMORY = 64\n${extra}`;

t.test('the scheduler places pending VMs on hosts that meet their requirements', async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  const hosts = [await cloud.addHost('h1'), await cloud.addHost('h2'), await cloud.addHost('h3')];
  for (const h of hosts) await cloud.waitState(h.id, 'MONITORED');
  const c = cloud.client;
  const running = (id: number): Promise<VmView> =>
    eventually(
      () => c.call('vm.info', { id }),
      (v) => v.state === 'RUNNING',
      20_000,
      `VM ${id} RUNNING`,
    );

  const free = await Promise.all(
    Array.from({ length: 6 }, async (_, i) => (await c.call('vm.allocate', { template: template(`free${i}`), hold: false })).id),
  );
  for (const id of free) t.ok((await running(id)).hostId !== undefined, `VM ${id} placed without onevm deploy`);

  const pinned = (await c.call('vm.allocate', { template: template('pinned', 'SCHED_REQUIREMENTS = "NAME = \\"h2\\""\n'), hold: false }))
    .id;
  t.equal((await running(pinned)).host, 'h2');

  const wild = (
    await c.call('vm.allocate', {
      template: template('wild', 'SCHED_REQUIREMENTS = "HOSTNAME = \\"*\\" & NAME != \\"h1\\" & NAME != \\"h2\\""\n'),
      hold: false,
    })
  ).id;
  t.equal((await running(wild)).host, 'h3');

  const ranked = (await c.call('vm.allocate', { template: template('ranked', 'SCHED_RANK = "- ID"\n'), hold: false })).id;
  t.equal((await running(ranked)).host, 'h1', 'the highest rank wins: - ID picks the lowest id');

  const held = (await c.call('vm.allocate', { template: template('held'), hold: true })).id;
  await new Promise((r) => setTimeout(r, 300));
  t.equal((await c.call('vm.info', { id: held })).state, 'HOLD', 'a VM on hold is not scheduled');
  await c.call('vm.action', { id: held, action: 'release' });
  await running(held);
});

t.test('a VM that fits nowhere stays PENDING and says why; it is placed as soon as a host fits', async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  const h1 = await cloud.addHost('h1');
  await cloud.waitState(h1.id, 'MONITORED');
  const c = cloud.client;
  const id = (await c.call('vm.allocate', { template: template('picky', 'SCHED_REQUIREMENTS = "NAME = \\"later\\""\n'), hold: false })).id;
  const waiting = await eventually(
    () => c.call('vm.info', { id }),
    (v) => v.schedMessage !== undefined,
  );
  t.equal(waiting.state, 'PENDING');
  t.match(waiting.schedMessage, /requirements/);
  const later = await cloud.addHost('later');
  const placed = await eventually(
    () => c.call('vm.info', { id }),
    (v) => v.state === 'RUNNING',
    20_000,
  );
  t.equal(placed.hostId, later.id);
  t.equal(placed.schedMessage, undefined, 'the message goes once it is placed');
});

t.test('a restarted scheduler learns the VMs that wait again', async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  const c = cloud.client;
  const id = (await c.call('vm.allocate', { template: template('early'), hold: false })).id;
  await eventually(
    () => c.call('vm.info', { id }),
    (v) => v.schedMessage !== undefined,
    20_000,
    'no host yet',
  );
  const before = cloud.oned.system.lookup('placement');
  // the kernel's crash path, as if a handler had thrown: the queue goes with the old instance
  (before as unknown as { fail(e: Error): void }).fail(new Error('injected crash'));
  await eventually(
    async () => cloud.oned.system.stats().restarts,
    (n) => n > 0,
    20_000,
    'the scheduler restarted',
  );
  const h1 = await cloud.addHost('h1');
  const placed = await eventually(
    () => c.call('vm.info', { id }),
    (v) => v.state === 'RUNNING',
    20_000,
    'placed after the restart',
  );
  t.equal(placed.hostId, h1.id, 'the VM that waited before the crash is placed');
});

t.test('expressions are checked at create, with the position', async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  await t.rejects(cloud.client.call('vm.allocate', { template: template('bad', 'SCHED_REQUIREMENTS = "FREECPU > "\n'), hold: false }), {
    code: 'EXPRESSION_SYNTAX',
    details: { attribute: 'SCHED_REQUIREMENTS' },
  });
  await t.rejects(cloud.client.call('vm.allocate', { template: template('bad', 'SCHED_RANK = "FREECPU +* 2"\n'), hold: false }), {
    code: 'EXPRESSION_SYNTAX',
    details: { attribute: 'SCHED_RANK' },
  });
  t.same(await cloud.client.call('vmpool.info', { all: true }), [], 'nothing created');
});

t.test('resched moves a flagged VM to a host that ranks better', async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  const h1 = await cloud.addHost('h1');
  await cloud.waitState(h1.id, 'MONITORED');
  const c = cloud.client;
  const id = (await c.call('vm.allocate', { template: template('mover', 'SCHED_RANK = "ID"\n'), hold: false })).id;
  t.equal(
    (
      await eventually(
        () => c.call('vm.info', { id }),
        (v) => v.state === 'RUNNING',
      )
    ).host,
    'h1',
  );
  const h2 = await cloud.addHost('h2');
  await cloud.waitState(h2.id, 'MONITORED');
  await new Promise((r) => setTimeout(r, 300));
  t.equal((await c.call('vm.info', { id })).host, 'h1', 'without resched it stays');
  await c.call('vm.action', { id, action: 'resched' });
  const moved = await eventually(
    () => c.call('vm.info', { id }),
    (v) => v.state === 'RUNNING' && v.host === 'h2',
    20_000,
    'the VM on h2',
  );
  t.equal(moved.history.length, 2);
});

t.test('host attributes set with onehost update are variables for the requirements', async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  const h1 = await cloud.addHost('h1');
  const h2 = await cloud.addHost('h2');
  await cloud.waitState(h1.id, 'MONITORED');
  await cloud.waitState(h2.id, 'MONITORED');
  const c = cloud.client;
  const updated = await c.call('host.update', { host: 'h2', template: 'RACK = "r2"\nSSD = 1\n', append: false });
  t.same(updated.attributes, { RACK: 'r2', SSD: '1' });
  t.same((await c.call('host.update', { host: 'h2', template: 'ZONE = "b"\n', append: true })).attributes, {
    RACK: 'r2',
    SSD: '1',
    ZONE: 'b',
  });
  const id = (
    await c.call('vm.allocate', { template: template('racked', 'SCHED_REQUIREMENTS = "RACK = \\"r*\\" & SSD > 0"\n'), hold: false })
  ).id;
  const v = await eventually(
    () => c.call('vm.info', { id }),
    (x) => x.state === 'RUNNING',
  );
  t.equal(v.host, 'h2');
  await t.rejects(c.call('host.update', { host: 'h1', template: 'RACK = \n[', append: false }), { code: 'TEMPLATE_SYNTAX' });
});

t.test('onevm deploy checks the host capacity unless told not to', async (t) => {
  const cloud = await startCloud(t);
  const h1 = await cloud.addHost('h1');
  await cloud.waitState(h1.id, 'MONITORED');
  const c = cloud.client;
  const id = (await c.call('vm.allocate', { template: 'NAME = huge\nCPU = 1000\nMEMORY = 64\n', hold: false })).id;
  await t.rejects(c.call('vm.action', { id, action: 'deploy', host: h1.id }), { code: 'NO_CAPACITY', message: /--no-enforce/ });
  t.equal((await c.call('vm.info', { id })).state, 'PENDING', 'nothing changed');
  t.equal((await c.call('vm.action', { id, action: 'deploy', host: h1.id, enforce: false })).state, 'BOOT', 'forced');
});

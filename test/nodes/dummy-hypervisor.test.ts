import { getEventListeners } from 'node:events';
import { availableParallelism, totalmem } from 'node:os';
import t, { type Test } from 'tap';
import { FakeClock, settle } from '../../src/base/clock.js';
import { isNepheleError } from '../../src/errors.js';
import type { VmInfo, VmSpec } from '../../src/protocol/domain.js';
import { DummyHypervisor, type DummyHypervisorOptions } from '../../nodes/drivers/dummy-hypervisor.js';
import { hypervisorConformance } from '../fixtures/hypervisor-conformance.js';

t.test('conformance', async (t) => {
  hypervisorConformance(t, async () => {
    const driver = new DummyHypervisor({ cpus: 4, memoryKb: 8 * 1024 * 1024 });
    // the VMs live in the instance, so a restarted agent's driver is the same one
    return { driver, restart: async () => driver, cleanup: async () => {} };
  });
});

const GiB = 1024 * 1024;

function vm(vmId: number, cpu = 1, memoryMb = 1024): VmSpec {
  return { vmId, name: `vm-${vmId}`, cpu, vcpu: Math.ceil(cpu), memoryMb };
}

async function open(t: Test, options: DummyHypervisorOptions): Promise<DummyHypervisor> {
  const driver = new DummyHypervisor(options);
  await driver.open();
  t.teardown(() => driver.close());
  return driver;
}

/** Whether `p` has settled after the event loop settles. */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await settle();
  return done;
}

t.test('capacity defaults to the machine', async (t) => {
  const driver = new DummyHypervisor();
  t.same(driver.capacity(), { cpus: availableParallelism(), memoryKb: Math.floor(totalmem() / 1024) });
  t.throws(() => new DummyHypervisor({ cpus: 0 }), TypeError);
  t.throws(() => new DummyHypervisor({ deployMs: -1 }), TypeError);
});

t.test('VMs take CPU until it runs out; NO_CAPACITY names what is lacking', async (t) => {
  const driver = await open(t, { cpus: 2, memoryKb: 64 * GiB });
  await driver.deploy(vm(1, 1.5));
  await driver.deploy(vm(2, 0.5));
  t.same(driver.allocated(), { cpu: 200, memoryKb: 2 * GiB });
  const err = await driver.deploy(vm(3, 0.01)).catch((e: unknown) => e);
  t.ok(isNepheleError(err, 'NO_CAPACITY'));
  t.same(isNepheleError(err) && err.details, {
    vmId: 3,
    lacking: ['cpu'],
    cpu: { requested: 1, free: 0, total: 200 },
    memoryKb: { requested: GiB, free: 62 * GiB, total: 64 * GiB },
  });
  await driver.shutdown(1, { hard: true });
  t.same(driver.allocated(), { cpu: 50, memoryKb: GiB }, 'shutdown frees what the VM took');
  await driver.deploy(vm(3, 1.5));
  t.same(
    (await driver.list()).map((v) => v.vmId),
    [2, 3],
  );
});

t.test('VMs take memory until it runs out', async (t) => {
  const driver = await open(t, { cpus: 64, memoryKb: 4 * GiB });
  await driver.deploy(vm(1, 1, 3072));
  await t.rejects(driver.deploy(vm(2, 100, 2048)), {
    code: 'NO_CAPACITY',
    details: { lacking: ['cpu', 'memory'], memoryKb: { requested: 2 * GiB, free: GiB } },
  });
  await driver.deploy(vm(2, 1, 1024));
  t.same(driver.allocated(), { cpu: 200, memoryKb: 4 * GiB });
  await t.rejects(driver.deploy(vm(3, 1, 1)), { code: 'NO_CAPACITY', details: { lacking: ['memory'] } });
});

t.test('a crashed VM is failed, keeps its capacity until shut down, and cannot be driven', async (t) => {
  const driver = await open(t, { cpus: 1, memoryKb: 4 * GiB });
  await driver.deploy(vm(1));
  driver.simulateCrash(1);
  t.same(await driver.poll(1), { vmId: 1, state: 'failed', cpuUsage: 0, memoryKb: 0, deployId: 'dummy-1' });
  t.equal((await driver.deploy(vm(1))).state, 'failed', 'deploy does not revive it');
  for (const op of [() => driver.suspend(1), () => driver.resume(1), () => driver.reboot(1, { hard: true })]) {
    await t.rejects(op, { code: 'VM_WRONG_STATE', details: { vmId: 1, state: 'failed' } });
  }
  await t.rejects(driver.deploy(vm(2)), { code: 'NO_CAPACITY' }, 'its CPU is still taken');
  await driver.shutdown(1, { hard: false });
  t.equal((await driver.deploy(vm(2))).state, 'running');
  t.throws(() => driver.simulateCrash(9), { code: 'VM_NOT_FOUND' });
});

t.test('usage and host figures are derived from the VMs', async (t) => {
  const driver = await open(t, { cpus: 8, memoryKb: 16 * GiB, hostname: 'sim-1', now: () => 42 });
  await driver.deploy(vm(1, 2, 2048));
  await driver.deploy(vm(2, 1, 1024));
  await driver.deploy(vm(3, 0.5, 512));
  await driver.suspend(2);
  driver.simulateCrash(3);
  t.same(
    (await driver.list()).map((v) => [v.state, v.cpuUsage, v.memoryKb]),
    [
      ['running', 100, 2 * GiB],
      ['paused', 0, GiB],
      ['failed', 0, 0],
    ],
  );
  t.match(await driver.host(), {
    HOSTNAME: 'sim-1',
    CPU_MODEL: 'dummy',
    HYPERVISOR: 'dummy',
    TOTALCPU: 800,
    USEDCPU: 100,
    FREECPU: 700,
    TOTALMEMORY: 16 * GiB,
    USEDMEMORY: 3 * GiB,
    FREEMEMORY: 13 * GiB,
    RUNNING_VMS: 1,
    TIMESTAMP: 42,
  });
});

t.test('same calls, same results', async (t) => {
  const run = async (): Promise<unknown> => {
    const driver = await open(t, { cpus: 4, memoryKb: 8 * GiB, hostname: 'h', now: () => 0 });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5, 6].map((id) => driver.deploy(vm(id, 1, 1500))));
    await driver.suspend(2);
    return {
      outcomes: outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as { code: string }).code)),
      list: await driver.list(),
      host: await driver.host(),
    };
  };
  const first = await run();
  t.same(await run(), first);
  t.match(first, { outcomes: [{}, {}, {}, {}, 'NO_CAPACITY', 'NO_CAPACITY'] });
});

t.test('deploy takes deployMs on the clock and holds its capacity meanwhile', async (t) => {
  const clock = new FakeClock();
  const driver = await open(t, { cpus: 1, memoryKb: 4 * GiB, deployMs: 1000, clock });
  const deploying = driver.deploy(vm(1));
  await clock.advance(999);
  t.notOk(await settled(deploying), 'not done at deployMs - 1');
  await t.rejects(driver.poll(1), { code: 'VM_NOT_FOUND' }, 'not listed while deploying');
  await t.rejects(driver.deploy(vm(2)), { code: 'NO_CAPACITY' }, 'its capacity is taken');
  await clock.advance(1);
  t.ok(await settled(deploying), 'done at deployMs');
  t.equal((await deploying).state, 'running');
  t.equal((await driver.poll(1)).state, 'running');
  t.equal(clock.pending, 0);
});

t.test('soft shutdown takes shutdownMs, hard shutdown none; reboot takes rebootMs', async (t) => {
  const clock = new FakeClock();
  const driver = await open(t, { cpus: 4, memoryKb: 4 * GiB, shutdownMs: 500, rebootMs: 300, clock });
  await driver.deploy(vm(1));
  await driver.deploy(vm(2));
  const stopping = driver.shutdown(1, { hard: false });
  await clock.advance(499);
  t.notOk(await settled(stopping));
  t.equal((await driver.poll(1)).state, 'running', 'listed while the guest shuts down');
  await clock.advance(1);
  await stopping;
  await t.rejects(driver.poll(1), { code: 'VM_NOT_FOUND' });
  await driver.shutdown(2, { hard: true });
  t.same(await driver.list(), [], 'hard shutdown needs no time');
  await driver.deploy(vm(3));
  const rebooting = driver.reboot(3, { hard: true });
  await clock.advance(299);
  t.notOk(await settled(rebooting));
  await clock.advance(1);
  t.ok(await settled(rebooting));
});

t.test('aborting a deploy in flight cancels its timer and frees its capacity', async (t) => {
  const clock = new FakeClock();
  const driver = await open(t, { cpus: 1, memoryKb: 4 * GiB, deployMs: 1000, clock });
  const ac = new AbortController();
  const deploying = driver.deploy(vm(1), ac.signal);
  await clock.advance(500);
  ac.abort(new Error('no longer wanted'));
  await t.rejects(deploying, { message: 'no longer wanted' });
  t.equal(clock.pending, 0);
  t.same(driver.allocated(), { cpu: 0, memoryKb: 0 });
  t.same(await driver.list(), []);
});

t.test('close cancels operations in flight with DRIVER_FAILED and keeps the VMs', async (t) => {
  const clock = new FakeClock();
  const driver = await open(t, { cpus: 4, memoryKb: 4 * GiB, deployMs: 1000, clock });
  const first = driver.deploy(vm(1));
  await clock.advance(1000);
  await first;
  const deploying = driver.deploy(vm(2));
  const queued = driver.suspend(2);
  await driver.close();
  await t.rejects(deploying, { code: 'DRIVER_FAILED' });
  await t.rejects(queued, { code: 'DRIVER_FAILED' }, 'an operation waiting its turn is cancelled too');
  t.equal(clock.pending, 0);
  await driver.open();
  t.same(
    (await driver.list()).map((v) => v.vmId),
    [1],
  );
  t.same(driver.allocated(), { cpu: 100, memoryKb: GiB });
});

t.test('without latencies no timer is ever set', async (t) => {
  const clock = new FakeClock();
  const driver = await open(t, { cpus: 8, memoryKb: 8 * GiB, clock });
  const ops = [];
  for (let id = 0; id < 50; id++) ops.push(driver.deploy(vm(id, 0.1, 64)));
  t.equal(clock.pending, 0);
  await Promise.all(ops);
  await Promise.all([1, 2, 3].map((id) => driver.reboot(id, { hard: false })));
  await Promise.all([1, 2, 3].map((id) => driver.shutdown(id, { hard: false })));
  t.equal(clock.pending, 0);
  t.equal((await driver.list()).length, 47);
});

t.test('5,000 VMs deploy, list and shut down', async (t) => {
  const driver = await open(t, { cpus: 1024, memoryKb: 1024 * GiB });
  const infos = await Promise.all(Array.from({ length: 5000 }, (_, i) => driver.deploy(vm(5000 - i, 0.2, 128))));
  t.equal(infos.length, 5000);
  const list = await driver.list();
  t.equal(list.length, 5000);
  const expected = (v: VmInfo, i: number): boolean => v.vmId === i + 1 && v.state === 'running' && v.deployId === `dummy-${i + 1}`;
  t.ok(list.every(expected), 'ordered by vmId, all running');
  t.same(driver.allocated(), { cpu: 5000 * 20, memoryKb: 5000 * 128 * 1024 });
  t.match(await driver.host(), { RUNNING_VMS: 5000, USEDCPU: 5000 * 10 });
  await Promise.all(list.map((v) => driver.shutdown(v.vmId, { hard: true })));
  t.same(driver.allocated(), { cpu: 0, memoryKb: 0 });
});

t.test('simulated failures fail only the operations named', async (t) => {
  const { DummyHypervisor } = await import('../../nodes/drivers/dummy-hypervisor.js');
  const d = new DummyHypervisor({ failOps: new Set(['save', 'reboot']) });
  await d.open();
  t.teardown(() => d.close());
  const spec = { vmId: 1, name: 'x', cpu: 0.1, vcpu: 1, memoryMb: 16 };
  await d.deploy(spec);
  await t.rejects(d.save(1), { code: 'DRIVER_FAILED', details: { op: 'save', vmId: 1 } });
  await t.rejects(d.reboot(1, { hard: false }), { code: 'DRIVER_FAILED' });
  t.equal((await d.poll(1)).state, 'running', 'nothing changed');
  await d.shutdown(1, { hard: true });
  t.same(await d.list(), []);
});

t.test('many simulated waits on one signal add one abort listener, not one each (no MaxListenersExceededWarning)', async (t) => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => {
    warnings.push(w);
  };
  process.on('warning', onWarning);
  t.teardown(() => {
    process.off('warning', onWarning);
  });
  const clock = new FakeClock();
  const driver = await open(t, { cpus: 1000, memoryKb: 1000 * GiB, deployMs: 1000, rebootMs: 1000, clock });
  const ac = new AbortController();
  const deploys = Array.from({ length: 200 }, (_, id) => driver.deploy(vm(id, 0.1, 64), ac.signal));
  t.equal(getEventListeners(ac.signal, 'abort').length, 1, "one listener on the caller's signal for 200 waits");
  await clock.advance(1000);
  await Promise.all(deploys);
  t.equal(getEventListeners(ac.signal, 'abort').length, 0, 'none once the waits ended');

  const reboots = Array.from({ length: 200 }, (_, id) => driver.reboot(id, { hard: true, signal: ac.signal }));
  await settle();
  ac.abort(new Error('no longer wanted'));
  const outcomes = await Promise.allSettled(reboots);
  t.ok(
    outcomes.every((o) => o.status === 'rejected' && (o.reason as Error).message === 'no longer wanted'),
    'an abort still reaches every wait',
  );
  t.equal(clock.pending, 0, 'and cancels every timer');

  // Waits on the driver's own lifetime (no caller signal), ended by close.
  const more = Array.from({ length: 200 }, (_, i) => driver.deploy(vm(1000 + i, 0.1, 64)));
  await driver.close();
  t.ok(
    (await Promise.allSettled(more)).every((o) => o.status === 'rejected' && isNepheleError(o.reason, 'DRIVER_FAILED')),
    'close cancels every wait',
  );
  await new Promise((r) => setImmediate(r));
  t.same(
    warnings.map((w) => w.name),
    [],
    'no process warning',
  );
});

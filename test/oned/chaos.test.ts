/**
 * Actor crashes injected at random (a seeded PRNG, so a failing run can be
 * replayed) into VM and host actors while 24 VMs go through their life
 * cycle on three agents. Supervisors restart each crashed actor from the
 * store; the run completes, every VM ends DONE, and the restart counts are
 * reported.
 */
import t from 'tap';
import type { VmView } from '../../src/vms/vm-record.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';
import { prng } from '../../src/base/prng.js';

const SEED = Number(process.env.CHAOS_SEED ?? 20261124);

t.test(`random crashes of VM and host actors during a run (seed ${SEED})`, async (t) => {
  const cloud = await startCloud(t, { scheduler: true });
  const c = cloud.client;
  const system = cloud.oned.system;
  const hosts = [];
  for (const name of ['c1', 'c2', 'c3']) hosts.push(await cloud.addHost(name, { latencyMs: 300 }));
  for (const h of hosts) await cloud.waitState(h.id, 'MONITORED');
  let supervisorGaveUp = false;
  void cloud.oned.failed.then(() => {
    supervisorGaveUp = true;
  });

  const random = prng(SEED);
  const injected = { vm: 0, host: 0 };
  const ids: number[] = [];
  let running = true;
  // The kernel's crash path, as if a handler had thrown: the supervisor restarts the actor.
  const crash = (name: string): boolean => {
    const ref = system.lookup(name) as unknown as { fail(e: Error): void } | undefined;
    if (ref === undefined) return false;
    ref.fail(new Error(`chaos: ${name}`));
    return true;
  };
  const chaos = (async () => {
    while (running) {
      // About 7 crashes a second, within the supervisors' intensity (VMs 100, hosts 20 per 10 s).
      await new Promise((r) => setTimeout(r, 100 + random() * 100));
      // The run may have ended during the wait: a crash now would be counted before its restart.
      if (!running) break;
      if (random() < 0.9 && ids.length > 0) {
        if (crash(`vm-${ids[Math.floor(random() * ids.length)] ?? 0}`)) injected.vm++;
      } else if (crash(`host-${hosts[Math.floor(random() * hosts.length)]?.id ?? 0}`)) {
        injected.host++;
      }
    }
  })();

  const restartsBefore = system.stats().restarts;
  const vm = (id: number): Promise<VmView> => c.call('vm.info', { id });
  const until = (id: number, state: string): Promise<VmView> =>
    eventually(
      () => vm(id),
      (v) => v.state === state && v.pending === undefined,
      60_000,
      `VM ${id} ${state}`,
    );
  // Each VM: placed and RUNNING, twice powered off, resumed, stopped and resumed, then terminated.
  const lifecycle = async (i: number): Promise<void> => {
    const { id } = await c.call('vm.allocate', { template: `NAME = chaos${i}\nCPU = 0.1\nMEMORY = 32\n`, hold: false });
    ids.push(id);
    await until(id, 'RUNNING');
    for (let round = 0; round < 2; round++) {
      await c.call('vm.action', { id, action: 'poweroff' });
      await until(id, 'POWEROFF');
      await c.call('vm.action', { id, action: 'resume' });
      await until(id, 'RUNNING');
      await c.call('vm.action', { id, action: 'stop' });
      await until(id, 'STOPPED');
      await c.call('vm.action', { id, action: 'resume' });
      await until(id, 'RUNNING');
    }
    await c.call('vm.action', { id, action: 'terminate' });
    await until(id, 'DONE');
  };
  try {
    await Promise.all(Array.from({ length: 24 }, (_, i) => lifecycle(i)));
  } finally {
    running = false;
    await chaos;
  }
  const restarts = system.stats().restarts - restartsBefore;
  t.comment(`injected ${injected.vm} VM actor and ${injected.host} host actor crashes; the supervisors restarted ${restarts} actors`);
  t.ok(injected.vm > 0 && injected.host > 0, 'crashes hit both kinds of actor');
  t.ok(restarts >= injected.vm + injected.host, 'every crash was followed by a restart');
  t.notOk(supervisorGaveUp, 'no supervisor gave up');
  const done = await Promise.all(ids.map(vm));
  t.equal(done.filter((v) => v.state === 'DONE').length, 24, 'all 24 VMs went through their life cycle to DONE');
  for (const h of hosts) {
    const view = await cloud.waitState(h.id, 'MONITORED', 20_000);
    t.equal(view.rvm, 0, `host ${view.name} holds no VM at the end`);
  }
});

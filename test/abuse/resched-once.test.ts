/**
 * The attack: under the striping policy, five VMs on one host and one on
 * the other, `onevm resched` three of them at once. The resched flag was
 * never cleared by the migration it caused, so a RUNNING VM stayed a
 * candidate for ever: the three live-migrated to the quieter host, which
 * made the first one quieter, and back, without end. A resched now moves a
 * VM at most once per request.
 */
import t from 'tap';
import type { PlacementMsg, PlacementStats } from '../../src/placement/placement-actor.js';
import { DEFAULT_PLACEMENT } from '../../src/placement/placement-core.js';
import type { VmView } from '../../src/vms/vm-record.js';
import { startCloud } from '../fixtures/cloud.js';
import { eventually } from '../fixtures/processes.js';

t.setTimeout(120_000);

t.test('three VMs rescheduled at once under striping each move at most once, then stay', async (t) => {
  const cloud = await startCloud(t, { scheduler: true, placement: { ...DEFAULT_PLACEMENT, policy: 'striping' } });
  const c = cloud.client;
  const a = await cloud.addHost('a');
  const b = await cloud.addHost('b');
  await cloud.waitState(a.id, 'MONITORED');
  await cloud.waitState(b.id, 'MONITORED');
  const info = (id: number): Promise<VmView> => c.call('vm.info', { id });
  const stats = async (): Promise<PlacementStats> => {
    const placement = cloud.oned.system.lookup<PlacementMsg>('placement');
    if (placement === undefined) throw new Error('no scheduler');
    return placement.ask({ type: 'stats' });
  };
  // Placed by hand (held VMs are not the scheduler's): five on a, one on b.
  const on = async (name: string, host: number): Promise<number> => {
    const { id } = await c.call('vm.allocate', { template: `NAME = ${name}\nCPU = 0.1\nMEMORY = 64\n`, hold: true });
    await c.call('vm.action', { id, action: 'deploy', host });
    return id;
  };
  const onA = [await on('a0', a.id), await on('a1', a.id), await on('a2', a.id), await on('a3', a.id), await on('a4', a.id)];
  const onB = await on('b0', b.id);
  const all = [...onA, onB];
  await eventually(
    () => Promise.all(all.map(info)),
    (vs) => vs.every((v) => v.state === 'RUNNING' && v.pending === undefined),
    20_000,
    'all RUNNING',
  );
  const untouched = await Promise.all([onA[3], onA[4], onB].map((id) => info(id as number)));

  const flagged = onA.slice(0, 3);
  await Promise.all(flagged.map((id) => c.call('vm.action', { id, action: 'resched' })));

  // Settled: every VM runs with nothing in flight, and the scheduler waits for none of them.
  // The scheduler is asked before and after the VMs: a pass that dispatched in between shows in its count.
  const settled = async (): Promise<{ vms: VmView[]; s: PlacementStats; first: PlacementStats }> => {
    const first = await stats();
    return { first, vms: await Promise.all(all.map(info)), s: await stats() };
  };
  const done = await eventually(
    settled,
    ({ vms, s, first }) =>
      vms.every((v) => v.state === 'RUNNING' && v.pending === undefined) && s.queued === 0 && s.rescheduled === first.rescheduled,
    20_000,
    'the rescheds to be answered',
  );
  t.ok(done.s.rescheduled >= 1 && done.s.rescheduled <= 3, `${done.s.rescheduled} migration(s) for three requests`);
  for (const id of flagged) {
    const v = done.vms.find((x) => x.id === id) as VmView;
    t.ok(v.history.length <= 2, `VM ${id} moved at most once (${v.history.length} stays)`);
  }
  const moved = done.vms.filter((v) => v.history.length === 2);
  t.ok(
    moved.every((v) => v.hostId === b.id),
    'each one that moved went to the quieter host',
  );

  // A few scheduler passes later (its safety pass and kicks from monitoring), nothing has moved again.
  await new Promise((r) => setTimeout(r, 1_500));
  const later = await settled();
  t.equal(later.s.rescheduled, done.s.rescheduled, 'no further migration');
  t.same(
    later.vms.map((v) => [v.id, v.hostId, v.history.length]),
    done.vms.map((v) => [v.id, v.hostId, v.history.length]),
    'every VM stays put',
  );

  // oned answers its administrator, and the VMs nobody rescheduled are as they were.
  for (const before of untouched) {
    const now = await info(before.id);
    t.equal(now.state, 'RUNNING');
    t.same(now.history, before.history, `VM ${before.id} untouched`);
  }
  t.equal((await cloud.host(a.id)).state, 'MONITORED');
  t.equal((await cloud.host(b.id)).state, 'MONITORED');
});

import t from 'tap';
import { place, type HostCandidate, type PendingVm, type PlacementPolicy } from '../../src/placement/placement-core.js';

function host(id: number, cores: number, memGb: number, vars: Record<string, string | number> = {}): HostCandidate {
  return {
    id, totalCpu: cores * 100, totalMemory: memGb * 1024 * 1024, allocatedCpu: 0, allocatedMemory: 0,
    vars: { ID: id, NAME: `h${id}`, HOSTNAME: `h${id}`, RUNNING_VMS: 0, FREECPU: cores * 100, ...vars },
  };
}

function vm(id: number, cpu = 1, memory = 1024, extra: Partial<PendingVm> = {}): PendingVm {
  return { id, cpu, memory, priority: 0, requirements: () => true, rank: undefined, ...extra };
}

const options = (policy: PlacementPolicy) => ({ policy, maxVmsPerPass: 10_000, maxDispatchPerHost: 1_000 });

t.test('policies order the hosts as OpenNebula\'s defaults do', async (t) => {
  const mk = () => [host(1, 8, 32, { RUNNING_VMS: 1, FREECPU: 100, PRIORITY: 1 }), host(2, 8, 32, { RUNNING_VMS: 5, FREECPU: 700, PRIORITY: 9 }), host(3, 8, 32, { RUNNING_VMS: 0, FREECPU: 400 })];
  t.equal(place([vm(1)], mk(), options('packing')).dispatched[0]?.hostId, 2, 'packing: the busiest');
  t.equal(place([vm(1)], mk(), options('striping')).dispatched[0]?.hostId, 3, 'striping: the least busy');
  t.equal(place([vm(1)], mk(), options('load_aware')).dispatched[0]?.hostId, 2, 'load-aware: the most free CPU');
  t.equal(place([vm(1)], mk(), options('fixed')).dispatched[0]?.hostId, 2, 'fixed: the highest PRIORITY');
  t.equal(place([vm(1, 1, 1024, { rank: (h) => -Number(h.ID) })], mk(), options('packing')).dispatched[0]?.hostId, 1, 'the VM\'s own rank wins');
});

t.test('striping spreads VMs placed in one pass', async (t) => {
  const hosts = [host(1, 8, 32), host(2, 8, 32), host(3, 8, 32)];
  const r = place([vm(1), vm(2), vm(3)], hosts, options('striping'));
  t.same(r.dispatched.map((d) => d.hostId).sort(), [1, 2, 3]);
});

t.test('no over-commit under a burst of 1,000 VMs onto tight hosts', async (t) => {
  const hosts = Array.from({ length: 20 }, (_, i) => host(i, 2 + (i % 3), 4));
  const vms = Array.from({ length: 1000 }, (_, i) => vm(i, 0.25 + (i % 4) * 0.25, 256 + (i % 5) * 256));
  const r = place(vms, hosts, options('packing'));
  // the invariant, recomputed from the final state
  const vmById = new Map(vms.map((v) => [v.id, v]));
  for (const h of hosts) {
    const mine = r.dispatched.filter((d) => d.hostId === h.id).map((d) => vmById.get(d.vmId) as PendingVm);
    const cpu = mine.reduce((s, v) => s + Math.round(v.cpu * 100), 0);
    const mem = mine.reduce((s, v) => s + v.memory * 1024, 0);
    t.ok(cpu <= h.totalCpu && mem <= h.totalMemory, `host ${h.id}: ${cpu}/${h.totalCpu} CPU, ${mem}/${h.totalMemory} KiB`);
    t.equal(h.allocatedCpu, cpu);
  }
  t.equal(r.dispatched.length + r.unplaced.length, 1000, 'every VM placed or told why not');
  t.ok(r.dispatched.length > 0 && r.unplaced.length > 0, 'the hosts filled up');
  t.ok(r.unplaced.every((u) => /capacity/.test(u.reason)));
});

t.test('unplaceable VMs say why', async (t) => {
  t.same(place([vm(1)], []).unplaced, [{ vmId: 1, reason: 'No hosts enabled to run VMs' }]);
  const r = place([vm(2, 1, 1024, { requirements: (h) => h.HOSTNAME === 'nowhere' })], [host(1, 2, 2)]);
  t.match(r.unplaced[0]?.reason, /requirements/);
  const big = place([vm(3, 64)], [host(1, 2, 2)]);
  t.match(big.unplaced[0]?.reason, /capacity/);
});

t.test('priority first, then FIFO; pass and per-host limits', async (t) => {
  const r = place([vm(1), vm(2, 1, 1024, { priority: 5 }), vm(3)], [host(1, 2, 64)], options('packing'));
  t.same(r.dispatched.map((d) => d.vmId), [2, 1], 'the high-priority VM first, then the oldest');
  t.same(r.unplaced.map((u) => u.vmId), [3]);
  const limited = place([vm(1, 0.1), vm(2, 0.1), vm(3, 0.1)], [host(1, 8, 32), host(2, 8, 32)], { policy: 'packing', maxVmsPerPass: 10, maxDispatchPerHost: 1 });
  t.same(limited.dispatched.map((d) => d.hostId), [1, 2], 'one per host per pass');
  const pass = place([vm(1, 0.1), vm(2, 0.1), vm(3, 0.1)], [host(1, 8, 32)], { policy: 'packing', maxVmsPerPass: 2, maxDispatchPerHost: 10 });
  t.equal(pass.dispatched.length, 2);
});

import t from 'tap';
import { ExpressionCache, compileRank, compileRequirements } from '../../src/placement/expr/index.js';
import { place, type HostCandidate, type PendingVm, type PlacementPolicy } from '../../src/placement/placement-core.js';
import { host as genHost, pick, prng, rank as genRank, requirements as genRequirements } from './expr/gen.js';

function host(id: number, cores: number, memGb: number, vars: Record<string, string | number> = {}): HostCandidate {
  return {
    id,
    totalCpu: cores * 100,
    totalMemory: memGb * 1024 * 1024,
    allocatedCpu: 0,
    allocatedMemory: 0,
    vars: { ID: id, NAME: `h${id}`, HOSTNAME: `h${id}`, RUNNING_VMS: 0, FREECPU: cores * 100, ...vars },
  };
}

function vm(id: number, cpu = 1, memory = 1024, extra: Partial<PendingVm> = {}): PendingVm {
  return { id, cpu, memory, priority: 0, requirements: () => true, rank: undefined, ...extra };
}

const options = (policy: PlacementPolicy) => ({ policy, maxVmsPerPass: 10_000, maxDispatchPerHost: 1_000 });

t.test("policies order the hosts as OpenNebula's defaults do", async (t) => {
  const mk = () => [
    host(1, 8, 32, { RUNNING_VMS: 1, FREECPU: 100, PRIORITY: 1 }),
    host(2, 8, 32, { RUNNING_VMS: 5, FREECPU: 700, PRIORITY: 9 }),
    host(3, 8, 32, { RUNNING_VMS: 0, FREECPU: 400 }),
  ];
  t.equal(place([vm(1)], mk(), options('packing')).dispatched[0]?.hostId, 2, 'packing: the busiest');
  t.equal(place([vm(1)], mk(), options('striping')).dispatched[0]?.hostId, 3, 'striping: the least busy');
  t.equal(place([vm(1)], mk(), options('load_aware')).dispatched[0]?.hostId, 2, 'load-aware: the most free CPU');
  t.equal(place([vm(1)], mk(), options('fixed')).dispatched[0]?.hostId, 2, 'fixed: the highest PRIORITY');
  t.equal(
    place([vm(1, 1, 1024, { rank: (h) => -Number(h.ID) })], mk(), options('packing')).dispatched[0]?.hostId,
    1,
    "the VM's own rank wins",
  );
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
  t.same(
    r.dispatched.map((d) => d.vmId),
    [2, 1],
    'the high-priority VM first, then the oldest',
  );
  t.same(
    r.unplaced.map((u) => u.vmId),
    [3],
  );
  const limited = place([vm(1, 0.1), vm(2, 0.1), vm(3, 0.1)], [host(1, 8, 32), host(2, 8, 32)], {
    policy: 'packing',
    maxVmsPerPass: 10,
    maxDispatchPerHost: 1,
  });
  t.same(
    limited.dispatched.map((d) => d.hostId),
    [1, 2],
    'one per host per pass',
  );
  const pass = place([vm(1, 0.1), vm(2, 0.1), vm(3, 0.1)], [host(1, 8, 32)], {
    policy: 'packing',
    maxVmsPerPass: 2,
    maxDispatchPerHost: 10,
  });
  t.equal(pass.dispatched.length, 2);
});

// ---- compiled expressions: evaluated over all hosts at once, with pass-wide caches ----

/** The same VM with its closures stripped of their plans: place() then calls them host by host. */
function hostByHost(v: PendingVm): PendingVm {
  const { requirements, rank } = v;
  return { ...v, requirements: (h) => requirements(h), rank: rank === undefined ? undefined : (h) => rank(h) };
}

function compiled(id: number, cpu: number, memory: number, req: string, rank: string | undefined, cache?: ExpressionCache): PendingVm {
  return {
    id,
    cpu,
    memory,
    priority: 0,
    requirements: compileRequirements(req, cache),
    rank: rank === undefined ? undefined : compileRank(rank, cache),
  };
}

t.test('compiled and host-by-host placement make the same decisions on random workloads', async (t) => {
  const random = prng(0x9ace);
  const reqPool = [
    ...Array.from({ length: 12 }, () => genRequirements(random)),
    'RUNNING_VMS < 3',
    '!(CURRENT_VMS = 5)',
    'CURRENT_VMS != 7 & FREECPU > 100',
    'TAGS @> ssd | RUNNING_VMS = 0',
    '',
  ];
  const rankPool = [
    ...Array.from({ length: 6 }, () => genRank(random)),
    'RUNNING_VMS',
    '-RUNNING_VMS * 10 + FREECPU',
    'CURRENT_VMS',
    undefined,
  ];
  let placed = 0;
  let left = 0;
  for (const policy of ['packing', 'striping', 'load_aware', 'fixed'] as const) {
    for (let round = 0; round < 4; round++) {
      const vars = Array.from({ length: 37 }, () => genHost(random));
      const mk = (): HostCandidate[] =>
        vars.map((v, i) => ({
          id: 1000 - i * 3,
          vars: { ...v },
          totalCpu: 400 + (i % 5) * 200,
          totalMemory: 8 * 2 ** 20,
          allocatedCpu: (i % 3) * 100,
          allocatedMemory: 0,
        }));
      const cache = new ExpressionCache();
      const vms = Array.from({ length: 150 }, (_, id) => ({
        ...compiled(id, [0.5, 1, 2][id % 3] as number, 512 * (1 + (id % 4)), pick(random, reqPool), pick(random, rankPool), cache),
        priority: id % 7 === 0 ? 1 : 0,
      }));
      const opts = { policy, maxVmsPerPass: 140, maxDispatchPerHost: 6 };
      const fast = mk();
      const slow = mk();
      const a = place(vms, fast, opts);
      const b = place(vms.map(hostByHost), slow, opts);
      t.same(a, b, `${policy}, round ${round}: same dispatches and reasons`);
      t.same(fast, slow, `${policy}, round ${round}: same hosts after the pass`);
      placed += a.dispatched.length;
      left += a.unplaced.length;
    }
  }
  t.ok(placed > 500 && left > 100, `VMs are placed and left pending (${placed}, ${left})`);
});

t.test('within a pass, every VM sees what the VMs before it took', async (t) => {
  const cache = new ExpressionCache();
  // One compiled requirement and rank shared by every VM: the pass's bitsets and rank column must follow the dispatches.
  const spread = Array.from({ length: 3 }, (_, i) => compiled(i + 1, 1, 1024, 'RUNNING_VMS < 1', 'FREECPU', cache));
  const r1 = place(spread, [host(1, 8, 32), host(2, 8, 32), host(3, 8, 32)]);
  t.same(
    r1.dispatched.map((d) => d.hostId),
    [1, 2, 3],
    'RUNNING_VMS < 1 holds on a host only until a VM goes there',
  );

  const striped = Array.from({ length: 4 }, (_, i) => compiled(i + 1, 1, 1024, '', '-RUNNING_VMS', cache));
  const r2 = place(striped, [host(1, 8, 32), host(2, 8, 32)]);
  t.same(
    r2.dispatched.map((d) => d.hostId),
    [1, 2, 1, 2],
    'a shared rank over RUNNING_VMS follows each dispatch',
  );

  const apart = [compiled(1, 1, 1024, '', 'FREECPU', cache), compiled(2, 1, 1024, '!(CURRENT_VMS = 1)', 'FREECPU', cache)];
  const hosts = [host(1, 8, 32, { FREECPU: 800 }), host(2, 8, 32, { FREECPU: 100 })];
  const r3 = place(apart, hosts);
  t.same(
    r3.dispatched,
    [
      { vmId: 1, hostId: 1 },
      { vmId: 2, hostId: 2 },
    ],
    'VM 2 avoids the host VM 1 was just placed on',
  );
  t.equal(hosts[0]?.vars.CURRENT_VMS, '1');
  t.equal(hosts[0]?.vars.RUNNING_VMS, 1);

  const tight = Array.from({ length: 5 }, (_, i) => compiled(i + 1, 2, 1024, 'FREECPU > 0', 'FREECPU', cache));
  const small = [host(1, 4, 32, { FREECPU: 900 }), host(2, 4, 32, { FREECPU: 100 })];
  const r4 = place(tight, small);
  t.same(
    r4.dispatched.map((d) => d.hostId),
    [1, 1, 2, 2],
    'capacity taken within the pass moves VMs on (FREECPU is monitoring: it does not change)',
  );
  t.same(r4.unplaced, [{ vmId: 5, reason: 'Not enough capacity in any host that meets the requirements' }]);
  t.same(
    small.map((h) => h.allocatedCpu),
    [400, 400],
  );
});

t.test('between passes, changed monitoring and attributes are seen, whatever was cached', async (t) => {
  const cache = new ExpressionCache();
  const vm1 = compiled(1, 1, 1024, 'FEATURES @> ssd & HYPERVISOR = "q*"', 'FREECPU', cache);
  const hosts = [
    host(1, 8, 32, { FEATURES: 'ssd,10g', HYPERVISOR: 'qemu', FREECPU: 100 }),
    host(2, 8, 32, { FEATURES: 'ssd', HYPERVISOR: 'qemu', FREECPU: 700 }),
    host(3, 8, 32, { FEATURES: '10g', HYPERVISOR: 'qemu', FREECPU: 800 }),
  ];
  t.equal(place([vm1], hosts).dispatched[0]?.hostId, 2, 'the freest host with ssd');
  // Monitoring: host 2 got busy; onehost update: host 3 now has ssd, host 1 lost it.
  (hosts[1] as HostCandidate).vars.FREECPU = 50;
  (hosts[2] as HostCandidate).vars.FEATURES = '10g, ssd';
  (hosts[0] as HostCandidate).vars.FEATURES = '10g';
  const vm2 = compiled(2, 1, 1024, 'FEATURES @> ssd & HYPERVISOR = "q*"', 'FREECPU', cache);
  t.equal(vm2.requirements, vm1.requirements, 'the same text: the same compiled closure from the cache');
  t.equal(place([vm2], hosts).dispatched[0]?.hostId, 3);
  (hosts[2] as HostCandidate).vars.HYPERVISOR = 'dummy';
  t.equal(place([vm2], hosts).dispatched[0]?.hostId, 2);
  (hosts[1] as HostCandidate).vars.HYPERVISOR = 'kvm';
  t.same(place([vm2], hosts).unplaced, [{ vmId: 2, reason: 'No host meets the requirements (SCHED_REQUIREMENTS)' }]);
});

t.test('the expression cache shares closures and comparisons, and stays bounded', async (t) => {
  const cache = new ExpressionCache(5);
  const a = compileRequirements('FREECPU > 100 & HOSTNAME = "node*"', cache);
  const b = compileRequirements('HOSTNAME = "node*" | RUNNING_VMS < 4', cache);
  t.equal(compileRequirements('FREECPU > 100 & HOSTNAME = "node*"', cache), a);
  const leafOf = (p: NonNullable<typeof a.plan>, k: number) =>
    p.kind === 'chain' ? (k === 0 ? p.first : p.rest[k - 1]?.operand) : undefined;
  const la = leafOf(a.plan, 1);
  const lb = leafOf(b.plan, 0);
  t.ok(la?.kind === 'leaf' && lb?.kind === 'leaf' && la.leaf === lb.leaf, 'HOSTNAME = "node*" is one leaf for both');
  t.ok(cache.size <= 5);
  for (let i = 0; i < 20; i++) {
    const f = compileRequirements(`FREECPU > ${i}`, cache);
    t.equal(f({ FREECPU: 10 }), 10 > i);
    t.ok(cache.size <= 5, 'never past the limit');
  }
  t.equal(compileRank('FREECPU * 2', cache)({ FREECPU: 3 }), 6);
  t.throws(() => new ExpressionCache(0), TypeError);
});

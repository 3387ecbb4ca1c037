import t, { type Test } from 'tap';
import { ExpressionCache, type HostVars, compileRank, compileRequirements } from '../../src/placement/expr/index.js';
import { HostTable } from '../../src/placement/host-table.js';
import { host as randomHost, prng, rank as randomRank, requirements as randomRequirements } from './expr/gen.js';

const CHANGING: ReadonlySet<string> = new Set(['RUNNING_VMS', 'CURRENT_VMS']);

/** Host i's bit in a bitset. */
function bit(bits: Int32Array, i: number): boolean {
  return (((bits[i >>> 5] as number) >>> (i & 31)) & 1) === 1;
}

function indices(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** The table's answers for every host, against the compiled closures'; returns how many hosts matched. */
function agree(t: Test, table: HostTable, hosts: readonly HostVars[], reqSrc: string, rankSrc: string, cache?: ExpressionCache): number {
  const req = compileRequirements(reqSrc, cache);
  const rank = compileRank(rankSrc, cache);
  const bits = table.matching(req.plan);
  const out = new Float64Array(hosts.length);
  table.ranks(rank.plan, indices(hosts.length), hosts.length, out);
  const column = table.rankColumn(rank.plan);
  for (const [i, h] of hosts.entries()) {
    if (bit(bits, i) !== req(h))
      t.fail(`${JSON.stringify(reqSrc)} on host ${i} ${JSON.stringify(h)}: table ${bit(bits, i)}, closure ${req(h)}`);
    if (!Object.is(out[i], rank(h))) t.fail(`${JSON.stringify(rankSrc)} on host ${i}: table ${out[i]}, closure ${rank(h)}`);
    if (column !== undefined && !Object.is(column[i], rank(h)))
      t.fail(`${JSON.stringify(rankSrc)} column on host ${i}: ${column[i]}, closure ${rank(h)}`);
  }
  return hosts.filter((_, i) => bit(bits, i)).length;
}

t.test('bitsets and rank columns agree with the closures on random expressions and hosts', async (t) => {
  const random = prng(0x7ab1e);
  // 70 hosts: three words, the last one partial (a `!` must not set bits past the end).
  const hosts = Array.from({ length: 70 }, () => randomHost(random));
  const table = new HostTable(hosts, CHANGING);
  const cache = new ExpressionCache();
  const reqs = Array.from({ length: 300 }, () => randomRequirements(random));
  const ranks = Array.from({ length: 100 }, () => randomRank(random));
  // Each text twice: the second time, leaves and rank columns are the pass's cached ones.
  let matched = 0;
  for (let round = 0; round < 2; round++) {
    for (const [k, src] of reqs.entries()) matched += agree(t, table, hosts, src, ranks[k % ranks.length] as string, cache);
  }
  const pairs = 2 * reqs.length * hosts.length;
  t.ok(matched > pairs * 0.1 && matched < pairs * 0.9, `hosts match often and fail often (${matched} of ${pairs})`);
  const all = table.matching(compileRequirements('').plan);
  t.same([...all], [-1, -1, 0x3f], 'the empty expression: every host, and no bit past the last');
  const unknown = table.matching(compileRequirements('!(NOPE = 1)').plan);
  t.same([...unknown], [-1, -1, 0x3f], 'a negation sets no bit past the last host');
});

t.test('a changed host is seen by every column that reads what changed, before its next read', async (t) => {
  const hosts: Record<string, string | number>[] = Array.from({ length: 40 }, (_, i) => ({
    ID: i,
    RUNNING_VMS: i % 4,
    CURRENT_VMS: '',
    FREECPU: 100 * i,
  }));
  const table = new HostTable(hosts, CHANGING);
  const cache = new ExpressionCache();
  const few = compileRequirements('RUNNING_VMS < 2', cache);
  const notWithOne = compileRequirements('!(CURRENT_VMS = 1)', cache);
  const busy = compileRank('RUNNING_VMS * 1000 + FREECPU', cache);
  const free = compileRank('FREECPU', cache);
  // First reads build the columns (and, the second time, the rank columns).
  t.ok(bit(table.matching(few.plan), 1), 'host 1 runs 1 VM');
  t.ok(bit(table.matching(notWithOne.plan), 5));
  t.equal(table.rankColumn(busy.plan), undefined, 'a rank met once has no column yet');
  const column = table.rankColumn(busy.plan) as Float64Array;
  t.equal(column[1], 1100);
  t.equal((table.rankColumn(free.plan) ?? table.rankColumn(free.plan))?.[3], 300);

  // A dispatch: host 1 runs one more VM (VM 1), host 5 gets VM 1 too (say).
  (hosts[1] as Record<string, number>).RUNNING_VMS = 2;
  table.changed(1);
  (hosts[5] as Record<string, string>).CURRENT_VMS = '1';
  table.changed(5);
  t.notOk(bit(table.matching(few.plan), 1), 'RUNNING_VMS < 2 no longer holds on host 1');
  t.notOk(bit(table.matching(notWithOne.plan), 5), 'VM 1 now runs on host 5');
  t.equal(table.rankColumn(busy.plan)?.[1], 2100, 'the rank column replays host 1');
  t.ok(bit(table.matching(few.plan), 4), 'other hosts unchanged');

  // More changes than hosts: the columns are recomputed whole.
  for (let k = 0; k < 100; k++) {
    const i = k % 40;
    const h = hosts[i] as Record<string, number>;
    h.RUNNING_VMS = (h.RUNNING_VMS as number) + 1;
    table.changed(i);
  }
  const after = table.matching(few.plan);
  const ranks = table.rankColumn(busy.plan) as Float64Array;
  for (const [i, h] of hosts.entries()) {
    t.equal(bit(after, i), (h.RUNNING_VMS as number) < 2, `host ${i}: RUNNING_VMS ${h.RUNNING_VMS}`);
    t.equal(ranks[i], (h.RUNNING_VMS as number) * 1000 + (h.FREECPU as number));
  }
});

t.test('a new table reads the hosts anew: changes between passes are seen', async (t) => {
  const hosts: Record<string, string | number>[] = [
    { ID: 0, FEATURES: 'ssd,10g', FREECPU: 400 },
    { ID: 1, FEATURES: '10g', FREECPU: 800 },
  ];
  const cache = new ExpressionCache();
  const ssd = compileRequirements('FEATURES @> ssd', cache);
  const free = compileRank('FREECPU', cache);
  const first = new HostTable(hosts, CHANGING);
  t.same([bit(first.matching(ssd.plan), 0), bit(first.matching(ssd.plan), 1)], [true, false]);
  first.rankColumn(free.plan);
  t.same([...(first.rankColumn(free.plan) ?? [])], [400, 800]);
  // `onehost update` and fresh monitoring between passes.
  (hosts[0] as Record<string, string | number>).FEATURES = '10g';
  (hosts[1] as Record<string, string | number>).FEATURES = '10g, ssd';
  (hosts[0] as Record<string, string | number>).FREECPU = 900;
  const second = new HostTable(hosts, CHANGING);
  t.same([bit(second.matching(ssd.plan), 0), bit(second.matching(ssd.plan), 1)], [false, true]);
  second.rankColumn(free.plan);
  t.same([...(second.rankColumn(free.plan) ?? [])], [900, 800]);
});

t.test('no hosts', async (t) => {
  const table = new HostTable([], CHANGING);
  t.equal(table.words, 0);
  t.equal(table.matching(compileRequirements('!(A = 1)').plan).length, 0);
  t.same([...(table.rankColumn(compileRank('-A').plan) ?? [])], []);
});

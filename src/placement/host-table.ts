/**
 * One scheduling pass's hosts, column by column, for compiled expressions
 * to run over all of them at once rather than host by host.
 *
 * - A requirement comparison (a plan leaf) is tested once per host and kept
 *   as a bitset under its key, shared by every VM that has the same
 *   comparison; a VM's requirements are then a few word-wide `&`, `|`, `~`
 *   over those bitsets.
 * - A rank is computed for a list of candidate hosts at once, one tight loop
 *   per operator over typed arrays; a variable is a column of its values as
 *   rank terms. A rank plan met a second time in the pass (VMs that share a
 *   compiled rank share its plan) gets a column of its own, every host's
 *   rank, so the VMs after it only read it — up to RANK_CELLS values in all.
 *
 * Freshness: everything is read from the hosts' variables when first asked
 * for in the pass, so a change between passes is always seen. Within a
 * pass, the caller reports each host whose variables it changed
 * (`changed`); the names it may change are given up front (`changing`). A
 * variable's own columns are refreshed for that host at once; a leaf or rank
 * column that reads one of those names re-evaluates the hosts reported since
 * it was last read, each once, before it is read again. Columns that read
 * no such name cannot go stale.
 */
import type { BoolPlan, HostVars, Leaf, RankPlan } from './expr/index.js';
import { rankValue } from './expr/index.js';
import { applyConstant, applyGathered, applyVector, finish } from './rank-loops.js';

interface Column<T> {
  readonly values: T;
  /** Whether it reads a variable the pass may change; if not, it never goes stale. */
  readonly changing: boolean;
  /** How much of the change log it reflects. */
  seen: number;
}

interface LeafColumn extends Column<Int32Array> {
  readonly leaf: Leaf;
}

interface RankColumn extends Column<Float64Array> {
  readonly plan: RankPlan;
}

/** Most rank values kept in rank columns in one pass (8 bytes each): 128 MiB. */
export const RANK_CELLS = 16 * 1024 * 1024;

export class HostTable {
  readonly size: number;
  /** 32-bit words in a bitset of hosts. */
  readonly words: number;
  private readonly vars: readonly HostVars[];
  private readonly changing: ReadonlySet<string>;
  /** Indices of the hosts whose variables changed, in order, repeats kept. */
  private readonly log: number[] = [];
  private readonly leaves = new Map<string, LeafColumn>();
  /** Each variable's values as read, by host index. */
  private readonly values = new Map<string, unknown[]>();
  /** Each variable as a rank term (its number, else 0), by host index. */
  private readonly terms = new Map<string, Float64Array>();
  private readonly rankColumns = new Map<RankPlan, RankColumn>();
  /** Rank plans met once, without a column yet. */
  private readonly ranksMet = new Set<RankPlan>();
  private rankCells = 0;
  /** 0, 1, …, size - 1: every host, as a candidate list. */
  private everyIndex: Int32Array | undefined;
  /** Every host: the `all` plan. Never written after construction. */
  private readonly everyHost: Int32Array;
  private readonly lastWordMask: number;
  private readonly bitScratch: Int32Array[] = [];
  /** By depth; depth 0 only for a rank column's replay (as is indexScratch[0]; [1] for a leaf's). */
  private readonly numberScratch: Float64Array[] = [];
  private readonly indexScratch: Int32Array[] = [];
  /** For changedSince: host i was listed in the call that set marks[i] = stamp. */
  private readonly marks: Int32Array;
  private stamp = 0;

  /**
   * @param vars each host's variables, by host index; read, never written
   * @param changing the names whose values the caller may change during the pass
   */
  constructor(vars: readonly HostVars[], changing: ReadonlySet<string>) {
    this.vars = vars;
    this.changing = changing;
    this.size = vars.length;
    this.words = (this.size + 31) >>> 5;
    const rest = this.size & 31;
    this.lastWordMask = rest === 0 ? -1 : (1 << rest) - 1;
    this.everyHost = new Int32Array(this.words).fill(-1);
    if (this.words > 0) this.everyHost[this.words - 1] = this.lastWordMask;
    this.marks = new Int32Array(this.size);
  }

  /** Host `i`'s variables changed (only ones named in `changing`). */
  changed(i: number): void {
    this.log.push(i);
    const vars = this.vars[i] as HostVars;
    for (const name of this.changing) {
      const value = vars[name];
      const values = this.values.get(name);
      if (values !== undefined) values[i] = value;
      const terms = this.terms.get(name);
      if (terms !== undefined) terms[i] = rankValue(value);
    }
  }

  /**
   * The hosts that meet `plan`, as a bitset (bit i of word i >>> 5). It is
   * scratch space: valid until the next call, not to be written.
   */
  matching(plan: BoolPlan): Int32Array {
    return this.bits(plan, 0);
  }

  /** Writes into `out[k]` the rank of host `hosts[k]`, k < count: never NaN, never -0. */
  ranks(plan: RankPlan, hosts: Int32Array, count: number, out: Float64Array): void {
    this.rank(plan, hosts, count, out, 0);
    finish(out, count);
  }

  /**
   * Every host's rank under `plan`, by host index, when the pass keeps a
   * column for it: from the second time a plan is asked for, within
   * RANK_CELLS. Otherwise undefined: use `ranks` on the candidates. The
   * column is scratch to read before the next change, not to write.
   */
  rankColumn(plan: RankPlan): Float64Array | undefined {
    const known = this.rankColumns.get(plan);
    if (known !== undefined) {
      if (known.changing) this.replayRanks(known);
      return known.values;
    }
    if (!this.ranksMet.has(plan)) {
      this.ranksMet.add(plan);
      return undefined;
    }
    if (this.rankCells + this.size > RANK_CELLS) return undefined;
    this.rankCells += this.size;
    const values = new Float64Array(this.size);
    this.ranks(plan, this.allHosts(), this.size, values);
    const changing = mentions(plan, this.changing);
    this.rankColumns.set(plan, { plan, values, changing, seen: this.log.length });
    return values;
  }

  /** A rank column brought up to the log: the hosts changed since, evaluated together. */
  private replayRanks(column: RankColumn): void {
    const hosts = this.indicesAt(0);
    const count = this.changedSince(column, hosts);
    const out = this.numbersAt(0);
    this.ranks(column.plan, hosts, count, out);
    for (let k = 0; k < count; k++) column.values[hosts[k] as number] = out[k] as number;
  }

  /**
   * Lists into `into` the hosts changed since the column was last brought up
   * to date, each once, and marks it up to date; returns how many.
   */
  private changedSince(column: Column<unknown>, into: Int32Array): number {
    const { log } = this;
    const from = column.seen;
    column.seen = log.length;
    if (from === log.length) return 0;
    if (log.length - from >= this.size) {
      into.set(this.allHosts());
      return this.size;
    }
    const stamp = ++this.stamp;
    let count = 0;
    for (let k = from; k < log.length; k++) {
      const i = log[k] as number;
      if (this.marks[i] !== stamp) {
        this.marks[i] = stamp;
        into[count++] = i;
      }
    }
    return count;
  }

  private allHosts(): Int32Array {
    if (this.everyIndex === undefined) {
      this.everyIndex = new Int32Array(this.size);
      for (let i = 0; i < this.size; i++) this.everyIndex[i] = i;
    }
    return this.everyIndex;
  }

  private bits(p: BoolPlan, depth: number): Int32Array {
    switch (p.kind) {
      case 'all':
        return this.everyHost;
      case 'leaf':
        return this.leafBits(p.leaf);
      case 'not': {
        const x = this.bits(p.operand, depth + 1);
        const out = this.bitsAt(depth);
        const words = this.words;
        for (let w = 0; w < words; w++) out[w] = ~(x[w] as number);
        if (words > 0) out[words - 1] = (out[words - 1] as number) & this.lastWordMask;
        return out;
      }
      case 'chain': {
        const out = this.bitsAt(depth);
        out.set(this.bits(p.first, depth + 1));
        const words = this.words;
        for (const step of p.rest) {
          const x = this.bits(step.operand, depth + 1);
          if (step.and) for (let w = 0; w < words; w++) out[w] = (out[w] as number) & (x[w] as number);
          else for (let w = 0; w < words; w++) out[w] = (out[w] as number) | (x[w] as number);
        }
        return out;
      }
    }
  }

  private leafBits(leaf: Leaf): Int32Array {
    const known = this.leaves.get(leaf.key);
    if (known === undefined) {
      const column: LeafColumn = {
        leaf,
        values: new Int32Array(this.words),
        changing: this.changing.has(leaf.name),
        seen: this.log.length,
      };
      const { test } = leaf;
      const values = this.valueColumn(leaf.name);
      const bits = column.values;
      for (let w = 0; w < this.words; w++) {
        let word = 0;
        const end = Math.min(32, this.size - (w << 5));
        for (let b = 0; b < end; b++) if (test(values[(w << 5) | b])) word |= 1 << b;
        bits[w] = word;
      }
      this.leaves.set(leaf.key, column);
      return bits;
    }
    if (known.changing) {
      const hosts = this.indicesAt(1);
      const count = this.changedSince(known, hosts);
      const { test } = known.leaf;
      const values = this.valueColumn(known.leaf.name);
      const bits = known.values;
      for (let k = 0; k < count; k++) {
        const i = hosts[k] as number;
        const bit = 1 << (i & 31);
        bits[i >>> 5] = test(values[i]) ? (bits[i >>> 5] as number) | bit : (bits[i >>> 5] as number) & ~bit;
      }
    }
    return known.values;
  }

  /** The variable's values as read from each host (undefined where it has none). */
  private valueColumn(name: string): unknown[] {
    let values = this.values.get(name);
    if (values === undefined) {
      values = this.vars.map((v) => v[name]);
      this.values.set(name, values);
    }
    return values;
  }

  /** The variable as a rank term (its number, else 0), by host index. */
  private termColumn(name: string): Float64Array {
    let terms = this.terms.get(name);
    if (terms === undefined) {
      terms = Float64Array.from(this.valueColumn(name), rankValue);
      this.terms.set(name, terms);
    }
    return terms;
  }

  private rank(p: RankPlan, hosts: Int32Array, count: number, out: Float64Array, depth: number): void {
    switch (p.kind) {
      case 'constant':
        out.fill(p.value, 0, count);
        return;
      case 'variable': {
        const column = this.termColumn(p.name);
        for (let k = 0; k < count; k++) out[k] = column[hosts[k] as number] as number;
        return;
      }
      case 'negate':
        this.rank(p.operand, hosts, count, out, depth + 1);
        for (let k = 0; k < count; k++) out[k] = -(out[k] as number);
        return;
      case 'chain':
        this.rank(p.first, hosts, count, out, depth + 1);
        for (const { op, operand } of p.rest) {
          if (operand.kind === 'constant') {
            applyConstant(op, out, count, operand.value);
          } else if (operand.kind === 'variable') {
            applyGathered(op, out, count, this.termColumn(operand.name), hosts);
          } else {
            const x = this.numbersAt(depth + 1);
            this.rank(operand, hosts, count, x, depth + 1);
            applyVector(op, out, count, x);
          }
        }
        return;
    }
  }

  private bitsAt(depth: number): Int32Array {
    while (this.bitScratch.length <= depth) this.bitScratch.push(new Int32Array(this.words));
    return this.bitScratch[depth] as Int32Array;
  }

  private numbersAt(depth: number): Float64Array {
    while (this.numberScratch.length <= depth) this.numberScratch.push(new Float64Array(this.size));
    return this.numberScratch[depth] as Float64Array;
  }

  private indicesAt(depth: number): Int32Array {
    while (this.indexScratch.length <= depth) this.indexScratch.push(new Int32Array(this.size));
    return this.indexScratch[depth] as Int32Array;
  }
}

/** Whether the plan reads any of `names`. */
function mentions(p: RankPlan, names: ReadonlySet<string>): boolean {
  switch (p.kind) {
    case 'constant':
      return false;
    case 'variable':
      return names.has(p.name);
    case 'negate':
      return mentions(p.operand, names);
    case 'chain':
      return mentions(p.first, names) || p.rest.some((s) => mentions(s.operand, names));
  }
}

/**
 * Compiled expressions shared between the VMs that have them. VMs made from
 * one template have the same SCHED_REQUIREMENTS and SCHED_RANK, and VMs
 * from different templates still share most comparisons (`HYPERVISOR =
 * "qemu"`, `FEATURES @> ssd`): with a cache, each distinct text is parsed
 * once and each distinct comparison's test (its wildcard pattern compiled)
 * built once, and the VMs hold the very same closures and plan leaves.
 *
 * What is cached is immutable and a function of the text alone, so sharing
 * it can never change an answer. The cache is bounded: past `limit` entries
 * it forgets everything and starts again (what was handed out stays valid).
 */
import type { CompiledRank, CompiledRequirements, Leaf } from './plan.js';

export class ExpressionCache {
  /** Most entries (texts and comparisons together) kept. @default 50000 */
  readonly limit: number;
  private readonly requirements = new Map<string, CompiledRequirements>();
  private readonly ranks = new Map<string, CompiledRank>();
  private readonly leaves = new Map<string, Leaf>();

  constructor(limit = 50_000) {
    if (!Number.isInteger(limit) || limit < 1) throw new TypeError(`limit must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  get size(): number {
    return this.requirements.size + this.ranks.size + this.leaves.size;
  }

  /** The requirement compiled from `src`, or `make()` remembered. */
  requirement(src: string, make: () => CompiledRequirements): CompiledRequirements {
    return this.through(this.requirements, src, make);
  }

  /** The rank compiled from `src`, or `make()` remembered. */
  rank(src: string, make: () => CompiledRank): CompiledRank {
    return this.through(this.ranks, src, make);
  }

  /** The leaf with `key`, or `make()` remembered. */
  leaf(key: string, make: () => Leaf): Leaf {
    return this.through(this.leaves, key, make);
  }

  private through<V>(map: Map<string, V>, key: string, make: () => V): V {
    const known = map.get(key);
    if (known !== undefined) return known;
    const made = make();
    if (this.size >= this.limit) this.clear();
    map.set(key, made);
    return made;
  }

  private clear(): void {
    this.requirements.clear();
    this.ranks.clear();
    this.leaves.clear();
  }
}

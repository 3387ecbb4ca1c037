/**
 * Expressions lowered once, at compile time, into the form both evaluators
 * run: the per-host closures (compile.ts) and a scheduling pass that
 * evaluates over every host at once (placement/host-table.ts).
 *
 * A requirement's comparisons become leaves whose test is built here, once
 * (wildcards compiled, literals read), under a key that is equal for equal
 * comparisons — so a pass can test each distinct comparison once per host
 * and share the answer between every VM that has it. A rank keeps its tree
 * with every subtree that has no variable folded into a constant.
 */
import type { BoolExpr, RankExpr } from './ast.js';
import { type HostVars, type ValueTest, arithmetic, comparisonTest } from './values.js';

/** Whether a host may run the VM. */
export interface Requirements {
  (host: HostVars): boolean;
  /** What it computes, for a pass over many hosts; a closure written by hand has none. */
  readonly plan?: BoolPlan;
}

/** How much the VM prefers a host: higher wins. Never NaN. */
export interface Rank {
  (host: HostVars): number;
  /** What it computes, before finishRank; a closure written by hand has none. */
  readonly plan?: RankPlan;
}

/** What compileRequirements gives: a closure and its plan. */
export type CompiledRequirements = Requirements & { readonly plan: BoolPlan };
/** What compileRank gives: a closure and its plan. */
export type CompiledRank = Rank & { readonly plan: RankPlan };

/** One comparison, `NAME op literal`. */
export interface Leaf {
  /** Equal exactly when name, operator and literal are: then so are the tests. */
  readonly key: string;
  readonly name: string;
  /** Applied to the host's value of `name` (undefined when it has none). */
  readonly test: ValueTest;
}

export type BoolPlan =
  /** Every host qualifies: the empty expression. */
  | { readonly kind: 'all' }
  | { readonly kind: 'leaf'; readonly leaf: Leaf }
  | { readonly kind: 'not'; readonly operand: BoolPlan }
  /** Left to right, `&` and `|` alike. */
  | { readonly kind: 'chain'; readonly first: BoolPlan; readonly rest: readonly BoolPlanStep[] };

export interface BoolPlanStep {
  readonly and: boolean;
  readonly operand: BoolPlan;
}

export type ArithmeticOp = '+' | '-' | '*' | '/';

export type RankPlan =
  | { readonly kind: 'constant'; readonly value: number }
  /** The host's value as a rank term: its number, else 0. */
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'negate'; readonly operand: RankPlan }
  /** Left to right; never wholly constant (that is folded). */
  | { readonly kind: 'chain'; readonly first: RankPlan; readonly rest: readonly RankPlanStep[] };

export interface RankPlanStep {
  readonly op: ArithmeticOp;
  readonly operand: RankPlan;
}

/** Shares leaves between plans: the one known under `key`, else `make()`'s. */
export type LeafPool = (key: string, make: () => Leaf) => Leaf;

const fresh: LeafPool = (_key, make) => make();

/** Lowers a requirement tree; builds each comparison's test, or takes the pool's. */
export function requirementsPlan(e: BoolExpr, pool: LeafPool = fresh): BoolPlan {
  switch (e.kind) {
    case 'empty':
      return { kind: 'all' };
    case 'compare': {
      const key = `${e.name}\u0000${e.op}\u0000${e.value.type}:${e.value.value}`;
      const make = (): Leaf => ({ key, name: e.name, test: comparisonTest(e.op, e.name, e.value) });
      return { kind: 'leaf', leaf: pool(key, make) };
    }
    case 'not':
      return { kind: 'not', operand: requirementsPlan(e.operand, pool) };
    case 'chain':
      return {
        kind: 'chain',
        first: requirementsPlan(e.first, pool),
        rest: e.rest.map((s) => ({ and: s.op === '&', operand: requirementsPlan(s.operand, pool) })),
      };
  }
}

/** Lowers a rank tree, folding what has no variable. The value is not yet finished (finishRank). */
export function rankPlan(e: RankExpr): RankPlan {
  const constant = constantOf(e);
  if (constant !== undefined) return { kind: 'constant', value: constant };
  switch (e.kind) {
    case 'number':
      return { kind: 'constant', value: e.value };
    case 'variable':
      return { kind: 'variable', name: e.name };
    case 'negate':
      return { kind: 'negate', operand: rankPlan(e.operand) };
    case 'chain':
      return {
        kind: 'chain',
        first: rankPlan(e.first),
        rest: e.rest.map((s) => ({ op: s.op, operand: rankPlan(s.operand) })),
      };
  }
}

/** The value of an expression with no variables in it, computed as the evaluators would. */
function constantOf(e: RankExpr): number | undefined {
  switch (e.kind) {
    case 'number':
      return e.value;
    case 'variable':
      return undefined;
    case 'negate': {
      const x = constantOf(e.operand);
      return x === undefined ? undefined : -x;
    }
    case 'chain': {
      let acc = constantOf(e.first);
      for (const s of e.rest) {
        if (acc === undefined) return undefined;
        const x = constantOf(s.operand);
        if (x === undefined) return undefined;
        acc = arithmetic(s.op, acc, x);
      }
      return acc;
    }
  }
}

/**
 * OpenNebula's requirement and rank expressions (SCHED_REQUIREMENTS,
 * SCHED_RANK): compiled once per VM into closures over a host's variables,
 * each carrying the plan a pass evaluates over many hosts at once.
 * See docs/placement.md for the grammar and the semantics.
 */
export type { BoolExpr, BoolStep, CompareOp, Literal, RankExpr, RankStep } from './ast.js';
export { ExpressionCache } from './cache.js';
export {
  type CompiledRank,
  type CompiledRequirements,
  type Rank,
  type Requirements,
  compileRank,
  compileRequirements,
} from './compile.js';
export { type Glob, compileGlob } from './glob.js';
export { MAX_NESTING } from './grammar.js';
export { evaluateRank, evaluateRequirements } from './interpret.js';
export { parseRank, parseRequirements } from './parser.js';
export type {
  ArithmeticOp,
  BoolPlan,
  BoolPlanStep,
  Leaf,
  LeafPool,
  RankPlan,
  RankPlanStep,
} from './plan.js';
export { CURRENT_VMS, type HostVars, type ValueTest, rankValue } from './values.js';

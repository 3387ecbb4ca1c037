/**
 * Expressions compiled once, per VM, into closures that only index the
 * host's variables: no parsing, no pattern compiling, however many hosts
 * they are run against. Each closure carries the plan it was built from, so
 * that a scheduling pass can evaluate the same expression over all its
 * hosts at once instead (placement/host-table.ts).
 */
import type { ExpressionCache } from './cache.js';
import { parseRank, parseRequirements } from './parser.js';
import { type BoolPlan, type CompiledRank, type CompiledRequirements, type RankPlan, rankPlan, requirementsPlan } from './plan.js';
import { type HostVars, arithmetic, finishRank, rankValue } from './values.js';

export type { CompiledRank, CompiledRequirements, Rank, Requirements } from './plan.js';

/**
 * Compiles SCHED_REQUIREMENTS. Throws NepheleError EXPRESSION_SYNTAX, with
 * `details.position` (0-based) and `details.expected`, when it does not parse.
 * With a cache, equal texts give the same closure and equal comparisons share a test.
 */
export function compileRequirements(src: string, cache?: ExpressionCache): CompiledRequirements {
  if (cache !== undefined) return cache.requirement(src, () => requirements(src, cache));
  return requirements(src, undefined);
}

/** Compiles SCHED_RANK. Throws NepheleError EXPRESSION_SYNTAX as compileRequirements does. */
export function compileRank(src: string, cache?: ExpressionCache): CompiledRank {
  if (cache !== undefined) return cache.rank(src, () => rankOf(src));
  return rankOf(src);
}

// The per-host closures are built on their first call: a scheduling pass
// runs the plans, and most compiled expressions are never called one host at a time.

function requirements(src: string, cache: ExpressionCache | undefined): CompiledRequirements {
  const plan = requirementsPlan(parseRequirements(src), cache === undefined ? undefined : (key, make) => cache.leaf(key, make));
  let f: ((host: HostVars) => boolean) | undefined;
  return Object.assign((host: HostVars) => (f ??= bool(plan))(host), { plan });
}

function rankOf(src: string): CompiledRank {
  const plan = rankPlan(parseRank(src));
  if (plan.kind === 'constant') {
    const value = finishRank(plan.value);
    return Object.assign(() => value, { plan });
  }
  let f: ((host: HostVars) => number) | undefined;
  return Object.assign((host: HostVars) => finishRank((f ??= rank(plan))(host)), { plan });
}

const always = (): boolean => true;

function bool(p: BoolPlan): (host: HostVars) => boolean {
  switch (p.kind) {
    case 'all':
      return always;
    case 'leaf': {
      const { name, test } = p.leaf;
      return (host) => test(host[name]);
    }
    case 'not': {
      const f = bool(p.operand);
      return (host) => !f(host);
    }
    case 'chain': {
      const first = bool(p.first);
      const steps = p.rest.map((s) => ({ and: s.and, f: bool(s.operand) }));
      const only = steps.length === 1 ? steps[0] : undefined;
      if (only !== undefined) {
        const g = only.f;
        return only.and ? (host) => first(host) && g(host) : (host) => first(host) || g(host);
      }
      // Left to right. An operand only matters after `&` when the result so far
      // is true, after `|` when it is false; skipping it is safe, nothing has effects.
      return (host) => {
        let acc = first(host);
        for (const s of steps) if (acc === s.and) acc = s.f(host);
        return acc;
      };
    }
  }
}

function rank(p: RankPlan): (host: HostVars) => number {
  switch (p.kind) {
    case 'constant': {
      const { value } = p;
      return () => value;
    }
    case 'variable': {
      const { name } = p;
      return (host) => rankValue(host[name]);
    }
    case 'negate': {
      const f = rank(p.operand);
      return (host) => -f(host);
    }
    case 'chain': {
      const first = rank(p.first);
      const steps = p.rest.map((s) => ({ op: s.op, f: rank(s.operand) }));
      const only = steps.length === 1 ? steps[0] : undefined;
      if (only !== undefined) {
        const g = only.f;
        switch (only.op) {
          case '+':
            return (host) => first(host) + g(host);
          case '-':
            return (host) => first(host) - g(host);
          case '*':
            return (host) => first(host) * g(host);
          case '/':
            return (host) => arithmetic('/', first(host), g(host));
        }
      }
      return (host) => {
        let acc = first(host);
        for (const s of steps) acc = arithmetic(s.op, acc, s.f(host));
        return acc;
      };
    }
  }
}

/**
 * Expressions compiled once, per VM, into closures that only index the
 * host's variables: no parsing, no pattern compiling, no allocation but what
 * an `@>` list split needs, however many hosts they are run against.
 */
import type { BoolExpr, RankExpr } from './ast.js';
import { parseRank, parseRequirements } from './parser.js';
import {
  type HostVars, arithmetic, comparisonTest, finishRank, rankValue,
} from './values.js';

/** Whether a host may run the VM. */
export type Requirements = (host: HostVars) => boolean;
/** How much the VM prefers a host: higher wins. Never NaN. */
export type Rank = (host: HostVars) => number;

/**
 * Compiles SCHED_REQUIREMENTS. Throws NepheleError EXPRESSION_SYNTAX, with
 * `details.position` (0-based) and `details.expected`, when it does not parse.
 */
export function compileRequirements(src: string): Requirements {
  return bool(parseRequirements(src));
}

/** Compiles SCHED_RANK. Throws NepheleError EXPRESSION_SYNTAX as compileRequirements does. */
export function compileRank(src: string): Rank {
  const expr = parseRank(src);
  const constant = constantOf(expr);
  if (constant !== undefined) {
    const value = finishRank(constant);
    return () => value;
  }
  const f = rank(expr);
  return (host) => finishRank(f(host));
}

const always: Requirements = () => true;

function bool(e: BoolExpr): Requirements {
  switch (e.kind) {
    case 'empty':
      return always;
    case 'compare': {
      const { name } = e;
      const test = comparisonTest(e.op, name, e.value);
      return (host) => test(host[name]);
    }
    case 'not': {
      const f = bool(e.operand);
      return (host) => !f(host);
    }
    case 'chain': {
      const first = bool(e.first);
      const steps = e.rest.map((s) => ({ and: s.op === '&', f: bool(s.operand) }));
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

/** The value of an expression with no variables in it, computed as the closures would. */
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

function rank(e: RankExpr): (host: HostVars) => number {
  const constant = constantOf(e);
  if (constant !== undefined) return () => constant;
  switch (e.kind) {
    case 'number':
      return () => e.value;
    case 'variable': {
      const { name } = e;
      return (host) => rankValue(host[name]);
    }
    case 'negate': {
      const f = rank(e.operand);
      return (host) => -f(host);
    }
    case 'chain': {
      const first = rank(e.first);
      const steps = e.rest.map((s) => ({ op: s.op, f: rank(s.operand) }));
      const only = steps.length === 1 ? steps[0] : undefined;
      if (only !== undefined) {
        const g = only.f;
        switch (only.op) {
          case '+': return (host) => first(host) + g(host);
          case '-': return (host) => first(host) - g(host);
          case '*': return (host) => first(host) * g(host);
          case '/': return (host) => arithmetic('/', first(host), g(host));
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

/**
 * Recursive-descent parsers from expression text to syntax trees (see
 * grammar.ts for the grammar). Errors are EXPRESSION_SYNTAX with a 0-based
 * `position` and, where a token was wrong, the `expected` alternatives.
 */
import type { BoolExpr, BoolStep, RankExpr, RankStep } from './ast.js';
import { EXPECT, checkNesting, readComparison, readEnd } from './grammar.js';
import { TokenStream } from './lexer.js';

/** Parses a requirement expression (SCHED_REQUIREMENTS); empty text is `{ kind: 'empty' }`. */
export function parseRequirements(src: string): BoolExpr {
  const ts = new TokenStream(src);
  const start = ts.peek();
  if (start.kind === 'end' || (start.kind === 'punct' && start.text === ';')) {
    readEnd(ts, EXPECT.end);
    return { kind: 'empty' };
  }
  if (start.kind !== 'word' && !(start.kind === 'punct' && (start.text === '!' || start.text === '('))) ts.fail(EXPECT.boolStart);
  const expr = boolChain(ts, 0);
  readEnd(ts, EXPECT.boolNext);
  return expr;
}

function boolChain(ts: TokenStream, depth: number): BoolExpr {
  const first = boolUnary(ts, depth);
  const rest: BoolStep[] = [];
  for (;;) {
    const op = ts.eat('&') ? '&' : ts.eat('|') ? '|' : undefined;
    if (op === undefined) break;
    rest.push({ op, operand: boolUnary(ts, depth) });
  }
  return rest.length === 0 ? first : { kind: 'chain', first, rest };
}

function boolUnary(ts: TokenStream, depth: number): BoolExpr {
  const token = ts.peek();
  if (token.kind === 'word') return { kind: 'compare', ...readComparison(ts) };
  if (token.kind === 'punct' && token.text === '!') {
    checkNesting(depth, token.pos);
    ts.next();
    return { kind: 'not', operand: boolUnary(ts, depth + 1), pos: token.pos };
  }
  if (token.kind === 'punct' && token.text === '(') {
    checkNesting(depth, token.pos);
    ts.next();
    const inner = boolChain(ts, depth + 1);
    if (!ts.eat(')')) ts.fail(EXPECT.boolNextInParens);
    return inner;
  }
  return ts.fail(EXPECT.boolOperand);
}

/** Parses a rank expression (SCHED_RANK); empty text is the constant 0. */
export function parseRank(src: string): RankExpr {
  const ts = new TokenStream(src);
  const start = ts.peek();
  if (start.kind === 'end' || (start.kind === 'punct' && start.text === ';')) {
    readEnd(ts, EXPECT.end);
    return { kind: 'number', value: 0 };
  }
  if (!startsFactor(ts)) ts.fail(EXPECT.rankStart);
  const expr = sum(ts, 0);
  readEnd(ts, EXPECT.rankNext);
  return expr;
}

function startsFactor(ts: TokenStream): boolean {
  const t = ts.peek();
  return t.kind === 'number' || t.kind === 'word' || (t.kind === 'punct' && (t.text === '-' || t.text === '('));
}

function sum(ts: TokenStream, depth: number): RankExpr {
  const first = product(ts, depth);
  const rest: RankStep[] = [];
  for (;;) {
    const op = ts.eat('+') ? '+' : ts.eat('-') ? '-' : undefined;
    if (op === undefined) break;
    rest.push({ op, operand: product(ts, depth) });
  }
  return rest.length === 0 ? first : { kind: 'chain', first, rest };
}

function product(ts: TokenStream, depth: number): RankExpr {
  const first = factor(ts, depth);
  const rest: RankStep[] = [];
  for (;;) {
    const op = ts.eat('*') ? '*' : ts.eat('/') ? '/' : undefined;
    if (op === undefined) break;
    rest.push({ op, operand: factor(ts, depth) });
  }
  return rest.length === 0 ? first : { kind: 'chain', first, rest };
}

function factor(ts: TokenStream, depth: number): RankExpr {
  const token = ts.peek();
  switch (token.kind) {
    case 'number':
      ts.next();
      return { kind: 'number', value: token.value };
    case 'word':
      ts.next();
      return { kind: 'variable', name: token.text, pos: token.pos };
    case 'punct':
      if (token.text === '-') {
        checkNesting(depth, token.pos);
        ts.next();
        return { kind: 'negate', operand: factor(ts, depth + 1), pos: token.pos };
      }
      if (token.text === '(') {
        checkNesting(depth, token.pos);
        ts.next();
        const inner = sum(ts, depth + 1);
        if (!ts.eat(')')) ts.fail(EXPECT.rankNextInParens);
        return inner;
      }
      break;
    default:
      break;
  }
  return ts.fail(EXPECT.rankOperand);
}

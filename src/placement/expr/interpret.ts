/**
 * The baseline: evaluate while parsing, with no tree, for one host at a
 * time — what OpenNebula's scheduler does with its bison actions for every
 * (VM, host) pair. It exists to be measured against and to check the
 * compiler: for any text and host the two give the same answer, or the same
 * EXPRESSION_SYNTAX error at the same position. Placement uses compile.ts.
 */
import { EXPECT, checkNesting, readComparison, readEnd } from './grammar.js';
import { TokenStream } from './lexer.js';
import { type HostVars, arithmetic, comparisonTest, finishRank, rankValue } from './values.js';

/** Parses `src` and evaluates it against `host`, every call. */
export function evaluateRequirements(src: string, host: HostVars): boolean {
  const ts = new TokenStream(src);
  const start = ts.peek();
  if (start.kind === 'end' || (start.kind === 'punct' && start.text === ';')) {
    readEnd(ts, EXPECT.end);
    return true;
  }
  if (start.kind !== 'word' && !(start.kind === 'punct' && (start.text === '!' || start.text === '('))) ts.fail(EXPECT.boolStart);
  const result = chain(ts, host, 0);
  readEnd(ts, EXPECT.boolNext);
  return result;
}

function chain(ts: TokenStream, host: HostVars, depth: number): boolean {
  let acc = unary(ts, host, depth);
  for (;;) {
    // Every operand is parsed, whatever the result so far: the whole text must be valid.
    if (ts.eat('&')) {
      const right = unary(ts, host, depth);
      acc = acc && right;
    } else if (ts.eat('|')) {
      const right = unary(ts, host, depth);
      acc = acc || right;
    } else {
      return acc;
    }
  }
}

function unary(ts: TokenStream, host: HostVars, depth: number): boolean {
  const token = ts.peek();
  if (token.kind === 'word') {
    const c = readComparison(ts);
    return comparisonTest(c.op, c.name, c.value)(host[c.name]);
  }
  if (token.kind === 'punct' && token.text === '!') {
    checkNesting(depth, token.pos);
    ts.next();
    return !unary(ts, host, depth + 1);
  }
  if (token.kind === 'punct' && token.text === '(') {
    checkNesting(depth, token.pos);
    ts.next();
    const inner = chain(ts, host, depth + 1);
    if (!ts.eat(')')) ts.fail(EXPECT.boolNextInParens);
    return inner;
  }
  return ts.fail(EXPECT.boolOperand);
}

/** Parses `src` and evaluates it against `host`, every call. */
export function evaluateRank(src: string, host: HostVars): number {
  const ts = new TokenStream(src);
  const start = ts.peek();
  if (start.kind === 'end' || (start.kind === 'punct' && start.text === ';')) {
    readEnd(ts, EXPECT.end);
    return 0;
  }
  const opens = start.kind === 'number' || start.kind === 'word' || (start.kind === 'punct' && (start.text === '-' || start.text === '('));
  if (!opens) ts.fail(EXPECT.rankStart);
  const result = sum(ts, host, 0);
  readEnd(ts, EXPECT.rankNext);
  return finishRank(result);
}

function sum(ts: TokenStream, host: HostVars, depth: number): number {
  let acc = product(ts, host, depth);
  for (;;) {
    if (ts.eat('+')) acc = arithmetic('+', acc, product(ts, host, depth));
    else if (ts.eat('-')) acc = arithmetic('-', acc, product(ts, host, depth));
    else return acc;
  }
}

function product(ts: TokenStream, host: HostVars, depth: number): number {
  let acc = factor(ts, host, depth);
  for (;;) {
    if (ts.eat('*')) acc = arithmetic('*', acc, factor(ts, host, depth));
    else if (ts.eat('/')) acc = arithmetic('/', acc, factor(ts, host, depth));
    else return acc;
  }
}

function factor(ts: TokenStream, host: HostVars, depth: number): number {
  const token = ts.peek();
  if (token.kind === 'number') {
    ts.next();
    return token.value;
  }
  if (token.kind === 'word') {
    ts.next();
    return rankValue(host[token.text]);
  }
  if (token.kind === 'punct' && token.text === '-') {
    checkNesting(depth, token.pos);
    ts.next();
    return -factor(ts, host, depth + 1);
  }
  if (token.kind === 'punct' && token.text === '(') {
    checkNesting(depth, token.pos);
    ts.next();
    const inner = sum(ts, host, depth + 1);
    if (!ts.eat(')')) ts.fail(EXPECT.rankNextInParens);
    return inner;
  }
  return ts.fail(EXPECT.rankOperand);
}

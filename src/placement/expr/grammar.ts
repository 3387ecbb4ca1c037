/**
 * The pieces of the grammar that the parser and the interpreter share: a
 * single comparison (`NAME op value`), the end of an expression, the nesting
 * limit, and what each place expects — so both report the same error at the
 * same position for the same text.
 *
 *   requirements ::= [ chain ] [ ";" ] END
 *   chain        ::= unary { ( "&" | "|" ) unary }        -- & and | bind equally, left to right
 *   unary        ::= "!" unary | "(" chain ")" | comparison
 *   comparison   ::= WORD ( "=" | "!" "=" | "@" ">" ) ( [ "-" ] NUMBER | STRING | WORD )
 *                  | WORD ( ">" | "<" ) [ "-" ] NUMBER
 *
 *   rank         ::= [ sum ] [ ";" ] END
 *   sum          ::= product { ( "+" | "-" ) product }
 *   product      ::= factor { ( "*" | "/" ) factor }
 *   factor       ::= "-" factor | "(" sum ")" | NUMBER | WORD
 */
import { syntaxError, type TokenStream } from './lexer.js';
import type { CompareOp, Literal } from './ast.js';

/** Most `(`, `!` and unary `-` that may be open at once. */
export const MAX_NESTING = 256;

export const EXPECT = {
  boolOperand: ['variable', '!', '('],
  boolStart: ['variable', '!', '(', 'end of expression'],
  boolNext: ['&', '|', 'end of expression'],
  boolNextInParens: ['&', '|', ')'],
  compareOp: ['=', '!=', '>', '<', '@>'],
  value: ['number', 'quoted string', 'word'],
  number: ['number'],
  rankOperand: ['number', 'variable', '-', '('],
  rankStart: ['number', 'variable', '-', '(', 'end of expression'],
  rankNext: ['+', '-', '*', '/', 'end of expression'],
  rankNextInParens: ['+', '-', '*', '/', ')'],
  end: ['end of expression'],
} as const satisfies Readonly<Record<string, readonly string[]>>;

export interface Comparison {
  readonly name: string;
  readonly op: CompareOp;
  readonly value: Literal;
  readonly pos: number;
}

/** Reads `NAME op value`; the next token must be the word NAME. */
export function readComparison(ts: TokenStream): Comparison {
  const word = ts.next();
  if (word.kind !== 'word') throw new TypeError('readComparison needs a word next');
  const op = readOp(ts);
  const value = readValue(ts, op === '>' || op === '<');
  return { name: word.text, op, value, pos: word.pos };
}

function readOp(ts: TokenStream): CompareOp {
  if (ts.eat('=')) return '=';
  if (ts.eat('>')) return '>';
  if (ts.eat('<')) return '<';
  // Two tokens each, as in OpenNebula's lexer: `! =` and `@ >` are accepted too.
  if (ts.eat('!')) {
    if (ts.eat('=')) return '!=';
    return ts.fail(['=']);
  }
  if (ts.eat('@')) {
    if (ts.eat('>')) return '@>';
    return ts.fail(['>']);
  }
  return ts.fail(EXPECT.compareOp);
}

function readValue(ts: TokenStream, numeric: boolean): Literal {
  if (ts.eat('-')) {
    const token = ts.peek();
    if (token.kind !== 'number') return ts.fail(EXPECT.number);
    ts.next();
    return { type: 'number', value: -token.value };
  }
  const token = ts.peek();
  if (token.kind === 'number') {
    ts.next();
    return { type: 'number', value: token.value };
  }
  if (numeric) return ts.fail(EXPECT.number);
  if (token.kind === 'string') {
    ts.next();
    return { type: 'string', value: token.value };
  }
  if (token.kind === 'word') {
    ts.next();
    return { type: 'string', value: token.text };
  }
  return ts.fail(EXPECT.value);
}

/** After the top level: an optional `;` (OpenNebula's documented `stmt ::= expr ';'`), then the end. */
export function readEnd(ts: TokenStream, expected: readonly string[]): void {
  if (ts.eat(';')) {
    if (ts.peek().kind !== 'end') ts.fail(EXPECT.end);
    return;
  }
  if (ts.peek().kind !== 'end') ts.fail(expected);
}

/** Throws when one more level would pass MAX_NESTING. */
export function checkNesting(depth: number, pos: number): void {
  if (depth >= MAX_NESTING) {
    throw syntaxError(`Expression nested more than ${MAX_NESTING} levels deep at position ${pos}`, pos);
  }
}

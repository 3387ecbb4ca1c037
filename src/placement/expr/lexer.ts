/**
 * Tokens of OpenNebula's requirement and rank expressions, scanned lazily
 * so that the first error reported is the first one in the text.
 *
 *   word     [A-Za-z][A-Za-z0-9_]*   a variable, or an unquoted string value
 *   number   [0-9]+(\.[0-9]+)?       no sign: `-` is a token of its own
 *   string   "…"                     no escapes, as in OpenNebula's lexer
 *   punct    = ! > < @ & | ( ) + - * / ;
 *
 * Blanks (space, tab, CR, LF, VT, FF) separate tokens. Any other character
 * is an `invalid` token that the parser reports with what it expected there.
 * Positions are 0-based UTF-16 offsets into the source (`src[position]`).
 */
import { NepheleError } from '../../errors.js';

export type Punct = '=' | '!' | '>' | '<' | '@' | '&' | '|' | '(' | ')' | '+' | '-' | '*' | '/' | ';';

export type Token =
  | { readonly kind: 'word'; readonly text: string; readonly pos: number }
  | { readonly kind: 'number'; readonly value: number; readonly text: string; readonly pos: number }
  | { readonly kind: 'string'; readonly value: string; readonly pos: number }
  | { readonly kind: 'punct'; readonly text: Punct; readonly pos: number }
  | { readonly kind: 'end'; readonly pos: number }
  /** A character no token starts with, or a string without its closing quote. */
  | { readonly kind: 'invalid'; readonly text: string; readonly unterminated: boolean; readonly pos: number };

const PUNCT: ReadonlySet<string> = new Set<Punct>(['=', '!', '>', '<', '@', '&', '|', '(', ')', '+', '-', '*', '/', ';']);
const QUOTE = 0x22;

function isBlank(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** An EXPRESSION_SYNTAX error; `expected` lists what would have been accepted. */
export function syntaxError(message: string, position: number, expected?: readonly string[]): NepheleError {
  const details = expected === undefined ? { position } : { position, expected: [...expected] };
  return new NepheleError('EXPRESSION_SYNTAX', message, { details });
}

/** How a token reads in an error message. */
function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'end of expression';
    case 'string':
      return `string ${JSON.stringify(clip(token.value))}`;
    case 'invalid':
      return token.unterminated ? 'unterminated string' : `character ${JSON.stringify(token.text)}`;
    default:
      return JSON.stringify(clip(token.text));
  }
}

function clip(text: string): string {
  return text.length > 24 ? `${text.slice(0, 24)}…` : text;
}

/** One token of lookahead over the source. */
export class TokenStream {
  readonly src: string;
  private offset = 0;
  private ahead: Token | undefined;

  constructor(src: string) {
    this.src = src;
  }

  peek(): Token {
    this.ahead ??= this.scan();
    return this.ahead;
  }

  next(): Token {
    const token = this.peek();
    this.ahead = undefined;
    return token;
  }

  /** True, and consumes it, when the next token is `p`. */
  eat(p: Punct): boolean {
    const token = this.peek();
    if (token.kind === 'punct' && token.text === p) {
      this.ahead = undefined;
      return true;
    }
    return false;
  }

  /** Throws EXPRESSION_SYNTAX at the next token. */
  fail(expected: readonly string[]): never {
    const token = this.peek();
    if (token.kind === 'invalid' && token.unterminated) {
      throw syntaxError(`Unterminated string starting at position ${token.pos}: no closing "`, token.pos, expected);
    }
    const list = expected.map((e) => (isLetter(e.charCodeAt(0)) ? e : `"${e}"`)).join(', ');
    throw syntaxError(`Unexpected ${describe(token)} at position ${token.pos}; expected ${list}`, token.pos, expected);
  }

  private scan(): Token {
    const src = this.src;
    let i = this.offset;
    while (i < src.length && isBlank(src.charCodeAt(i))) i++;
    const pos = i;
    if (i >= src.length) {
      this.offset = i;
      return { kind: 'end', pos };
    }
    const c = src.charCodeAt(i);
    if (isLetter(c)) {
      i++;
      while (i < src.length) {
        const d = src.charCodeAt(i);
        if (!(isLetter(d) || isDigit(d) || d === 0x5f)) break;
        i++;
      }
      this.offset = i;
      return { kind: 'word', text: src.slice(pos, i), pos };
    }
    if (isDigit(c)) {
      while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      if (src.charCodeAt(i) === 0x2e && isDigit(src.charCodeAt(i + 1))) {
        i += 2;
        while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      }
      this.offset = i;
      const text = src.slice(pos, i);
      return { kind: 'number', value: Number(text), text, pos };
    }
    if (c === QUOTE) {
      const close = src.indexOf('"', i + 1);
      if (close < 0) {
        this.offset = src.length;
        return { kind: 'invalid', text: src.slice(pos), unterminated: true, pos };
      }
      this.offset = close + 1;
      return { kind: 'string', value: src.slice(i + 1, close), pos };
    }
    const ch = String.fromCodePoint(src.codePointAt(i) ?? c);
    this.offset = i + ch.length;
    if (PUNCT.has(ch)) return { kind: 'punct', text: ch as Punct, pos };
    return { kind: 'invalid', text: ch, unterminated: false, pos };
  }
}

/**
 * OpenNebula's template language, read by a hand-written scanner: one pass,
 * no regular expressions, so time is linear in the input whatever it holds.
 *
 *   NAME = value              unquoted: up to the end of the line or a `#`, trimmed
 *   NAME = "a \"b\" \\ c"     quoted: may span lines; escapes \" and \\ only
 *   NAME = '$NIC[IP, NETWORK="x"]'  single-quoted, as OpenNebula 1.2 and the 2010
 *                             docs wrote it: may span lines, no escapes at all
 *   NAME = [ K = v, K2 = "w" ]  a vector: may span lines, trailing comma allowed
 *   # comment                 anywhere outside quotes
 *
 * After a quoted value or a vector only blanks and a comment may follow on
 * the line. Errors are TEMPLATE_SYNTAX with 1-based `{ line, column }` in
 * details; columns count characters (code points).
 */
import { NepheleError } from '../errors.js';
import { excerpt } from './excerpt.js';
import { type Attribute, type Template, type TemplateValue, type VectorValue, templateOf } from './template.js';

/** Largest template accepted, in UTF-8 bytes. */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;
/** Most top-level attributes a template may have. */
export const MAX_TEMPLATE_ATTRIBUTES = 10_000;

const NL = 0x0a;
const HASH = 0x23;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;
const COMMA = 0x2c;
const OPEN = 0x5b;
const CLOSE = 0x5d;

/** Space, tab, CR, vertical tab, form feed: blanks that never end a line. */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

function isNameStart(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39);
}

/** A place in the source, kept to report an error somewhere other than the scanner's position. */
interface Mark {
  readonly pos: number;
  readonly line: number;
  readonly lineStart: number;
}

/**
 * Parses an OpenNebula template. Throws NepheleError TEMPLATE_SYNTAX, with
 * `details: { line, column }`, naming what was expected; inputs over
 * MAX_TEMPLATE_BYTES or MAX_TEMPLATE_ATTRIBUTES are refused the same way.
 */
export function parseTemplate(text: string): Template {
  if (typeof text !== 'string') throw new TypeError('parseTemplate takes a string');
  // n UTF-16 units are at least n UTF-8 bytes: a long string is refused without counting.
  if (text.length > MAX_TEMPLATE_BYTES || Buffer.byteLength(text, 'utf8') > MAX_TEMPLATE_BYTES) {
    throw new NepheleError('TEMPLATE_SYNTAX', `template is larger than ${MAX_TEMPLATE_BYTES} bytes`, {
      details: { line: 1, column: 1, maxBytes: MAX_TEMPLATE_BYTES },
    });
  }
  return templateOf(new Parser(text).parse());
}

class Parser {
  private readonly text: string;
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(text: string) {
    this.text = text;
    // A byte order mark is an editor's doing, not part of the first name.
    if (text.charCodeAt(0) === 0xfeff) this.pos = this.lineStart = 1;
  }

  parse(): Attribute[] {
    const attributes: Attribute[] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.peek();
      if (c === -1) return attributes;
      if (c === NL) this.newline();
      else if (c === HASH) this.skipComment();
      else if (isNameStart(c)) {
        if (attributes.length === MAX_TEMPLATE_ATTRIBUTES) {
          this.fail(`a template may have at most ${MAX_TEMPLATE_ATTRIBUTES} attributes`);
        }
        attributes.push(this.attribute());
      } else this.fail(`expected an attribute name, found ${this.found()}`);
    }
  }

  private attribute(): Attribute {
    const line = this.line;
    const name = this.name();
    this.skipBlanks();
    if (this.peek() !== EQUALS) this.fail(`expected '=' after ${excerpt(name)}, found ${this.found()}`);
    this.pos++;
    this.skipBlanks();
    let value: TemplateValue;
    const c = this.peek();
    if (c === OPEN) value = this.vector(name);
    else if (c === QUOTE || c === APOSTROPHE) value = this.quoted(c);
    else return Object.freeze({ name, value: this.restOfLine(), line });
    this.skipBlanks();
    const end = this.peek();
    if (end !== -1 && end !== NL && end !== HASH) {
      this.fail(`expected the end of the line after the value of ${excerpt(name)}, found ${this.found()}`);
    }
    return Object.freeze({ name, value, line });
  }

  private vector(name: string): VectorValue {
    const open = this.mark();
    this.pos++;
    const pairs: Record<string, string> = {};
    this.skipSpace();
    if (this.peek() === CLOSE) {
      this.pos++;
      return Object.freeze(pairs);
    }
    for (;;) {
      const c = this.peek();
      if (!isNameStart(c)) this.fail(`expected a key or ']' in ${excerpt(name)}, found ${this.found()}`);
      const at = this.mark();
      const key = this.name();
      if (Object.hasOwn(pairs, key)) this.fail(`${excerpt(name)} has ${excerpt(key)} twice`, at);
      this.skipBlanks();
      if (this.peek() !== EQUALS) {
        this.fail(`expected '=' after ${excerpt(key)} in ${excerpt(name)}, found ${this.found()}`);
      }
      this.pos++;
      this.skipBlanks();
      const q = this.peek();
      pairs[key] = q === QUOTE || q === APOSTROPHE ? this.quoted(q) : this.vectorWord(name, key);
      this.skipSpace();
      const next = this.peek();
      if (next === CLOSE) break;
      if (next === COMMA) {
        this.pos++;
        this.skipSpace();
        if (this.peek() === CLOSE) break;
        continue;
      }
      const where = next === -1 ? ` (the vector opened at line ${open.line})` : '';
      this.fail(`expected ',' or ']' after ${excerpt(key)} in ${excerpt(name)}${where}, found ${this.found()}`);
    }
    this.pos++;
    return Object.freeze(pairs);
  }

  /** An unquoted value inside a vector: up to `,` `]` `#` or the end of the line, trimmed. */
  private vectorWord(name: string, key: string): string {
    const start = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === -1 || c === NL || c === COMMA || c === CLOSE || c === HASH) break;
      if (c === EQUALS || c === OPEN || c === QUOTE) {
        const hint = c === EQUALS ? "a ',' may be missing, or " : '';
        const where = `${excerpt(name)}/${excerpt(key)}`;
        this.fail(`unexpected ${this.found()} in the value of ${where}: ${hint}quote the value`);
      }
      this.pos++;
    }
    return this.text.slice(start, this.pos).trim();
  }

  /** An unquoted top-level value: up to `#` or the end of the line, trimmed. */
  private restOfLine(): string {
    const start = this.pos;
    for (let c = this.peek(); c !== -1 && c !== NL && c !== HASH; c = this.peek()) this.pos++;
    return this.text.slice(start, this.pos).trim();
  }

  /**
   * A value in `delimiter`s. Double quotes take the escapes \" and \\;
   * single quotes take none (OpenNebula 1.2's `'[^']*'`), so a value with a
   * `'` in it is written in double quotes instead.
   */
  private quoted(delimiter: number): string {
    const open = this.mark();
    this.pos++;
    let out = '';
    let chunk = this.pos;
    for (;;) {
      const c = this.peek();
      if (c === -1) {
        const close = delimiter === QUOTE ? `'"'` : `"'"`;
        this.fail(`unterminated quoted string: no closing ${close} before the end of the template`, open);
      }
      if (c === delimiter) break;
      if (c === NL) this.newline();
      else if (c === BACKSLASH && delimiter === QUOTE) {
        const next = this.text.charCodeAt(this.pos + 1);
        if (next === QUOTE || next === BACKSLASH) {
          out += this.text.slice(chunk, this.pos);
          chunk = this.pos + 1; // keep the escaped character, drop the backslash
          this.pos += 2;
        } else this.pos++; // any other backslash is literal, as in OpenNebula
      } else this.pos++;
    }
    out += this.text.slice(chunk, this.pos);
    this.pos++;
    return out;
  }

  private name(): string {
    const start = this.pos;
    while (isNameChar(this.peek())) this.pos++;
    return this.text.slice(start, this.pos).toUpperCase();
  }

  private skipBlanks(): void {
    while (isBlank(this.peek())) this.pos++;
  }

  /** Blanks, line ends and comments: what may separate the parts of a vector. */
  private skipSpace(): void {
    for (;;) {
      const c = this.peek();
      if (isBlank(c)) this.pos++;
      else if (c === NL) this.newline();
      else if (c === HASH) this.skipComment();
      else return;
    }
  }

  private skipComment(): void {
    const end = this.text.indexOf('\n', this.pos);
    this.pos = end === -1 ? this.text.length : end;
  }

  private newline(): void {
    this.pos++;
    this.line++;
    this.lineStart = this.pos;
  }

  private peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  private mark(): Mark {
    return { pos: this.pos, line: this.line, lineStart: this.lineStart };
  }

  private found(): string {
    const c = this.text.codePointAt(this.pos);
    if (c === undefined) return 'the end of the template';
    if (c === NL) return 'the end of the line';
    if (c < 0x20 || c === 0x7f) return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    return `'${String.fromCodePoint(c)}'`;
  }

  private fail(message: string, at: Mark = this.mark()): never {
    let column = 1;
    for (let i = at.lineStart; i < at.pos; i++) {
      const c = this.text.charCodeAt(i);
      // The second half of a surrogate pair is the same character.
      if (!(c >= 0xdc00 && c <= 0xdfff && i > at.lineStart && isHighSurrogate(this.text.charCodeAt(i - 1)))) column++;
    }
    throw new NepheleError('TEMPLATE_SYNTAX', `line ${at.line}, column ${column}: ${message}`, {
      details: { line: at.line, column },
    });
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

/**
 * What a comparison or a rank term makes of a host's value. Shared by the
 * compiler and the interpreter, so the two differ only in when they parse.
 */
import type { CompareOp, Literal } from './ast.js';
import { compileGlob } from './glob.js';

/**
 * A host as the expressions see it: OpenNebula's variable names
 * (`HYPERVISOR`, `FREECPU`, `RUNNING_VMS`, `CURRENT_VMS`, …) to values.
 * A plain object is fastest to index; a key that is missing, or not a string
 * or a number (an inherited `toString`, say), is an unknown variable.
 */
export type HostVars = { readonly [name: string]: string | number };

/** Tests one host value; built once per comparison. */
export type ValueTest = (value: unknown) => boolean;

/**
 * The one variable OpenNebula's scheduler treats apart: the IDs of the VMs on
 * the host, where `= n` means "VM n runs there" and `!= n` "it does not".
 */
export const CURRENT_VMS = 'CURRENT_VMS';

// Whole-string decimal numbers only; anchored and unambiguous, so linear.
const NUMERIC = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

const never: ValueTest = () => false;

/** A host value as a number, or undefined when it is missing or not numeric. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isNaN(value) ? undefined : value;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

/** A host value as text, or undefined when it is missing. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/** A rank term: an unknown or non-numeric variable counts 0, as in OpenNebula. */
export function rankValue(value: unknown): number {
  return numberOf(value) ?? 0;
}

/** The items of a comma-separated list value, blanks around each trimmed. */
function items(value: unknown): string[] | undefined {
  if (typeof value === 'number') return [String(value)];
  if (typeof value !== 'string') return undefined;
  return value.split(',').map((s) => s.trim());
}

function listHasNumber(value: unknown, n: number): boolean {
  if (typeof value === 'number') return value === n;
  return items(value)?.some((s) => numberOf(s) === n) ?? false;
}

/** `NAME op number`: false whenever the value is unknown or not a number. */
export function numberTest(op: CompareOp, name: string, n: number): ValueTest {
  if (name === CURRENT_VMS && op === '=') return (v) => listHasNumber(v, n);
  if (name === CURRENT_VMS && op === '!=') return (v) => !listHasNumber(v, n);
  switch (op) {
    case '=':
      return (v) => numberOf(v) === n;
    case '!=':
      return (v) => {
        const x = numberOf(v);
        return x !== undefined && x !== n;
      };
    case '>':
      return (v) => {
        const x = numberOf(v);
        return x !== undefined && x > n;
      };
    case '<':
      return (v) => {
        const x = numberOf(v);
        return x !== undefined && x < n;
      };
    case '@>':
      return (v) => listHasNumber(v, n);
  }
}

/**
 * `NAME op "pattern"`: a shell wildcard match against the value as text;
 * false whenever the value is unknown, and — as in OpenNebula, whose lexer
 * turns `""` into a null string — whenever the pattern is empty.
 */
export function textTest(op: '=' | '!=' | '@>', pattern: string): ValueTest {
  if (pattern === '') return never;
  const glob = compileGlob(pattern);
  switch (op) {
    case '=':
      return (v) => {
        const s = textOf(v);
        return s !== undefined && glob(s);
      };
    case '!=':
      return (v) => {
        const s = textOf(v);
        return s !== undefined && !glob(s);
      };
    case '@>':
      return (v) => items(v)?.some(glob) ?? false;
  }
}

/** The test of one comparison, `NAME op literal`, built once. */
export function comparisonTest(op: CompareOp, name: string, literal: Literal): ValueTest {
  if (literal.type === 'number') return numberTest(op, name, literal.value);
  if (op === '>' || op === '<') throw new TypeError(`${op} needs a number`);
  return textTest(op, literal.value);
}

/** One arithmetic step; division by zero gives 0. */
export function arithmetic(op: '+' | '-' | '*' | '/', a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? 0 : a / b;
  }
}

/** A rank's final value: never NaN (an overflow's Infinity - Infinity), never -0. */
export function finishRank(x: number): number {
  return Number.isNaN(x) ? 0 : x + 0;
}

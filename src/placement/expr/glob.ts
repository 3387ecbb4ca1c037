/**
 * Shell wildcard patterns as OpenNebula matches them (`fnmatch(pattern,
 * value, 0)`): `*` any run of characters, `?` any one character, `[…]` one
 * character of a set (`[a-z0-9_]`, `[!…]` or `[^…]` negated, `]` first is
 * literal, POSIX classes like `[[:digit:]]`), `\x` the character x. With
 * flags 0, `*` and `?` also match `/` and a leading `.`. Matching is
 * case-sensitive and works on UTF-16 code units.
 *
 * A pattern is compiled once into its `*`-separated segments; a value is
 * then matched with no backtracking: the first segment at the start, the
 * last at the end, each one between at its leftmost place after the one
 * before (leftmost is always safe, a later `*` absorbs anything skipped).
 * Literal segments use `indexOf`; others run a shift-and scan, one pass over
 * the value (its table of ASCII masks built on first use). Time is linear
 * in the value; only a non-literal segment longer than 30 characters falls
 * back to a scan costing its length per position.
 */

/** True when the whole value matches the pattern. */
export type Glob = (value: string) => boolean;

/** One character of a segment: a code unit, or a test for one. */
type Atom = number | ((c: number) => boolean);

interface Segment {
  readonly length: number;
  /** True when the segment matches `value` at `at`; the caller checks it fits. */
  readonly matchAt: (value: string, at: number) => boolean;
  /** Leftmost start in [from, end - length], or -1. */
  readonly find: (value: string, from: number, end: number) => number;
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const BACKSLASH = 0x5c;
const SHIFT_AND_MAX = 30;

const ANY: (c: number) => boolean = () => true;

const CLASSES: Readonly<Record<string, (c: number) => boolean>> = {
  alpha: (c) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a),
  digit: (c) => c >= 0x30 && c <= 0x39,
  alnum: (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a),
  upper: (c) => c >= 0x41 && c <= 0x5a,
  lower: (c) => c >= 0x61 && c <= 0x7a,
  xdigit: (c) => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66),
  space: (c) => c === 0x20 || (c >= 0x09 && c <= 0x0d),
  blank: (c) => c === 0x20 || c === 0x09,
  punct: (c) => (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e),
  cntrl: (c) => c < 0x20 || c === 0x7f,
  print: (c) => c >= 0x20 && c <= 0x7e,
  graph: (c) => c > 0x20 && c <= 0x7e,
};

/**
 * Compiles `pattern`; never throws. As glibc's fnmatch does, a `[` without
 * its `]` is a literal `[`, and a pattern ending in a lone `\` matches nothing.
 */
export function compileGlob(pattern: string): Glob {
  const atoms = parse(pattern);
  if (atoms === undefined) return () => false;
  const segments = atoms.map(segment);
  const head = segments[0] as Segment;
  if (segments.length === 1) {
    return (value) => value.length === head.length && head.matchAt(value, 0);
  }
  const tail = segments[segments.length - 1] as Segment;
  const middle = segments.slice(1, -1);
  const fixed = head.length + tail.length;
  return (value) => {
    if (value.length < fixed) return false;
    const end = value.length - tail.length;
    if (!head.matchAt(value, 0) || !tail.matchAt(value, end)) return false;
    let at = head.length;
    for (const seg of middle) {
      const found = seg.find(value, at, end);
      if (found < 0) return false;
      at = found + seg.length;
    }
    return true;
  };
}

/** The pattern split at its unescaped stars (runs count as one); undefined if it matches nothing. */
function parse(pattern: string): Atom[][] | undefined {
  const segments: Atom[][] = [[]];
  let current = segments[0] as Atom[];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charCodeAt(i);
    if (c === STAR) {
      if (current.length > 0 || segments.length === 1) {
        current = [];
        segments.push(current);
      }
      i++;
    } else if (c === QUESTION) {
      current.push(ANY);
      i++;
    } else if (c === BACKSLASH) {
      if (i + 1 === pattern.length) return undefined;
      current.push(pattern.charCodeAt(i + 1));
      i += 2;
    } else if (c === OPEN) {
      const set = bracket(pattern, i);
      if (set === undefined) {
        current.push(c);
        i++;
      } else {
        current.push(set.test);
        i = set.next;
      }
    } else {
      current.push(c);
      i++;
    }
  }
  return segments;
}

/** The set opened at `start`, or undefined when it is not closed. */
function bracket(pattern: string, start: number): { test: (c: number) => boolean; next: number } | undefined {
  let i = start + 1;
  const negate = pattern[i] === '!' || pattern[i] === '^';
  if (negate) i++;
  const ranges: number[] = [];
  const classes: ((c: number) => boolean)[] = [];
  let first = true;
  while (i < pattern.length) {
    let c = pattern.charCodeAt(i);
    if (c === CLOSE && !first) {
      const test = (x: number): boolean => {
        let hit = false;
        for (let r = 0; r < ranges.length && !hit; r += 2) hit = x >= (ranges[r] as number) && x <= (ranges[r + 1] as number);
        for (let k = 0; k < classes.length && !hit; k++) hit = (classes[k] as (c: number) => boolean)(x);
        return hit !== negate;
      };
      return { test, next: i + 1 };
    }
    first = false;
    if (c === OPEN && pattern[i + 1] === ':') {
      const close = pattern.indexOf(':]', i + 2);
      const cls = close < 0 ? undefined : CLASSES[pattern.slice(i + 2, close)];
      if (cls === undefined) return undefined;
      classes.push(cls);
      i = close + 2;
      continue;
    }
    if (c === BACKSLASH && i + 1 < pattern.length) c = pattern.charCodeAt(++i);
    i++;
    let hi = c;
    if (pattern[i] === '-' && i + 1 < pattern.length && pattern.charCodeAt(i + 1) !== CLOSE) {
      i++;
      hi = pattern.charCodeAt(i);
      if (hi === BACKSLASH && i + 1 < pattern.length) hi = pattern.charCodeAt(++i);
      i++;
    }
    ranges.push(c, hi);
  }
  return undefined;
}

function segment(atoms: readonly Atom[]): Segment {
  const length = atoms.length;
  if (atoms.every((a) => typeof a === 'number')) {
    const text = String.fromCharCode(...(atoms as number[]));
    return {
      length,
      matchAt: (value, at) => value.startsWith(text, at),
      find: (value, from, end) => {
        const found = value.indexOf(text, from);
        return found >= 0 && found + length <= end ? found : -1;
      },
    };
  }
  const matchAt = (value: string, at: number): boolean => {
    for (let k = 0; k < length; k++) {
      const a = atoms[k] as Atom;
      const c = value.charCodeAt(at + k);
      if (typeof a === 'number' ? a !== c : !a(c)) return false;
    }
    return true;
  };
  if (length > SHIFT_AND_MAX) {
    return {
      length,
      matchAt,
      find: (value, from, end) => {
        for (let at = from; at + length <= end; at++) if (matchAt(value, at)) return at;
        return -1;
      },
    };
  }
  // Shift-and: bit k of `state` says the last k+1 characters match atoms[0..k].
  const maskOf = (c: number): number => {
    let mask = 0;
    for (let k = 0; k < length; k++) {
      const a = atoms[k] as Atom;
      if (typeof a === 'number' ? a === c : a(c)) mask |= 1 << k;
    }
    return mask;
  };
  // Built on the first find: the first and last segments of a pattern are only ever matched in place.
  let ascii: Int32Array | undefined;
  const table = (): Int32Array => {
    const t = new Int32Array(128);
    for (let c = 0; c < 128; c++) t[c] = maskOf(c);
    return t;
  };
  const accept = 1 << (length - 1);
  return {
    length,
    matchAt,
    find: (value, from, end) => {
      ascii ??= table();
      let state = 0;
      for (let i = from; i < end; i++) {
        const c = value.charCodeAt(i);
        state = ((state << 1) | 1) & (c < 128 ? (ascii[c] as number) : maskOf(c));
        if ((state & accept) !== 0) return i - length + 1;
      }
      return -1;
    },
  };
}

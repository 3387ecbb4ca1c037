import t, { type Test } from 'tap';
import { type HostVars, compileRank, evaluateRank, parseRank } from '../../../src/placement/expr/index.js';

const host: HostVars = {
  FREECPU: 150,
  RUNNING_VMS: 3,
  FREEMEMORY: '2048',
  TEMPERATURE: 40.5,
  HYPERVISOR: 'kvm',
  BAD: '12abc',
  ZERO: 0,
  BIG: 1e308,
  NOTNUM: Number.NaN,
};

/** Every case through both the compiled closure and the interpreter; Object.is tells 0 from -0. */
function check(cases: readonly (readonly [string, number])[], on: HostVars = host) {
  return async (t: Test) => {
    for (const [src, expected] of cases) {
      const compiled = compileRank(src)(on);
      const interpreted = evaluateRank(src, on);
      t.ok(Object.is(compiled, expected), `compiled: ${src} = ${compiled}, want ${expected}`);
      t.ok(Object.is(interpreted, expected), `interpreted: ${src} = ${interpreted}, want ${expected}`);
    }
  };
}

t.test(
  'variables and arithmetic',
  check([
    ['FREECPU', 150],
    ['FREECPU - RUNNING_VMS * 10', 120],
    ['FREEMEMORY / 1024', 2],
    ['FREECPU * 100 - TEMPERATURE', 14959.5],
    ['-FREECPU', -150],
    ['1.5 * 2', 3],
    ['7 / 2', 3.5],
  ]),
);

t.test(
  '* and / before + and -, each group from the left; unary minus on its operand',
  check([
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['10 - 4 - 3', 3],
    ['10 - (4 - 3)', 9],
    ['64 / 4 / 2', 8],
    ['64 / (4 / 2)', 32],
    ['2 * 3 + 4 * 5', 26],
    ['-2 * 3', -6],
    ['2 * -3', -6],
    ['- -3', 3],
    ['--3', 3],
    ['-(2 + 3)', -5],
    ['1 - -1', 2],
    // OpenNebula's lexer reads `-1` here as a signed number and rejects `2-1`.
    ['2-1', 1],
    ['FREECPU-RUNNING_VMS', 147],
  ]),
);

t.test(
  'unknown and non-numeric variables count 0',
  check([
    ['NOPE', 0],
    ['NOPE * 5 + 1', 1],
    ['HYPERVISOR + 1', 1],
    ['BAD + 1', 1],
    ['NOTNUM + 1', 1],
    ['constructor + 1', 1],
  ]),
);

t.test(
  'division by zero gives 0; the result is never NaN nor -0',
  check([
    ['FREECPU / 0', 0],
    ['FREECPU / ZERO', 0],
    ['FREECPU / NOPE', 0],
    ['0 / 0', 0],
    ['-FREECPU / 0', 0],
    ['(FREECPU / 0) + 5', 5],
    ['BIG * 10', Number.POSITIVE_INFINITY],
    ['BIG * 10 - BIG * 10', 0],
    ['0 * -1', 0],
    ['-0', 0],
    ['-ZERO', 0],
  ]),
);

t.test(
  'the empty expression ranks 0; a trailing ; is accepted',
  check([
    ['', 0],
    ['  \n', 0],
    [';', 0],
    ['FREECPU;', 150],
    ['FREECPU ;', 150],
  ]),
);

t.test(
  'ranks are not truncated to integers (OpenNebula rounds them)',
  check([
    ['TEMPERATURE', 40.5],
    ['1 / 3', 1 / 3],
  ]),
);

t.test('a constant expression compiles to its value', async (t) => {
  const r = compileRank('(1 + 2) * -3');
  t.equal(r({}), -9);
  t.equal(r(host), -9);
});

t.test('the syntax tree keeps the chains flat', async (t) => {
  t.same(parseRank(''), { kind: 'number', value: 0 });
  t.same(parseRank('A - B * -C + 2'), {
    kind: 'chain',
    first: { kind: 'variable', name: 'A', pos: 0 },
    rest: [
      {
        op: '-',
        operand: {
          kind: 'chain',
          first: { kind: 'variable', name: 'B', pos: 4 },
          rest: [{ op: '*', operand: { kind: 'negate', pos: 8, operand: { kind: 'variable', name: 'C', pos: 9 } } }],
        },
      },
      { op: '+', operand: { kind: 'number', value: 2 } },
    ],
  });
});

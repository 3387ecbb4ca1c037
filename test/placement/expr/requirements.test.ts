import t, { type Test } from 'tap';
import { type HostVars, compileRequirements, evaluateRequirements, parseRequirements } from '../../../src/placement/expr/index.js';

const host: HostVars = {
  HYPERVISOR: 'kvm',
  HOSTNAME: 'node12',
  NAME: 'my host',
  FREECPU: 150,
  FREEMEMORY: '2048',
  TEMPERATURE: -10,
  CPUSPEED: 2.5,
  BAD_NUMBER: '12abc',
  PADDED: ' 40 ',
  EMPTY: '',
  CLUSTERS: '100,101',
  TAGS: 'ssd, gpu-a100',
  ONE_ID: 5,
  CURRENT_VMS: '3,5,7',
  A: 1,
  B: 0,
  C: 0,
  lower_case: 'yes',
};

/** Every case through both the compiled closure and the interpreter. */
function check(cases: readonly (readonly [string, boolean])[], on: HostVars = host) {
  return async (t: Test) => {
    for (const [src, expected] of cases) {
      t.equal(compileRequirements(src)(on), expected, `compiled: ${src}`);
      t.equal(evaluateRequirements(src, on), expected, `interpreted: ${src}`);
    }
  };
}

t.test(
  'numbers compare as numbers, host strings that are numbers too',
  check([
    ['FREECPU > 100', true],
    ['FREECPU > 150', false],
    ['FREECPU < 151', true],
    ['FREECPU = 150', true],
    ['FREECPU = 150.0', true],
    ['FREECPU != 150', false],
    ['FREECPU != 149', true],
    ['FREEMEMORY > 1024', true],
    ['FREEMEMORY = 2048', true],
    ['PADDED = 40', true],
    ['CPUSPEED > 2.25', true],
    ['CPUSPEED = 2.5', true],
    ['TEMPERATURE < -5', true],
    ['TEMPERATURE > - 20', true],
    ['TEMPERATURE = -10', true],
    // A numeric prefix is not a number (OpenNebula's istream would read 12).
    ['BAD_NUMBER = 12', false],
    ['BAD_NUMBER != 12', false],
    ['BAD_NUMBER > 1', false],
    ['HYPERVISOR > 1', false],
  ]),
);

t.test(
  'strings match as shell wildcards, quoted or bare words',
  check([
    ['HYPERVISOR = kvm', true],
    ['HYPERVISOR = "kvm"', true],
    ['HYPERVISOR = KVM', false],
    ['HYPERVISOR != "kvm"', false],
    ['HYPERVISOR != qemu', true],
    ['HOSTNAME = "node*"', true],
    ['HOSTNAME = "node?"', false],
    ['HOSTNAME = "node??"', true],
    ['HOSTNAME = "node[0-9][0-9]"', true],
    ['HOSTNAME = "node[!0-9]*"', false],
    ['HOSTNAME = "*12"', true],
    ['HOSTNAME = "old*"', false],
    ['HOSTNAME != "old*"', true],
    ['NAME = "my host"', true],
    ['NAME = "my *"', true],
    ['NAME = "my"', false],
    ['EMPTY = "*"', true],
    // A number on the host matches a pattern through its text.
    ['FREECPU = "1*"', true],
    ['FREECPU = "150"', true],
    ['CPUSPEED = "2.5"', true],
  ]),
);

t.test(
  '"" matches nothing, as OpenNebula reads it as a null string',
  check([
    ['EMPTY = ""', false],
    ['EMPTY != ""', false],
    ['HOSTNAME != ""', false],
    ['TAGS @> ""', false],
  ]),
);

t.test(
  '@> is true when an item of the comma-separated list matches',
  check([
    ['CLUSTERS @> 101', true],
    ['CLUSTERS @> 10', false],
    ['CLUSTERS @> 100.0', true],
    ['CLUSTERS @> "10*"', true],
    ['CLUSTERS @> "102"', false],
    ['TAGS @> "gpu*"', true],
    ['TAGS @> ssd', true],
    ['TAGS @> "ssd, gpu-a100"', false],
    ['ONE_ID @> 5', true],
    ['ONE_ID @> "5"', true],
    ['HOSTNAME @> "node*"', true],
    ['NOPE @> 1', false],
    ['TAGS @ > ssd', true],
  ]),
);

t.test('CURRENT_VMS = n and != n ask whether VM n runs on the host', async (t) => {
  await check([
    ['CURRENT_VMS = 5', true],
    ['CURRENT_VMS = 4', false],
    ['CURRENT_VMS != 5', false],
    ['CURRENT_VMS != 4', true],
    ['(CURRENT_VMS != 4) & (CURRENT_VMS != 6)', true],
    ['CURRENT_VMS @> 7', true],
    ['CURRENT_VMS = "3,5,7"', true],
  ])(t);
  await check(
    [
      ['CURRENT_VMS = 5', false],
      ['CURRENT_VMS != 5', true],
    ],
    { CURRENT_VMS: '' },
  )(t);
  await check(
    [
      ['CURRENT_VMS = 5', false],
      ['CURRENT_VMS != 5', true],
    ],
    {},
  )(t);
  await check(
    [
      ['CURRENT_VMS = 5', true],
      ['CURRENT_VMS != 5', false],
    ],
    { CURRENT_VMS: 5 },
  )(t);
});

t.test(
  'an unknown variable makes every comparison on it false; ! of that is true',
  check([
    ['NOPE = 1', false],
    ['NOPE != 1', false],
    ['NOPE > 1', false],
    ['NOPE < 1', false],
    ['NOPE = "*"', false],
    ['NOPE != "x"', false],
    ['NOPE @> "*"', false],
    ['!(NOPE = 1)', true],
    ['!NOPE = 1', true],
    ['NOPE = 1 | FREECPU > 1', true],
    // Inherited properties of a plain object are not variables.
    ['constructor = "*"', false],
    ['toString != 1', false],
    ['valueOf = "*"', false],
    ['hasOwnProperty @> "*"', false],
  ]),
);

t.test(
  'NaN on the host is not a number; Infinity is',
  check(
    [
      ['X = 1', false],
      ['X != 1', false],
      ['X < 1', false],
      ['Y > 1000000', true],
      ['X = "NaN"', true],
    ],
    { X: Number.NaN, Y: Number.POSITIVE_INFINITY },
  ),
);

t.test(
  '& and | bind equally and group from the left, as in OpenNebula; ! binds tightest',
  check([
    // OpenNebula: (A = 1 | B = 1) & C = 1. With & above | it would be true.
    ['A = 1 | B = 1 & C = 1', false],
    ['A = 1 | (B = 1 & C = 1)', true],
    ['(A = 1 | B = 1) & C = 1', false],
    ['B = 1 & C = 1 | A = 1', true],
    ['A = 1 & B = 1 | C = 1 | A = 1', true],
    ['A = 1 & B = 1 | C = 1 & A = 1', false],
    ['!A = 1 & B = 1', false],
    ['!B = 1 & A = 1', true],
    ['!(B = 1 & A = 1)', true],
    ['!B = 1 | B = 1 & C = 1', false],
    ['!!A = 1', true],
    ['! ! ! A = 1', false],
    ['HYPERVISOR = "kvm" & FREECPU > 100 & !(HOSTNAME = "old*")', true],
    ['((((A = 1))))', true],
  ]),
);

t.test(
  'the empty expression, blanks, ! = and a trailing ; are accepted',
  check([
    ['', true],
    ['   \t\n', true],
    [';', true],
    ['FREECPU>100&HYPERVISOR=kvm', true],
    ['FREECPU\t>\n100\r\n&  HYPERVISOR =\t"kvm"', true],
    ['HYPERVISOR ! = qemu', true],
    ['HYPERVISOR != qemu ;', true],
    ['lower_case = yes', true],
  ]),
);

t.test('the syntax tree keeps what was written', async (t) => {
  t.same(parseRequirements(''), { kind: 'empty' });
  t.same(parseRequirements('A = 1 | !B != "x*" & C @> y'), {
    kind: 'chain',
    first: { kind: 'compare', op: '=', name: 'A', value: { type: 'number', value: 1 }, pos: 0 },
    rest: [
      {
        op: '|',
        operand: { kind: 'not', pos: 8, operand: { kind: 'compare', op: '!=', name: 'B', value: { type: 'string', value: 'x*' }, pos: 9 } },
      },
      { op: '&', operand: { kind: 'compare', op: '@>', name: 'C', value: { type: 'string', value: 'y' }, pos: 21 } },
    ],
  });
});

t.test('a compiled expression is reused across hosts and stays right', async (t) => {
  const req = compileRequirements('HYPERVISOR = kvm & FREECPU > 100');
  const hosts: HostVars[] = [
    { HYPERVISOR: 'kvm', FREECPU: 101 },
    { HYPERVISOR: 'kvm', FREECPU: 100 },
    { HYPERVISOR: 'qemu', FREECPU: 400 },
    { FREECPU: 400 },
  ];
  t.same(hosts.map(req), [true, false, false, false]);
  t.same(hosts.map(req), [true, false, false, false], 'same answers the second time');
});

import t, { type Test } from 'tap';
import { isNepheleError } from '../../../src/errors.js';
import { type HostVars, compileRank, compileRequirements, evaluateRank, evaluateRequirements } from '../../../src/placement/expr/index.js';
import { host, mutate, prng, rank, requirements } from './gen.js';

const EXPRESSIONS = 2_000;
const HOSTS = 25;

type Outcome<T> = { value: T } | { error: { position: unknown; expected: unknown } };

function outcome<T>(run: () => T): Outcome<T> {
  try {
    return { value: run() };
  } catch (err) {
    if (!isNepheleError(err, 'EXPRESSION_SYNTAX')) throw err;
    const d = err.details as { position: unknown; expected?: unknown };
    return { error: { position: d.position, expected: d.expected } };
  }
}

/** Compares the compiled closure with the interpreter on every host; returns how many answers each way. */
function compare<T>(
  t: Test,
  src: string,
  hosts: readonly HostVars[],
  compile: (s: string) => (h: HostVars) => T,
  evaluate: (s: string, h: HostVars) => T,
  seen: Map<string, number>,
): void {
  const compiled = outcome(() => compile(src));
  for (const h of hosts) {
    const interpreted = outcome(() => evaluate(src, h));
    const got = 'value' in compiled ? outcome(() => compiled.value(h)) : compiled;
    const same =
      'value' in got && 'value' in interpreted
        ? Object.is(got.value, interpreted.value)
        : JSON.stringify(got) === JSON.stringify(interpreted);
    if (!same) {
      t.fail(`${JSON.stringify(src)} on ${JSON.stringify(h)}: compiled ${JSON.stringify(got)}, interpreted ${JSON.stringify(interpreted)}`);
      return;
    }
    const key = 'value' in got ? String(got.value) : 'error';
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
}

t.test(`requirements: compiled and interpreted agree on ${EXPRESSIONS} random expressions x ${HOSTS} hosts`, async (t) => {
  const random = prng(0x5eed);
  const hosts = Array.from({ length: HOSTS }, () => host(random));
  const seen = new Map<string, number>();
  for (let i = 0; i < EXPRESSIONS; i++) compare(t, requirements(random), hosts, compileRequirements, evaluateRequirements, seen);
  t.ok((seen.get('true') ?? 0) > EXPRESSIONS * HOSTS * 0.1, `true is common (${seen.get('true')})`);
  t.ok((seen.get('false') ?? 0) > EXPRESSIONS * HOSTS * 0.1, `false is common (${seen.get('false')})`);
  t.notOk(seen.has('error'), 'the generator writes valid expressions');
});

t.test(`rank: compiled and interpreted agree on ${EXPRESSIONS} random expressions x ${HOSTS} hosts`, async (t) => {
  const random = prng(0xa11ce);
  const hosts = Array.from({ length: HOSTS }, () => host(random));
  const seen = new Map<string, number>();
  for (let i = 0; i < EXPRESSIONS; i++) compare(t, rank(random), hosts, compileRank, evaluateRank, seen);
  t.notOk(seen.has('error'), 'the generator writes valid expressions');
  t.ok(seen.size > 500, `answers are varied (${seen.size} distinct)`);
});

t.test('broken expressions: both refuse them at the same position, expecting the same', async (t) => {
  const random = prng(0xbad);
  const hosts = Array.from({ length: 3 }, () => host(random));
  const seen = new Map<string, number>();
  for (let i = 0; i < EXPRESSIONS; i++) {
    compare(t, mutate(random, requirements(random)), hosts, compileRequirements, evaluateRequirements, seen);
    compare(t, mutate(random, rank(random)), hosts, compileRank, evaluateRank, seen);
  }
  t.ok((seen.get('error') ?? 0) > EXPRESSIONS, `errors are common (${seen.get('error')})`);
});

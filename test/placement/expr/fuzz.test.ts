import t, { type Test } from 'tap';
import { isNepheleError } from '../../../src/errors.js';
import { type HostVars, compileRank, compileRequirements } from '../../../src/placement/expr/index.js';
import { host, mutate, noise, prng, rank, requirements } from './gen.js';

interface Tally {
  compiled: number;
  refused: number;
}

/**
 * Compiles `src`; fails the test on anything thrown but EXPRESSION_SYNTAX, on
 * a position outside the text, and on a compiled closure that throws or
 * answers with the wrong type on any of `hosts`.
 */
function attempt(t: Test, kind: 'requirements' | 'rank', src: string, hosts: readonly HostVars[], tally: Tally): void {
  let f: ((h: HostVars) => unknown) | undefined;
  try {
    f = kind === 'requirements' ? compileRequirements(src) : compileRank(src);
  } catch (err) {
    if (!isNepheleError(err, 'EXPRESSION_SYNTAX')) {
      t.fail(`${kind} ${JSON.stringify(src)} threw ${String(err)}`);
      return;
    }
    const position = (err.details as { position: unknown }).position;
    if (!(typeof position === 'number' && Number.isInteger(position) && position >= 0 && position <= src.length)) {
      t.fail(`${kind} ${JSON.stringify(src)}: position ${String(position)} is outside the text`);
    }
    tally.refused++;
    return;
  }
  tally.compiled++;
  for (const h of hosts) {
    let answer: unknown;
    try {
      answer = f(h);
    } catch (err) {
      t.fail(`${kind} ${JSON.stringify(src)} threw when run: ${String(err)}`);
      return;
    }
    const ok = kind === 'requirements' ? typeof answer === 'boolean' : typeof answer === 'number' && !Number.isNaN(answer);
    if (!ok) t.fail(`${kind} ${JSON.stringify(src)} answered ${String(answer)}`);
  }
}

t.test('random strings compile or fail with EXPRESSION_SYNTAX; what compiles runs on any host', async (t) => {
  const random = prng(0xe59e);
  const hosts = Array.from({ length: 8 }, () => host(random));
  hosts.push({}, Object.create(null) as HostVars);
  const tally: Record<'requirements' | 'rank', Tally> = {
    requirements: { compiled: 0, refused: 0 },
    rank: { compiled: 0, refused: 0 },
  };
  for (const kind of ['requirements', 'rank'] as const) {
    const valid = kind === 'requirements' ? requirements : rank;
    for (let i = 0; i < 2_000; i++) attempt(t, kind, noise(random, Math.floor(random() * 12)), hosts, tally[kind]);
    for (let i = 0; i < 2_000; i++) attempt(t, kind, mutate(random, valid(random)), hosts, tally[kind]);
    for (let i = 0; i < 500; i++) {
      const bytes = Buffer.alloc(Math.floor(random() * 60));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      attempt(t, kind, bytes.toString(random() < 0.5 ? 'latin1' : 'utf8'), hosts, tally[kind]);
    }
  }
  // Both outcomes must be common, or the test would prove little.
  for (const kind of ['requirements', 'rank'] as const) {
    t.ok(tally[kind].compiled > 300, `${kind}: ${tally[kind].compiled} compiled`);
    t.ok(tally[kind].refused > 1000, `${kind}: ${tally[kind].refused} refused`);
  }
});

import t, { type Test } from 'tap';
import { NepheleError } from '../../src/errors.js';
import { MAX_TEMPLATE_BYTES, type Template, parseTemplate, renderTemplate, vmTemplate } from '../../src/templates/index.js';
import { allSamples, pick, prng } from './samples.js';

type Outcome = { ok: Template } | { error: NepheleError };

/**
 * Parses, failing the test on anything thrown but TEMPLATE_SYNTAX, on an
 * error place outside the text, on a parse that does not survive a render
 * round trip, and on vmTemplate throwing anything but INVALID_TEMPLATE.
 */
function attempt(t: Test, text: string, label: string): Outcome {
  let tpl: Template;
  try {
    tpl = parseTemplate(text);
  } catch (err) {
    if (!(err instanceof NepheleError) || err.code !== 'TEMPLATE_SYNTAX') {
      t.fail(`${label}: threw ${String(err)}`);
      throw err;
    }
    const { line, column } = err.details as { line: number; column: number };
    const lines = text.replace(/^\uFEFF/, '').split('\n');
    const width = [...(lines[line - 1] ?? '')].length;
    if (!(Number.isInteger(line) && line >= 1 && line <= lines.length && column >= 1 && column <= width + 1)) {
      t.fail(`${label}: error at ${line}:${column} is outside the text (${lines.length} lines)`);
    }
    if (err.message.length > 300) t.fail(`${label}: a ${err.message.length}-character message`);
    return { error: err };
  }
  const strip = (x: Template) => x.attributes.map(({ name, value }) => ({ name, value }));
  const again = parseTemplate(renderTemplate(tpl));
  if (JSON.stringify(strip(again)) !== JSON.stringify(strip(tpl))) t.fail(`${label}: round trip changed it`);
  try {
    vmTemplate(tpl);
  } catch (err) {
    if (!(err instanceof NepheleError) || err.code !== 'INVALID_TEMPLATE') t.fail(`${label}: vmTemplate threw ${String(err)}`);
  }
  return { ok: tpl };
}

const SPECIAL = ['"', '[', ']', '=', ',', '#', '\\', '\n', '\r\n', ' ', '\t', '\\"', '$', 'A', '_', '0', '\u0000', 'é', '😀', '\uFEFF'];

t.test('5,000 random strings parse or fail with TEMPLATE_SYNTAX, at a place inside the text', async (t) => {
  const random = prng(0xf022);
  const counts = { ok: 0, TEMPLATE_SYNTAX: 0 };
  const samples = Object.values(allSamples);
  const tally = (text: string, label: string) => {
    const outcome = attempt(t, text, label);
    if ('ok' in outcome) counts.ok++;
    else counts.TEMPLATE_SYNTAX++;
  };

  for (let i = 0; i < 1000; i++) {
    const bytes = Buffer.alloc(Math.floor(random() * 200));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
    tally(bytes.toString(random() < 0.5 ? 'latin1' : 'utf8'), `random bytes ${i}`);
  }
  for (let i = 0; i < 1000; i++) {
    const text = Array.from({ length: Math.floor(random() * 60) }, () => pick(random, SPECIAL)).join('');
    tally(text, `random specials ${i}`);
  }
  for (let i = 0; i < 1000; i++) {
    const sample = pick(random, samples);
    tally(sample.slice(0, Math.floor(random() * sample.length)), `truncation ${i}`);
  }
  for (let i = 0; i < 2000; i++) {
    let text = pick(random, samples);
    for (let n = 1 + Math.floor(random() * 4); n > 0; n--) {
      const at = Math.floor(random() * (text.length + 1));
      const r = random();
      if (r < 0.5)
        text = text.slice(0, at) + pick(random, SPECIAL) + text.slice(at); // insert
      else if (r < 0.8)
        text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 8)); // delete
      else text = text.slice(0, at) + text.slice(Math.floor(random() * text.length)); // splice a tail in
    }
    tally(text, `mutation ${i}`);
  }
  t.equal(counts.ok + counts.TEMPLATE_SYNTAX, 5000);
  t.ok(counts.ok > 250, `some parse (${JSON.stringify(counts)})`);
  t.ok(counts.TEMPLATE_SYNTAX > 2500, 'most do not');
});

t.test('inputs built to make a backtracking parser blow up still just parse or fail', async (t) => {
  const size = MAX_TEMPLATE_BYTES - 64;
  const cases: Record<string, string> = {
    quotes: '"'.repeat(size),
    'backslashes in a string': `A = "${'\\'.repeat(size)}`,
    'escaped quotes': `A = "${'\\"'.repeat(size / 2)}`,
    'open brackets': `A = ${'['.repeat(size)}`,
    'vector of empty pairs': `A = [${Array.from({ length: size / 12 }, (_, i) => ` K${i} = ,`).join('')}`,
    'equals signs': `A ${'= '.repeat(size / 2)}`,
    'one long name': 'A'.repeat(size),
    'one long line of blanks': `A = ${' \t'.repeat(size / 2)}x`,
    comments: '#\n'.repeat(size / 2),
    'unterminated vectors': 'A = [ B = "x"\n'.repeat(size / 14),
  };
  for (const [label, text] of Object.entries(cases)) {
    const outcome = attempt(t, text, label);
    t.comment(`${label}: ${'ok' in outcome ? 'parsed' : outcome.error.message.slice(0, 80)}`);
  }
  const t1 = attempt(t, cases['vector of empty pairs'] ?? '', 'pairs');
  t.ok('error' in t1 && t1.error.message.includes("expected a key or ']'"), 'a vector without its ] is refused');
});

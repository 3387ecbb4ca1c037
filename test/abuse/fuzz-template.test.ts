/**
 * Property-based fuzzing of the template language with fast-check. It
 * complements test/templates/fuzz.test.ts (random bytes and mutations of
 * real templates through a hand PRNG) from the other side: templates built
 * from generated attributes, written out in random but valid layouts, must
 * parse back to exactly those attributes; soups of template tokens must
 * parse or fail with TEMPLATE_SYNTAX at a place inside the text; and
 * vmTemplate throws nothing but INVALID_TEMPLATE.
 */
import * as fc from 'fast-check';
import t from 'tap';
import { NepheleError } from '../../src/errors.js';
import {
  MAX_TEMPLATE_BYTES,
  createTemplate,
  parseTemplate,
  quoteValue,
  renderTemplate,
  vmTemplate,
  type Template,
  type TemplateValue,
} from '../../src/templates/index.js';
import { checkProperty, fuzzSeed } from '../fixtures/abuse.js';

type Attr = { readonly name: string; readonly value: TemplateValue };

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,24}$/;
const attrName = fc.oneof(
  fc.constantFrom(
    'NAME',
    'CPU',
    'MEMORY',
    'VCPU',
    'DISK',
    'NIC',
    'OS',
    'CONTEXT',
    'GRAPHICS',
    'RAW',
    'SCHED_REQUIREMENTS',
    'cpu',
    'Memory',
    '_',
    'A1',
  ),
  fc.stringMatching(NAME),
);

/** Values that a careless writer or reader gets wrong: quotes, backslashes, line breaks, `#`, brackets, unicode, length. */
const value: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc
    .array(
      fc.constantFrom(
        '"',
        '\\',
        '\\"',
        '\n',
        '\r\n',
        '#',
        '[',
        ']',
        '=',
        ',',
        ' ',
        '\t',
        '$NAME',
        '$NIC[IP, NETWORK="x"]',
        'é',
        '😀',
        '\uFEFF',
        '\0',
        'a',
      ),
      { maxLength: 16 },
    )
    .map((parts) => parts.join('')),
  fc.tuple(fc.constantFrom('x', '"', '\\', 'é\n'), fc.integer({ min: 100, max: 20_000 })).map(([unit, n]) => unit.repeat(n)),
  fc.constantFrom('', ' ', '0.5', '1024', 'yes', 'NO', '-1', '1e3', '.25', '0x10', 'Infinity', 'NaN'),
);

/** A vector's pairs: keys unique whatever their case, as the parser requires. */
const vector: fc.Arbitrary<Record<string, string>> = fc
  .uniqueArray(fc.tuple(fc.stringMatching(NAME), value), {
    maxLength: 6,
    selector: ([key]) => key.toUpperCase(),
  })
  .map((pairs) => Object.fromEntries(pairs));

const attribute: fc.Arbitrary<Attr> = fc.record({
  name: attrName,
  value: fc.oneof({ arbitrary: value, weight: 3 }, { arbitrary: vector, weight: 1 }),
});
const attributes = fc.array(attribute, { maxLength: 12 });

/** The attributes as the parser gives them: names and keys upper-case. */
function normal(attrs: readonly Attr[]): unknown {
  return attrs.map(({ name, value: v }) => ({
    name: name.toUpperCase(),
    value: typeof v === 'string' ? v : Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toUpperCase(), x])),
  }));
}

function parsed(tpl: Template): unknown {
  return tpl.attributes.map(({ name, value: v }) => ({ name, value: typeof v === 'string' ? v : { ...v } }));
}

/** Layout choices for writing a template by hand: blanks, comments, line breaks, trailing commas, quoting. */
interface Layout {
  readonly blank: string;
  readonly comment: string;
  readonly vectorBreak: string;
  readonly trailingComma: boolean;
  readonly blankLines: string;
  readonly quoteAll: boolean;
  readonly bom: boolean;
}
const layout: fc.Arbitrary<Layout> = fc.record({
  blank: fc.constantFrom('', ' ', '\t', '  \t', '\v', '\f', '\r'),
  comment: fc.constantFrom('', ' # a comment', '# "quoted [ in a comment', '#'),
  vectorBreak: fc.constantFrom(' ', '\n', '\n  # inside\n  ', ' \r\n\t'),
  trailingComma: fc.boolean(),
  blankLines: fc.constantFrom('', '\n', '\n# between\n', '\r\n\n'),
  quoteAll: fc.boolean(),
  bom: fc.boolean(),
});

/** Writes attributes as a person might: any of the layouts above, each value quoted only where it must be (or always). */
function write(attrs: readonly Attr[], o: Layout): string {
  const q = (v: string): string => (o.quoteAll ? `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"` : quoteValue(v));
  const lines = attrs.map(({ name, value: v }) => {
    const rhs =
      typeof v === 'string'
        ? q(v)
        : `[${o.vectorBreak}${Object.entries(v)
            .map(([k, x]) => `${k}${o.blank}=${o.blank}${q(x)}`)
            .join(`,${o.vectorBreak}`)}${o.trailingComma && Object.keys(v).length > 0 ? ',' : ''}${o.vectorBreak}]`;
    return `${o.blank}${name}${o.blank}=${o.blank}${rhs}${o.blank}${o.comment}`;
  });
  return `${o.bom ? '\uFEFF' : ''}${lines.join(`\n${o.blankLines}`)}\n`;
}

/** Parses, or returns the TEMPLATE_SYNTAX error after checking that it points inside the text; anything else thrown fails. */
function parseOrSyntax(text: string): Template | NepheleError {
  try {
    return parseTemplate(text);
  } catch (err) {
    if (!(err instanceof NepheleError) || err.code !== 'TEMPLATE_SYNTAX') throw new Error(`parseTemplate threw ${String(err)}`);
    const { line, column } = err.details as { line: number; column: number };
    const lines = text.replace(/^\uFEFF/, '').split('\n');
    const width = [...(lines[line - 1] ?? '')].length;
    if (!(Number.isInteger(line) && line >= 1 && line <= lines.length && Number.isInteger(column) && column >= 1 && column <= width + 1)) {
      throw new Error(`TEMPLATE_SYNTAX at ${line}:${column}, outside the text (${lines.length} lines)`);
    }
    return err;
  }
}

/** vmTemplate may refuse a template only with INVALID_TEMPLATE; what it accepts must be sane. */
function checkVm(tpl: Template): 'ok' | 'INVALID_TEMPLATE' {
  try {
    const vm = vmTemplate(tpl);
    if (!(vm.cpu > 0 && Number.isFinite(vm.cpu))) throw new Error(`vmTemplate accepted CPU ${vm.cpu}`);
    if (!(Number.isSafeInteger(vm.memory) && vm.memory >= 1)) throw new Error(`vmTemplate accepted MEMORY ${vm.memory}`);
    if (!(Number.isSafeInteger(vm.vcpu) && vm.vcpu >= 1)) throw new Error(`vmTemplate accepted VCPU ${vm.vcpu}`);
    if (vm.disks.length !== tpl.getAll('DISK').length || vm.nics.length !== tpl.getAll('NIC').length)
      throw new Error('vmTemplate lost a DISK or NIC');
    return 'ok';
  } catch (err) {
    if (err instanceof NepheleError && err.code === 'INVALID_TEMPLATE') return 'INVALID_TEMPLATE';
    throw err instanceof Error && !(err instanceof NepheleError) && err.message.startsWith('vmTemplate')
      ? err
      : new Error(`vmTemplate threw ${String(err)}`);
  }
}

/** Template-ish tokens, so that a random soup reaches past the first character. */
const TOKENS = [
  'NAME',
  'CPU',
  'MEMORY',
  'DISK',
  'NIC',
  'CONTEXT',
  'x',
  '_A9',
  ' = ',
  '=',
  '[',
  ']',
  ',',
  '"',
  '\\"',
  '\\\\',
  '\\',
  '#',
  '# c\n',
  '\n',
  '\r\n',
  ' ',
  '\t',
  '0.5',
  '64',
  '$NAME',
  '$NIC[IP]',
  'é',
  '😀',
  '\uD800',
  '\0',
  '\uFEFF',
  'K = v',
  'A = "b"\n',
  'D = [ I = 1 ]\n',
];
const soup = fc.oneof(
  fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((parts) => parts.join('')),
  fc
    .tuple(fc.array(fc.constantFrom(...TOKENS), { maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 30 }))
    .map(([a, b]) => a.join('') + b),
);

t.test('templates from generated attributes, in any layout, parse back to those attributes', async (t) => {
  const seed = fuzzSeed(t);
  await checkProperty(
    t,
    'render then parse gives the attributes back',
    seed,
    { numRuns: 1000, timeLimitMs: 2500 },
    fc.property(attributes, (attrs) => {
      const text = renderTemplate(createTemplate(attrs));
      const again = parseTemplate(text);
      if (JSON.stringify(parsed(again)) !== JSON.stringify(normal(attrs))) throw new Error(`round trip changed it:\n${text.slice(0, 500)}`);
      if (renderTemplate(again) !== text) throw new Error('a second render differs from the first');
    }),
  );

  await checkProperty(
    t,
    'hand-written layouts parse to the same attributes',
    seed,
    { numRuns: 1000, timeLimitMs: 2500 },
    fc.property(attributes, layout, (attrs, l) => {
      const text = write(attrs, l);
      if (Buffer.byteLength(text) > MAX_TEMPLATE_BYTES) return;
      const got = parseOrSyntax(text);
      if (got instanceof NepheleError) throw new Error(`a valid template was refused: ${got.message}\n${text.slice(0, 500)}`);
      if (JSON.stringify(parsed(got)) !== JSON.stringify(normal(attrs)))
        throw new Error(`parsed to something else:\n${text.slice(0, 500)}`);
    }),
  );
});

t.test('token soups parse or fail with TEMPLATE_SYNTAX inside the text; vmTemplate refuses only with INVALID_TEMPLATE', async (t) => {
  const seed = fuzzSeed(t);
  const outcomes = { parsed: 0, syntax: 0, vmOk: 0, vmInvalid: 0 };
  await checkProperty(
    t,
    'token soups',
    seed,
    { numRuns: 3000, timeLimitMs: 2500 },
    fc.property(soup, (text) => {
      const got = parseOrSyntax(text);
      if (got instanceof NepheleError) {
        outcomes.syntax++;
        return;
      }
      outcomes.parsed++;
      const again = parseTemplate(renderTemplate(got));
      if (JSON.stringify(parsed(again)) !== JSON.stringify(parsed(got))) throw new Error('parse, render, parse changed it');
      outcomes[checkVm(got) === 'ok' ? 'vmOk' : 'vmInvalid']++;
    }),
  );
  t.comment(`token soups: ${JSON.stringify(outcomes)}`);
  t.ok(outcomes.parsed > 0 && outcomes.syntax > 0, 'soups reach both outcomes');

  // VM templates: the attributes vmTemplate reads, with values from plausible to absurd.
  const number = fc.oneof(
    fc.constantFrom('0', '0.5', '1', '64', '-1', '1e3', '.5', '5.', '0x10', '9007199254740993', '1'.repeat(400), ' 2 ', ''),
    value,
  );
  const device = (keys: readonly string[]): fc.Arbitrary<Record<string, string>> =>
    fc
      .uniqueArray(fc.tuple(fc.constantFrom(...keys), number), {
        maxLength: 5,
        selector: ([k]) => k,
      })
      .map((pairs) => Object.fromEntries(pairs));
  const vmAttr: fc.Arbitrary<Attr> = fc.oneof(
    fc.record({
      name: fc.constantFrom('CPU', 'MEMORY', 'VCPU', 'NAME', 'SCHED_REQUIREMENTS', 'REQUIREMENTS', 'SCHED_RANK', 'RANK'),
      value: fc.oneof(number, vector),
    }),
    fc.record({
      name: fc.constant('DISK'),
      value: fc.oneof(
        device(['TYPE', 'SIZE', 'IMAGE', 'IMAGE_ID', 'SOURCE', 'FORMAT', 'TARGET', 'READONLY', 'CLONE', 'SAVE', 'DEV_PREFIX']),
        number,
      ),
    }),
    fc.record({
      name: fc.constant('NIC'),
      value: fc.oneof(device(['NETWORK', 'NETWORK_ID', 'IP', 'MAC', 'BRIDGE', 'MODEL', 'NETWORK_MODE']), number),
    }),
    fc.record({
      name: fc.constantFrom('OS', 'CONTEXT', 'GRAPHICS', 'RAW'),
      value: fc.oneof(device(['KERNEL', 'INITRD', 'ROOT', 'BOOT', 'ARCH', 'TYPE', 'NETWORK']), number),
    }),
    attribute,
  );
  const vmOutcomes = { ok: 0, INVALID_TEMPLATE: 0 };
  await checkProperty(
    t,
    'vmTemplate on generated VM templates',
    seed,
    { numRuns: 3000, timeLimitMs: 2500 },
    fc.property(fc.array(vmAttr, { maxLength: 10 }), fc.boolean(), (attrs, withCapacity) => {
      const all = withCapacity ? [{ name: 'CPU', value: '0.5' }, { name: 'MEMORY', value: '64' }, ...attrs] : attrs;
      vmOutcomes[checkVm(parseTemplate(renderTemplate(createTemplate(all))))]++;
    }),
  );
  t.comment(`vmTemplate: ${JSON.stringify(vmOutcomes)}`);
  t.ok(vmOutcomes.ok > 0 && vmOutcomes.INVALID_TEMPLATE > 0, 'generated VM templates reach both outcomes');
});

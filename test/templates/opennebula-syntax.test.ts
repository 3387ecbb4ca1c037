/**
 * Templates as OpenNebula wrote them: its 1.2 lexer's single-quoted values
 * (`'[^']*'`, the seed's `ip_private = '$NIC[IP, NETWORK="Private LAN"]'`),
 * the 2010 examples of 1.4/2.0 (lower-case names, double quotes with \"),
 * and 6.10's grammar; what OpenNebula refuses is refused with TEMPLATE_SYNTAX
 * at a line and column. A fast-check property writes generated attributes in
 * those styles and reads them back.
 */
import * as fc from 'fast-check';
import t from 'tap';
import { NepheleError } from '../../src/errors.js';
import { type Template, type TemplateValue, createTemplate, parseTemplate, renderTemplate, vmTemplate } from '../../src/templates/index.js';
import { resolveContext } from '../../src/vms/vm-context.js';
import { checkProperty, fuzzSeed } from '../fixtures/abuse.js';

const values = (text: string) => parseTemplate(text).attributes.map((a) => [a.name, a.value]);

/** [what, text, the attributes it parses to] */
const accepted: [string, string, [string, TemplateValue][]][] = [
  [
    "the seed's example in CONTEXT",
    `CONTEXT = [\n  hostname   = "$NAME",\n  ip_private = '$NIC[IP, NETWORK="Private LAN"]',\n  ip_gen     = "10.0.0.$VM_ID"]`,
    [['CONTEXT', { HOSTNAME: '$NAME', IP_PRIVATE: '$NIC[IP, NETWORK="Private LAN"]', IP_GEN: '10.0.0.$VM_ID' }]],
  ],
  [
    "the seed's example at the top level",
    `ip_private = '$NIC[IP, NETWORK="Private LAN"]'`,
    [['IP_PRIVATE', '$NIC[IP, NETWORK="Private LAN"]']],
  ],
  [
    'the same value in 2010 double quotes',
    String.raw`ip_private = "$NIC[IP, NETWORK=\"Private LAN\"]"`,
    [['IP_PRIVATE', '$NIC[IP, NETWORK="Private LAN"]']],
  ],
  ['single quotes: no escapes, backslashes kept', String.raw`A = 'C:\dir\' # c`, [['A', 'C:\\dir\\']]],
  ['single quotes: \\" stays as written', String.raw`A = 'say \"hi\"'`, [['A', String.raw`say \"hi\"`]]],
  [
    'a double quote inside single quotes, a single inside double',
    `A = 'a "b" c'\nB = "it's"`,
    [
      ['A', 'a "b" c'],
      ['B', "it's"],
    ],
  ],
  [
    'empty single quotes',
    "A = ''\nV = [ K = '' ]",
    [
      ['A', ''],
      ['V', { K: '' }],
    ],
  ],
  ['# , = [ ] inside single quotes are text', "V = [ K = '# , = [ ]', L = x ] # c", [['V', { K: '# , = [ ]', L: 'x' }]]],
  ['blanks kept inside single quotes', "A = '  padded  '", [['A', '  padded  ']]],
  [
    'an apostrophe inside an unquoted word is text',
    "A = it's\nV = [ K = don't ]",
    [
      ['A', "it's"],
      ['V', { K: "don't" }],
    ],
  ],
  [
    'lower and mixed case names and keys are upper-cased',
    'Cpu = 1\nnic = [ Network = "Private LAN", mac="00:ff:72:17:20:27"]',
    [
      ['CPU', '1'],
      ['NIC', { NETWORK: 'Private LAN', MAC: '00:ff:72:17:20:27' }],
    ],
  ],
  [
    'NAME = with nothing after it is empty (EQUAL_EMPTY)',
    'A =\nB = 1',
    [
      ['A', ''],
      ['B', '1'],
    ],
  ],
  ['an empty vector', 'V = [ ]', [['V', {}]]],
  [
    'an unquoted value and pairs with no blanks (2.0 examples)',
    'DISK  = [ IMAGE ="Ubuntu Server" ]\nNIC = [ NETWORK="Private LAN"]\nGRAPHICS = [ \n  type    = "vnc",              \n  port    = "5"]',
    [
      ['DISK', { IMAGE: 'Ubuntu Server' }],
      ['NIC', { NETWORK: 'Private LAN' }],
      ['GRAPHICS', { TYPE: 'vnc', PORT: '5' }],
    ],
  ],
  [
    'a vector opened on one line and closed on another',
    "OS = [\n  kernel   = '/vmlinuz',\n  root     = sda1\n]",
    [['OS', { KERNEL: '/vmlinuz', ROOT: 'sda1' }]],
  ],
  [
    'a raw libvirt snippet in double quotes holds single quotes',
    `RAW = [ type = "kvm", data = " <serial type='pty'/>" ]`,
    [['RAW', { TYPE: 'kvm', DATA: " <serial type='pty'/>" }]],
  ],
];

t.test('OpenNebula 1.2, 2010 and 6.10 templates parse to what OpenNebula reads', async (t) => {
  for (const [what, text, expected] of accepted) t.strictSame(values(text), expected, what);
});

t.test('a single-quoted value spans lines, and later line numbers still count', async (t) => {
  const tpl = parseTemplate("A = 'line 1\nline 2\n'\nV = [ K = 'x\ny' ]\nB = after\n");
  t.strictSame(
    tpl.attributes.map((a) => [a.name, a.value, a.line]),
    [
      ['A', 'line 1\nline 2\n', 1],
      ['V', { K: 'x\ny' }, 4],
      ['B', 'after', 6],
    ],
  );
});

/** [what, text, line, column, in the message] */
const refused: [string, string, number, number, string][] = [
  ['an unterminated single quote, reported where it opens', "A = 1\nB = 'never\nclosed", 2, 5, `no closing "'"`],
  ['an unterminated double quote', 'A = "never', 1, 5, `no closing '"'`],
  ['an apostrophe inside a single-quoted value', "A = 'it's'", 1, 9, "expected the end of the line after the value of A, found 's'"],
  ['text after a single-quoted value', "A = 'x' y", 1, 9, "found 'y'"],
  ['two quoted values in one pair', "V = [ K = 'x' 'y' ]", 1, 15, "expected ',' or ']' after K in V"],
  ['a vector without its ]', "CONTEXT = [ ip = '$NIC[IP]',\n", 2, 1, "expected a key or ']' in CONTEXT, found the end"],
  ['a missing comma', 'V = [ A = x B = y ]', 1, 15, "a ',' may be missing"],
  ['a nested vector', 'V = [ A = [ B = 1 ] ]', 1, 11, "unexpected '['"],
  ['no name before =', '= x', 1, 1, "expected an attribute name, found '='"],
  ['a name without =', 'A B = 1', 1, 3, "expected '=' after A"],
  ['a name with a character OpenNebula does not allow', 'A.B = 1', 1, 2, "expected '=' after A, found '.'"],
  ['a pair without a value or =', 'V = [ K ]', 1, 9, "expected '=' after K in V"],
  ['a vector that starts with a comma', 'V = [ , K = 1 ]', 1, 7, "expected a key or ']' in V"],
];

t.test('what OpenNebula refuses is TEMPLATE_SYNTAX with a line and a column', async (t) => {
  for (const [what, text, line, column, expect] of refused) {
    const err = (() => {
      try {
        parseTemplate(text);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    if (!(err instanceof NepheleError)) {
      t.fail(`${what}: ${err === undefined ? 'parsed' : String(err)}`);
      continue;
    }
    t.equal(err.code, 'TEMPLATE_SYNTAX', what);
    t.strictSame(err.details, { line, column }, `${what}: at ${line}:${column}`);
    t.match(err.message, `line ${line}, column ${column}: `, `${what}: the message names the place`);
    t.match(err.message, expect, what);
  }
});

t.test("the seed's example makes a VM whose context resolves to the NIC's address", async (t) => {
  const template = parseTemplate(`NAME = "vm-example"
CPU    = 0.5
MEMORY = 128
nic = [ network = "Private LAN" ]
CONTEXT = [
  hostname   = "$NAME",
  ip_private = '$NIC[IP, NETWORK="Private LAN"]' ]
`);
  const vm = vmTemplate(template);
  t.equal(vm.name, 'vm-example');
  t.strictSame(
    vm.nics.map((n) => n.network),
    ['Private LAN'],
  );
  const nic = {
    nicId: 0,
    networkId: 0,
    network: 'Private LAN',
    bridge: 'br0',
    ip: '192.168.0.2',
    mac: '02:00:c0:a8:00:02',
    attributes: {},
  };
  t.strictSame(resolveContext(vm.context, { vmId: 7, name: 'vm-example', template, user: { id: 0, name: 'oneadmin' }, nics: [nic] }), {
    HOSTNAME: 'vm-example',
    IP_PRIVATE: '192.168.0.2',
  });
});

// The property: attributes written as OpenNebula's users write them (any case
// of name, bare words, 6.10's double quotes, 1.2's single quotes) read back as
// those attributes, and render → parse keeps them.

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,12}$/;
const value = fc.oneof(
  fc.string({ maxLength: 16 }),
  fc
    .array(fc.constantFrom("'", '"', '\\', '\\"', '\n', '#', '[', ']', '=', ',', ' ', '$NIC[IP, NETWORK="x"]', 'é', 'a', '0'), {
      maxLength: 10,
    })
    .map((p) => p.join('')),
  fc.constantFrom('', '0.5', 'vd', 'Private LAN', '$NAME'),
);
const vector = fc
  .uniqueArray(fc.tuple(fc.stringMatching(NAME), value), { maxLength: 5, selector: ([k]) => k.toUpperCase() })
  .map((pairs) => Object.fromEntries(pairs) as Record<string, string>);
const attribute = fc.record({
  name: fc.stringMatching(NAME),
  value: fc.oneof({ arbitrary: value, weight: 2 }, { arbitrary: vector, weight: 1 }),
});
type Style = 'bare' | 'double' | 'single';
const style = fc.constantFrom<Style>('bare', 'double', 'single');
const nameCase = fc.constantFrom<'upper' | 'lower' | 'asis'>('upper', 'lower', 'asis');

/** A value as one of the styles would write it; falls back to double quotes where that style cannot hold the value. */
function written(v: string, s: Style): string {
  const bare = /^[A-Za-z0-9_./:@+%-]+$/.test(v);
  if (s === 'bare' && bare) return v;
  if (s === 'single' && !v.includes("'")) return `'${v}'`;
  return `"${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function casedName(name: string, c: 'upper' | 'lower' | 'asis'): string {
  return c === 'upper' ? name.toUpperCase() : c === 'lower' ? name.toLowerCase() : name;
}

const plain = (tpl: Template) => tpl.attributes.map(({ name, value: v }) => [name, typeof v === 'string' ? v : { ...v }]);

t.test('generated attributes in OpenNebula styles parse back, and render → parse keeps them', async (t) => {
  const seed = fuzzSeed(t);
  await checkProperty(
    t,
    'OpenNebula styles read back',
    seed,
    { numRuns: 500, timeLimitMs: 2000 },
    fc.property(fc.array(fc.tuple(attribute, style, nameCase), { maxLength: 8 }), (attrs) => {
      const text = attrs
        .map(([{ name, value: v }, s, c]) =>
          typeof v === 'string'
            ? `${casedName(name, c)} = ${written(v, s)}`
            : `${casedName(name, c)} = [\n${Object.entries(v)
                .map(([k, x]) => `  ${casedName(k, c)} = ${written(x, s)}`)
                .join(',\n')} ]`,
        )
        .join('\n');
      const got = parseTemplate(text);
      const want = createTemplate(attrs.map(([a]) => a));
      if (JSON.stringify(plain(got)) !== JSON.stringify(plain(want))) throw new Error(`read back differently:\n${text}`);
      const again = parseTemplate(renderTemplate(got));
      if (JSON.stringify(plain(again)) !== JSON.stringify(plain(got))) throw new Error(`render → parse changed it:\n${text}`);
    }),
  );
});

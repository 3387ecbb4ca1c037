import t, { type Test } from 'tap';
import { NepheleError } from '../../src/errors.js';
import { MAX_TEMPLATE_ATTRIBUTES, MAX_TEMPLATE_BYTES, createTemplate, parseTemplate } from '../../src/templates/index.js';

const values = (text: string) => parseTemplate(text).attributes.map((a) => [a.name, a.value]);

/** Asserts TEMPLATE_SYNTAX at line:column, with `expect` in the message. */
function syntaxError(t: Test, text: string, line: number, column: number, expect: RegExp | string): void {
  try {
    parseTemplate(text);
    t.fail(`parsed: ${JSON.stringify(text)}`);
  } catch (err) {
    t.ok(err instanceof NepheleError, `a NepheleError for ${JSON.stringify(text)}`);
    const e = err as NepheleError;
    t.equal(e.code, 'TEMPLATE_SYNTAX');
    t.strictSame(e.details, { line, column }, `${JSON.stringify(text)} fails at ${line}:${column}`);
    t.match(e.message, expect);
    t.match(e.message, `line ${line}, column ${column}`, 'the message names the place');
  }
}

t.test('single attributes: unquoted values run to the end of the line or a comment, trimmed', async (t) => {
  t.strictSame(values('NAME = my vm  \nCPU=0.5\nMEMORY\t=\t512 # MiB\nEMPTY =\nALSO_EMPTY = # nothing\n'), [
    ['NAME', 'my vm'],
    ['CPU', '0.5'],
    ['MEMORY', '512'],
    ['EMPTY', ''],
    ['ALSO_EMPTY', ''],
  ]);
  t.strictSame(
    values('REQ = HYPERVISOR=kvm & FREE_CPU > 50'),
    [['REQ', 'HYPERVISOR=kvm & FREE_CPU > 50']],
    'an unquoted value may hold = and blanks',
  );
  t.strictSame(values('LAST = no newline at the end'), [['LAST', 'no newline at the end']]);
});

t.test('quoted values: escapes, # and newlines inside, blanks kept', async (t) => {
  t.strictSame(values(String.raw`A = "say \"hi\""`), [['A', 'say "hi"']]);
  t.strictSame(values(String.raw`A = "C:\\dir\\"`), [['A', 'C:\\dir\\']], '\\\\ is one backslash, even before the closing quote');
  t.strictSame(values(String.raw`A = "a\tb \d+ \x"`), [['A', String.raw`a\tb \d+ \x`]], 'other backslashes are literal');
  t.strictSame(values('A = "# not a comment" # a comment'), [['A', '# not a comment']]);
  t.strictSame(values('A = "  padded  "'), [['A', '  padded  ']]);
  t.strictSame(values('A = ""'), [['A', '']]);
  const multi = parseTemplate('A = "line 1\nline \\"2\\"\n\nline 4"\nB = after\n');
  t.strictSame(
    multi.attributes.map((a) => [a.name, a.value, a.line]),
    [
      ['A', 'line 1\nline "2"\n\nline 4', 1],
      ['B', 'after', 5],
    ],
    'a quoted value spans lines and later line numbers still count',
  );
  t.strictSame(values('A = "crlf\r\ninside"\r\n'), [['A', 'crlf\r\ninside']], 'a quoted value is kept byte for byte');
});

t.test('vectors: across lines, quoted or not, trailing comma, comments, empty', async (t) => {
  t.strictSame(values('DISK = [ IMAGE = "x", TARGET = sda ]'), [['DISK', { IMAGE: 'x', TARGET: 'sda' }]]);
  t.strictSame(
    values(
      [
        'DISK = [',
        '  image = "Ubuntu 22.04",   # the OS',
        '  # a whole-line comment',
        '  Size = 20480 ,',
        '  DEV_PREFIX = vd',
        '  , CACHE = none,',
        ']',
      ].join('\n'),
    ),
    [['DISK', { IMAGE: 'Ubuntu 22.04', SIZE: '20480', DEV_PREFIX: 'vd', CACHE: 'none' }]],
  );
  t.strictSame(
    values('V = [ A = , B = "", C = x y z ]'),
    [['V', { A: '', B: '', C: 'x y z' }]],
    'an unquoted vector value may be empty and may hold blanks',
  );
  t.strictSame(values('V = [ ]\nW = []\n'), [
    ['V', {}],
    ['W', {}],
  ]);
  t.strictSame(values('V = [A=1,B=2,]'), [['V', { A: '1', B: '2' }]]);
  t.strictSame(
    Object.keys(parseTemplate('V = [ Z = 1, A = 2, M = 3 ]').get('V') as object),
    ['Z', 'A', 'M'],
    'keys keep the written order',
  );
  t.strictSame(values('V = [ A = "x" ] # after\n'), [['V', { A: 'x' }]]);
});

t.test('repeats keep their order; names are case-insensitive and stored upper-case', async (t) => {
  const tpl = parseTemplate(
    ['disk = [ image = a ]', 'NIC = [ NETWORK = n1 ]', 'Disk = [ IMAGE = b ]', 'nic = [ network = n2 ]', 'DISK = [ IMAGE = c ]'].join('\n'),
  );
  t.strictSame(
    tpl.attributes.map((a) => `${a.name}:${a.line}`),
    ['DISK:1', 'NIC:2', 'DISK:3', 'NIC:4', 'DISK:5'],
  );
  t.strictSame(tpl.getAll('disk'), [{ IMAGE: 'a' }, { IMAGE: 'b' }, { IMAGE: 'c' }]);
  t.strictSame(tpl.getAll('Nic'), [{ NETWORK: 'n1' }, { NETWORK: 'n2' }]);
  t.strictSame(tpl.getAll('GRAPHICS'), []);
  t.strictSame(tpl.get('disk'), { IMAGE: 'a' }, 'get is the first');
  t.strictSame(values('_x_1 = 1\nA9 = 2'), [
    ['_X_1', '1'],
    ['A9', '2'],
  ]);
});

t.test('comments, blank lines, CRLF, a byte order mark', async (t) => {
  t.strictSame(values(''), []);
  t.strictSame(values('\n\n   \n# only a comment'), []);
  t.strictSame(values('# c1\n\n  # c2\nA = 1 #c3\n#c4'), [['A', '1']]);
  const crlf = parseTemplate('A = 1\r\nB = "two"\r\nV = [\r\n  K = v\r\n]\r\nC = 3\r\n');
  t.strictSame(
    crlf.attributes.map((a) => [a.name, a.value, a.line]),
    [
      ['A', '1', 1],
      ['B', 'two', 2],
      ['V', { K: 'v' }, 3],
      ['C', '3', 6],
    ],
  );
  t.strictSame(values('\uFEFFA = 1'), [['A', '1']]);
  syntaxError(t, '\uFEFF1 = x', 1, 1, 'expected an attribute name');
});

t.test('the helpers: get, getAll, getString, getVector', async (t) => {
  const tpl = parseTemplate('CPU = 1\nOS = [ ARCH = x86_64 ]\nCPU = 2\n');
  t.equal(tpl.get('cpu'), '1');
  t.equal(tpl.get('MEMORY'), undefined);
  t.equal(tpl.getString('Cpu'), '1');
  t.equal(tpl.getString('MEMORY'), undefined);
  t.strictSame(tpl.getVector('os'), { ARCH: 'x86_64' });
  t.equal(tpl.getVector('GRAPHICS'), undefined);
  t.throws(() => tpl.getString('OS'), { code: 'INVALID_TEMPLATE', details: { attribute: 'OS', line: 2 } });
  t.throws(() => tpl.getVector('cpu'), { code: 'INVALID_TEMPLATE', details: { attribute: 'CPU', line: 1 } });
  t.ok(Object.isFrozen(tpl) && Object.isFrozen(tpl.attributes) && Object.isFrozen(tpl.attributes[1]?.value));
});

t.test('createTemplate normalizes names and refuses programming mistakes', async (t) => {
  const tpl = createTemplate([
    { name: 'cpu', value: '1' },
    { name: 'disk', value: { image: 'x' } },
  ]);
  t.strictSame(tpl.attributes, [
    { name: 'CPU', value: '1', line: 0 },
    { name: 'DISK', value: { IMAGE: 'x' }, line: 0 },
  ]);
  t.throws(() => createTemplate([{ name: '1x', value: '' }]), TypeError);
  t.throws(() => createTemplate([{ name: 'A B', value: '' }]), TypeError);
  t.throws(() => createTemplate([{ name: 'V', value: { 'a-b': '' } }]), TypeError);
  t.throws(() => createTemplate([{ name: 'V', value: { a: '1', A: '2' } }]), TypeError);
  t.throws(() => createTemplate([{ name: 'V', value: { A: 1 } as never }]), TypeError);
  t.throws(() => createTemplate([{ name: 'V', value: null as never }]), TypeError);
  t.throws(() => parseTemplate(42 as never), TypeError);
});

t.test('syntax errors name the line, the column and what was expected', async (t) => {
  syntaxError(t, '1A = x', 1, 1, 'expected an attribute name');
  syntaxError(t, 'A = 1\n  = 2', 2, 3, "expected an attribute name, found '='");
  syntaxError(t, 'A = 1\nB x', 2, 3, "expected '=' after B, found 'x'");
  syntaxError(t, 'NAME', 1, 5, "expected '=' after NAME, found the end of the template");
  syntaxError(t, 'NAME\n= x', 1, 5, "expected '=' after NAME, found the end of the line");
  syntaxError(t, 'A-B = 1', 1, 2, "expected '=' after A, found '-'");
  syntaxError(t, 'ÉTÉ = 1', 1, 1, "found 'É'");
  syntaxError(t, 'A = 1\n\u0001', 2, 1, 'found U+0001');
  syntaxError(t, 'A = "x" y', 1, 9, "expected the end of the line after the value of A, found 'y'");
  syntaxError(t, 'A = [ B = 1 ] C = 2', 1, 15, 'expected the end of the line after the value of A');
  syntaxError(t, 'A = 1\nB = "never\nclosed', 2, 5, 'unterminated quoted string');
  syntaxError(t, 'A = "😀😀" !', 1, 10, "found '!'");
  syntaxError(t, 'DISK = [\n  IMAGE = x\n  TARGET = sda ]', 3, 3, "expected ',' or ']' after IMAGE in DISK, found 'T'");
  syntaxError(t, 'DISK = [ IMAGE = x TARGET = sda ]', 1, 27, "a ',' may be missing");
  syntaxError(
    t,
    'DISK = [ IMAGE = x,\n  SIZE = 1',
    2,
    11,
    "expected ',' or ']' after SIZE in DISK (the vector opened at line 1), found the end",
  );
  syntaxError(t, 'DISK = [ IMAGE = "x" "y" ]', 1, 22, "expected ',' or ']' after IMAGE in DISK, found '\"'");
  syntaxError(t, 'DISK = [ IMAGE = a"b" ]', 1, 19, "unexpected '\"' in the value of DISK/IMAGE");
  syntaxError(t, 'DISK = [ IMAGE = [x] ]', 1, 18, "unexpected '[' in the value of DISK/IMAGE");
  syntaxError(t, 'DISK = [ , IMAGE = x ]', 1, 10, "expected a key or ']' in DISK, found ','");
  syntaxError(t, 'DISK = [ IMAGE = x,, SIZE = 1 ]', 1, 20, "expected a key or ']' in DISK");
  syntaxError(t, 'DISK = [ IMAGE\n = x ]', 1, 15, "expected '=' after IMAGE in DISK");
  syntaxError(t, 'DISK = [ IMAGE = x, image = y ]', 1, 21, 'DISK has IMAGE twice');
  syntaxError(t, 'DISK = [ NESTED = [ A = 1 ] ]', 1, 19, "unexpected '['");
});

t.test('the size bounds are TEMPLATE_SYNTAX too', async (t) => {
  const many = 'A = 1\n'.repeat(MAX_TEMPLATE_ATTRIBUTES);
  t.equal(parseTemplate(many).attributes.length, MAX_TEMPLATE_ATTRIBUTES, 'the limit itself is fine');
  syntaxError(t, `${many}# one more:\nB = 2`, MAX_TEMPLATE_ATTRIBUTES + 2, 1, `at most ${MAX_TEMPLATE_ATTRIBUTES} attributes`);

  const atLimit = `A = "${'x'.repeat(MAX_TEMPLATE_BYTES - 6)}"`;
  t.equal(Buffer.byteLength(atLimit), MAX_TEMPLATE_BYTES);
  t.equal((parseTemplate(atLimit).get('A') as string).length, MAX_TEMPLATE_BYTES - 6);
  for (const text of [`${atLimit} `, `A = "${'é'.repeat(MAX_TEMPLATE_BYTES / 2)}"`]) {
    t.throws(
      () => parseTemplate(text),
      {
        code: 'TEMPLATE_SYNTAX',
        details: { maxBytes: MAX_TEMPLATE_BYTES },
        message: /larger than/,
      },
      'too many UTF-8 bytes, counted as bytes not characters',
    );
  }
});

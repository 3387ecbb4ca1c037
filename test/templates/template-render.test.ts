import t from 'tap';
import {
  type Attribute,
  type Template,
  type TemplateValue,
  createTemplate,
  parseTemplate,
  quoteValue,
  renderTemplate,
  withAttribute,
} from '../../src/templates/index.js';
import { pick, prng } from './samples.js';

const withoutLines = (tpl: Template) => tpl.attributes.map(({ name, value }) => ({ name, value }));

t.test('the rendered text: one attribute a line, one pair a line, plain words bare', async (t) => {
  const tpl = parseTemplate('name = web-1\ncpu = 0.5\nDISK = [ image = "Ubuntu 22.04", size = 1024 ]\nEMPTY = []\nnote = "say \\"hi\\""');
  t.equal(
    renderTemplate(tpl),
    [
      'NAME = web-1',
      'CPU = 0.5',
      'DISK = [',
      '  IMAGE = "Ubuntu 22.04",',
      '  SIZE = 1024 ]',
      'EMPTY = [ ]',
      'NOTE = "say \\"hi\\""',
      '',
    ].join('\n'),
  );
  t.equal(renderTemplate(createTemplate([])), '');
});

t.test('quoteValue quotes whatever the parser would not read back bare', async (t) => {
  for (const plain of ['1024', '0.5', 'x86_64', '/var/lib/one/x.qcow2', 'user@host:2633', 'a+b-c%d']) {
    t.equal(quoteValue(plain), plain, `${plain} stays bare`);
  }
  const quoted: Record<string, string> = {
    '': '""',
    'two words': '"two words"',
    ' lead': '" lead"',
    'a#b': '"a#b"',
    'a,b': '"a,b"',
    'a]b': '"a]b"',
    '[x': '"[x"',
    'k=v': '"k=v"',
    'say "hi"': '"say \\"hi\\""',
    'C:\\dir\\': '"C:\\\\dir\\\\"',
    'line\nbreak': '"line\nbreak"',
    été: '"été"',
    '$USER[SSH_PUBLIC_KEY]': '"$USER[SSH_PUBLIC_KEY]"',
  };
  for (const [value, expected] of Object.entries(quoted)) t.equal(quoteValue(value), expected, JSON.stringify(value));
});

t.test('500 random templates built in code survive render then parse', async (t) => {
  const random = prng(0x7e3a);
  const alphabet = ['a', 'Z', '0', '_', ' ', '\t', '"', '\\', '#', ',', '[', ']', '=', '\n', '\r', '\r\n', '$', 'é', '😀', '\\"', '\\\\'];
  const word = (max: number) => Array.from({ length: Math.floor(random() * max) }, () => pick(random, alphabet)).join('');
  const name = () => pick(random, ['A', 'b', '_', 'Cpu', 'DISK', 'x9']) + pick(random, ['', '_1', 'Y', '']);
  let pairs = 0;
  for (let i = 0; i < 500; i++) {
    const attributes: { name: string; value: TemplateValue }[] = [];
    for (let j = Math.floor(random() * 6); j > 0; j--) {
      if (random() < 0.5) {
        attributes.push({ name: name(), value: word(12) });
      } else {
        const vector: Record<string, string> = {};
        for (let k = Math.floor(random() * 5); k > 0; k--) vector[name().toUpperCase()] = word(12);
        pairs += Object.keys(vector).length;
        attributes.push({ name: name(), value: vector });
      }
    }
    const tpl = createTemplate(attributes);
    const text = renderTemplate(tpl);
    const again = parseTemplate(text);
    t.strictSame(withoutLines(again), withoutLines(tpl), `template ${i}:\n${text}`);
  }
  t.ok(pairs > 500, `${pairs} vector pairs`);
});

t.test('rendering a hand-made Template with an invalid name is a TypeError', async (t) => {
  const attributes: Attribute[] = [{ name: 'NOT VALID', value: 'x', line: 0 }];
  const fake = { ...createTemplate([]), attributes } as Template;
  t.throws(() => renderTemplate(fake), TypeError);
  const badKey = { ...createTemplate([]), attributes: [{ name: 'V', value: { 'A B': 'x' }, line: 0 }] } as Template;
  t.throws(() => renderTemplate(badKey), TypeError);
});

t.test('withAttribute sets a single attribute in its place, and leaves a text without it alone', async (t) => {
  const text = '# web\nCPU = 1\nname = web # the old one\nDISK = [ NAME = x ]\nMEMORY = 64\n';
  const renamed = withAttribute(text, 'NAME', 'web 2');
  t.equal(renamed, 'CPU = 1\nNAME = "web 2"\nDISK = [\n  NAME = x ]\nMEMORY = 64\n', 'in its place; vectors keep their keys');
  t.equal(parseTemplate(renamed).getString('NAME'), 'web 2');
  const without = '# no name\nCPU = 1\n';
  t.equal(withAttribute(without, 'NAME', 'x'), without, 'no NAME: the text as it was, comments and all');
  t.equal(withAttribute('V = [ NAME = a ]\n', 'name', 'b'), 'V = [ NAME = a ]\n', 'a vector of that name is not a single attribute');
});

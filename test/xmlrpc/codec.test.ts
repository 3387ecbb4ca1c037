import t from 'tap';
import {
  SHAPE_FAULT,
  XmlRpcDouble,
  XmlRpcParseError,
  decodeCall,
  decodeResponse,
  encodeCall,
  encodeFault,
  encodeResponse,
  escapeText,
} from '../../src/api/transports/xmlrpc/xmlrpc-codec.js';

const limits = { depth: 64 };
const call = (params: string): string =>
  `<?xml version="1.0"?><methodCall><methodName>m</methodName><params>${params}</params></methodCall>`;
const param = (value: string): string => `<param><value>${value}</value></param>`;

t.test('every value type round-trips through a call', async (t) => {
  const params = [
    7,
    -2147483648,
    true,
    false,
    'a <b> & "c" \'d\' ]]> \r\n tab\t',
    '',
    1.5,
    new XmlRpcDouble(2),
    null,
    new Uint8Array([0, 1, 254, 255]),
    [1, ['x', []]],
    { a: 1, b: { c: 'd' }, __proto__: 'a member like any other' },
  ];
  const decoded = decodeCall(encodeCall('one.vm.info', params), limits);
  t.equal(decoded.method, 'one.vm.info');
  const [int, min, yes, no, text, empty, dbl, whole, nil, bytes, arr, struct] = decoded.params;
  t.same(
    [int, min, yes, no, text, empty, dbl, whole, nil],
    [7, -2147483648, true, false, 'a <b> & "c" \'d\' ]]> \r\n tab\t', '', 1.5, 2, null],
  );
  t.same([...(bytes as Uint8Array)], [0, 1, 254, 255]);
  t.same(arr, [1, ['x', []]]);
  t.equal(Object.getPrototypeOf(struct), null, 'a struct has no prototype');
  t.same({ ...(struct as object) }, { a: 1, b: { c: 'd' }, __proto__: 'a member like any other' });
});

t.test("other clients' spellings: untyped strings, i8, int, whitespace between elements, CDATA, entities", async (t) => {
  const body = call(
    [
      param('  plain  '),
      param('<i8>9007199254740991</i8>'),
      param('\n  <int> 42 </int>\n'),
      param('<boolean>true</boolean>'),
      param('<string>&#60;&#x3e;&amp;&quot;&apos;</string>'),
      param('<string><![CDATA[<VM>&amp;</VM>]]></string>'),
      param('<string/>'),
      param(''),
      param('<array><data/></array>'),
      param('<array><data>\n</data></array>'),
      param('<struct></struct>'),
      param('<struct>\n</struct>'),
      param('<nil/>'),
    ].join('\n'),
  );
  t.same(
    decodeCall(body, limits).params.map((p) => (p !== null && typeof p === 'object' && !Array.isArray(p) ? { ...p } : p)),
    ['  plain  ', 9007199254740991, 42, true, '<>&"\'', '<VM>&amp;</VM>', '', '', [], [], {}, {}, null],
  );
  t.same(decodeCall('<methodCall><methodName>one.system.version</methodName></methodCall>', limits).params, [], 'no params at all');
  t.same(decodeCall('<methodCall><methodName>m</methodName><params>\n</params></methodCall>', limits).params, [], 'empty params');
});

t.test('garbage, declarations and wrong shapes are refused with a fault code, never a crash', async (t) => {
  const refused = (body: string, code?: number, message?: RegExp): void => {
    try {
      decodeCall(body, limits);
      t.fail(`accepted: ${body.slice(0, 60)}`);
    } catch (err) {
      t.type(err, XmlRpcParseError, body.slice(0, 60));
      if (code !== undefined) t.equal((err as XmlRpcParseError).code, code);
      if (message !== undefined) t.match((err as Error).message, message);
    }
  };
  refused('', undefined, /well-formed/);
  refused('garbage', undefined, /well-formed/);
  refused('\u0000\u00ff\ufffe<<<>>>');
  refused('<methodCall><methodName>m</methodName><params>', undefined, /well-formed/);
  refused('<a><b>1</a></b>');
  const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><methodCall><methodName>&lol2;</methodName></methodCall>`;
  refused(bomb, undefined, /DOCTYPE/);
  refused('<!DOCTYPE methodCall SYSTEM "file:///etc/passwd"><methodCall><methodName>m</methodName></methodCall>', undefined, /DOCTYPE/);
  refused('<methodCall><methodName>m</methodName><!ENTITY x "y"></methodCall>', undefined, /DOCTYPE or ENTITY/);
  refused(`${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`);
  refused(call(param(`${'<array><data><value>'.repeat(40)}1${'</value></data></array>'.repeat(40)}`)), undefined, /deeper than 64/);
  refused('<methodResponse/>', SHAPE_FAULT, /methodCall/);
  refused('<methodCall><methodName>bad name!</methodName></methodCall>', SHAPE_FAULT);
  refused(call(param('<int>12x</int>')), SHAPE_FAULT, /integer/);
  refused(call(param('<int>4294967296</int>')), SHAPE_FAULT, /32-bit/);
  refused(call(param('<i8>99999999999999999999</i8>')), SHAPE_FAULT);
  refused(call(param('<boolean>2</boolean>')), SHAPE_FAULT);
  refused(call(param('<double>NaN</double>')), SHAPE_FAULT);
  refused(call(param('<base64>!!</base64>')), SHAPE_FAULT);
  refused(call(param('<foo>1</foo>')), SHAPE_FAULT, /not an XML-RPC type/);
  refused(call(param('<int>1</int><string>x</string>')), SHAPE_FAULT);
  refused(call('<param><value>1</value><value>2</value></param>'), SHAPE_FAULT);
  refused(call(param('<struct><member><value>1</value></member></struct>')), SHAPE_FAULT, /name/);
  refused(call(param('<string><b>x</b></string>')), SHAPE_FAULT);
});

t.test('replies: escaped in one place, characters XML cannot carry replaced, faults as XML-RPC has them', async (t) => {
  t.equal(escapeText('<a>&\r'), '&lt;a&gt;&amp;&#13;');
  t.equal(escapeText('ok \u0001 \ud800 x'), 'ok \ufffd \ufffd x');
  t.equal(escapeText('😀'), '😀', 'a surrogate pair is one character');
  const doc = '<VM><NAME>a&b</NAME></VM>';
  const body = encodeResponse([true, doc, 0]);
  t.match(
    body,
    /^<\?xml version="1.0" encoding="UTF-8"\?>\n<methodResponse><params><param><value><array><data><value><boolean>1<\/boolean>/,
  );
  t.match(body, '&lt;VM&gt;&lt;NAME&gt;a&amp;b&lt;/NAME&gt;&lt;/VM&gt;');
  t.same(decodeResponse(body), { ok: true, value: [true, doc, 0] });
  t.same(decodeResponse(encodeResponse([false, '[one.vm.info] no VM 3', 0x400])), {
    ok: true,
    value: [false, '[one.vm.info] no VM 3', 1024],
  });
  t.same(decodeResponse(encodeFault(-503, 'bad <xml>')), { ok: false, code: -503, message: 'bad <xml>' });
  t.throws(() => encodeResponse(Number.NaN));
  t.match(encodeResponse(2 ** 40), '<double>1099511627776</double>', 'a whole number past 32 bits is a double');
});

t.test('a long string is escaped byte by byte exactly as a short one', async (t) => {
  const texts = [
    '<A>x & y > z\r é ✓ \u0001 '.repeat(2000),
    '&'.repeat(40_000),
    'plain'.repeat(10_000),
    `${'<'.repeat(20_000)}a`,
    `${'a'.repeat(16_384)}&&&&`,
  ];
  for (const s of texts) {
    const whole = encodeResponse([true, s, 0]);
    t.ok(whole.includes(`<string>${escapeText(s)}</string>`), `${s.slice(0, 12)}… (${s.length})`);
    const back = decodeResponse(whole);
    t.same(back, { ok: true, value: [true, s.replaceAll('\u0001', '\ufffd'), 0] }, 'and reads back');
  }
});

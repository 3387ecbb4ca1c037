import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * An XML-RPC value as JavaScript holds it: `<int>`/`<i4>`/`<i8>`/`<double>`
 * are numbers, `<base64>` bytes, `<nil/>` null, `<struct>` a plain object
 * without a prototype (a member named `__proto__` is just a member).
 */
export type XmlRpcValue = number | boolean | string | null | Uint8Array | readonly XmlRpcValue[] | XmlRpcStruct;
export interface XmlRpcStruct {
  readonly [member: string]: XmlRpcValue;
}

/** A `<double>` that happens to be whole: without the wrapper, a whole number is sent as `<i4>`. */
export class XmlRpcDouble {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export interface XmlRpcCall {
  readonly method: string;
  readonly params: readonly XmlRpcValue[];
}

/** What a response carries: its value, or a `<fault>`. */
export type XmlRpcResponse =
  | { readonly ok: true; readonly value: XmlRpcValue }
  | { readonly ok: false; readonly code: number; readonly message: string };

/** Why a body was refused: `code` is the fault code sent back (xmlrpc-c's, which OpenNebula's clients know). */
export class XmlRpcParseError extends Error {
  readonly code: number;
  constructor(message: string, code = PARSE_FAULT) {
    super(message);
    this.name = 'XmlRpcParseError';
    this.code = code;
  }
}

/** xmlrpc-c's fault codes for a request it could not parse, or whose shape is not XML-RPC's. */
export const PARSE_FAULT = -503;
export const SHAPE_FAULT = -501;

export interface DecodeLimits {
  /** Deepest element nesting accepted (a value inside an array inside a struct… counts every element). */
  readonly depth: number;
}

// A DOCTYPE is how entities get in (billion laughs, external entities): XML-RPC has no use for one.
const DOCTYPE = /<!DOCTYPE|<!ENTITY/i;

/** Only XML's own five named entities, and numeric references: HTML's are not XML. */
const XML_ENTITIES = Object.freeze({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" });

const parsers = new Map<number, XMLParser>();

function parserFor(depth: number): XMLParser {
  let p = parsers.get(depth);
  if (p === undefined) {
    p = new XMLParser({
      ignoreAttributes: true,
      // Strings stay strings, with their spaces: the value's type is its element's, not a guess.
      parseTagValue: false,
      trimValues: false,
      // The parser takes a map of named entities here (numeric references then decode too); its types say boolean only.
      htmlEntities: XML_ENTITIES as unknown as boolean,
      maxNestedTags: depth,
      isArray: (name) => name === 'param' || name === 'value' || name === 'member',
    });
    parsers.set(depth, p);
  }
  return p;
}

type Node = string | { readonly [k: string]: unknown };

/**
 * A request body into its method and parameters, or an XmlRpcParseError
 * saying why not: a DOCTYPE or entity declaration (never expanded),
 * malformed XML, nesting deeper than `limits.depth`, or a shape that is not
 * a methodCall. The caller bounds the body's size before it gets here.
 */
export function decodeCall(body: string, limits: DecodeLimits): XmlRpcCall {
  if (DOCTYPE.test(body)) throw new XmlRpcParseError('a DOCTYPE or ENTITY declaration is not accepted');
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new XmlRpcParseError(`the request is not well-formed XML (line ${valid.err.line}, column ${valid.err.col})`);
  let doc: Record<string, unknown>;
  try {
    doc = parserFor(limits.depth).parse(body) as Record<string, unknown>;
  } catch (err) {
    const deep = err instanceof Error && /nested/i.test(err.message);
    throw new XmlRpcParseError(deep ? `the request nests elements deeper than ${limits.depth}` : 'the request is not well-formed XML');
  }
  const call = doc.methodCall;
  if (typeof call !== 'object' || call === null || Array.isArray(call)) throw shape('the request is not a methodCall');
  const c = call as Record<string, unknown>;
  if (typeof c.methodName !== 'string' || !/^[A-Za-z0-9_.:/-]{1,128}$/.test(c.methodName))
    throw shape('methodName must be 1-128 letters, digits and _.:/-');
  const params: XmlRpcValue[] = [];
  if (c.params !== undefined && !blank(c.params)) {
    if (typeof c.params !== 'object' || c.params === null || Array.isArray(c.params)) throw shape('params must hold param elements');
    const list = (c.params as Record<string, unknown>).param ?? [];
    for (const p of list as unknown[]) {
      if (typeof p !== 'object' || p === null) throw shape('a param holds one value');
      params.push(one((p as Record<string, unknown>).value, 'a param'));
    }
  }
  return { method: c.methodName, params };
}

function shape(message: string): XmlRpcParseError {
  return new XmlRpcParseError(message, SHAPE_FAULT);
}

/** The single `<value>` of a param or member. */
function one(values: unknown, where: string): XmlRpcValue {
  if (!Array.isArray(values) || values.length !== 1) throw shape(`${where} holds exactly one value`);
  return decodeValue(values[0] as Node);
}

function decodeValue(v: Node): XmlRpcValue {
  // `<value>text</value>` is a string; `<value/>` an empty one.
  if (typeof v === 'string') return v;
  const keys = Object.keys(v).filter((k) => k !== '#text' || !/^\s*$/.test(String(v[k])));
  if (keys.length === 0) return '';
  if (keys.length !== 1) throw shape('a value holds one typed element');
  const type = keys[0] as string;
  const inner = v[type];
  switch (type) {
    case 'int':
    case 'i4':
    case 'i8': {
      const text = scalar(inner, type).trim();
      const n = Number(text);
      if (!/^[+-]?\d{1,19}$/.test(text) || !Number.isSafeInteger(n)) throw shape(`<${type}> holds an integer`);
      if (type !== 'i8' && (n < -2147483648 || n > 2147483647)) throw shape(`<${type}> holds a 32-bit integer`);
      return n;
    }
    case 'boolean': {
      const text = scalar(inner, type).trim();
      if (text === '1' || text === 'true') return true;
      if (text === '0' || text === 'false') return false;
      throw shape('<boolean> holds 0 or 1');
    }
    case 'string':
      return scalar(inner, type);
    case 'double': {
      const text = scalar(inner, type).trim();
      const n = Number(text);
      if (text === '' || !Number.isFinite(n)) throw shape('<double> holds a finite number');
      return n;
    }
    case 'dateTime.iso8601':
      return scalar(inner, type).trim();
    case 'base64': {
      const text = scalar(inner, type).replace(/\s+/g, '');
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw shape('<base64> holds base64');
      return new Uint8Array(Buffer.from(text, 'base64'));
    }
    case 'nil':
      return null;
    case 'array': {
      // Python writes an empty array as <array><data>\n</data></array>: whitespace is empty.
      if (blank(inner)) return [];
      const data = typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>).data : undefined;
      if (data === undefined || blank(data)) return [];
      if (typeof data !== 'object' || data === null || Array.isArray(data)) throw shape('<array> holds one <data>');
      const values = (data as Record<string, unknown>).value ?? [];
      return (values as Node[]).map(decodeValue);
    }
    case 'struct': {
      const out: Record<string, XmlRpcValue> = Object.create(null);
      if (blank(inner)) return out;
      if (typeof inner !== 'object' || inner === null) throw shape('<struct> holds members');
      for (const m of ((inner as Record<string, unknown>).member ?? []) as unknown[]) {
        if (typeof m !== 'object' || m === null) throw shape('a member holds a name and a value');
        const name = (m as Record<string, unknown>).name;
        if (typeof name !== 'string') throw shape('a member has one <name>');
        out[name] = one((m as Record<string, unknown>).value, 'a member');
      }
      return out;
    }
    default:
      throw shape(`<${type.slice(0, 32)}> is not an XML-RPC type`);
  }
}

function blank(x: unknown): boolean {
  return typeof x === 'string' && /^\s*$/.test(x);
}

function scalar(x: unknown, type: string): string {
  if (typeof x === 'string') return x;
  throw shape(`<${type}> holds text only`);
}

// ---------------------------------------------------------------------------
// Encoding: every byte of XML this door sends is built below, and every
// piece of text in it passes through `escapeText`.

/** Characters XML 1.0 cannot carry at all, even escaped: replaced, so that a reply always parses. */
const NOT_XML = /[\0-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SPECIAL = /[&<>\r]/;
const NOT_XML_ALL = new RegExp(NOT_XML.source, 'g');
const SPECIAL_ALL = new RegExp(SPECIAL.source, 'g');
const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };

/** Text as element content: the one place this door escapes. */
export function escapeText(s: string): string {
  const clean = NOT_XML.test(s) ? s.replace(NOT_XML_ALL, '\ufffd') : s;
  return SPECIAL.test(clean) ? clean.replace(SPECIAL_ALL, (c) => ESCAPES[c] as string) : clean;
}

/** Strings at least this long are escaped byte by byte into a buffer (a pool's document): several times faster than a string's replace. */
const LONG_TEXT = 16 * 1024;

const AMP = 38;
const LT = 60;
const GT = 62;
const CR = 13;

/**
 * `escapeText` for a long string, into UTF-8 bytes: the same four
 * characters replaced, the rest copied. UTF-8's multi-byte sequences hold
 * no byte below 0x80, so the ASCII tests cannot split a character.
 */
function escapeTextBytes(s: string): Buffer {
  const src = Buffer.from(NOT_XML.test(s) ? s.replace(NOT_XML_ALL, '\ufffd') : s, 'utf8');
  // Half again as long holds a document's markup escaped; a text that grows more is escaped again, counted first.
  return (
    escapeInto(src, Buffer.allocUnsafe(src.length + (src.length >> 1) + 8)) ??
    (escapeInto(src, Buffer.allocUnsafe(escapedLength(src))) as Buffer)
  );
}

function escapedLength(src: Buffer): number {
  let n = src.length;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as number;
    if (c === LT || c === GT) n += 3;
    else if (c === AMP || c === CR) n += 4;
  }
  return n;
}

/** `src` escaped into `dst`, as a view of what was written; undefined when `dst` is too short. */
function escapeInto(src: Buffer, dst: Buffer): Buffer | undefined {
  // An entity is at most 5 bytes: past `room`, each byte is checked against the end.
  const room = dst.length - 5;
  let j = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as number;
    if (j > room && j + (c === LT || c === GT ? 4 : c === AMP || c === CR ? 5 : 1) > dst.length) return undefined;
    if (c === LT || c === GT) {
      dst[j++] = AMP;
      dst[j++] = c === LT ? 0x6c : 0x67; // l, g
      dst[j++] = 0x74; // t
      dst[j++] = 0x3b; // ;
    } else if (c === AMP) {
      dst[j++] = AMP;
      dst[j++] = 0x61; // a
      dst[j++] = 0x6d; // m
      dst[j++] = 0x70; // p
      dst[j++] = 0x3b;
    } else if (c === CR) {
      dst[j++] = AMP;
      dst[j++] = 0x23; // #
      dst[j++] = 0x31; // 1
      dst[j++] = 0x33; // 3
      dst[j++] = 0x3b;
    } else dst[j++] = c;
  }
  return dst.subarray(0, j);
}

function encodeValue(v: XmlRpcValue | XmlRpcDouble, out: (string | Buffer)[]): void {
  out.push('<value>');
  if (typeof v === 'string') out.push('<string>', v.length >= LONG_TEXT ? escapeTextBytes(v) : escapeText(v), '</string>');
  else if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) out.push('<i4>', String(v), '</i4>');
    else if (Number.isFinite(v)) out.push('<double>', String(v), '</double>');
    else throw new TypeError('XML-RPC has no infinite or NaN number');
  } else if (typeof v === 'boolean') out.push('<boolean>', v ? '1' : '0', '</boolean>');
  else if (v === null) out.push('<nil/>');
  else if (v instanceof XmlRpcDouble) out.push('<double>', String(v.value), '</double>');
  else if (v instanceof Uint8Array) out.push('<base64>', Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'), '</base64>');
  else if (Array.isArray(v)) {
    out.push('<array><data>');
    for (const x of v as readonly XmlRpcValue[]) encodeValue(x, out);
    out.push('</data></array>');
  } else {
    out.push('<struct>');
    for (const [name, x] of Object.entries(v as XmlRpcStruct)) {
      out.push('<member><name>', escapeText(name), '</name>');
      encodeValue(x, out);
      out.push('</member>');
    }
    out.push('</struct>');
  }
  out.push('</value>');
}

const HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A methodResponse carrying `value`, as the UTF-8 bytes sent. */
export function encodeResponseBytes(value: XmlRpcValue): Buffer {
  const out: (string | Buffer)[] = [HEAD, '<methodResponse><params><param>'];
  encodeValue(value, out);
  out.push('</param></params></methodResponse>\n');
  return joinBytes(out);
}

/** A methodResponse carrying `value`. */
export function encodeResponse(value: XmlRpcValue): string {
  return encodeResponseBytes(value).toString('utf8');
}

/** Parts as one buffer: the strings between long texts joined first, so that few small buffers are made. */
function joinBytes(parts: readonly (string | Buffer)[]): Buffer {
  const bufs: Buffer[] = [];
  let run = '';
  for (const p of parts) {
    if (typeof p === 'string') run += p;
    else {
      bufs.push(Buffer.from(run, 'utf8'), p);
      run = '';
    }
  }
  bufs.push(Buffer.from(run, 'utf8'));
  return bufs.length === 1 ? (bufs[0] as Buffer) : Buffer.concat(bufs);
}

/** A methodResponse carrying a fault: for a request that could not be read as a call at all. */
export function encodeFault(code: number, message: string): string {
  const out: (string | Buffer)[] = [HEAD, '<methodResponse><fault>'];
  encodeValue({ faultCode: code, faultString: message }, out);
  out.push('</fault></methodResponse>\n');
  return joinBytes(out).toString('utf8');
}

/** A methodCall: what a client sends (the tests' client, and anyone who needs one). */
export function encodeCall(method: string, params: readonly (XmlRpcValue | XmlRpcDouble)[]): string {
  const out: (string | Buffer)[] = [HEAD, '<methodCall><methodName>', escapeText(method), '</methodName><params>'];
  for (const p of params) {
    out.push('<param>');
    encodeValue(p, out);
    out.push('</param>');
  }
  out.push('</params></methodCall>\n');
  return joinBytes(out).toString('utf8');
}

/** A methodResponse as a client reads it. Throws XmlRpcParseError on anything else. */
export function decodeResponse(body: string, limits: DecodeLimits = { depth: 256 }): XmlRpcResponse {
  if (DOCTYPE.test(body)) throw new XmlRpcParseError('a DOCTYPE or ENTITY declaration is not accepted');
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new XmlRpcParseError('the response is not well-formed XML');
  const doc = parserFor(limits.depth).parse(body) as Record<string, unknown>;
  const r = doc.methodResponse as Record<string, unknown> | undefined;
  if (typeof r !== 'object' || r === null) throw shape('the response is not a methodResponse');
  if (r.fault !== undefined) {
    const f = one((r.fault as Record<string, unknown>).value, 'a fault') as Record<string, XmlRpcValue>;
    return { ok: false, code: Number(f.faultCode), message: String(f.faultString) };
  }
  const params = (r.params as Record<string, unknown> | undefined)?.param as unknown[] | undefined;
  if (params?.length !== 1) throw shape('a response holds one param');
  return { ok: true, value: one((params[0] as Record<string, unknown>).value, 'a param') };
}

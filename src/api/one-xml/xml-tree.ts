/**
 * A tiny element tree for OpenNebula's documents, and the one place where
 * text becomes XML: every value goes through `escapeText` or `cdataText`
 * here, never through string concatenation elsewhere. Elements carry no
 * attributes (OpenNebula's documents have none), so only names and text
 * need care.
 */

/** One element: either children or text (an element with neither is written `<NAME/>`). */
export interface XmlElement {
  readonly name: string;
  readonly children: readonly XmlElement[] | undefined;
  readonly text: string | undefined;
  /** Written as a CDATA section, as OpenNebula writes template values. */
  readonly cdata: boolean;
}

/** What a builder may hand to `el`: absent members are skipped, so optional elements read as one expression. */
export type XmlChild = XmlElement | undefined | false | readonly (XmlElement | undefined | false)[];

// Names come from our own code or from template attribute names (`[A-Za-z_][A-Za-z0-9_]*` by the parser).
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

function checkName(name: string): string {
  if (!NAME.test(name)) throw new TypeError(`invalid XML element name ${JSON.stringify(name)}`);
  return name;
}

/** An element with children; `undefined`/`false` children are left out, arrays are flattened one level. */
export function el(name: string, children: readonly XmlChild[] = []): XmlElement {
  const kids: XmlElement[] = [];
  for (const c of children) {
    if (c === undefined || c === false) continue;
    if (Array.isArray(c)) {
      for (const d of c as readonly (XmlElement | undefined | false)[]) if (d !== undefined && d !== false) kids.push(d);
    } else kids.push(c as XmlElement);
  }
  return { name: checkName(name), children: kids, text: undefined, cdata: false };
}

/** An element holding a value as escaped text (numbers as JavaScript writes them). */
export function text(name: string, value: string | number): XmlElement {
  return { name: checkName(name), children: undefined, text: String(value), cdata: false };
}

/** An element holding a value in a CDATA section, as OpenNebula writes template attributes. */
export function cdata(name: string, value: string): XmlElement {
  return { name: checkName(name), children: undefined, text: value, cdata: true };
}

/** An element of `ID`s, OpenNebula's IDS type (`<VMS><ID>3</ID></VMS>`). */
export function ids(name: string, values: readonly number[]): XmlElement {
  return el(
    name,
    values.map((v) => text('ID', v)),
  );
}

/**
 * Characters XML 1.0 cannot carry at all, not even as a character
 * reference: C0 controls other than tab, newline and carriage return,
 * U+FFFE/U+FFFF and unpaired surrogates. They become U+FFFD, so a name or
 * template holding one still gives a well-formed document.
 */
const FORBIDDEN =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NEEDS_TEXT_ESCAPE = /[&<>\r]/;
const NEEDS_CDATA_SPLIT = /\]\]>|\r/;

/** XML's replacement for what it cannot carry. */
export const REPLACEMENT = '\uFFFD';

function clean(s: string): string {
  FORBIDDEN.lastIndex = 0;
  return FORBIDDEN.test(s) ? s.replace(FORBIDDEN, REPLACEMENT) : s;
}

/** Text content: `&`, `<`, `>` as entities; CR as a reference, since a parser would turn a literal one into LF. */
export function escapeText(value: string): string {
  const s = clean(value);
  if (!NEEDS_TEXT_ESCAPE.test(s)) return s;
  return s.replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#13;'));
}

/**
 * A CDATA section for `value`. A `]]>` inside would end it early, so the
 * section is closed between `]]` and `>` and reopened; a CR is written as a
 * reference between two sections for the same reason as in `escapeText`.
 */
export function cdataText(value: string): string {
  const s = clean(value);
  if (!NEEDS_CDATA_SPLIT.test(s)) return `<![CDATA[${s}]]>`;
  const body = s.replaceAll(']]>', ']]]]><![CDATA[>').replaceAll('\r', ']]>&#13;<![CDATA[');
  return `<![CDATA[${body}]]>`;
}

function write(e: XmlElement): string {
  if (e.text !== undefined) {
    if (e.text === '') return `<${e.name}/>`;
    return `<${e.name}>${e.cdata ? cdataText(e.text) : escapeText(e.text)}</${e.name}>`;
  }
  const kids = e.children;
  if (kids === undefined || kids.length === 0) return `<${e.name}/>`;
  let out = `<${e.name}>`;
  for (const k of kids) out += write(k);
  return `${out}</${e.name}>`;
}

/** The document's text: no XML declaration and no namespace, as oned's replies. */
export function serialize(root: XmlElement): string {
  return write(root);
}

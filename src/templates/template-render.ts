/**
 * Writes a Template back as text that parseTemplate reads to the same
 * attributes: one attribute a line, vectors one pair a line, values quoted
 * unless they are plain words.
 */
import { type Template, type TemplateValue, createTemplate, isAttributeName, isVector } from './template.js';
import { parseTemplate } from './template-parser.js';

/** Letters, digits and `_ . - : / @ + %`: safe unquoted both at top level and in a vector. */
function isPlain(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    const ok =
      (c >= 0x30 && c <= 0x39) ||
      (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0x5f ||
      c === 0x2e ||
      c === 0x2d ||
      c === 0x3a ||
      c === 0x2f ||
      c === 0x40 ||
      c === 0x2b ||
      c === 0x25;
    if (!ok) return false;
  }
  return true;
}

/** A value as template text: bare when plain, else double-quoted with `\` and `"` escaped. */
export function quoteValue(value: string): string {
  if (isPlain(value)) return value;
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

function checkName(name: string): string {
  if (!isAttributeName(name)) throw new TypeError(`cannot render attribute name ${JSON.stringify(name)}`);
  return name;
}

function renderValue(value: TemplateValue): string {
  if (!isVector(value)) return quoteValue(value);
  const pairs = Object.entries(value).map(([key, v]) => `  ${checkName(key)} = ${quoteValue(v)}`);
  return pairs.length === 0 ? '[ ]' : `[\n${pairs.join(',\n')} ]`;
}

/**
 * Renders a template; `parseTemplate(renderTemplate(t))` has the same
 * attributes as `t` (names, values, order), only line numbers differ.
 * Comments and the original layout are not kept.
 */
export function renderTemplate(template: Template): string {
  return template.attributes.map((a) => `${checkName(a.name)} = ${renderValue(a.value)}\n`).join('');
}

/**
 * `text` with every single-valued attribute `name` set to `value`, in its
 * place; the text itself when it has no such attribute. Used where a rename
 * must reach the NAME a stored template holds. The text is rendered anew, so
 * its comments and layout go.
 */
export function withAttribute(text: string, name: string, value: string): string {
  const key = name.toUpperCase();
  const t = parseTemplate(text);
  if (!t.attributes.some((a) => a.name === key && !isVector(a.value))) return text;
  return renderTemplate(createTemplate(t.attributes.map((a) => (a.name === key && !isVector(a.value) ? { ...a, value } : a))));
}

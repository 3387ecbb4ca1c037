/**
 * Template text → TEMPLATE children, as OpenNebula writes a template: its
 * attributes sorted by name (OpenNebula keeps them in a std::multimap; a
 * repeated name keeps its order), a vector as an element of its pairs
 * sorted by key (a std::map), every value in a CDATA section.
 */
import { isVector, parseTemplate, type Attribute, type TemplateValue } from '../../templates/index.js';
import { cdata, el, type XmlElement } from './xml-tree.js';

/**
 * The attributes of a stored template. Stored templates were parsed when
 * they were accepted; one that no longer parses (written by an older
 * Nephele) shows no attributes rather than failing the whole document.
 */
export function templateAttributes(text: string): readonly Attribute[] {
  if (text.trim() === '') return [];
  try {
    return parseTemplate(text).attributes;
  } catch {
    return [];
  }
}

/**
 * Parsed templates by their text, bounded: a pool's document parses the
 * template of every VM, and VMs made from one template share its text.
 * Owned by whoever builds documents for many calls (the XML-RPC door) and
 * handed to the builders in their context.
 */
export class TemplateCache {
  private readonly max: number;
  private readonly parsed = new Map<string, readonly Attribute[]>();

  /** @param max texts kept; the least recently used goes first. @default 4096 */
  constructor(max = 4096) {
    this.max = max;
  }

  attributes(text: string): readonly Attribute[] {
    const hit = this.parsed.get(text);
    if (hit !== undefined) {
      // Most recently used last: a Map iterates in insertion order.
      this.parsed.delete(text);
      this.parsed.set(text, hit);
      return hit;
    }
    const attrs = templateAttributes(text);
    this.parsed.set(text, attrs);
    if (this.parsed.size > this.max) this.parsed.delete(this.parsed.keys().next().value as string);
    return attrs;
  }
}

function byName(a: { readonly name: string }, b: { readonly name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Attributes in OpenNebula's order; Array.prototype.sort is stable, so repeats keep theirs. */
export function sortedAttributes<A extends { readonly name: string }>(attrs: readonly A[]): A[] {
  return [...attrs].sort(byName);
}

/** One attribute as an element: `<NAME><![CDATA[v]]></NAME>` or `<NAME><K><![CDATA[v]]></K>…</NAME>`. */
export function attributeXml(name: string, value: TemplateValue): XmlElement {
  if (!isVector(value)) return cdata(name, value);
  return vectorXml(name, value);
}

/** A vector's pairs, keys sorted. */
export function vectorXml(name: string, pairs: Readonly<Record<string, string>>): XmlElement {
  return el(
    name,
    Object.keys(pairs)
      .sort()
      .map((k) => cdata(k, pairs[k] as string)),
  );
}

/** `<TEMPLATE>` of a template's text (or of given attributes), sorted as OpenNebula's. */
export function templateElement(attrs: readonly { readonly name: string; readonly value: TemplateValue }[], root = 'TEMPLATE'): XmlElement {
  return el(
    root,
    sortedAttributes(attrs).map((a) => attributeXml(a.name, a.value)),
  );
}

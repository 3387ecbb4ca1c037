/**
 * An object's own template attributes as OpenNebula's `update` calls keep
 * them (a VM's USER_TEMPLATE, a network's or a user's TEMPLATE): parsed
 * from template text, bounded, replaced whole or merged (append) as
 * PoolObjectSQL::replace_template and Template::merge do, and guarded by
 * OpenNebula's restricted attributes (Template::check_restricted).
 */
import { NepheleError } from '../errors.js';
import { textProblem, type TextRule } from '../protocol/field-limits.js';
import { isVector, type TemplateValue } from './template.js';
import { parseTemplate } from './template-parser.js';

/** One attribute: a single value or a vector of pairs, names upper-case, in the order written. */
export interface TemplateAttribute {
  readonly name: string;
  readonly value: TemplateValue;
}

/** How much an object's attributes may hold. */
export interface AttributeLimits {
  /** Attributes (a vector counts once). */
  readonly maxAttributes: number;
  /** Every value, a vector's pairs included. */
  readonly value: TextRule;
  /** Names and values together, in UTF-16 code units: what one record keeps. */
  readonly maxChars: number;
}

/**
 * The default bounds: notes, labels and keys, not a store. 256 attributes,
 * values up to 4096 characters without control characters but tab and
 * newline (image.update's rule), 64 Ki characters in all.
 */
export const ATTRIBUTE_LIMITS: AttributeLimits = Object.freeze({
  maxAttributes: 256,
  value: Object.freeze({
    min: 0,
    max: 4096,
    pattern: /^[^\0-\x08\x0b-\x1f\x7f]*$/,
    expected: 'text without control characters but tab and newline',
  }),
  maxChars: 65_536,
});

function tooMany(what: string, attribute: string, max: number): NepheleError {
  return new NepheleError('INVALID_TEMPLATE', `${what} may have at most ${max} attributes`, { details: { attribute, max } });
}

/**
 * Checks `attributes` against `limits`: INVALID_TEMPLATE naming the
 * attribute for a value over the rule, too many attributes, or too many
 * characters in all (`what` names the template in the message).
 */
export function checkAttributes(attributes: readonly TemplateAttribute[], what: string, limits: AttributeLimits = ATTRIBUTE_LIMITS): void {
  if (attributes.length > limits.maxAttributes) throw tooMany(what, attributes[limits.maxAttributes]?.name ?? '', limits.maxAttributes);
  let chars = 0;
  for (const { name, value } of attributes) {
    chars += name.length;
    const pairs = isVector(value) ? Object.entries(value) : [['', value] as const];
    for (const [key, v] of pairs) {
      chars += key.length + v.length;
      const problem = textProblem(limits.value, v);
      if (problem !== undefined) {
        throw new NepheleError('INVALID_TEMPLATE', `${key === '' ? name : `${name}/${key}`} ${problem}`, { details: { attribute: name } });
      }
    }
    if (chars > limits.maxChars) {
      throw new NepheleError('INVALID_TEMPLATE', `${what} may hold at most ${limits.maxChars} characters`, {
        details: { attribute: name, maxChars: limits.maxChars },
      });
    }
  }
}

/**
 * The attributes of `text`, in order, checked as checkAttributes does.
 * TEMPLATE_SYNTAX when it does not parse. An empty text has none.
 */
export function parseAttributes(text: string, what: string, limits: AttributeLimits = ATTRIBUTE_LIMITS): TemplateAttribute[] {
  const attributes = parseTemplate(text).attributes.map(({ name, value }) => ({ name, value: isVector(value) ? { ...value } : value }));
  checkAttributes(attributes, what, limits);
  return attributes;
}

/**
 * OpenNebula's update: `next` whole (replace), or with `append` the current
 * attributes less every name `next` sets, then `next`'s; an empty vector
 * only removes (Template::merge).
 */
export function mergeAttributes(
  current: readonly TemplateAttribute[],
  next: readonly TemplateAttribute[],
  append: boolean,
): TemplateAttribute[] {
  if (!append) return [...next];
  const names = new Set(next.map((a) => a.name));
  return [...current.filter((a) => !names.has(a.name)), ...next.filter((a) => !isVector(a.value) || Object.keys(a.value).length > 0)];
}

/** `NAME` or `VECTOR/KEY`, as oned.conf's *_RESTRICTED_ATTR write them. */
export type RestrictedAttribute = string;

function singleValue(attributes: readonly TemplateAttribute[], name: string): string | undefined {
  const a = attributes.find((x) => x.name === name && !isVector(x.value));
  return a === undefined ? undefined : (a.value as string);
}

/** The sorted `KEY + value` strings of every `vector` attribute's restricted keys, and whether any such vector exists. */
function restrictedValues(
  attributes: readonly TemplateAttribute[],
  vector: string,
  keys: readonly string[],
): { exists: boolean; values: string[] } {
  const vectors = attributes.filter((a) => a.name === vector && isVector(a.value));
  const values = vectors.flatMap((a) =>
    keys.flatMap((k) => ((a.value as Record<string, string>)[k] === undefined ? [] : [k + (a.value as Record<string, string>)[k]])),
  );
  return { exists: vectors.length > 0, values: values.sort() };
}

/**
 * OpenNebula's Template::check_restricted, for a caller who is not an
 * administrator: a restricted single attribute `next` gives must equal the
 * current one, and a replace keeps the current one when `next` leaves it
 * out; the restricted keys of a vector must stay as they are. A change is
 * NOT_AUTHORIZED (details `{ attribute }`). Returns `next`, with what a
 * replace keeps added.
 */
export function keepRestricted(
  current: readonly TemplateAttribute[],
  next: readonly TemplateAttribute[],
  restricted: readonly RestrictedAttribute[],
  append: boolean,
): TemplateAttribute[] {
  const out = [...next];
  const vectors = new Map<string, string[]>();
  for (const r of restricted) {
    const [vector, key] = r.split('/');
    if (vector === undefined) continue;
    if (key === undefined) {
      const given = singleValue(next, vector);
      const kept = singleValue(current, vector);
      if (given !== undefined && given !== kept) throw restrictedError(vector);
      if (given === undefined && kept !== undefined && !append) out.push({ name: vector, value: kept });
    } else vectors.set(vector, [...(vectors.get(vector) ?? []), key]);
  }
  for (const [vector, keys] of vectors) {
    const given = restrictedValues(next, vector, keys);
    const base = restrictedValues(current, vector, keys);
    const touched = given.exists || (!append && base.exists);
    if (touched && given.values.join('\n') !== base.values.join('\n')) throw restrictedError(vector);
  }
  return out;
}

function restrictedError(attribute: string): NepheleError {
  return new NepheleError('NOT_AUTHORIZED', `only an administrator sets or changes the restricted attribute ${attribute}`, {
    details: { attribute },
  });
}

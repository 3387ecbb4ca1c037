/**
 * An image's own template (`oneimage update`): OpenNebula's attributes,
 * parsed by src/templates and kept as written, replaced whole or merged
 * (append) as OpenNebula's PoolObjectSQL::replace_template and
 * append_template do. oned reads none of them but DESCRIPTION.
 */
import { NepheleError } from '../errors.js';
import { textProblem, type TextRule } from '../protocol/field-limits.js';
import { parseTemplate } from '../templates/index.js';
import type { ImageAttribute, ImageRecord } from './image-record.js';

/** At most this many attributes: an image's template is a note, not a store. */
export const MAX_IMAGE_ATTRIBUTES = 256;

/** Every value (DESCRIPTION's rule at `image.allocate`): up to 4096 characters, no control characters but tab and newline. */
export const IMAGE_ATTRIBUTE_VALUE: TextRule = Object.freeze({
  min: 0,
  max: 4096,
  pattern: /^[^\0-\x08\x0b-\x1f\x7f]*$/,
  expected: 'text without control characters but tab and newline',
});

/**
 * OpenNebula's IMAGE_RESTRICTED_ATTR (oned.conf): only an administrator
 * sets or changes them; another user's update keeps them as they are.
 */
export const RESTRICTED_IMAGE_ATTRIBUTES: readonly string[] = Object.freeze(['SOURCE', 'VCENTER_IMPORTED']);

function invalid(attribute: string, why: string): NepheleError {
  return new NepheleError('INVALID_TEMPLATE', `${attribute} ${why}`, { details: { attribute } });
}

/**
 * The attributes of `text`, in order. TEMPLATE_SYNTAX when it does not
 * parse; INVALID_TEMPLATE (details `{ attribute }`) for a value over
 * IMAGE_ATTRIBUTE_VALUE or more than MAX_IMAGE_ATTRIBUTES attributes.
 */
export function parseImageTemplate(text: string): ImageAttribute[] {
  const attributes = parseTemplate(text).attributes;
  if (attributes.length > MAX_IMAGE_ATTRIBUTES) {
    throw new NepheleError('INVALID_TEMPLATE', `an image's template may have at most ${MAX_IMAGE_ATTRIBUTES} attributes`, {
      details: { attribute: attributes[MAX_IMAGE_ATTRIBUTES]?.name ?? '', max: MAX_IMAGE_ATTRIBUTES },
    });
  }
  return attributes.map(({ name, value }) => {
    const values = typeof value === 'string' ? [value] : Object.values(value);
    for (const v of values) {
      const problem = textProblem(IMAGE_ATTRIBUTE_VALUE, v);
      if (problem !== undefined) throw invalid(name, problem);
    }
    return { name, value: typeof value === 'string' ? value : { ...value } };
  });
}

const named = (attributes: readonly ImageAttribute[], name: string): ImageAttribute[] => attributes.filter((a) => a.name === name);

const same = (a: readonly ImageAttribute[], b: readonly ImageAttribute[]): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The template after an update: `next` whole, or with `append` the current
 * attributes less every name `next` sets, then `next`'s (an empty vector
 * only removes, as OpenNebula's merge). A non-administrator's update keeps
 * the restricted attributes as they are: changing one is NOT_AUTHORIZED.
 */
export function updatedTemplate(
  current: readonly ImageAttribute[],
  next: readonly ImageAttribute[],
  options: { readonly append: boolean; readonly admin: boolean },
): ImageAttribute[] {
  let out: ImageAttribute[];
  if (options.append) {
    const names = new Set(next.map((a) => a.name));
    out = [
      ...current.filter((a) => !names.has(a.name)),
      ...next.filter((a) => typeof a.value === 'string' || Object.keys(a.value).length > 0),
    ];
  } else {
    out = [...next];
  }
  if (options.admin) return out;
  for (const name of RESTRICTED_IMAGE_ATTRIBUTES) {
    const given = named(next, name);
    const kept = named(current, name);
    if (given.length > 0 && !same(given, kept)) {
      throw new NepheleError('NOT_AUTHORIZED', `only an administrator sets the image attribute ${name}`, { details: { attribute: name } });
    }
    if (given.length === 0 && !options.append) out.push(...kept);
  }
  return out;
}

/** The DESCRIPTION a template holds (the first, as a single value), or ''. */
export function descriptionOf(template: readonly ImageAttribute[]): string {
  const value = template.find((a) => a.name === 'DESCRIPTION')?.value;
  return typeof value === 'string' ? value : '';
}

/** The template of a new image: its DESCRIPTION, when it has one. */
export function initialTemplate(description: string): ImageAttribute[] {
  return description === '' ? [] : [{ name: 'DESCRIPTION', value: description }];
}

/** A record as an older oned stored it: without its template. */
export type StoredImage = Omit<ImageRecord, 'template'> & { readonly template?: readonly ImageAttribute[] };

/** A stored record as this oned uses it: one written before templates gets its DESCRIPTION as its template. */
export function loadedImage(stored: StoredImage): ImageRecord {
  return stored.template === undefined ? { ...stored, template: initialTemplate(stored.description) } : (stored as ImageRecord);
}

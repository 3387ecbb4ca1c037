/**
 * A user's TEMPLATE (`oneuser update`): attributes the user keeps for
 * themselves and their tools (SSH_PUBLIC_KEY, LABELS, …), replaced or
 * merged as OpenNebula's user.update does. Oned reads none of them.
 */
import { NepheleError } from '../errors.js';
import {
  checkAttributes,
  keepRestricted,
  mergeAttributes,
  parseAttributes,
  type TemplateAttribute,
} from '../templates/template-attributes.js';

/**
 * OpenNebula 6.10's USER_RESTRICTED_ATTR (oned.conf): a user's own sets of
 * VM operations. Only an administrator may set them there; Nephele does not
 * implement per-user operation sets, so it refuses them rather than keep
 * an attribute that would seem to change what the user may do.
 */
export const USER_RESTRICTED_ATTRIBUTES: readonly string[] = Object.freeze([
  'VM_USE_OPERATIONS',
  'VM_MANAGE_OPERATIONS',
  'VM_ADMIN_OPERATIONS',
]);

const WHAT = "a user's template";

/**
 * The template after an update: `text` whole, or with `append` merged in.
 * A restricted attribute is NOT_AUTHORIZED for a user who is not an
 * administrator (OpenNebula's rule) and INVALID_TEMPLATE (unsupported) for
 * an administrator; the limits of src/templates/template-attributes.ts
 * hold for what is sent and for the result.
 */
export function updatedUserTemplate(
  current: readonly TemplateAttribute[],
  text: string,
  options: { readonly append: boolean; readonly admin: boolean },
): TemplateAttribute[] {
  let next = parseAttributes(text, WHAT);
  if (!options.admin) next = keepRestricted(current, next, USER_RESTRICTED_ATTRIBUTES, options.append);
  const unsupported = next.find((a) => USER_RESTRICTED_ATTRIBUTES.includes(a.name));
  if (unsupported !== undefined) {
    throw new NepheleError('INVALID_TEMPLATE', `${unsupported.name}: per-user sets of VM operations are not supported`, {
      details: { attribute: unsupported.name },
    });
  }
  const template = mergeAttributes(current, next, options.append);
  checkAttributes(template, WHAT);
  return template;
}

import { NepheleError, type ErrorCode } from '../errors.js';

/** At most this many characters, as OpenNebula's names. */
export const MAX_IMAGE_NAME = 128;

/**
 * Letters and digits of any script, then also spaces and `. _ + - : @ , =`.
 * No path separators, no shell metacharacters (`; & | $ \` < > ( ) { } [ ] * ? ! ~ ' " \`),
 * no control characters: a name ends up in log lines, VM templates and
 * shell sessions, never in a path.
 */
const NAME_RE = /^[\p{L}\p{N}_][\p{L}\p{N}_ .+:@,=-]*$/u;

/** Why `name` is not a valid image name, or undefined when it is. */
export function imageNameProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0) return 'must be a non-empty string';
  if ([...name].length > MAX_IMAGE_NAME) return `must be at most ${MAX_IMAGE_NAME} characters`;
  if (name.startsWith('-')) return 'must not start with -';
  if (name.includes('..')) return 'must not contain ..';
  if (name.endsWith(' ')) return 'must not end with a space';
  if (!NAME_RE.test(name))
    return 'may hold letters, digits, spaces and . _ + - : @ , = only (no /, shell metacharacters or control characters)';
  return undefined;
}

/**
 * Refuses an invalid image name: INVALID_ARGUMENT from the API, or
 * INVALID_TEMPLATE for a name taken from a template (`code`), naming the
 * field (details `{ field }` or `{ attribute }`).
 */
export function checkImageName(
  name: unknown,
  field = 'name',
  code: Extract<ErrorCode, 'INVALID_ARGUMENT' | 'INVALID_TEMPLATE'> = 'INVALID_ARGUMENT',
): string {
  const problem = imageNameProblem(name);
  if (problem === undefined) return name as string;
  throw new NepheleError(code, `${field} ${problem}`, { details: code === 'INVALID_TEMPLATE' ? { attribute: field } : { field } });
}

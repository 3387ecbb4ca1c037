/**
 * Names and values quoted in error messages come from user input and may be
 * up to a megabyte long: messages show the start only.
 */
export function excerpt(text: string, max = 40): string {
  const chars = [...text.slice(0, max * 2)];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
}

/** JSON-quoted excerpt, for values in messages. */
export function quoted(text: string, max = 40): string {
  return JSON.stringify(excerpt(text, max));
}

/**
 * What the CLIs print comes from the server, and much of it from users: a VM
 * named `\x1b]0;…\x07` or `\x1b[2J` would otherwise drive the administrator's
 * terminal (retitle it, clear it, hide text, on some terminals even write
 * into its input), and a bidi override would make `onevm list` show text in
 * another order than it holds. Every CLI output path goes through here.
 */

/**
 * C0 controls, DEL, C1 controls (U+0080–U+009F; `\x9b` is CSI on some
 * terminals), and the bidi embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same, less newline and tab: the line breaks of multi-line text (a template, `show`'s sections). */
const UNSAFE_IN_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw (it escapes C0 itself). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named !== undefined) return named;
  const code = ch.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export interface EscapeOptions {
  /**
   * Keep newlines and tabs: for whole multi-line outputs. A table cell or
   * one value on one line escapes them too, so it cannot forge a row.
   * @default false
   */
  readonly lines?: boolean;
}

/**
 * `text` with every terminal control shown visibly instead: `\x1b`, `\x07`,
 * `\x00`, `\x9b`, `\u202e`, `\n`. Printable text, backslashes included, is
 * left as it is, so the output is for reading, not for parsing (`--json` is
 * for parsing). Applying it twice changes nothing more.
 */
export function escapeControls(text: string, options: EscapeOptions = {}): string {
  return text.replace(options.lines === true ? UNSAFE_IN_LINES : UNSAFE, visible);
}

/**
 * `value` as indented JSON that holds no terminal control: JSON.stringify
 * already writes C0 controls as `\u001b`; DEL, C1 and the bidi controls are
 * written as `\u007f`, `\u009b`, `\u202e` too. The JSON parses back to the
 * same value.
 */
export function jsonText(value: unknown): string {
  const json = JSON.stringify(value, null, 2) ?? 'null';
  return `${json.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/**
 * A `show` output from its lines, each escaped as one line: a value holding
 * a newline cannot forge a line of its own. Text that is multi-line by
 * design (a nested table, a template) is passed split into its lines.
 */
export function showText(lines: readonly string[]): string {
  return `${lines.map((line) => escapeControls(line)).join('\n')}\n`;
}
